import type { Envelope } from '@choreo/contracts';

import type { HandlerContext } from './handler';
import type { Logger } from './logger';

/**
 * The context of one handler run. It is a class rather than an object literal because one is built
 * for every handled event: the logger getter lives on the prototype, so building one creates no
 * closure.
 */
export class EventHandlerContext implements HandlerContext {
  readonly eventId: string;
  readonly eventType: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly source: string;
  readonly occurredAt: Date;
  private childLogger: Logger | undefined;

  constructor(
    envelope: Envelope<unknown>,
    readonly attempt: number,
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    private readonly serviceLogger: Logger,
    readonly publish: HandlerContext['publish'],
    readonly publishBatch: HandlerContext['publishBatch'],
  ) {
    this.eventId = envelope.event_id;
    this.eventType = envelope.event_type;
    this.correlationId = envelope.correlation_id;
    this.causationId = envelope.causation_id;
    this.source = envelope.source;
    this.occurredAt = envelope.occurred_at;
  }

  /** Built on first use: most handlers log nothing for most events, and a pino child costs a JSON serialization. */
  get logger(): Logger {
    this.childLogger ??= this.serviceLogger.child({
      event_id: this.eventId,
      correlation_id: this.correlationId,
      event_type: this.eventType,
      topic: this.topic,
      partition: this.partition,
      attempt: this.attempt,
    });
    return this.childLogger;
  }
}
