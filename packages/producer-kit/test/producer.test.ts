import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ContractError, ContractRegistry, type EventType, HEADERS, type OrderPlaced, loadContracts } from '@choreo/contracts';
import { headerText } from '@choreo/kafka';
import { Registry } from 'prom-client';

import { createProducer, ensureEventTopics, runWithEventContext } from '../src/index';
import { endOffsetSum, kafka, readMessageAt } from './kafka-helpers';

const orderPlaced: OrderPlaced = {
  order_id: 'ord-100',
  customer_id: 'cus-7',
  customer_email: 'grace@example.com',
  items: [{ sku: 'SKU-9', description: 'Teapot', quantity: 1, unit_price_minor: 2500 }],
  total_minor: 2500,
  currency: 'EUR',
  channel: 'MOBILE',
};

describe('producer on the real stack', () => {
  const registry = new ContractRegistry();
  const metricsRegistry = new Registry();
  const producer = createProducer({ source: 'test-shop', registry, metricsRegistry });

  before(async () => {
    for (const contract of loadContracts()) await registry.register(contract);
    const admin = kafka.admin();
    await admin.connect();
    await ensureEventTopics(admin, loadContracts());
    await admin.disconnect();
  });

  after(() => producer.disconnect());

  it('publishes an event that decodes with the full envelope', async () => {
    const occurredAt = new Date('2026-12-01T08:30:00.000Z');
    const result = await producer.publish('orders.order_placed', orderPlaced, { key: 'ord-100', occurredAt });

    const message = await readMessageAt(result.topic, result.partition, result.offset);
    const decoded = await new ContractRegistry().decode(message.value);
    assert.equal(decoded.envelope.event_id, result.eventId);
    assert.equal(decoded.envelope.event_type, 'orders.order_placed');
    assert.equal(decoded.envelope.version, 1);
    assert.equal(decoded.envelope.source, 'test-shop');
    assert.equal(decoded.envelope.causation_id, null);
    assert.equal(decoded.envelope.correlation_id, result.correlationId);
    // Published outside a handled event, so this event starts the trace.
    assert.equal(decoded.envelope.correlation_id, result.eventId);
    assert.deepEqual(decoded.envelope.occurred_at, occurredAt);
    assert.deepEqual(structuredClone(decoded.envelope.payload), orderPlaced);
    assert.equal(message.key?.toString(), 'ord-100');
  });

  it('stamps routing headers', async () => {
    const result = await producer.publish('orders.order_placed', orderPlaced, { key: 'ord-101' });
    const message = await readMessageAt(result.topic, result.partition, result.offset);
    assert.equal(headerText(message.headers?.[HEADERS.eventType]), 'orders.order_placed');
    assert.equal(headerText(message.headers?.[HEADERS.eventId]), result.eventId);
    assert.equal(headerText(message.headers?.[HEADERS.correlationId]), result.correlationId);
    assert.equal(headerText(message.headers?.[HEADERS.contentType]), 'application/vnd.confluent.avro');
  });

  it('refuses an invalid payload and sends nothing', async () => {
    const before = await endOffsetSum('orders.order_placed');
    // Callers in plain JavaScript or with data from outside get no compile-time check.
    const invalid = { ...orderPlaced, total_minor: 12.5, items: [{ sku: 'SKU-9' }] } as unknown as OrderPlaced;

    await assert.rejects(producer.publish('orders.order_placed', invalid, { key: 'ord-102' }), (error: unknown) => {
      assert.ok(error instanceof ContractError);
      assert.equal(error.code, 'invalid-payload');
      assert.match(error.message, /orders\.order_placed/);
      assert.match(error.message, /payload\.total_minor/);
      assert.match(error.message, /payload\.items\.0\.quantity/);
      return true;
    });
    assert.equal(await endOffsetSum('orders.order_placed'), before);
    const failures = await metricsRegistry.getSingleMetricAsString('choreo_publish_failures_total');
    assert.match(failures, /reason="invalid-payload"/);
  });

  it('sends no part of a batch with one invalid event', async () => {
    const before = await endOffsetSum('orders.order_placed');
    const batch = [
      { eventType: 'orders.order_placed' as const, payload: orderPlaced, options: { key: 'a' } },
      { eventType: 'orders.order_placed' as const, payload: { ...orderPlaced, currency: null } as unknown as OrderPlaced, options: { key: 'b' } },
    ];
    await assert.rejects(producer.publishBatch(batch), { code: 'invalid-payload' });
    assert.equal(await endOffsetSum('orders.order_placed'), before);
  });

  it('rejects an unknown event type', async () => {
    await assert.rejects(producer.publish('orders.order_shipped' as EventType, orderPlaced, { key: 'x' }), { code: 'envelope', message: /unknown event type/ });
  });

  it('inherits correlation and causation inside a handled event', async () => {
    const result = await runWithEventContext({ eventId: 'evt-parent', correlationId: 'corr-42' }, () =>
      producer.publish('orders.order_placed', orderPlaced, { key: 'ord-103' }),
    );
    const message = await readMessageAt(result.topic, result.partition, result.offset);
    const { envelope } = await registry.decode(message.value);
    assert.equal(envelope.correlation_id, 'corr-42');
    assert.equal(envelope.causation_id, 'evt-parent');
  });

  it('reports the offset of every event in a batch', async () => {
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k1'];
    const results = await producer.publishBatch(keys.map((key) => ({ eventType: 'orders.order_placed' as const, payload: orderPlaced, options: { key } })));
    for (const result of results) {
      const message = await readMessageAt(result.topic, result.partition, result.offset);
      assert.equal(message.headers && headerText(message.headers[HEADERS.eventId]), result.eventId);
    }
    assert.equal(results[0]?.partition, results[5]?.partition, 'the same key lands on the same partition');
  });
});
