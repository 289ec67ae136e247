import { performance } from 'node:perf_hooks';

import type { OrderPlaced } from '@choreo/contracts';
import { type KafkaClient, type Message, Partitioners } from '@choreo/kafka';
import { type BatchItem, createProducer } from '@choreo/producer-kit';
import { Registry } from 'prom-client';

import { BENCH_SOURCE, encodedMessages, envelopeOf, headersOf, orderPayload } from './events';
import type { BenchSettings } from './settings';
import { BENCH_EVENT_TYPE, type BenchNames, benchRegistry } from './stack';
import { rotate } from './stats';

/**
 * `kit`: the producer kit's `publishBatch`. `raw`: kafkajs `sendBatch` of bytes encoded before the clock
 * starts. `rawWithEncoding`: kafkajs `sendBatch` that builds, validates and encodes each envelope in the
 * timed loop, which separates the cost of encoding from the rest of the kit.
 */
export type ProducerSide = 'kit' | 'raw' | 'rawWithEncoding';

const SIDES: readonly ProducerSide[] = ['kit', 'raw', 'rawWithEncoding'];

export interface ProducerRun {
  side: ProducerSide;
  /** 0-based index of the round; the side that goes first rotates from round to round. */
  round: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/**
 * Publishes the same orders through the producer kit (`publishBatch`: validation, envelope, encoding,
 * headers, partitioning) and through a raw kafkajs producer, with and without encoding in the timed
 * loop. The producers are idempotent with `acks: all`, send one batch at a time and rotate which goes
 * first in each round.
 */
export async function benchProducers(
  kafka: KafkaClient,
  names: BenchNames,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<ProducerRun[]> {
  const { producerEvents: events, producerBatchSize: batchSize } = settings;
  const registry = benchRegistry(names.producerTopic);
  const schemaId = await registry.schemaIdOf(BENCH_EVENT_TYPE);

  const items: BatchItem[] = Array.from({ length: events }, (_, index) => {
    const payload = orderPayload(names.runId, index);
    return { eventType: BENCH_EVENT_TYPE, payload, options: { key: payload.order_id } };
  });
  const messages = encodedMessages(registry, schemaId, names.runId, events);

  const kit = createProducer({ source: BENCH_SOURCE, registry, kafka, metricsRegistry: new Registry() });
  const raw = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const sendRaw = (batch: Message[]) =>
    raw.sendBatch({ acks: -1, topicMessages: [{ topic: names.producerTopic, messages: batch }] });
  const encode = (item: BatchItem): Message => {
    const envelope = envelopeOf(item.payload as OrderPlaced);
    return {
      key: item.options.key,
      value: registry.encode(envelope, schemaId),
      headers: headersOf(envelope),
    };
  };
  const send: Record<ProducerSide, (start: number, end: number) => Promise<unknown>> = {
    kit: (start, end) => kit.publishBatch(items.slice(start, end)),
    raw: (start, end) => sendRaw(messages.slice(start, end)),
    rawWithEncoding: (start, end) => sendRaw(items.slice(start, end).map(encode)),
  };

  const runs: ProducerRun[] = [];
  await Promise.all([kit.connect(), raw.connect()]);
  try {
    // One untimed batch each looks up the schema id and partition count and opens the leader connections.
    for (const side of SIDES) await send[side](0, batchSize);

    for (let round = 0; round < settings.runs; round++) {
      for (const side of rotate(SIDES, round)) {
        const startedAt = performance.now();
        for (let start = 0; start < events; start += batchSize) {
          await send[side](start, Math.min(events, start + batchSize));
        }
        const seconds = (performance.now() - startedAt) / 1000;

        runs.push({ side, round, events, seconds, eventsPerSecond: events / seconds });
        log(
          `producer run ${round + 1}/${settings.runs} ${side}: ${Math.round(events / seconds).toLocaleString('en-US')} events/s over ${seconds.toFixed(2)} s`,
        );
      }
    }
  } finally {
    await Promise.all([kit.disconnect(), raw.disconnect()]);
  }
  return runs;
}
