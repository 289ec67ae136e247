import { ContractRegistry, HEADERS } from '@choreo/contracts';
import { type IHeaders, type KafkaClient, Partitioners, headerText } from '@choreo/kafka';
import type { Redis } from 'ioredis';

import { CONSUMER_DEFAULTS } from '../defaults';
import { dedupeKeyOf, oldestDeadLetterKeyOf, positionKeyOf } from '../dedupe';
import { retryTopicOf } from '../topics';
import { type RangeOptions, readTopicRange } from './read-range';

/** One dead letter as an operator sees it. */
export interface DeadLetter {
  dltTopic: string;
  /** The topic the event was first read from. */
  sourceTopic: string;
  partition: number;
  offset: string;
  /** When the dead letter was written, epoch milliseconds. */
  writtenAt: number;
  reason: string;
  owner: string;
  attempts: string;
  errorClass: string;
  errorCode: string | undefined;
  errorMessage: string;
  eventId: string | undefined;
  eventType: string | undefined;
  correlationId: string | undefined;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

const DLT_SUFFIX = '.DLT';

/** Lists the dead-letter topics of a consumer group: `<topic>.<group>.DLT`. */
export async function deadLetterTopicsOf(kafka: KafkaClient, groupId: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((topic) => topic.endsWith(`.${groupId}${DLT_SUFFIX}`)).sort();
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a dead-letter topic. Event id, type and correlation id come from the headers, or from the
 * decoded value when a producer sent no headers. They stay undefined for a value that does not decode.
 */
export async function readDeadLetters(kafka: KafkaClient, dltTopic: string, range: RangeOptions = {}, registry = new ContractRegistry()): Promise<DeadLetter[]> {
  const messages = await readTopicRange(kafka, dltTopic, range);
  const letters: DeadLetter[] = [];
  for (const { partition, message } of messages) {
    const header = (name: string) => headerText(message.headers?.[name]);
    const envelope = header(HEADERS.eventId) === undefined ? (await registry.decode(message.value).catch(() => undefined))?.envelope : undefined;
    letters.push({
      dltTopic,
      sourceTopic: header(HEADERS.originalTopic) ?? dltTopic.split('.').slice(0, -2).join('.'),
      partition,
      offset: message.offset,
      writtenAt: Number(message.timestamp),
      reason: header(HEADERS.dltReason) ?? 'unknown',
      owner: header(HEADERS.dltOwner) ?? 'unknown',
      attempts: header(HEADERS.dltAttempts) ?? '?',
      errorClass: header(HEADERS.dltErrorClass) ?? 'Error',
      errorCode: header(HEADERS.dltErrorCode),
      errorMessage: header(HEADERS.dltErrorMessage) ?? '',
      eventId: header(HEADERS.eventId) ?? envelope?.event_id,
      eventType: header(HEADERS.eventType) ?? envelope?.event_type,
      correlationId: header(HEADERS.correlationId) ?? envelope?.correlation_id,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
    });
  }
  return letters;
}

export type RedriveOutcome = 'redriven' | 'already-done';

/** Headers the kit adds on the way to the DLT or a retry topic; a redriven message starts without them. */
const KIT_HEADERS = new Set<string>([
  HEADERS.retryAttempt,
  HEADERS.retryDueAt,
  HEADERS.firstFailureAt,
  HEADERS.lastError,
  HEADERS.dltReason,
  HEADERS.dltGroup,
  HEADERS.dltOwner,
  HEADERS.dltAttempts,
  HEADERS.dltErrorClass,
  HEADERS.dltErrorCode,
  HEADERS.dltErrorMessage,
  HEADERS.dltErrorStack,
  HEADERS.dltFailedAt,
]);

/**
 * Sends dead letters back through their group's handler, by way of the group's first retry topic:
 * the running service picks them up with a fresh retry budget. An event whose dedupe record shows it
 * completed after all is not sent again. One recorded as dead-lettered has that record removed, so
 * the handler runs once more.
 *
 * NOTE: the dedupe key is computed with the default scope (source and event_id). For a service with
 * a custom `dedupe.scope`, a redriven event is deduplicated under that scope by the service itself,
 * but its "dead" record is not found here, so the service skips it as already dead-lettered.
 */
export async function redriveDeadLetters(
  kafka: KafkaClient,
  redis: Redis,
  groupId: string,
  letters: readonly DeadLetter[],
  registry = new ContractRegistry(),
  keyPrefix: string = CONSUMER_DEFAULTS.dedupe.keyPrefix,
): Promise<Map<DeadLetter, RedriveOutcome>> {
  const outcomes = new Map<DeadLetter, RedriveOutcome>();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const letter of letters) {
      const key = await recordKeyOf(letter, groupId, registry, keyPrefix);
      const state = await redis.get(key);
      if (state === 'done') {
        outcomes.set(letter, 'already-done');
        continue;
      }
      if (state === 'dead') await redis.del(key);

      const headers: IHeaders = {};
      for (const [name, value] of Object.entries(letter.headers)) if (!KIT_HEADERS.has(name) && value !== undefined) headers[name] = value;
      headers[HEADERS.retryAttempt] = '0';
      headers[HEADERS.retryDueAt] = String(Date.now());
      headers[HEADERS.replayedFrom] = `${letter.dltTopic}/${letter.partition}/${letter.offset}`;
      await producer.send({
        topic: retryTopicOf(letter.sourceTopic, groupId, 1),
        acks: -1,
        messages: [{ partition: Number(headerText(letter.headers[HEADERS.originalPartition]) ?? letter.partition), key: letter.key, value: letter.value, headers }],
      });
      outcomes.set(letter, 'redriven');
    }
  } finally {
    await producer.disconnect();
  }
  await redis.del(oldestDeadLetterKeyOf(keyPrefix, groupId));
  return outcomes;
}

async function recordKeyOf(letter: DeadLetter, groupId: string, registry: ContractRegistry, keyPrefix: string): Promise<string> {
  try {
    const { envelope } = await registry.decode(letter.value);
    return dedupeKeyOf(keyPrefix, groupId, `${envelope.source}:${envelope.event_id}`);
  } catch {
    const header = (name: string) => headerText(letter.headers[name]);
    return positionKeyOf(keyPrefix, groupId, header(HEADERS.originalTopic) ?? letter.sourceTopic, header(HEADERS.originalPartition) ?? letter.partition, header(HEADERS.originalOffset) ?? letter.offset);
  }
}
