/**
 * Kafka header names that Choreo stamps on messages. Every module reads and writes headers through
 * these constants, so a name is spelled once.
 */
export const HEADERS = {
  /** The event type, so routers and tools can filter without decoding the value. */
  eventType: 'choreo-event-type',
  eventId: 'choreo-event-id',
  correlationId: 'choreo-correlation-id',
  /** `application/vnd.confluent.avro`: the value is Avro in the Confluent wire format. */
  contentType: 'content-type',

  /** Retry level of a message on a retry topic, starting at 1. */
  retryAttempt: 'choreo-retry-attempt',
  /** Epoch milliseconds before which a retry consumer must not run the message. */
  retryDueAt: 'choreo-retry-due-at',
  /** Epoch milliseconds of the first failure of this message. */
  firstFailureAt: 'choreo-first-failure-at',
  /** Class and message of the most recent error, truncated. */
  lastError: 'choreo-last-error',

  originalTopic: 'choreo-original-topic',
  originalPartition: 'choreo-original-partition',
  originalOffset: 'choreo-original-offset',
  originalTimestamp: 'choreo-original-timestamp',

  dltReason: 'choreo-dlt-reason',
  dltGroup: 'choreo-dlt-group',
  dltOwner: 'choreo-dlt-owner',
  dltAttempts: 'choreo-dlt-attempts',
  dltErrorClass: 'choreo-dlt-error-class',
  dltErrorCode: 'choreo-dlt-error-code',
  dltErrorMessage: 'choreo-dlt-error-message',
  dltErrorStack: 'choreo-dlt-error-stack',
  dltFailedAt: 'choreo-dlt-failed-at',

  /** `<topic>/<partition>/<offset>` a redriven or backfilled message was copied from. */
  replayedFrom: 'choreo-replayed-from',
} as const;

export const AVRO_CONTENT_TYPE = 'application/vnd.confluent.avro';
