import type { Envelope } from '@choreo/contracts';
import type { EventProducer } from '@choreo/producer-kit';

import type { Logger } from './logger';

/** Context of a handler run: the event's ids and position, a bound logger and a producer. */
export interface HandlerContext {
  eventId: string;
  eventType: string;
  correlationId: string;
  causationId: string | null;
  source: string;
  occurredAt: Date;
  /** 0 on the first delivery, then the retry level: 1, 2, ... */
  attempt: number;
  topic: string;
  partition: number;
  offset: string;
  /** JSON-lines logger bound to event_id, correlation_id, topic and partition. */
  logger: Logger;
  /**
   * Publishes a follow-up event. It inherits this event's correlation id and names this event as its
   * cause. Undefined when the service was created without a producer `source`.
   */
  publish: EventProducer['publish'];
  publishBatch: EventProducer['publishBatch'];
}

/**
 * Handles one event. Order of work around it: contract check, dedupe claim, handler, then the outcome
 * (completion record, retry topic or dead-letter topic) is made durable, and only then is the offset
 * committed.
 *
 * A handler that returns has finished its side effects: the event is recorded as done and is never
 * run again for this consumer group. A handler that throws is retried through the retry topics,
 * unless the error has `retriable: false` (see NonRetryableError), which sends it straight to the DLT.
 * A handler may still run twice for one event when its instance dies after the side effect and before
 * the completion records of its chunk are written. Side effects that must never repeat should also be
 * guarded by the event id where they are stored, for example with a unique key in the database.
 */
export type Handler<Payload = Record<string, unknown>> = (event: Envelope<Payload>, context: HandlerContext) => Promise<void>;
