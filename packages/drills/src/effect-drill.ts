import { randomUUID } from 'node:crypto';

import { CONSUMER_DEFAULTS, retryTopicOf } from '@choreo/consumer-kit';
import { type EventProducer, type PublishResult, createProducer } from '@choreo/producer-kit';

import { EffectTable } from './effects';
import { commitGroupOffsets, endOffsets } from './group-offsets';
import { drillOrder, kafka, registry } from './feed';
import { type DrillProcess, freePort, startDrillProcess, waitReady } from './processes';

export const ORDERS_TOPIC = 'orders.order_placed';

/** Setup of one drill run with the drill service: its group, its side-effect table and a producer. */
export interface EffectDrill {
  runId: string;
  groupId: string;
  /** Topics the group reads: the orders topic and its retry topics. */
  topics: string[];
  effects: EffectTable;
  producer: EventProducer;
}

/**
 * Creates the run's side-effect table and a new consumer group whose committed offsets are the
 * current end of the orders topic, so the drill service reads only what is published from now on
 * and not the topic's history.
 */
export async function prepareEffectDrill(runId: string): Promise<EffectDrill> {
  const groupId = `drill-${runId}`;
  const effects = await EffectTable.create(`effects_${runId.replace(/-/g, '_')}`);
  await commitGroupOffsets(kafka, groupId, await endOffsets(kafka, [ORDERS_TOPIC]));

  const levels = Array.from({ length: CONSUMER_DEFAULTS.retry.maxAttempts }, (_, index) =>
    retryTopicOf(ORDERS_TOPIC, groupId, index + 1),
  );
  return {
    runId,
    groupId,
    topics: [ORDERS_TOPIC, ...levels],
    effects,
    producer: createProducer({ source: `drill-${runId}`, registry, kafka }),
  };
}

/** Publishes `count` orders of the run in one batch; the results, with event id and partition, are in publish order. */
export async function publishOrders(
  drill: EffectDrill,
  count: number,
  firstIndex = 0,
): Promise<PublishResult[]> {
  const items = Array.from({ length: count }, (_, offset) => {
    const payload = drillOrder(drill.runId, firstIndex + offset);
    return {
      eventType: 'orders.order_placed' as const,
      payload,
      options: { key: payload.order_id, eventId: randomUUID() },
    };
  });
  return drill.producer.publishBatch(items);
}

/** Starts the drill service as its own process; `env` adds to the group, table and a free port. */
export async function startEffectService(
  drill: EffectDrill,
  name: string,
  env: Record<string, string> = {},
): Promise<{ process: DrillProcess; port: number }> {
  const port = await freePort();
  const process = startDrillProcess(`${drill.runId}-${name}`, 'packages/drills/src/effect-service.ts', {
    GROUP_ID: drill.groupId,
    EFFECTS_TABLE: drill.effects.table,
    INSTANCE: name,
    PORT: String(port),
    ...env,
  });
  return { process, port };
}

/** Starts the drill service and waits until it has joined its group. */
export async function startReadyEffectService(
  drill: EffectDrill,
  name: string,
  env: Record<string, string> = {},
): Promise<{ process: DrillProcess; port: number }> {
  const started = await startEffectService(drill, name, env);
  await waitReady(started.process, `http://127.0.0.1:${started.port}/readyz`, 90_000);
  return started;
}

/** Drops the run's table and closes connections; the group's topics stay, as every consumer group's do. */
export async function cleanUpEffectDrill(drill: EffectDrill | undefined): Promise<void> {
  if (drill === undefined) return;
  await drill.producer.disconnect();
  await drill.effects.drop();
  await drill.effects.close();
}
