import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import avro from 'avsc';

import { createAvroType, parseSchema, resolveSchemas } from '../src/index';

/**
 * Field types to evolve between. Each is put into a one-field record, and every ordered pair
 * (reader, writer) is judged both by the checker and by avsc's `Type#createResolver`. Logical types
 * are left out: avsc ignores logical types it has no implementation for, so it cannot judge them.
 */
const FIELD_TYPES: Record<string, unknown> = {
  null: 'null',
  boolean: 'boolean',
  int: 'int',
  long: 'long',
  float: 'float',
  double: 'double',
  bytes: 'bytes',
  string: 'string',
  'nullable string': ['null', 'string'],
  'nullable int': ['null', 'int'],
  'string or int': ['string', 'int'],
  'null, long or string': ['null', 'long', 'string'],
  'int array': { type: 'array', items: 'int' },
  'long array': { type: 'array', items: 'long' },
  'string array': { type: 'array', items: 'string' },
  'nullable int array': ['null', { type: 'array', items: 'int' }],
  'int map': { type: 'map', values: 'int' },
  'double map': { type: 'map', values: 'double' },
  'enum AB': { type: 'enum', name: 'Letter', symbols: ['A', 'B'] },
  'enum ABC': { type: 'enum', name: 'Letter', symbols: ['A', 'B', 'C'] },
  'enum A with default': { type: 'enum', name: 'Letter', symbols: ['A'], default: 'A' },
  'enum renamed': { type: 'enum', name: 'Glyph', symbols: ['A', 'B'] },
  'enum renamed with alias': { type: 'enum', name: 'Glyph', aliases: ['Letter'], symbols: ['A', 'B', 'C'] },
  'fixed 4': { type: 'fixed', name: 'Hash', size: 4 },
  'fixed 8': { type: 'fixed', name: 'Hash', size: 8 },
  'fixed renamed': { type: 'fixed', name: 'Digest', size: 4 },
  'record x:int': { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] },
  'record x:long': { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'long' }] },
  'record x:string': { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'string' }] },
  'record x, y': {
    type: 'record',
    name: 'Inner',
    fields: [
      { name: 'x', type: 'int' },
      { name: 'y', type: 'string' },
    ],
  },
  'record x, y with default': {
    type: 'record',
    name: 'Inner',
    fields: [
      { name: 'x', type: 'int' },
      { name: 'y', type: 'string', default: '' },
    ],
  },
  'record z aliased to x': {
    type: 'record',
    name: 'Inner',
    fields: [{ name: 'z', type: 'int', aliases: ['x'] }],
  },
  'record renamed': { type: 'record', name: 'Outer', fields: [{ name: 'x', type: 'int' }] },
  'record renamed with alias': {
    type: 'record',
    name: 'Outer',
    aliases: ['Inner'],
    fields: [{ name: 'x', type: 'int' }],
  },
  'record in another namespace': {
    type: 'record',
    name: 'Inner',
    namespace: 'other',
    fields: [{ name: 'x', type: 'int' }],
  },
  'nullable record': ['null', { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] }],
  'record or string': [{ type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] }, 'string'],
};

function wrap(fieldType: unknown): unknown {
  return {
    type: 'record',
    name: 'Event',
    namespace: 'choreo.test',
    fields: [{ name: 'value', type: fieldType }],
  };
}

function avscCanRead(
  reader: unknown,
  writer: unknown,
  options: Partial<avro.ForSchemaOptions> = {},
): boolean {
  const readerType = avro.Type.forSchema(reader as avro.Schema, { ...options });
  const writerType = avro.Type.forSchema(writer as avro.Schema, { ...options });
  try {
    readerType.createResolver(writerType);
    return true;
  } catch {
    // createResolver throws when the writer cannot be read; that is the verdict being compared.
    return false;
  }
}

function checkerCanRead(reader: unknown, writer: unknown): boolean {
  return resolveSchemas(parseSchema(reader), parseSchema(writer)).length === 0;
}

describe('checker against avsc', () => {
  it('every field type pair agrees', () => {
    const names = Object.keys(FIELD_TYPES);
    const disagreements: string[] = [];
    let compatiblePairs = 0;

    for (const readerName of names) {
      for (const writerName of names) {
        const reader = wrap(FIELD_TYPES[readerName]);
        const writer = wrap(FIELD_TYPES[writerName]);
        const expected = avscCanRead(reader, writer);
        if (expected) compatiblePairs++;
        if (checkerCanRead(reader, writer) !== expected) {
          disagreements.push(
            `reader ${readerName}, writer ${writerName}: avsc says ${expected ? 'readable' : 'unreadable'}`,
          );
        }
      }
    }

    assert.deepEqual(disagreements, []);
    // Guards against a corpus in which nearly everything is readable or nearly nothing is.
    assert.ok(compatiblePairs > names.length, `only ${compatiblePairs} readable pairs`);
    assert.ok(
      compatiblePairs < names.length * names.length - names.length,
      `${compatiblePairs} readable pairs`,
    );
  });

  it('timestamp changes stricter than avsc', () => {
    // Choreo's timestamp-millis type reads any long, so avsc would decode timestamp-micros values as
    // milliseconds without an error. The checker reports the change instead.
    const millis = wrap({ type: 'long', logicalType: 'timestamp-millis' });
    const cases = [
      ['timestamp-millis', millis, true, true],
      ['long', wrap('long'), true, false],
      ['timestamp-micros', wrap({ type: 'long', logicalType: 'timestamp-micros' }), true, false],
      ['int', wrap('int'), false, false],
    ] as const;

    for (const [writerName, writer, avscReadable, checkerReadable] of cases) {
      assert.equal(canResolveWithChoreoTypes(millis, writer), avscReadable, `avsc, writer ${writerName}`);
      assert.equal(checkerCanRead(millis, writer), checkerReadable, `checker, writer ${writerName}`);
    }
  });
});

function canResolveWithChoreoTypes(reader: unknown, writer: unknown): boolean {
  try {
    createAvroType(reader as avro.Schema).createResolver(createAvroType(writer as avro.Schema));
    return true;
  } catch {
    // As above: a thrown error is avsc's "cannot read" verdict.
    return false;
  }
}
