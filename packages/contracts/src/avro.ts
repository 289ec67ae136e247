import avro from 'avsc';

import './avro-guards';

/**
 * Maps Avro `timestamp-millis` to a JavaScript Date, so `occurred_at` and other business times are
 * Dates in handlers and in `publish`. avsc leaves logical types to the application.
 */
class TimestampMillisType extends avro.types.LogicalType {
  override _fromValue(value: number): Date {
    return new Date(value);
  }

  override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    // Epoch milliseconds are accepted too; anything else is invalid and reported by the validator.
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    return undefined;
  }

  override _resolve(type: avro.Type) {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) return this._fromValue.bind(this);
    return undefined;
  }
}

/** Options for every Avro type Choreo creates. */
export const AVRO_TYPE_OPTIONS: Readonly<Partial<avro.ForSchemaOptions>> = {
  logicalTypes: { 'timestamp-millis': TimestampMillisType },
};

export function createAvroType(schema: avro.Schema): avro.Type {
  // A copy per call, because avsc records named types in the options object it receives.
  return avro.Type.forSchema(schema, { ...AVRO_TYPE_OPTIONS });
}

/** One invalid value found while validating a record against its schema. */
export interface InvalidField {
  /** Dotted path from the record root, for example `payload.items.0.quantity`. */
  path: string;
  /** The Avro type expected at that path, for example `long` or `["null","string"]`. */
  expected: string;
  /** A short rendering of the value found. */
  actual: string;
}

/** Returns every invalid field of a value, or an empty list when the value matches the schema. */
export function findInvalidFields(type: avro.Type, value: unknown): InvalidField[] {
  const invalid: InvalidField[] = [];
  type.isValid(value, {
    errorHook(path, fieldValue, fieldType) {
      invalid.push({ path: path.join('.') || '(root)', expected: describeType(fieldType), actual: describeValue(fieldValue) });
    },
  });
  return invalid;
}

function describeType(type: avro.Type): string {
  const schema = type.schema();
  return typeof schema === 'string' ? schema : JSON.stringify(schema).slice(0, 80);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
