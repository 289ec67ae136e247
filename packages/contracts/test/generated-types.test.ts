import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import {
  AVRO_TYPE_OPTIONS,
  DECODED_LOGICAL_TYPES,
  type Envelope,
  type EventPayloads,
  type EventType,
  GENERATED_TYPES_PATH,
  createAvroType,
  type OrderPlaced,
  type PaymentCaptured,
  generateEventTypes,
  loadContracts,
} from '../src/index';

describe('generated event types', () => {
  it('committed file matches the schemas', () => {
    const committed = readFileSync(GENERATED_TYPES_PATH, 'utf8');
    const fresh = generateEventTypes(loadContracts());
    assert.ok(
      committed === fresh,
      'packages/contracts/src/generated/events.ts is out of date with the .avsc files. Run "pnpm choreo contracts types" and commit the result.',
    );
  });

  it('every contract has a payload type', () => {
    const generated = readFileSync(GENERATED_TYPES_PATH, 'utf8');
    for (const contract of loadContracts()) {
      assert.ok(
        generated.includes(`  '${contract.eventType}': ${contract.payloadSchema.name};`),
        contract.eventType,
      );
    }
  });

  it('decoded logical types match AVRO_TYPE_OPTIONS', () => {
    assert.deepEqual(
      Object.keys(DECODED_LOGICAL_TYPES).sort(),
      Object.keys(AVRO_TYPE_OPTIONS.logicalTypes ?? {}).sort(),
    );
  });

  it('typed payloads decode to the same shape', () => {
    // The annotations below fail the type check (`npx tsc -p tsconfig.json`) when the generated types
    // drift from the schemas. The runtime asserts check that avsc decodes what the types promise.
    const payment: PaymentCaptured = {
      payment_id: 'pay-1',
      order_id: 'ord-1',
      customer_id: 'cus-1',
      amount_minor: 3998,
      currency: 'EUR',
      method: 'CARD',
      captured_at: new Date('2026-11-30T10:00:00.000Z'),
    };
    const envelope: Envelope<EventPayloads['billing.payment_captured']> = {
      event_id: 'evt-1',
      event_type: 'billing.payment_captured',
      version: 1,
      correlation_id: 'cor-1',
      causation_id: null,
      occurred_at: new Date('2026-11-30T10:00:00.000Z'),
      source: 'test',
      payload: payment,
    };

    const contract = loadContracts().find((candidate) => candidate.eventType === 'billing.payment_captured');
    assert.ok(contract);
    const decoded = contract.type.fromBuffer(contract.type.toBuffer(envelope)) as Envelope<PaymentCaptured>;
    assert.ok(decoded.payload.captured_at instanceof Date);
    assert.deepEqual({ ...decoded.payload }, payment);
  });

  it('event types are the contract keys', () => {
    const eventTypes: EventType[] = [
      'billing.invoice_issued',
      'billing.payment_captured',
      'erp.invoice_synced',
      'orders.order_placed',
    ];
    assert.deepEqual(
      loadContracts().map((contract) => contract.eventType),
      eventTypes,
    );

    // @ts-expect-error: an event type without a contract is not an EventType.
    const unknown: EventType = 'orders.order_shipped';
    assert.equal(typeof unknown, 'string');
    // @ts-expect-error: channel is a closed set of symbols, not any string.
    const channel: OrderPlaced['channel'] = 'FAX';
    assert.equal(typeof channel, 'string');
  });
});

