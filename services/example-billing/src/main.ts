import { createConsumerService, stopOnSignals } from '@choreo/consumer-kit';

import { billingService } from './declaration';
import { billingHandlers } from './handlers';
import { openLedger } from './ledger';

const ledger = await openLedger();
const service = createConsumerService({
  ...billingService,
  source: billingService.name,
  handlers: billingHandlers(ledger),
  httpPort: Number(process.env.PORT ?? 9471),
  httpHost: process.env.HTTP_HOST,
});

stopOnSignals(service, () => ledger.close());
await service.start();
