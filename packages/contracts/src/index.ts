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
export { validateEnvelope, type Envelope } from './envelope';
export { ContractError, RegistryUnavailableError, type ContractErrorCode } from './errors';
export { ContractRegistry, type ContractRegistryOptions, type DecodedEvent } from './registry';
export { WIRE_HEADER_LENGTH, encodeWireFormat, readSchemaId } from './wire-format';
export { AVRO_CONTENT_TYPE, HEADERS } from './headers';
