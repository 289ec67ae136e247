import { isUtf8 } from 'node:buffer';

import avro from 'avsc';

/**
 * Decoding limits that avsc 5.7.9 does not enforce, installed once for every Avro type of the process.
 *
 * - An array or map block count larger than the bytes left is rejected before any item is read.
 *   avsc trusts the count: about 50 bytes declaring 2^31 - 1 items make it build records far past the
 *   end of the buffer until the process runs out of memory, which one bad message must not do.
 * - A string that is not valid UTF-8 is rejected instead of being decoded with U+FFFD replacement
 *   characters, which would alter ids and let two different event ids share one dedupe key.
 * - Skipping an array or map, which a resolver does for fields the reader does not want, gets the same
 *   count check, and a block whose byte size is negative or past the end stops the skip. avsc would
 *   loop over a huge count, and a negative size moves the position backwards and may never end.
 *   Skipping a union with a branch index out of range fails with the message avsc gives when reading.
 *
 * NOTE: the count check assumes every item takes at least one byte. So it rejects a valid block of
 * zero-size items (arrays of `null` or of empty records). It also does not bound nested arrays of
 * zero-size items, because each inner block may declare as many items as bytes are left. The work then
 * grows with the square of the message size. No Choreo contract has such an array, but a writer schema
 * registered under a contract's subject could add one as an extra field.
 */
export class AvroLimitError extends Error {
  override name = 'AvroLimitError';
}

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  skipString(): void;
}

interface ReadableType {
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

function readBlockCount(tap: Tap, kind: string): number {
  let count = tap.readLong();
  if (count < 0) {
    count = -count;
    tap.skipLong();
  }
  const left = tap.buf.length - tap.pos;
  // Past the end already: stop, and avsc reports the value as truncated.
  if (left < 0) return 0;
  if (count > left) throw new AvroLimitError(`${kind} block declares ${count} items but only ${left} bytes are left`);
  return count;
}

function readArray(this: { itemsType: ReadableType }, tap: Tap): unknown[] {
  const items: unknown[] = [];
  for (let count = readBlockCount(tap, 'array'); count > 0; count = readBlockCount(tap, 'array')) {
    for (; count > 0; count--) items.push(this.itemsType._read(tap));
  }
  return items;
}

function readMap(this: { valuesType: ReadableType }, tap: Tap): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (let count = readBlockCount(tap, 'map'); count > 0; count = readBlockCount(tap, 'map')) {
    for (; count > 0; count--) {
      const key = readString(tap);
      map[key as string] = this.valuesType._read(tap);
    }
  }
  return map;
}

/**
 * Reads the next block header of a skipped array or map and returns how many items follow, or
 * undefined at the end. A block with a negative count carries its size in bytes, so it is jumped over
 * whole and counts as 0 items.
 */
function readSkipBlock(tap: Tap, kind: string): number | undefined {
  const count = tap.readLong();
  const left = tap.buf.length - tap.pos;
  if (count === 0 || left < 0) return undefined;
  if (count > 0) {
    if (count > left) throw new AvroLimitError(`${kind} block declares ${count} items but only ${left} bytes are left`);
    return count;
  }

  const size = tap.readLong();
  if (size < 0 || size > tap.buf.length - tap.pos) {
    // An invalid position makes avsc report the value as truncated.
    tap.pos = tap.buf.length + 1;
    return undefined;
  }
  tap.pos += size;
  return 0;
}

function skipArray(this: { itemsType: ReadableType }, tap: Tap): void {
  for (let count = readSkipBlock(tap, 'array'); count !== undefined; count = readSkipBlock(tap, 'array')) {
    for (; count > 0; count--) this.itemsType._skip(tap);
  }
}

function skipMap(this: { valuesType: ReadableType }, tap: Tap): void {
  for (let count = readSkipBlock(tap, 'map'); count !== undefined; count = readSkipBlock(tap, 'map')) {
    for (; count > 0; count--) {
      tap.skipString();
      this.valuesType._skip(tap);
    }
  }
}

function skipUnion(this: { types: ReadableType[] }, tap: Tap): void {
  const index = tap.readLong();
  const branch = this.types[index];
  if (branch === undefined) throw new Error(`invalid union index: ${index}`);
  branch._skip(tap);
}

function readString(tap: Tap): string | undefined {
  const length = tap.readLong();
  if (length < 0) {
    // An invalid position makes avsc report the value as truncated.
    tap.pos = tap.buf.length + 1;
    return '';
  }
  const start = tap.pos;
  tap.pos += length;
  if (tap.pos > tap.buf.length) return undefined;

  const bytes = tap.buf.subarray(start, tap.pos);
  if (!isUtf8(bytes)) throw new AvroLimitError(`a string of ${length} bytes is not valid UTF-8`);
  return bytes.toString('utf8');
}

type Prototype = { _read: (tap: Tap) => unknown; _skip: (tap: Tap) => void };
const types = avro.types as unknown as Record<'ArrayType' | 'MapType' | 'StringType' | 'UnwrappedUnionType' | 'WrappedUnionType', { prototype: Prototype }>;
types.ArrayType.prototype._read = readArray as Prototype['_read'];
types.MapType.prototype._read = readMap as Prototype['_read'];
types.ArrayType.prototype._skip = skipArray as Prototype['_skip'];
types.MapType.prototype._skip = skipMap as Prototype['_skip'];
types.UnwrappedUnionType.prototype._skip = skipUnion as Prototype['_skip'];
types.WrappedUnionType.prototype._skip = skipUnion as Prototype['_skip'];
types.StringType.prototype._read = function readStringField(tap: Tap) {
  return readString(tap);
};
