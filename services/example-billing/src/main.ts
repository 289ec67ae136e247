import { createConsumerService, stopOnSignals } from '@choreo/consumer-kit';

import { billingService } from './declaration';
import { billingHandlers } from './handlers';
import { openLedger } from './ledger';

const ledger = await openLedger();
const service = createConsumerService({
  ...billingService,
  // GROUP_ID runs a copy under another group, with its own offsets, retry topics and dedupe records.
  // The drills use it, so they never move the offsets of the declared group.
  groupId: process.env.GROUP_ID || billingService.groupId,
  source: billingService.name,
  handlers: billingHandlers(ledger),
  httpPort: Number(process.env.PORT ?? 9471),
  httpHost: process.env.HTTP_HOST,
});

stopOnSignals(service, () => ledger.close());
await service.start();
