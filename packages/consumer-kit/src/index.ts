export { CircuitBreaker, type CircuitOptions, type CircuitState } from './circuit';
export { deadLetterOf, type DeadLetterReason } from './dead-letter';
export { CONSUMER_DEFAULTS } from './defaults';
export { Deduplicator, type ClaimResult, type DedupeOptions } from './dedupe';
export { InfrastructureError, NonRetryableError, isRetriable } from './errors';
export type { Handler, HandlerContext } from './handler';
export { readRetryState, retryDelayMs, type RetryOptions, type RetryState } from './retry';
export { createConsumerService, type ConsumerService, type ConsumerServiceOptions } from './service';
export { dltTopicOf, ensureConsumerTopics, retryTopicOf } from './topics';
