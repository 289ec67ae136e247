import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Creates the consumer kit's Prometheus metrics. Every series carries the consumer group. */
export function createConsumerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    consumed: new Counter({ name: 'choreo_events_consumed_total', help: 'Messages read, from source and retry topics.', labelNames: ['group', 'topic'], registers }),
    processed: new Counter({ name: 'choreo_events_processed_total', help: 'Events whose handler succeeded.', labelNames: ['group', 'event_type'], registers }),
    duplicates: new Counter({
      name: 'choreo_duplicates_skipped_total',
      help: 'Events acknowledged without running the handler because an earlier delivery finished or was dead-lettered.',
      labelNames: ['group', 'event_type'],
      registers,
    }),
    deferred: new Counter({
      name: 'choreo_events_deferred_total',
      help: 'Deliveries sent to a retry topic because another attempt of the same event held its lease.',
      labelNames: ['group'],
      registers,
    }),
    contractMismatches: new Counter({
      name: 'choreo_contract_mismatches_total',
      help: 'Messages that cannot be a valid event for this service, by contract error code.',
      labelNames: ['group', 'code'],
      registers,
    }),
    retries: new Counter({ name: 'choreo_retries_total', help: 'Messages sent to a retry topic, by retry level.', labelNames: ['group', 'level'], registers }),
    deadLettered: new Counter({ name: 'choreo_dead_lettered_total', help: 'Messages sent to a dead-letter topic, by reason.', labelNames: ['group', 'reason'], registers }),
    handlerSeconds: new Histogram({
      name: 'choreo_handler_duration_seconds',
      help: 'Handler run time, in seconds.',
      labelNames: ['group', 'event_type', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    lag: new Gauge({ name: 'choreo_consumer_lag', help: 'Messages behind the end of each partition, as of the last fetched batch.', labelNames: ['group', 'topic', 'partition'], registers }),
    correlated: new Counter({
      name: 'choreo_events_with_correlation_total',
      help: 'Decoded events whose correlation id differs from their own event id, meaning it came from upstream; divide by choreo_events_decoded_total for coverage.',
      labelNames: ['group'],
      registers,
    }),
    decoded: new Counter({ name: 'choreo_events_decoded_total', help: 'Messages that decoded into a valid envelope.', labelNames: ['group'], registers }),
    deadLettersWaiting: new Gauge({ name: 'choreo_dead_letters_waiting', help: 'Messages in this group\'s dead-letter topics.', labelNames: ['group'], registers }),
    oldestDeadLetterSeconds: new Gauge({
      name: 'choreo_oldest_dead_letter_age_seconds',
      help: 'Age of the oldest message in this group\'s dead-letter topics, in seconds; 0 when there is none.',
      labelNames: ['group'],
      registers,
    }),
    circuitState: new Gauge({ name: 'choreo_circuit_state', help: 'Retry-storm guard: 0 closed, 1 half-open, 2 open.', labelNames: ['group'], registers }),
    circuitOpenings: new Counter({ name: 'choreo_circuit_openings_total', help: 'Times the retry-storm guard opened.', labelNames: ['group'], registers }),
    paused: new Gauge({ name: 'choreo_consumer_paused', help: '1 while consumption is paused because Redis or the registry is unavailable.', labelNames: ['group', 'dependency'], registers }),
  };
}

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;
