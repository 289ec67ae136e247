import { createConsumerService, stopOnSignals } from '@choreo/consumer-kit';

import { erpService } from './declaration';
import { erpHandlers } from './handlers';

const service = createConsumerService({
  ...erpService,
  source: erpService.name,
  handlers: erpHandlers(process.env.ERP_URL ?? 'http://127.0.0.1:9480'),
  httpPort: Number(process.env.PORT ?? 9472),
  httpHost: process.env.HTTP_HOST,
});

stopOnSignals(service);
await service.start();
