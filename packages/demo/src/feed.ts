import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type ContractRegistry, type OrderPlaced, createAvroType, encodeWireFormat } from '@choreo/contracts';
import type { KafkaClient } from '@choreo/kafka';
import { type BatchItem, createProducer } from '@choreo/producer-kit';
import { v7 as uuidv7 } from 'uuid';

import { seededRandom } from './random';

export type OrderRecord = { order_id: string; [field: string]: unknown };

/** Returns how many times an order is delivered in all: mostly 2 or 3, some 5, some 10, as a producer retry storm would. */
function deliveriesOf(random: () => number): number {
  const draw = random();
  if (draw < 0.05) return 1;
  if (draw < 0.65) return 2 + Math.floor(random() * 2);
  if (draw < 0.9) return 4 + Math.floor(random() * 2);
  return 10;
}

export function loadOrders(root: string, runId: string): OrderRecord[] {
  const orders = JSON.parse(readFileSync(join(root, 'packages', 'demo', 'data', 'orders.json'), 'utf8')) as OrderRecord[];
  return orders.map((order) => ({ ...order, order_id: `${runId}-${order.order_id}` }));
}

/**
 * Publishes every order with its redeliveries: the copies of one order share its event id, and three
 * producers send them at the same time, so copies arrive both in one batch and in separate batches.
 */
export async function publishFeed(
  kafka: KafkaClient,
  registry: ContractRegistry,
  orders: OrderRecord[],
  onProgress: (published: number) => void,
): Promise<{ messages: number; correlationIds: Map<string, string> }> {
  const random = seededRandom(7);
  const copies: BatchItem[] = [];
  const correlationIds = new Map<string, string>();
  for (const order of orders) {
    const options = { key: order.order_id, eventId: uuidv7(), correlationId: uuidv7(), occurredAt: new Date() };
    correlationIds.set(order.order_id, options.correlationId);
    for (let copy = deliveriesOf(random); copy > 0; copy--) copies.push({ eventType: 'orders.order_placed', payload: order as unknown as OrderPlaced, options });
  }
  shuffleNearby(copies, random);

  const producers = [0, 1, 2].map(() => createProducer({ source: 'demo-storefront', registry, kafka }));
  let published = 0;
  await Promise.all(
    producers.map(async (producer, lane) => {
      for (let start = lane * 100; start < copies.length; start += producers.length * 100) {
        await producer.publishBatch(copies.slice(start, start + 100));
        published += Math.min(100, copies.length - start);
        onProgress(published);
      }
      await producer.disconnect();
    }),
  );
  return { messages: copies.length, correlationIds };
}

/** Moves each copy up to 300 places, so redeliveries of one order are spread but not far apart. */
function shuffleNearby<T>(items: T[], random: () => number): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.max(0, index - Math.floor(random() * 300));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
}

/**
 * Produces messages that can never be valid events: garbage bytes, an unknown schema id, an envelope
 * whose schema has no event_id (a rogue producer's own schema) and an envelope with an empty event_id.
 */
export async function publishPoison(kafka: KafkaClient, registry: ContractRegistry, runId: string): Promise<string[]> {
  const contract = registry.contract('orders.order_placed');
  const rogueSchema = { ...contract.schema, fields: contract.schema.fields.filter((field) => field.name !== 'event_id') };
  const rogueSubject = 'demo.rogue_producer-value';
  await registry.setCompatibility(rogueSubject, 'NONE');
  const rogueId = (await registry.client.register({ type: 'AVRO' as never, schema: JSON.stringify(rogueSchema) }, { subject: rogueSubject, compatibility: 'NONE' as never })).id;
  const sample = { event_type: 'orders.order_placed', version: 1, correlation_id: uuidv7(), causation_id: null, occurred_at: new Date(), source: 'rogue', payload: { order_id: `${runId}-rogue`, customer_id: 'c', customer_email: 'e@example.com', items: [], total_minor: 0, currency: 'EUR', channel: 'WEB' } };
  const rogueBytes = encodeWireFormat(rogueId, createAvroType(rogueSchema).toBuffer(sample));
  const emptyIdBytes = encodeWireFormat(await registry.schemaIdOf('orders.order_placed'), contract.type.toBuffer({ ...sample, event_id: '' }));

  const poison = [
    Buffer.from('{"order_id": "not avro, just JSON"}'),
    encodeWireFormat(2_000_000_000, Buffer.from([2, 4, 6])),
    rogueBytes,
    emptyIdBytes,
  ];
  const keys = poison.map((_, index) => `${runId}-poison-${index + 1}`);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: contract.topic, acks: -1, messages: poison.map((value, index) => ({ key: keys[index], value })) });
  await producer.disconnect();
  return keys;
}
