import { HEADERS } from '@choreo/contracts';
import { type IHeaders, headerText } from '@choreo/kafka';

export interface RetryOptions {
  /** Retry levels before the dead-letter topic. Unset: 3. 0 sends every failure to the DLT. */
  maxAttempts?: number;
  /** Delay cap of retry level 1, in milliseconds. Unset: 1000. */
  initialDelayMs?: number;
  /** Growth of the delay cap per level. Unset: 4. */
  multiplier?: number;
  /** Largest delay, in milliseconds. Unset: 300000 (5 min). */
  maxDelayMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

/**
 * Delay before retry `level` (1-based): full jitter, a uniform draw between 0 and an exponentially
 * growing cap, so instances that failed together do not retry together.
 */
export function retryDelayMs(level: number, options: ResolvedRetryOptions, random: () => number = Math.random): number {
  const cap = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** (level - 1));
  return Math.floor(random() * cap);
}

/** Retry history of a message, read from the headers the kit wrote. */
export interface RetryState {
  /** Retry level of this delivery; 0 for a message on its source topic. */
  attempt: number;
  /** Epoch milliseconds before which the message must not run; 0 when due at once. */
  dueAt: number;
  /** Epoch milliseconds of the first failure; undefined before any failure. */
  firstFailureAt: number | undefined;
  /** The source topic, for a message on a retry topic. */
  originalTopic: string | undefined;
  /** Partition and offset on the source topic, for a message on a retry topic. */
  originalPartition: string | undefined;
  originalOffset: string | undefined;
}

export function readRetryState(headers: IHeaders | undefined): RetryState {
  const number = (name: string) => {
    const text = headerText(headers?.[name]);
    const value = text === undefined ? NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  return {
    attempt: number(HEADERS.retryAttempt) ?? 0,
    dueAt: number(HEADERS.retryDueAt) ?? 0,
    firstFailureAt: number(HEADERS.firstFailureAt),
    originalTopic: headerText(headers?.[HEADERS.originalTopic]),
    originalPartition: headerText(headers?.[HEADERS.originalPartition]),
    originalOffset: headerText(headers?.[HEADERS.originalOffset]),
  };
}

const RETRY_HEADER_NAMES = new Set<string>([HEADERS.retryAttempt, HEADERS.retryDueAt, HEADERS.firstFailureAt, HEADERS.lastError]);

/** Headers of a message sent to retry `attempt`: the original headers with the retry history replaced. */
export function retryHeaders(
  original: IHeaders | undefined,
  retry: {
    attempt: number;
    dueAt: number;
    firstFailureAt: number;
    lastError: string;
    originalTopic: string;
    originalPartition: number;
    originalOffset: string;
    originalTimestamp: string;
    /** True for a message read from its source topic, whose position headers are written afresh. */
    fromSourceTopic: boolean;
  },
): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(original ?? {})) {
    if (!RETRY_HEADER_NAMES.has(name) && value !== undefined) headers[name] = value;
  }
  headers[HEADERS.retryAttempt] = String(retry.attempt);
  headers[HEADERS.retryDueAt] = String(retry.dueAt);
  headers[HEADERS.firstFailureAt] = String(retry.firstFailureAt);
  headers[HEADERS.lastError] = retry.lastError.slice(0, 500);
  // The position on the source topic is written on the first hop and kept after: it is what an
  // operator looks up. A producer's own headers of these names are overwritten.
  if (retry.fromSourceTopic) {
    headers[HEADERS.originalTopic] = retry.originalTopic;
    headers[HEADERS.originalPartition] = String(retry.originalPartition);
    headers[HEADERS.originalOffset] = retry.originalOffset;
    headers[HEADERS.originalTimestamp] = retry.originalTimestamp;
  }
  return headers;
}
