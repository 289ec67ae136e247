import { randomUUID } from 'node:crypto';

import {
  AVRO_CONTENT_TYPE,
  type ContractRegistry,
  type Envelope,
  HEADERS,
  type OrderPlaced,
} from '@choreo/contracts';
import type { IHeaders, KafkaClient, Message } from '@choreo/kafka';
import { Partitioners } from '@choreo/kafka';

import { BENCH_EVENT_TYPE } from './stack';

/** `source` of every bench event; with the event id it forms the consumer kit's dedupe key. */
export const BENCH_SOURCE = 'bench-shop';

const CHANNELS = ['WEB', 'MOBILE', 'STORE', 'PARTNER'] as const;

/** Returns an order of one to three items, varied by `index` so the Avro bodies differ in size like real traffic. */
export function orderPayload(runId: string, index: number): OrderPlaced {
  const items = Array.from({ length: 1 + (index % 3) }, (_, item) => ({
    sku: `SKU-${(index * 7 + item) % 500}`,
    description: `Bench article ${item + 1}`,
    quantity: 1 + ((index + item) % 4),
    unit_price_minor: 199 + ((index * 31 + item) % 9_800),
  }));
  return {
    order_id: `${runId}-${index}`,
    customer_id: `cus-${index % 2_000}`,
    customer_email: `customer${index % 2_000}@example.com`,
    items,
    total_minor: items.reduce((sum, item) => sum + item.quantity * item.unit_price_minor, 0),
    currency: 'EUR',
    channel: CHANNELS[index % CHANNELS.length] as OrderPlaced['channel'],
  };
}

export function envelopeOf(payload: OrderPlaced): Envelope {
  const eventId = randomUUID();
  return {
    event_id: eventId,
    event_type: BENCH_EVENT_TYPE,
    version: 1,
    correlation_id: eventId,
    causation_id: null,
    occurred_at: new Date(),
    source: BENCH_SOURCE,
    payload: payload as unknown as Record<string, unknown>,
  };
}

/** Builds the headers the producer kit stamps on an event, so raw sends carry the same bytes on the wire. */
export function headersOf(envelope: Envelope): IHeaders {
  return {
    [HEADERS.eventType]: envelope.event_type,
    [HEADERS.eventId]: envelope.event_id,
    [HEADERS.correlationId]: envelope.correlation_id,
    [HEADERS.contentType]: AVRO_CONTENT_TYPE,
  };
}

/** Encodes `count` distinct events as Kafka messages keyed by order id, ready for a raw `sendBatch`. */
export function encodedMessages(
  registry: ContractRegistry,
  schemaId: number,
  runId: string,
  count: number,
  firstIndex = 0,
): Message[] {
  return Array.from({ length: count }, (_, offset) => {
    const payload = orderPayload(runId, firstIndex + offset);
    const envelope = envelopeOf(payload);
    return {
      key: payload.order_id,
      value: registry.encode(envelope, schemaId),
      headers: headersOf(envelope),
    };
  });
}

/**
 * Fills `topic` with `count` distinct events, encoding and sending one slice at a time so the bench
 * process never keeps all of them in memory.
 */
export async function fillTopic(
  kafka: KafkaClient,
  registry: ContractRegistry,
  schemaId: number,
  topic: string,
  runId: string,
  count: number,
  decorate: (message: Message) => Message = (message) => message,
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const sliceSize = 2_000;
    for (let start = 0; start < count; start += sliceSize) {
      const messages = encodedMessages(
        registry,
        schemaId,
        runId,
        Math.min(sliceSize, count - start),
        start,
      ).map(decorate);
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    }
  } finally {
    await producer.disconnect();
  }
}
