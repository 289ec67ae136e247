import type avro from 'avsc';

import { ContractError } from './errors';

/** Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro body. */
export const WIRE_HEADER_LENGTH = 5;
const MAGIC_BYTE = 0;

export function encodeWireFormat(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(WIRE_HEADER_LENGTH);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** Space for one encoded record, reused by every call, because encoding is synchronous. Larger records take the slower path. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Encodes `value` with `type` in the Confluent wire format. It writes the header and the body into one
 * reused buffer and copies the result once, instead of allocating the body and then the framed copy.
 * The value must be valid for `type`.
 */
export function encodeRecord(schemaId: number, type: avro.Type, value: unknown): Buffer {
  scratch.writeUInt8(MAGIC_BYTE, 0);
  scratch.writeInt32BE(schemaId, 1);
  // avsc returns a negative position when the buffer is too small.
  const end = type.encode(value, scratch, WIRE_HEADER_LENGTH);
  if (end < 0) return encodeWireFormat(schemaId, type.toBuffer(value));
  return Buffer.from(scratch.subarray(0, end));
}

/** Reads the schema id of a Confluent-framed message, or throws a `wire-format` ContractError. */
export function readSchemaId(message: Buffer | null | undefined): number {
  if (message === null || message === undefined || message.length === 0) {
    throw new ContractError('wire-format', 'message value is empty; expected a Confluent-framed Avro record');
  }
  if (message.length < WIRE_HEADER_LENGTH) {
    throw new ContractError('wire-format', `message value is ${message.length} bytes, shorter than the 5-byte Confluent header`);
  }
  const magic = message.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new ContractError('wire-format', `magic byte is ${magic}, expected 0 (Confluent wire format)`);
  }
  const schemaId = message.readInt32BE(1);
  if (schemaId <= 0) {
    throw new ContractError('unknown-schema', `schema id ${schemaId} is not a valid registry id (ids start at 1)`, { schemaId });
  }
  return schemaId;
}
