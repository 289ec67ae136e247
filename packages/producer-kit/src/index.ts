export { currentEventContext, runWithEventContext, type EventContext } from './context';
export { producerMetrics, type ProducerMetrics } from './metrics';
export {
  EventProducer,
  createProducer,
  type BatchItem,
  type ProducerOptions,
  type PublishOptions,
  type PublishResult,
} from './producer';
export { DEFAULT_EVENT_TOPIC_PARTITIONS, ensureEventTopics } from './topics';
