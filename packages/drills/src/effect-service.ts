/**
 * The drills' consumer service. For each placed order it writes one side effect, keyed by the event
 * id, to a PostgreSQL table (see EffectTable). Environment:
 * - `GROUP_ID`, `EFFECTS_TABLE`: required; `EFFECTS_DATABASE_URL` unset uses the local PostgreSQL.
 * - `PORT`: port of `/metrics` and `/readyz`; unset picks a free one.
 * - `DEDUPE_LEASE_MS`: the kit's dedupe lease; unset keeps the kit's default.
 * - `INSTANCE`: name written with each side effect; unset uses the process id.
 * - `CRASH_AFTER_EFFECT_EVENT_ID`: after writing this event's side effect the process kills itself
 *   with SIGKILL, before the kit records the event as done and commits its offset.
 * - `HANG_EVENT_ID`: the handler of this event waits `HANG_MS` (unset: 120000) before writing,
 *   holding the event's lease, so that a drill can kill the process mid-handler.
 */
import { type Handler, createConsumerService, stopOnSignals } from '@choreo/consumer-kit';
import type { OrderPlaced } from '@choreo/contracts';

import { CRASH_MESSAGE, EffectTable, HANG_STARTED_MESSAGE } from './effects';

const groupId = requiredEnv('GROUP_ID');
const effects = EffectTable.connect(requiredEnv('EFFECTS_TABLE'));
const instance = process.env.INSTANCE || `pid ${process.pid}`;
const crashEventId = process.env.CRASH_AFTER_EFFECT_EVENT_ID;
const hangEventId = process.env.HANG_EVENT_ID;
const hangMs = optionalMs('HANG_MS') ?? 120_000;
const leaseMs = optionalMs('DEDUPE_LEASE_MS');

const recordOrder: Handler<OrderPlaced> = async (event, context) => {
  if (event.event_id === hangEventId) {
    context.logger.warn({ hang_ms: hangMs }, HANG_STARTED_MESSAGE);
    await new Promise((resolve) => context.logger.flush(resolve));
    await new Promise((resolve) => setTimeout(resolve, hangMs));
  }

  const runs = await effects.record(event.event_id, event.payload.order_id, instance);

  if (event.event_id === crashEventId) {
    context.logger.warn({ runs }, CRASH_MESSAGE);
    // pino writes asynchronously, so without the flush a SIGKILL would drop the line.
    await new Promise((resolve) => context.logger.flush(resolve));
    process.kill(process.pid, 'SIGKILL');
  }
};

const service = createConsumerService({
  name: 'drill-effects',
  owner: 'team-drills',
  groupId,
  handlers: { 'orders.order_placed': recordOrder },
  dedupe: leaseMs === undefined ? undefined : { leaseMs },
  httpPort: Number(process.env.PORT ?? 0),
});

stopOnSignals(service, () => effects.close());
await service.start();

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is missing: set it in the environment of the drill service`);
  return value;
}

function optionalMs(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;

  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive whole number of milliseconds, got "${text}"`);
  return value;
}
