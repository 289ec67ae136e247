import { randomUUID } from 'node:crypto';

import { loadConfig } from '@choreo/config';
import { ContractRegistry, type Envelope, loadContracts } from '@choreo/contracts';
import { type IHeaders, type KafkaMessage, createKafkaClient } from '@choreo/kafka';
import { ensureEventTopics } from '@choreo/producer-kit';
import { pino } from 'pino';

import { type ConsumerService, type ConsumerServiceOptions, createConsumerService } from '../src/index';

export const kafka = createKafkaClient({ brokers: loadConfig().kafkaBrokers, clientId: 'consumer-kit-test', onLog: () => undefined });
export const registry = new ContractRegistry();
export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function prepareStack(): Promise<void> {
  for (const contract of loadContracts()) await registry.register(contract);
  const admin = kafka.admin();
  await admin.connect();
  await ensureEventTopics(admin, loadContracts());
  await admin.disconnect();
}

export function uniqueGroup(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

export function orderPlacedEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  const orderId = `ord-${randomUUID().slice(0, 8)}`;
  return {
    event_id: randomUUID(),
    event_type: 'orders.order_placed',
    version: 1,
    correlation_id: randomUUID(),
    causation_id: null,
    occurred_at: new Date(),
    source: 'test-shop',
    payload: {
      order_id: orderId,
      customer_id: 'cus-1',
      customer_email: 'ada@example.com',
      items: [{ sku: 'SKU-1', description: 'Kettle', quantity: 1, unit_price_minor: 1000 }],
      total_minor: 1000,
      currency: 'EUR',
      channel: 'WEB',
    },
    ...overrides,
  };
}

export async function encode(envelope: Envelope): Promise<Buffer> {
  return registry.encode(envelope, await registry.schemaIdOf(envelope.event_type));
}

const producer = kafka.producer();
let producerConnected: Promise<void> | undefined;

/** Writes bytes straight to a topic, as a misbehaving producer would. */
export async function produceRaw(topic: string, messages: { key?: string | Buffer | null; value: Buffer | null; headers?: IHeaders; partition?: number }[]): Promise<void> {
  producerConnected ??= producer.connect();
  await producerConnected;
  await producer.send({ topic, messages });
}

export async function disconnectProducer(): Promise<void> {
  if (producerConnected) await producer.disconnect();
  producerConnected = undefined;
}

/**
 * Waits until a service that starts at the end of its topics reads partition 0 of `topic`. kafkajs
 * fixes that start position at the group's first fetch, so events produced before then would be
 * skipped. It produces a marker event every 500 ms until `seen`, the event ids the service handled,
 * contains one.
 */
export async function waitUntilReading(topic: string, seen: ReadonlySet<string>, timeoutMs = 30_000): Promise<void> {
  const markers: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const marker = orderPlacedEnvelope();
    markers.push(marker.event_id);
    await produceRaw(topic, [{ key: 'marker', value: await encode(marker), partition: 0 }]);
    for (const until = Date.now() + 500; Date.now() < until; ) {
      if (markers.some((id) => seen.has(id))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for the service to read partition 0 of ${topic}`);
}

export async function waitFor(description: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`);
}

/** Reads a topic from the beginning until `expected` messages matching `filter` arrived. */
export async function readTopic(topic: string, filter: (message: KafkaMessage) => boolean, expected: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  const found: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void (filter(message) && found.push(message)) });
    await waitFor(`${expected} matching messages on ${topic}`, () => found.length >= expected, timeoutMs);
    return found;
  } finally {
    await consumer.disconnect();
  }
}

export async function startService(options: Omit<ConsumerServiceOptions, 'logger'> & { logger?: ConsumerServiceOptions['logger'] }): Promise<ConsumerService> {
  const service = createConsumerService({ logger: quietLogger, ...options });
  await service.start();
  await waitFor(`${options.name} ready`, async () => (await fetch(`http://127.0.0.1:${service.httpPort()}/readyz`)).ok, 30_000);
  return service;
}

export async function metricValue(service: ConsumerService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await service.metricsRegistry.getSingleMetric(name)?.get();
  if (!metric) return 0;
  return metric.values
    .filter((value) => Object.entries(labels).every(([label, expected]) => String(value.labels[label]) === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

/**
 * Waits until the services consumed nothing new for `quietMs`, so a test can assert that something
 * did not happen. Deferred copies come back within 2 s, so the default quiet time covers them.
 */
export async function waitUntilQuiet(services: ConsumerService[], quietMs = 3_000, timeoutMs = 60_000): Promise<void> {
  const consumed = async () => (await Promise.all(services.map((service) => metricValue(service, 'choreo_events_consumed_total')))).reduce((a, b) => a + b, 0);
  const deadline = Date.now() + timeoutMs;
  let last = await consumed();
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await consumed();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
  }
  throw new Error(`services kept consuming for ${timeoutMs} ms`);
}
