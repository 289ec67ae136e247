import { ContractError, ContractRegistry, HEADERS } from '@choreo/contracts';
import { type IHeaders, type KafkaClient, Partitioners } from '@choreo/kafka';
import type { Redis } from 'ioredis';

import { dedupeKeyOf } from '../dedupe';
import { CONSUMER_DEFAULTS } from '../defaults';
import { retryTopicOf } from '../topics';
import { type RangeOptions, readTopicRange } from './read-range';

/**
 * The three ways to look at or run events again, always named explicitly:
 * - `recovery`: send dead letters back through their group's handler (see redriveDeadLetters);
 * - `backfill`: send a range of a source topic through one group's handler again;
 * - `audit`: read a range and report each event's dedupe state, running no handler.
 */
export type ReplayMode = 'recovery' | 'backfill' | 'audit';

export interface AuditReport {
  messages: number;
  /** Events by dedupe state: done, dead, in-flight (a lease), new (no record), or `invalid:<code>`. */
  byState: Record<string, number>;
  byEventType: Record<string, number>;
}

/** Reads a range and reports the dedupe state the group recorded for each event. */
export async function auditRange(kafka: KafkaClient, redis: Redis, groupId: string, topic: string, range: RangeOptions, registry = new ContractRegistry()): Promise<AuditReport> {
  const messages = await readTopicRange(kafka, topic, range);
  const report: AuditReport = { messages: messages.length, byState: {}, byEventType: {} };
  const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);

  const keys: string[] = [];
  for (const { message } of messages) {
    try {
      const { envelope } = await registry.decode(message.value);
      count(report.byEventType, envelope.event_type);
      keys.push(dedupeKeyOf(CONSUMER_DEFAULTS.dedupe.keyPrefix, groupId, `${envelope.source}:${envelope.event_id}`));
    } catch (error) {
      count(report.byState, `invalid:${error instanceof ContractError ? error.code : 'registry-unavailable'}`);
    }
  }
  const states = keys.length === 0 ? [] : await redis.mget(keys);
  for (const state of states) count(report.byState, state === null ? 'new' : state.startsWith('lease:') ? 'in-flight' : state);
  return report;
}

export interface BackfillResult {
  sent: number;
  /** Completed events whose dedupe record was removed so they run again (`rerunCompleted`). */
  forgotten: number;
}

/**
 * Sends a range of a source topic through one group's handler again, by way of the group's first
 * retry topic. Events the group completed are skipped by its dedupe, unless `rerunCompleted` removes
 * their records first, which repeats their side effects: use it only for handlers built for that.
 */
export async function backfillRange(
  kafka: KafkaClient,
  redis: Redis,
  groupId: string,
  topic: string,
  range: RangeOptions,
  options: { rerunCompleted?: boolean; registry?: ContractRegistry } = {},
): Promise<BackfillResult> {
  const registry = options.registry ?? new ContractRegistry();
  const messages = await readTopicRange(kafka, topic, range);
  let forgotten = 0;

  if (options.rerunCompleted) {
    for (const { message } of messages) {
      const decoded = await registry.decode(message.value).catch(() => undefined);
      if (decoded === undefined) continue;
      const key = dedupeKeyOf(CONSUMER_DEFAULTS.dedupe.keyPrefix, groupId, `${decoded.envelope.source}:${decoded.envelope.event_id}`);
      if ((await redis.get(key)) === 'done') forgotten += await redis.del(key);
    }
  }

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += 500) {
      const slice = messages.slice(start, start + 500);
      await producer.send({
        topic: retryTopicOf(topic, groupId, 1),
        acks: -1,
        messages: slice.map(({ partition, message }) => {
          const headers: IHeaders = { ...(message.headers ?? {}) };
          headers[HEADERS.retryAttempt] = '0';
          headers[HEADERS.retryDueAt] = String(Date.now());
          headers[HEADERS.originalTopic] = topic;
          headers[HEADERS.originalPartition] = String(partition);
          headers[HEADERS.originalOffset] = message.offset;
          headers[HEADERS.replayedFrom] = `${topic}/${partition}/${message.offset}`;
          return { partition, key: message.key, value: message.value, headers };
        }),
      });
    }
  } finally {
    await producer.disconnect();
  }
  return { sent: messages.length, forgotten };
}
