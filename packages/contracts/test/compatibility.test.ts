import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  ContractError,
  checkCompatibility,
  formatFinding,
  loadContracts,
} from '../src/index';

type Field = Record<string, unknown>;

/** Builds a payload-like record named choreo.orders.OrderPlaced with the given fields. */
function record(fields: Field[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'record', name: 'OrderPlaced', namespace: 'choreo.orders', fields, ...extra };
}

const orderId = { name: 'order_id', type: 'string' };

/** Runs one check and formats its findings, so a failing assert shows every rule that was reported. */
function check(level: CompatibilityLevel, previous: unknown[], next: unknown): string[] {
  return checkCompatibility({ level, previous, next }).map(formatFinding);
}

function assertPasses(levels: CompatibilityLevel[], previous: unknown, next: unknown): void {
  for (const level of levels)
    assert.deepEqual(check(level, [previous], next), [], `expected ${level} to pass`);
}

function assertFails(levels: CompatibilityLevel[], previous: unknown, next: unknown, expected: string): void {
  for (const level of levels) {
    const findings = check(level, [previous], next);
    assert.ok(
      findings.some((finding) => finding === `${expected} (${level})`),
      `expected ${level} to report "${expected}", got:\n${findings.join('\n')}`,
    );
  }
}

const ALL_LEVELS = COMPATIBILITY_LEVELS.filter((level) => level !== 'NONE');
const BACKWARD_LEVELS: CompatibilityLevel[] = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];
const FORWARD_LEVELS: CompatibilityLevel[] = ['FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];
const BACKWARD_ONLY: CompatibilityLevel[] = ['BACKWARD', 'BACKWARD_TRANSITIVE'];
const FORWARD_ONLY: CompatibilityLevel[] = ['FORWARD', 'FORWARD_TRANSITIVE'];

describe('field changes', () => {
  it('optional field with default passes', () => {
    const next = record([orderId, { name: 'coupon', type: ['null', 'string'], default: null }]);
    assertPasses(ALL_LEVELS, record([orderId]), next);
  });

  it('new field without default fails backward', () => {
    const next = record([orderId, { name: 'coupon', type: 'string' }]);
    assertFails(
      BACKWARD_LEVELS,
      record([orderId]),
      next,
      'coupon: field added without a default, so a new reader cannot read old events',
    );
    assertPasses(FORWARD_ONLY, record([orderId]), next);
  });

  it('removed field without default fails forward', () => {
    const previous = record([orderId, { name: 'coupon', type: 'string' }]);
    assertFails(
      FORWARD_LEVELS,
      previous,
      record([orderId]),
      'coupon: field removed although the old schema gives it no default, so an old reader cannot read new events',
    );
    assertPasses(BACKWARD_ONLY, previous, record([orderId]));
  });

  it('removed field with default passes', () => {
    assertPasses(
      ALL_LEVELS,
      record([orderId, { name: 'note', type: 'string', default: '' }]),
      record([orderId]),
    );
  });

  it('unrelated type change fails both ways', () => {
    const previous = record([{ name: 'order_id', type: 'string' }]);
    const next = record([{ name: 'order_id', type: 'int' }]);
    assertFails(
      BACKWARD_LEVELS,
      previous,
      next,
      'order_id: type changed from string to int, and Avro cannot read string as int, so a new reader cannot read old events',
    );
    assertFails(
      FORWARD_LEVELS,
      previous,
      next,
      'order_id: type changed from string to int, and Avro cannot read int as string, so an old reader cannot read new events',
    );
  });

  it('int to long passes backward only', () => {
    const previous = record([{ name: 'quantity', type: 'int' }]);
    const next = record([{ name: 'quantity', type: 'long' }]);
    assertPasses(BACKWARD_ONLY, previous, next);
    assertFails(
      FORWARD_LEVELS,
      previous,
      next,
      'quantity: type changed from int to long, and Avro cannot read long as int, so an old reader cannot read new events',
    );
  });

  it('every Avro promotion passes backward', () => {
    const promotions = [
      ['int', 'long'],
      ['int', 'float'],
      ['int', 'double'],
      ['long', 'float'],
      ['long', 'double'],
      ['float', 'double'],
      ['string', 'bytes'],
      ['bytes', 'string'],
    ];
    for (const [from, to] of promotions) {
      assertPasses(
        ['BACKWARD'],
        record([{ name: 'value', type: from }]),
        record([{ name: 'value', type: to }]),
      );
    }
  });

  it('long to int fails backward', () => {
    assertFails(
      ['BACKWARD'],
      record([{ name: 'total', type: 'long' }]),
      record([{ name: 'total', type: 'int' }]),
      'total: type changed from long to int, and Avro cannot read long as int, so a new reader cannot read old events',
    );
  });

  it('field rename without alias fails', () => {
    const previous = record([{ name: 'email', type: 'string' }]);
    const next = record([{ name: 'customer_email', type: 'string' }]);
    assertFails(
      ['BACKWARD'],
      previous,
      next,
      'customer_email: field added without a default, so a new reader cannot read old events',
    );
  });

  it('field rename with alias passes', () => {
    const previous = record([{ name: 'email', type: 'string' }]);
    const next = record([{ name: 'customer_email', type: 'string', aliases: ['email'] }]);
    assertPasses(['BACKWARD'], previous, next);
  });

  it('alias matching two fields fails', () => {
    const previous = record([
      { name: 'email', type: 'string' },
      { name: 'mail', type: 'string' },
    ]);
    const next = record([{ name: 'customer_email', type: 'string', aliases: ['email', 'mail'] }]);
    assertFails(
      ['BACKWARD'],
      previous,
      next,
      "customer_email: the field's name and aliases match several old fields (email, mail), so a new reader cannot read old events",
    );
  });
});

describe('named types', () => {
  it('record rename without alias fails', () => {
    const next = record([orderId], { name: 'OrderSubmitted' });
    assertFails(
      ['BACKWARD'],
      record([orderId]),
      next,
      '(root): record renamed from choreo.orders.OrderPlaced to choreo.orders.OrderSubmitted without an alias for choreo.orders.OrderPlaced, so a new reader cannot read old events',
    );
    assertFails(
      ['FORWARD'],
      record([orderId]),
      next,
      '(root): record renamed from choreo.orders.OrderPlaced to choreo.orders.OrderSubmitted, and the old schema has no alias for choreo.orders.OrderSubmitted, so an old reader cannot read new events',
    );
  });

  it('record rename with alias passes', () => {
    const next = record([orderId], { name: 'OrderSubmitted', aliases: ['OrderPlaced'] });
    assertPasses(['BACKWARD'], record([orderId]), next);
  });

  it('namespace change fails', () => {
    const next = record([orderId], { namespace: 'choreo.sales' });
    assertFails(
      ['BACKWARD'],
      record([orderId]),
      next,
      '(root): record renamed from choreo.orders.OrderPlaced to choreo.sales.OrderPlaced without an alias for choreo.orders.OrderPlaced, so a new reader cannot read old events',
    );
  });

  it('namespace change with alias passes', () => {
    const next = record([orderId], { namespace: 'choreo.sales', aliases: ['choreo.orders.OrderPlaced'] });
    assertPasses(['BACKWARD'], record([orderId]), next);
  });

  const channel = (symbols: string[], extra: Record<string, unknown> = {}) =>
    record([{ name: 'channel', type: { type: 'enum', name: 'SalesChannel', symbols, ...extra } }]);

  it('removed enum symbol fails backward', () => {
    assertFails(
      BACKWARD_LEVELS,
      channel(['WEB', 'STORE']),
      channel(['WEB']),
      'channel: enum choreo.orders.SalesChannel lost symbol(s) STORE and has no default, so a new reader cannot read old events',
    );
  });

  it('enum default allows removed symbols', () => {
    assertPasses(
      BACKWARD_ONLY,
      channel(['WEB', 'STORE'], { default: 'WEB' }),
      channel(['WEB'], { default: 'WEB' }),
    );
  });

  it('added enum symbol fails forward', () => {
    assertFails(
      FORWARD_LEVELS,
      channel(['WEB']),
      channel(['WEB', 'STORE']),
      'channel: enum choreo.orders.SalesChannel gained symbol(s) STORE, and the old enum has no default, so an old reader cannot read new events',
    );
    assertPasses(BACKWARD_ONLY, channel(['WEB']), channel(['WEB', 'STORE']));
  });

  it('fixed size change fails', () => {
    const fixed = (size: number) => record([{ name: 'hash', type: { type: 'fixed', name: 'Sha', size } }]);
    assertFails(
      ['FULL'],
      fixed(32),
      fixed(64),
      'hash: fixed size changed from 32 to 64 bytes, so a new reader cannot read old events',
    );
  });
});

describe('nested records', () => {
  const withItems = (itemFields: Field[]) =>
    record([
      orderId,
      {
        name: 'items',
        type: { type: 'array', items: { type: 'record', name: 'OrderItem', fields: itemFields } },
      },
    ]);

  it('new field in array items fails', () => {
    const previous = withItems([{ name: 'sku', type: 'string' }]);
    const next = withItems([
      { name: 'sku', type: 'string' },
      { name: 'discount_minor', type: 'long' },
    ]);
    assertFails(
      BACKWARD_LEVELS,
      previous,
      next,
      'items[].discount_minor: field added without a default, so a new reader cannot read old events',
    );
  });

  it('map value change names map path', () => {
    const withTotals = (values: unknown) =>
      record([
        {
          name: 'totals',
          type: {
            type: 'map',
            values: { type: 'record', name: 'Total', fields: [{ name: 'amount', type: values }] },
          },
        },
      ]);
    assertPasses(['BACKWARD'], withTotals('int'), withTotals('long'));
    assertFails(
      ['BACKWARD'],
      withTotals('string'),
      withTotals('long'),
      'totals{}.amount: type changed from string to long, and Avro cannot read string as long, so a new reader cannot read old events',
    );
  });

  it('nested record rename fails', () => {
    const previous = withItems([{ name: 'sku', type: 'string' }]);
    const next = record([
      orderId,
      {
        name: 'items',
        type: {
          type: 'array',
          items: { type: 'record', name: 'LineItem', fields: [{ name: 'sku', type: 'string' }] },
        },
      },
    ]);
    assertFails(
      ['BACKWARD'],
      previous,
      next,
      'items[]: record renamed from choreo.orders.OrderItem to choreo.orders.LineItem without an alias for choreo.orders.OrderItem, so a new reader cannot read old events',
    );
  });

  it('recursive record check terminates', () => {
    const node = (extraFields: Field[]) =>
      record([orderId, { name: 'parent', type: ['null', 'OrderPlaced'], default: null }, ...extraFields]);
    assertPasses(ALL_LEVELS, node([]), node([]));
    assertFails(
      ['BACKWARD'],
      node([]),
      node([{ name: 'depth', type: 'int' }]),
      'depth: field added without a default, so a new reader cannot read old events',
    );
  });
});

describe('unions', () => {
  const note = (type: unknown) => record([{ name: 'note', type }]);

  it('nullable field passes backward only', () => {
    assertPasses(BACKWARD_ONLY, note('string'), note(['null', 'string']));
    assertFails(
      FORWARD_LEVELS,
      note('string'),
      note(['null', 'string']),
      "note: type changed from string to union [null, string], and the new union's null branch cannot be read as string, so an old reader cannot read new events",
    );
  });

  it('removed union branch fails backward', () => {
    assertFails(
      ['BACKWARD'],
      note(['null', 'string', 'int']),
      note(['null', 'string']),
      'note: union branch int removed, so a new reader cannot read old events',
    );
  });

  it('added union branch fails forward', () => {
    assertPasses(['BACKWARD'], note(['null', 'string']), note(['null', 'string', 'int']));
    assertFails(
      ['FORWARD'],
      note(['null', 'string']),
      note(['null', 'string', 'int']),
      'note: union branch int added, so an old reader cannot read new events',
    );
  });

  it('union without old type fails', () => {
    assertFails(
      ['BACKWARD'],
      note('string'),
      note(['null', 'int']),
      'note: type changed from string to union [null, int], and the new union has no branch that can read string, so a new reader cannot read old events',
    );
  });

  it('int promotes into long branch', () => {
    assertPasses(['BACKWARD'], note('int'), note(['null', 'long']));
  });

  it('record branch resolves field by field', () => {
    const branch = (fields: Field[]) => note(['null', { type: 'record', name: 'Note', fields }]);
    assertFails(
      ['BACKWARD'],
      branch([{ name: 'text', type: 'string' }]),
      branch([
        { name: 'text', type: 'string' },
        { name: 'author', type: 'string' },
      ]),
      'note.author: field added without a default, so a new reader cannot read old events',
    );
  });
});

describe('logical types', () => {
  const at = (type: unknown) => record([{ name: 'captured_at', type }]);

  it('millis to micros fails both ways', () => {
    const previous = at({ type: 'long', logicalType: 'timestamp-millis' });
    const next = at({ type: 'long', logicalType: 'timestamp-micros' });
    assertFails(
      BACKWARD_LEVELS,
      previous,
      next,
      'captured_at: logical type changed from timestamp-millis to timestamp-micros, so a new reader would misread old events',
    );
    assertFails(
      FORWARD_LEVELS,
      previous,
      next,
      'captured_at: logical type changed from timestamp-millis to timestamp-micros, so an old reader would misread new events',
    );
  });

  it('dropped logical type fails', () => {
    assertFails(
      ['BACKWARD'],
      at({ type: 'long', logicalType: 'timestamp-millis' }),
      at('long'),
      'captured_at: logical type changed from timestamp-millis to none, so a new reader would misread old events',
    );
  });

  it('decimal precision or scale change fails', () => {
    const amount = (precision: number, scale: number) =>
      record([{ name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision, scale } }]);
    assertFails(
      ['BACKWARD'],
      amount(10, 2),
      amount(12, 2),
      'amount: logical type changed from decimal(10, 2) to decimal(12, 2), so a new reader would misread old events',
    );
    assertFails(
      ['BACKWARD'],
      amount(10, 2),
      amount(10, 4),
      'amount: logical type changed from decimal(10, 2) to decimal(10, 4), so a new reader would misread old events',
    );
    assertPasses(ALL_LEVELS, amount(10, 2), amount(10, 2));
  });

  it('nullable timestamp unchanged passes', () => {
    const nullable = at(['null', { type: 'long', logicalType: 'timestamp-millis' }]);
    assertPasses(ALL_LEVELS, nullable, nullable);
  });

  it('invalid logical type is ignored', () => {
    // A decimal whose scale exceeds its precision is invalid, so readers see plain bytes.
    const invalid = record([
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 2, scale: 4 } },
    ]);
    assertPasses(ALL_LEVELS, record([{ name: 'amount', type: 'bytes' }]), invalid);
  });
});

