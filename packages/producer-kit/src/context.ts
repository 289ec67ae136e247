import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The event being handled on the current async path. The consumer kit runs each handler inside one,
 * and the producer kit reads it, so an event published from a handler inherits the correlation id
 * and gets the handled event as its cause without any argument passing.
 */
export interface EventContext {
  /** event_id of the event being handled: the causation_id of whatever is published now. */
  eventId: string;
  correlationId: string;
}

const storage = new AsyncLocalStorage<EventContext>();

/**
 * Runs `work(...args)` with `context` as the current event. Arguments are passed through rather than
 * captured in a closure, because the consumer kit calls this once per handled event.
 */
export function runWithEventContext<Args extends unknown[], T>(context: EventContext, work: (...args: Args) => T, ...args: Args): T {
  return storage.run(context, work, ...args);
}

export function currentEventContext(): EventContext | undefined {
  return storage.getStore();
}
