import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';

import { ContractError, ContractRegistry, type Envelope, encodeWireFormat, loadContracts } from '../src/index';

function orderPlaced(overrides: Partial<Envelope> = {}): Envelope {
  return {
    event_id: randomUUID(),
    event_type: 'orders.order_placed',
    version: 1,
    correlation_id: randomUUID(),
    causation_id: null,
    occurred_at: new Date('2026-11-30T10:00:00.000Z'),
    source: 'test-shop',
    payload: {
      order_id: 'ord-1',
      customer_id: 'cus-1',
      customer_email: 'ada@example.com',
      items: [{ sku: 'SKU-1', description: 'Kettle', quantity: 2, unit_price_minor: 1999 }],
      total_minor: 3998,
      currency: 'EUR',
      channel: 'WEB',
    },
    ...overrides,
  };
}

describe('ContractRegistry on the real registry', () => {
  const registry = new ContractRegistry();
  let schemaId = 0;

  before(async () => {
    for (const contract of loadContracts()) await registry.register(contract);
    schemaId = await registry.schemaIdOf('orders.order_placed');
  });

  it('registers every contract with its compatibility level', async () => {
    for (const contract of loadContracts()) {
      const response = await registry.request('GET', `/config/${contract.subject}`);
      assert.deepEqual(await response.json(), { compatibilityLevel: contract.compatibility });
    }
  });

  it('registers the same schema twice under one id', async () => {
    const again = await registry.register(registry.contract('orders.order_placed'));
    assert.equal(again, schemaId);
  });

  it('round-trips an event through the wire format', async () => {
    const sent = orderPlaced();
    const bytes = registry.encode(sent, schemaId);
    assert.equal(bytes.readUInt8(0), 0);
    assert.equal(bytes.readInt32BE(1), schemaId);

    const decoded = await new ContractRegistry().decode(bytes);
    assert.equal(decoded.contract.eventType, 'orders.order_placed');
    assert.deepEqual(structuredClone(decoded.envelope), sent);
  });

  it('round-trips an event larger than 64 KiB', async () => {
    const event = orderPlaced();
    const description = 'x'.repeat(70_000);
    const sent = { ...event, payload: { ...event.payload, items: [{ sku: 'SKU-1', description, quantity: 1, unit_price_minor: 1 }] } };

    const bytes = registry.encode(sent, schemaId);

    assert.ok(bytes.length > 70_000);
    const decoded = await registry.decode(bytes);
    assert.deepEqual(structuredClone(decoded.envelope), sent);
  });

  it('rejects an invalid payload naming each field', () => {
    const bad = orderPlaced({ payload: { ...orderPlaced().payload, total_minor: 'lots', currency: undefined } });
    assert.throws(
      () => registry.encode(bad, schemaId),
      (error: unknown) =>
        error instanceof ContractError &&
        error.code === 'invalid-payload' &&
        error.message.includes('payload.total_minor') &&
        error.message.includes('payload.currency'),
    );
  });

  it('rejects an unknown schema id as a contract error', async () => {
    await assert.rejects(new ContractRegistry().decode(encodeWireFormat(987_654, Buffer.from([2, 0]))), { code: 'unknown-schema' });
  });

  it('rejects trailing bytes after the record', async () => {
    const bytes = Buffer.concat([registry.encode(orderPlaced(), schemaId), Buffer.from([1, 2, 3])]);
    await assert.rejects(registry.decode(bytes), { code: 'corrupt-avro', message: /3 unexpected bytes/ });
  });

  it('rejects an empty event_id', async () => {
    const bytes = registry.encode(orderPlaced({ event_id: '' }), schemaId);
    await assert.rejects(registry.decode(bytes), { code: 'envelope', message: /event_id is empty/ });
  });
});

describe('ContractRegistry.readIdentity', () => {
  const registry = new ContractRegistry();
  let schemaId = 0;

  before(async () => {
    await registry.register(registry.contract('orders.order_placed'));
    schemaId = await registry.schemaIdOf('orders.order_placed');
  });

  /** Encodes an order whose one item has the sku SKU-MARKER, with the items block count replaced by `count`. */
  function withItemsBlock(count: number[]): { bytes: Buffer; eventId: string } {
    const event = orderPlaced();
    const payload = { ...event.payload, items: [{ sku: 'SKU-MARKER', description: 'Kettle', quantity: 1, unit_price_minor: 1 }] };
    const bytes = registry.encode({ ...event, payload }, schemaId);
    // The block count comes right before the one-byte length prefix of the first item's sku.
    const countAt = bytes.indexOf('SKU-MARKER') - 2;
    return { bytes: Buffer.concat([bytes.subarray(0, countAt), Buffer.from(count), bytes.subarray(countAt + 1)]), eventId: event.event_id };
  }

  it('reads event_id and source', async () => {
    const event = orderPlaced();
    const identity = await registry.readIdentity(registry.encode(event, schemaId));

    assert.equal(identity.eventId, event.event_id);
    assert.equal(identity.source, 'test-shop');
    assert.equal(identity.contract.eventType, 'orders.order_placed');
    assert.equal(identity.schemaId, schemaId);
  });

  it('reads a batch with bad messages in place', async () => {
    const event = orderPlaced();
    const messages = [Buffer.from([1, 2, 3]), registry.encode(event, schemaId), encodeWireFormat(987_655, Buffer.from([2, 0])), null];

    const results = await registry.readIdentities(messages);

    assert.equal(results.length, 4);
    assert.equal((results[0] as ContractError).code, 'wire-format');
    assert.equal((results[1] as { eventId: string }).eventId, event.event_id);
    assert.equal((results[2] as ContractError).code, 'unknown-schema');
    assert.equal((results[3] as ContractError).code, 'wire-format');
  });

  it('rejects an empty source', async () => {
    const bytes = registry.encode(orderPlaced({ source: ' ' }), schemaId);
    await assert.rejects(registry.readIdentity(bytes), { code: 'envelope', message: /source is empty/ });
  });

  it('rejects trailing bytes after the record', async () => {
    const bytes = Buffer.concat([registry.encode(orderPlaced(), schemaId), Buffer.from([1, 2, 3])]);
    await assert.rejects(registry.readIdentity(bytes), { code: 'corrupt-avro', message: /3 unexpected bytes/ });
  });

  it('rejects a skipped array of 2^31 - 1 items', async () => {
    // Zigzag varint of 2^31 - 1.
    const { bytes } = withItemsBlock([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    await assert.rejects(registry.readIdentity(bytes), { code: 'corrupt-avro', message: /array block declares 2147483647 items/ });
  });

  it('rejects a skipped block of negative size', async () => {
    // A block count of -1 announces a byte size, here -5, which would move the read position backwards.
    const { bytes } = withItemsBlock([0x01, 0x09]);
    await assert.rejects(registry.readIdentity(bytes), { code: 'corrupt-avro', message: /truncated/ });
  });

  it('skips a block announced with its byte size', async () => {
    // Count -1, then the size of the one item: sku (11 bytes), description (7), quantity (1) and
    // unit_price_minor (1), 20 bytes, which is 40 as a zigzag varint.
    const { bytes, eventId } = withItemsBlock([0x01, 40]);

    const identity = await registry.readIdentity(bytes);
    assert.equal(identity.eventId, eventId);
    const decoded = await registry.decode(bytes);
    assert.equal((decoded.envelope.payload.items as unknown[]).length, 1);
  });
});
