import { HEADERS } from '@choreo/contracts';
import type { IHeaders, KafkaMessage } from '@choreo/kafka';

/**
 * Why a message was dead-lettered:
 * - `contract`: it can never be a valid event for this service (bad bytes, unknown schema, bad envelope, unhandled type).
 * - `non-retryable`: the handler threw an error marked `retriable: false`.
 * - `retries-exhausted`: the handler failed on the source topic and on every retry level.
 */
export type DeadLetterReason = 'contract' | 'non-retryable' | 'retries-exhausted';

export interface DeadLetterContext {
  reason: DeadLetterReason;
  groupId: string;
  owner: string;
  /** Handler runs made before giving up; 0 for a contract failure. */
  attempts: number;
  error: unknown;
  /** Topic the message was read from: a source topic or a retry topic. */
  topic: string;
  partition: number;
  correlationId: string | undefined;
  stackChars: number;
  /** True for a message read from its source topic, whose position headers are written afresh. */
  fromSourceTopic: boolean;
}

/**
 * Builds the dead letter of a message: key, value and headers as received, plus headers that record
 * where it came from, who owns it and why it failed. Position headers on a source-topic message are
 * written from its real position, whatever the producer sent. The source-topic position of a
 * message that went through retries is the one recorded on its first hop.
 */
export function deadLetterOf(message: KafkaMessage, context: DeadLetterContext): { key: Buffer | null; value: Buffer | null; headers: IHeaders; partition: number } {
  const error = context.error instanceof Error ? context.error : new Error(String(context.error));
  const headers: IHeaders = { ...(message.headers ?? {}) };

  if (context.fromSourceTopic) {
    headers[HEADERS.originalTopic] = context.topic;
    headers[HEADERS.originalPartition] = String(context.partition);
    headers[HEADERS.originalOffset] = message.offset;
    headers[HEADERS.originalTimestamp] = message.timestamp;
  }
  headers[HEADERS.dltReason] = context.reason;
  headers[HEADERS.dltGroup] = context.groupId;
  headers[HEADERS.dltOwner] = context.owner;
  headers[HEADERS.dltAttempts] = String(context.attempts);
  headers[HEADERS.dltErrorClass] = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') headers[HEADERS.dltErrorCode] = code;
  headers[HEADERS.dltErrorMessage] = error.message.slice(0, 2_000);
  headers[HEADERS.dltErrorStack] = (error.stack ?? '').slice(0, context.stackChars);
  headers[HEADERS.dltFailedAt] = new Date().toISOString();
  if (context.correlationId !== undefined) headers[HEADERS.correlationId] ??= context.correlationId;

  return { key: message.key, value: message.value, headers, partition: context.partition };
}
