export { AVRO_TYPE_OPTIONS, createAvroType, findInvalidFields, type InvalidField } from './avro';
export {
  COMPATIBILITY_LEVELS,
  CONTRACTS_DIR,
  EVENT_TYPE_PATTERN,
  assembleEventSchema,
  loadContracts,
  subjectOf,
  topicOf,
  type CompatibilityLevel,
  type Contract,
} from './catalog';
export { DECODED_LOGICAL_TYPES, GENERATED_TYPES_PATH, generateEventTypes } from './codegen/typescript-types';
export {
  checkCompatibility,
  explainIssue,
  formatFinding,
  resolveSchemas,
  type CompatibilityCheck,
  type CompatibilityFinding,
  type Direction,
  type ResolutionIssue,
} from './compatibility/index';
export { validateEnvelope, type Envelope } from './envelope';
export type * from './generated/events';
export { ContractError, RegistryUnavailableError, type ContractErrorCode } from './errors';
export { ContractRegistry, type ContractRegistryOptions, type DecodedEvent, type EventIdentity } from './registry';
export { parseSchema, type SchemaNode } from './schema-tree';
export { WIRE_HEADER_LENGTH, encodeWireFormat, readSchemaId } from './wire-format';
export { AVRO_CONTENT_TYPE, HEADERS } from './headers';
