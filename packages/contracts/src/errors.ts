/**
 * Reason a message or a schema is not a valid contract instance. Codes are stable: metrics, DLT headers
 * and alerts use them.
 * - `schema`: a contract file is malformed or inconsistent.
 * - `invalid-payload`: a value does not match its schema (producer side, before sending).
 * - `wire-format`: the bytes are not in the Confluent wire format (empty, too short, magic byte not 0).
 * - `unknown-schema`: the registry has no schema with the message's id.
 * - `corrupt-avro`: the Avro body cannot be decoded with the schema named by its id.
 * - `envelope`: the decoded record is not a valid envelope (missing event_id, unknown event type ...).
 */
export type ContractErrorCode = 'schema' | 'invalid-payload' | 'wire-format' | 'unknown-schema' | 'corrupt-avro' | 'envelope';

export class ContractError extends Error {
  override name = 'ContractError';
  /** A contract violation never succeeds on retry. */
  readonly retriable = false;

  constructor(
    readonly code: ContractErrorCode,
    message: string,
    options?: ErrorOptions & { eventType?: string; schemaId?: number },
  ) {
    super(message, options);
    this.eventType = options?.eventType;
    this.schemaId = options?.schemaId;
  }

  readonly eventType: string | undefined;
  readonly schemaId: number | undefined;
}

/** The registry could not be reached or failed; unlike a ContractError, this may succeed later. */
export class RegistryUnavailableError extends Error {
  override name = 'RegistryUnavailableError';
  readonly retriable = true;
}
