import { Counter, Histogram, type Registry, register as defaultRegistry } from 'prom-client';

export interface ProducerMetrics {
  published: Counter<'event_type'>;
  failures: Counter<'event_type' | 'reason'>;
  encodeSeconds: Histogram<'event_type'>;
}

const byRegistry = new WeakMap<Registry, ProducerMetrics>();

/** Returns the producer metrics of a prom-client registry, creating them once per registry. */
export function producerMetrics(registry: Registry = defaultRegistry): ProducerMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = {
      published: new Counter({
        name: 'choreo_events_published_total',
        help: 'Events acknowledged by Kafka, by event type.',
        labelNames: ['event_type'],
        registers: [registry],
      }),
      failures: new Counter({
        name: 'choreo_publish_failures_total',
        help: 'Publish calls that failed, by event type and reason (invalid-payload, unknown-schema, registry-unavailable, kafka).',
        labelNames: ['event_type', 'reason'],
        registers: [registry],
      }),
      encodeSeconds: new Histogram({
        name: 'choreo_encode_duration_seconds',
        help: 'Time to validate and encode one event, in seconds.',
        labelNames: ['event_type'],
        buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