describe('generateEventTypes', () => {
  const generate = (fields: Record<string, unknown>[], extraEvents: Record<string, unknown>[] = []) =>
    generateEventTypes([
      {
        eventType: 'test.thing_done',
        payloadSchema: { type: 'record', name: 'ThingDone', namespace: 'choreo.test', fields } as never,
      },
      ...extraEvents.map((payloadSchema, index) => ({
        eventType: `test.other_${index}`,
        payloadSchema: payloadSchema as never,
      })),
    ]);

  it('maps Avro types to TypeScript', () => {
    const source = generate([
      { name: 'count', type: 'int' },
      { name: 'total', type: 'long' },
      { name: 'ratio', type: 'double' },
      { name: 'flag', type: 'boolean' },
      { name: 'raw', type: 'bytes' },
      { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 16 } },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'at_micros', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'maybe_tags', type: { type: 'array', items: ['null', 'string'] } },
      { name: 'prices', type: { type: 'map', values: 'long' } },
      { name: 'closed_at', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null },
    ]);

    const expected = [
      '  count: number;',
      '  total: number;',
      '  ratio: number;',
      '  flag: boolean;',
      '  raw: Buffer;',
      '  hash: Buffer;',
      '  at: Date;',
      '  at_micros: number;',
      '  day: number;',
      '  note: string | null;',
      '  tags: string[];',
      '  maybe_tags: (string | null)[];',
      '  prices: Record<string, number>;',
      '  closed_at: Date | null;',
    ];
    for (const line of expected) assert.ok(source.includes(`${line}\n`), `missing "${line}" in:\n${source}`);
  });

  it('nested records and enums get declarations', () => {
    const source = generate([
      {
        name: 'status',
        type: { type: 'enum', name: 'Status', doc: 'Where the thing is.', symbols: ['OPEN', 'DONE'] },
      },
      {
        name: 'owner',
        type: [
          'null',
          { type: 'record', name: 'Owner', fields: [{ name: 'id', type: 'string', doc: 'Owner id.' }] },
        ],
        default: null,
      },
    ]);

    assert.ok(source.includes("/** Where the thing is. */\nexport type Status = 'OPEN' | 'DONE';"), source);
    assert.ok(source.includes('export interface Owner {\n  /** Owner id. */\n  id: string;\n}'), source);
    assert.ok(source.includes('  owner: Owner | null;'), source);
    assert.ok(
      source.indexOf('interface ThingDone') < source.indexOf('interface Owner'),
      'the payload comes before its nested types',
    );
  });

  it('ambiguous unions are wrapped like avsc', () => {
    const source = generate([{ name: 'amount', type: ['null', 'int', 'string', 'long'] }]);
    assert.ok(
      source.includes("  amount: { 'int': number } | { 'string': string } | { 'long': number } | null;"),
      source,
    );

    // avsc represents such a union the same way: null, or an object keyed by the branch name.
    const union = createAvroType(['null', 'int', 'string', 'long']);
    assert.equal(union.typeName, 'union:wrapped');
    assert.deepEqual(
      { ...(union.fromBuffer(union.toBuffer({ string: 'ten' })) as object) },
      { string: 'ten' },
    );
    assert.equal(union.fromBuffer(union.toBuffer(null)), null);
  });

  it('long enums break across lines', () => {
    const symbols = Array.from({ length: 12 }, (_, index) => `SYMBOL_NUMBER_${index}`);
    const source = generate([{ name: 'code', type: { type: 'enum', name: 'Code', symbols } }]);
    assert.ok(source.includes("export type Code =\n  | 'SYMBOL_NUMBER_0'\n  | 'SYMBOL_NUMBER_1'"), source);
    assert.ok(source.includes("  | 'SYMBOL_NUMBER_11';\n"), source);
  });

  it('doc comments cannot close early', () => {
    const source = generate([
      { name: 'pattern', type: 'string', doc: 'Matches a/*/b and */ sequences.\nSecond line.' },
    ]);
    assert.ok(source.includes('  /** Matches a/*\\/b and *\\/ sequences. Second line. */\n'), source);
  });

  it('equal shared types are declared once', () => {
    const money = {
      type: 'record',
      name: 'Money',
      namespace: 'choreo.test',
      fields: [{ name: 'minor', type: 'long' }],
    };
    const source = generate(
      [{ name: 'price', type: money }],
      [
        {
          type: 'record',
          name: 'OtherDone',
          namespace: 'choreo.test',
          fields: [{ name: 'cost', type: money }],
        },
      ],
    );
    assert.equal(source.split('export interface Money').length, 2, source);
  });

  it('different types with one name are rejected', () => {
    assert.throws(
      () =>
        generate(
          [
            {
              name: 'price',
              type: {
                type: 'record',
                name: 'Money',
                namespace: 'choreo.test',
                fields: [{ name: 'minor', type: 'long' }],
              },
            },
          ],
          [
            {
              type: 'record',
              name: 'OtherDone',
              namespace: 'choreo.test',
              fields: [
                {
                  name: 'cost',
                  type: {
                    type: 'record',
                    name: 'Money',
                    namespace: 'choreo.test',
                    fields: [{ name: 'cents', type: 'long' }],
                  },
                },
              ],
            },
          ],
        ),
      { code: 'schema', message: /choreo\.test\.Money is defined twice with different fields or symbols/ },
    );
  });

  it('short name clash is rejected', () => {
    assert.throws(
      () =>
        generate([
          {
            name: 'a',
            type: {
              type: 'record',
              name: 'Money',
              namespace: 'choreo.billing',
              fields: [{ name: 'minor', type: 'long' }],
            },
          },
          {
            name: 'b',
            type: {
              type: 'record',
              name: 'Money',
              namespace: 'choreo.orders',
              fields: [{ name: 'minor', type: 'long' }],
            },
          },
        ]),
      {
        code: 'schema',
        message:
          /choreo\.billing\.Money and choreo\.orders\.Money would both become the TypeScript type Money/,
      },
    );
  });
});
