import type { PrimitiveName } from '../schema-tree';

/** Writer types each reader type can read besides its own, per the Avro specification's schema resolution. */
const READABLE_WRITER_TYPES: Readonly<Partial<Record<PrimitiveName, readonly PrimitiveName[]>>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

/** Checks whether a value written as `writer` can be read as `reader`, unchanged or by promotion. */
export function canPromote(writer: PrimitiveName, reader: PrimitiveName): boolean {
  return writer === reader || (READABLE_WRITER_TYPES[reader]?.includes(writer) ?? false);
}
