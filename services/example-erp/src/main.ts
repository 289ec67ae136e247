import { createConsumerService, stopOnSignals } from '@choreo/consumer-kit';

import { erpService } from './declaration';
import { erpHandlers } from './handlers';

const service = createConsumerService({
  ...erpService,
  // GROUP_ID runs a copy under another group, with its own offsets, retry topics and dedupe records.
  // The drills use it, so they never move the offsets of the declared group.
  groupId: process.env.GROUP_ID || erpService.groupId,
  circuit: circuitFromEnv(),
  source: erpService.name,
  handlers: erpHandlers(process.env.ERP_URL ?? 'http://127.0.0.1:9480'),
  httpPort: Number(process.env.PORT ?? 9472),
  httpHost: process.env.HTTP_HOST,
});

stopOnSignals(service);
await service.start();

/** Reads `CIRCUIT_COOL_DOWN_MS`, the retry-storm guard's first pause. Unset keeps the kit's default of 10 s. */
function circuitFromEnv(): { coolDownMs: number } | undefined {
  const text = process.env.CIRCUIT_COOL_DOWN_MS;
  if (text === undefined || text === '') return undefined;

  const coolDownMs = Number(text);
  if (!Number.isInteger(coolDownMs) || coolDownMs <= 0) {
    throw new Error(`CIRCUIT_COOL_DOWN_MS must be a positive whole number of milliseconds, got "${text}"`);
  }
  return { coolDownMs };
}