describe('levels', () => {
  // Version 2 drops `code`, version 3 brings it back as an int: each step is backward compatible,
  // but version 3 cannot read events written with version 1.
  const v1 = record([orderId, { name: 'code', type: 'string' }]);
  const v2 = record([orderId]);
  const v3 = record([orderId, { name: 'code', type: 'int', default: 0 }]);

  it('BACKWARD checks latest version only', () => {
    assert.deepEqual(check('BACKWARD', [v1, v2], v3), []);
  });

  it('BACKWARD_TRANSITIVE checks every version', () => {
    const findings = checkCompatibility({ level: 'BACKWARD_TRANSITIVE', previous: [v1, v2], next: v3 });
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.previousIndex, 0);
    assert.equal(
      formatFinding(findings[0]!),
      'code: type changed from string to int, and Avro cannot read string as int, so a new reader cannot read old events (BACKWARD_TRANSITIVE)',
    );
  });

  it('FULL_TRANSITIVE checks both directions', () => {
    const findings = checkCompatibility({ level: 'FULL_TRANSITIVE', previous: [v1, v2], next: v3 });
    assert.deepEqual(
      findings.map((finding) => [finding.direction, finding.previousIndex]),
      [
        ['BACKWARD', 0],
        ['FORWARD', 0],
      ],
    );
  });

  it('NONE accepts any change', () => {
    assert.deepEqual(check('NONE', [v1], record([{ name: 'other', type: 'boolean' }])), []);
  });

  it('no earlier version passes', () => {
    assert.deepEqual(check('FULL_TRANSITIVE', [], v1), []);
  });

  it('invalid schema raises schema error', () => {
    const invalid = record([{ name: 'quantity', type: 'int', default: 'many' }]);
    assert.throws(
      () => check('BACKWARD', [v1], invalid),
      (error: unknown) =>
        error instanceof ContractError &&
        error.code === 'schema' &&
        /the new schema is not a valid Avro schema/.test(error.message),
    );
  });
});

describe('assembled event schemas', () => {
  it('payload change names payload path', () => {
    const contract = loadContracts().find((candidate) => candidate.eventType === 'orders.order_placed');
    assert.ok(contract, 'orders.order_placed is missing from the contracts');

    const next = structuredClone(contract.schema) as unknown as {
      fields: { name: string; type: { fields: Field[] } }[];
    };
    const payload = next.fields.find((field) => field.name === 'payload');
    assert.ok(payload);
    payload.type.fields = payload.type.fields.filter((field) => field.name !== 'currency');
    const previous = structuredClone(next) as typeof next;
    payload.type.fields.push({ name: 'currency', type: 'string' });

    assert.deepEqual(check('BACKWARD', [previous], next), [
      'payload.currency: field added without a default, so a new reader cannot read old events (BACKWARD)',
    ]);
  });

  it('every contract reads itself', () => {
    for (const contract of loadContracts()) {
      for (const level of COMPATIBILITY_LEVELS)
        assert.deepEqual(
          check(level, [contract.schema], contract.schema),
          [],
          `${contract.eventType} at ${level}`,
        );
    }
  });
});
