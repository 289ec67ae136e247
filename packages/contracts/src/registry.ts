import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';

import { loadConfig } from '@choreo/config';

import { createAvroType, findInvalidFields } from './avro';
import { type Contract, loadContracts } from './catalog';
import { type Envelope, validateEnvelope } from './envelope';
import { ContractError, RegistryUnavailableError } from './errors';
import { WIRE_HEADER_LENGTH, encodeRecord, readSchemaId } from './wire-format';

export interface ContractRegistryOptions {
  /** Registry base URL. Unset: `SCHEMA_REGISTRY_URL`, else the local stack. */
  url?: string;
  /** Contracts known to this process. Unset: every contract in the contracts package. */
  contracts?: Contract[];
  /** Retries of one registry request before it counts as unavailable. Unset: 2. */
  retries?: number;
}

export interface DecodedEvent {
  schemaId: number;
  contract: Contract;
  envelope: Envelope;
}

/** The envelope fields that identify an event for deduplication, read without decoding its payload. */
export interface EventIdentity {
  schemaId: number;
  contract: Contract;
  eventId: string;
  source: string;
}

/** Everything needed to read messages written with one schema id; built once per id. */
interface Reader {
  contract: Contract;
  /** Undefined when the writer schema equals the contract's, so no resolution is needed. */
  resolver: avro.Resolver | undefined;
  /** A record of only `event_id` and `source`, and the resolver that skips every other field. */
  identityType: avro.Type;
  identityResolver: avro.Resolver;
}

/** Fields of the envelope read by `readIdentity`. */
const IDENTITY_FIELDS = ['event_id', 'source'] as const;

/**
 * Contracts bound to a Schema Registry: registration, schema-id lookup, encoding and decoding in the
 * Confluent wire format. Schema ids and writer schemas are cached for the life of the process, so
 * steady-state encoding and decoding make no registry request.
 */
export class ContractRegistry {
  readonly client: SchemaRegistry;
  readonly url: string;
  private readonly contracts: Map<string, Contract>;
  private readonly contractsBySchemaName: Map<string, Contract>;
  private readonly schemaIds = new Map<string, number>();
  private readonly readers = new Map<number, Promise<Reader>>();

  constructor(options: ContractRegistryOptions = {}) {
    this.url = options.url ?? loadConfig().schemaRegistryUrl;
    // No Avro options go to the client: avsc stores named types in the options object it is given,
    // so options shared across schemas fail with "duplicate type name". The client only registers
    // and looks up ids here; Choreo decodes with its own types.
    this.client = new SchemaRegistry({ host: this.url, clientId: 'choreo', retry: { retries: options.retries ?? 2, initialRetryTimeInSecs: 0.1 } });
    const contracts = options.contracts ?? loadContracts();
    this.contracts = new Map(contracts.map((contract) => [contract.eventType, contract]));
    this.contractsBySchemaName = new Map(contracts.map((contract) => [fullNameOf(contract.schema), contract]));
  }

  /** Returns the contract of an event type, or throws an `envelope` ContractError naming the known ones. */
  contract(eventType: string): Contract {
    const contract = this.contracts.get(eventType);
    if (contract === undefined) {
      throw new ContractError('envelope', `unknown event type "${eventType}"; known: ${[...this.contracts.keys()].join(', ')}`, { eventType });
    }
    return contract;
  }

  knownContracts(): Contract[] {
    return [...this.contracts.values()];
  }

  /**
   * Registers a contract's schema under its subject, after setting the subject's compatibility level.
   * The level goes first because the registry client reads the subject's level during `register` and
   * rejects a mismatch, treating only a 404 as "no level". Apicurio 2.4.2 returns 404 for a subject it
   * has never seen, but NONE for a subject that exists without a level of its own.
   */
  async register(contract: Contract): Promise<number> {
    await this.setCompatibility(contract.subject, contract.compatibility);
    const { id } = await this.client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(contract.schema) },
      { subject: contract.subject, compatibility: contract.compatibility as never },
    );
    this.schemaIds.set(contract.eventType, id);
    return id;
  }

  async setCompatibility(subject: string, compatibility: string): Promise<void> {
    const response = await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility });
    // Apicurio stores a level as a rule on an existing subject. NONE means "no rule", and removing
    // the rule of a subject that does not exist yet returns 404, which leaves the wanted state.
    if (response.status === 404 && compatibility === 'NONE') return;
    if (!response.ok) {
      throw new RegistryUnavailableError(`setting compatibility ${compatibility} on ${subject} failed: HTTP ${response.status} ${await response.text()}`);
    }
  }

  /** Raw request to the registry's Confluent-compatible API; the path starts with `/`. */
  async request(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, {
        method,
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new RegistryUnavailableError(`schema registry at ${this.url} is unreachable: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Returns the registry id of a contract's schema, asking the registry once per process. The schema
   * must already be registered (`pnpm choreo contracts register`), so a producer never changes the
   * registry by itself.
   */
  async schemaIdOf(eventType: string): Promise<number> {
    const cached = this.schemaIds.get(eventType);
    if (cached !== undefined) return cached;

    const contract = this.contract(eventType);
    let id: number;
    try {
      id = await this.client.getRegistryIdBySchema(contract.subject, { type: SchemaType.AVRO, schema: JSON.stringify(contract.schema) });
    } catch (error) {
      throw classifyRegistryError(error, `looking up the schema of ${eventType} under subject ${contract.subject}`);
    }
    this.schemaIds.set(eventType, id);
    return id;
  }

  /** Validates an envelope against its contract and encodes it; throws `invalid-payload` listing each bad field. */
  encode(envelope: Envelope, schemaId: number): Buffer {
    const contract = this.contract(envelope.event_type);
    // The plain check is the fast path; the one that collects each bad field runs only on failure.
    if (!contract.type.isValid(envelope)) {
      const invalid = findInvalidFields(contract.type, envelope);
      const details = invalid.map((field) => `${field.path}: expected ${field.expected}, got ${field.actual}`).join('; ');
      throw new ContractError('invalid-payload', `invalid ${contract.eventType} event: ${details}`, { eventType: contract.eventType });
    }
    return encodeRecord(schemaId, contract.type, envelope);
  }

  /**
   * Decodes a Confluent-framed message into a validated envelope. Throws a ContractError when the
   * message can never be a valid event, and RegistryUnavailableError when the writer schema could not
   * be fetched because the registry is down, which may succeed later.
   */
  async decode(message: Buffer | null | undefined): Promise<DecodedEvent> {
    const schemaId = readSchemaId(message);
    const { contract, resolver } = await this.readerFor(schemaId);
    const value = readBody(contract.type, resolver, message as Buffer, contract, schemaId);
    const envelope = validateEnvelope(value, contract, schemaId);
    return { schemaId, contract, envelope };
  }

  /**
   * Reads `event_id` and `source` and skips the rest of the record, which costs a fraction of `decode`
   * and allocates only the two strings. It checks the framing, the writer schema and the body length
   * as `decode` does, but not the payload's strings or the other envelope rules, so a message that
   * passes here may still fail `decode`.
   */
  async readIdentity(message: Buffer | null | undefined): Promise<EventIdentity> {
    const [identity] = await this.readIdentities([message]);
    if (identity instanceof ContractError) throw identity;
    return identity as EventIdentity;
  }

  /**
   * Reads the identities of many messages, in their order, as `readIdentity` does. A message that can
   * never be a valid event gets its ContractError in its place. The writer schemas are fetched first,
   * each id once, and the messages are then read without awaiting anything. Throws
   * RegistryUnavailableError when a writer schema could not be fetched.
   */
  async readIdentities(messages: readonly (Buffer | null | undefined)[]): Promise<(EventIdentity | ContractError)[]> {
    const readers = new Map<number, Reader | ContractError>();
    for (const message of messages) {
      const schemaId = schemaIdOrUndefined(message);
      if (schemaId === undefined || readers.has(schemaId)) continue;
      try {
        readers.set(schemaId, await this.readerFor(schemaId));
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        readers.set(schemaId, error);
      }
    }

    return messages.map((message) => {
      try {
        return identityOf(message, readers);
      } catch (error) {
        if (error instanceof ContractError) return error;
        throw error;
      }
    });
  }

  private readerFor(schemaId: number): Promise<Reader> {
    let reader = this.readers.get(schemaId);
    if (reader === undefined) {
      reader = this.createReader(schemaId);
      this.readers.set(schemaId, reader);
      // A failed lookup must not stay cached: the registry may be back on the next message.
      reader.catch(() => this.readers.delete(schemaId));
    }
    return reader;
  }

  private async createReader(schemaId: number): Promise<Reader> {
    let writerSchema: avro.Schema;
    try {
      const response = await this.request('GET', `/schemas/ids/${schemaId}`);
      if (response.status === 404) {
        throw new ContractError('unknown-schema', `schema id ${schemaId} is not in the registry`, { schemaId });
      }
      if (!response.ok) throw new RegistryUnavailableError(`GET /schemas/ids/${schemaId} returned HTTP ${response.status}`);
      const body = (await response.json()) as { schema: string; schemaType?: string };
      if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
        throw new ContractError('unknown-schema', `schema id ${schemaId} is a ${body.schemaType} schema, not Avro`, { schemaId });
      }
      writerSchema = JSON.parse(body.schema) as avro.Schema;
    } catch (error) {
      if (error instanceof ContractError || error instanceof RegistryUnavailableError) throw error;
      throw new RegistryUnavailableError(`reading schema ${schemaId} failed: ${(error as Error).message}`, { cause: error });
    }

    const name = typeof writerSchema === 'object' && 'name' in writerSchema ? fullNameOf(writerSchema as avro.schema.RecordType) : '(unnamed)';
    const contract = this.contractsBySchemaName.get(name);
    if (contract === undefined) {
      throw new ContractError('unknown-schema', `schema id ${schemaId} is ${name}, which is not an event this service knows`, { schemaId });
    }

    const missing = missingEnvelopeFields(writerSchema, contract);
    if (missing.length > 0) {
      throw new ContractError('envelope', `schema id ${schemaId} (${name}) lacks envelope field ${missing.join(', ')}`, { eventType: contract.eventType, schemaId });
    }

    const writerType = createAvroType(writerSchema);
    // Named like the writer's record, because Avro resolves records by name.
    const identityType = createAvroType({ type: 'record', name, fields: IDENTITY_FIELDS.map((field) => ({ name: field, type: 'string' })) });
    try {
      const identityResolver = identityType.createResolver(writerType);
      const resolver = writerType.equals(contract.type) ? undefined : contract.type.createResolver(writerType);
      return { contract, resolver, identityType, identityResolver };
    } catch (error) {
      throw new ContractError('unknown-schema', `schema id ${schemaId} cannot be read as ${contract.eventType} v${contract.version}: ${(error as Error).message}`, {
        cause: error,
        eventType: contract.eventType,
        schemaId,
      });
    }
  }
}

/** Reads a message's identity with the readers of its batch; throws a ContractError for a bad message. */
function identityOf(message: Buffer | null | undefined, readers: ReadonlyMap<number, Reader | ContractError>): EventIdentity {
  const schemaId = readSchemaId(message);
  const reader = readers.get(schemaId) as Reader | ContractError;
  if (reader instanceof ContractError) throw reader;

  const { contract, identityType, identityResolver } = reader;
  const record = readBody(identityType, identityResolver, message as Buffer, contract, schemaId) as Record<string, unknown>;
  for (const field of IDENTITY_FIELDS) {
    const value = record[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ContractError('envelope', `envelope field ${field} is empty (schema ${schemaId}, ${contract.eventType})`, { eventType: contract.eventType, schemaId });
    }
  }
  return { schemaId, contract, eventId: record.event_id as string, source: record.source as string };
}

/** Returns the schema id of a well-framed message, or undefined when the framing is invalid. */
function schemaIdOrUndefined(message: Buffer | null | undefined): number | undefined {
  try {
    return readSchemaId(message);
  } catch {
    return undefined;
  }
}

/** Reads the Avro body after the wire-format header with `type`, and checks that it fills the message exactly. */
function readBody(type: avro.Type, resolver: avro.Resolver | undefined, bytes: Buffer, contract: Contract, schemaId: number): unknown {
  const context = { eventType: contract.eventType, schemaId };
  let decoded: { value: unknown; offset: number };
  try {
    decoded = type.decode(bytes, WIRE_HEADER_LENGTH, resolver);
  } catch (error) {
    throw new ContractError('corrupt-avro', `Avro body does not match schema ${schemaId} (${contract.eventType}): ${(error as Error).message}`, { cause: error, ...context });
  }
  // avsc reports every read past the end alike, whether the bytes were cut off or a length prefix is
  // negative or larger than what follows, so the message names both causes.
  if (decoded.offset === -1) {
    throw new ContractError(
      'corrupt-avro',
      `Avro body ends before the record of schema ${schemaId} (${contract.eventType}) does: it is truncated, or a length or count prefix is negative or larger than the bytes left`,
      context,
    );
  }
  if (decoded.offset !== bytes.length) {
    throw new ContractError('corrupt-avro', `${bytes.length - decoded.offset} unexpected bytes after the Avro record of schema ${schemaId} (${contract.eventType})`, context);
  }
  return decoded.value;
}


/** Envelope fields of the contract that a writer schema does not have; Avro resolution would report only "no matching field". */
function missingEnvelopeFields(writerSchema: avro.Schema, contract: Contract): string[] {
  const written = new Set(((writerSchema as avro.schema.RecordType).fields ?? []).map((field) => field.name));
  return contract.schema.fields.map((field) => field.name).filter((field) => !written.has(field));
}

function fullNameOf(schema: avro.schema.RecordType): string {
  return schema.namespace && !schema.name.includes('.') ? `${schema.namespace}.${schema.name}` : schema.name;
}

/**
 * Maps an error of the registry client to unavailable or unknown schema. The client reports a refused connection as HTTP 400 with the socket error in the message,
 * so the message is checked before the status.
 */
function classifyRegistryError(error: unknown, action: string): Error {
  const message = (error as Error).message ?? String(error);
  const status = (error as { status?: number }).status;
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|timeout/i.test(message) || (status !== undefined && status >= 500)) {
    return new RegistryUnavailableError(`${action}: registry unavailable (${message})`, { cause: error });
  }
  return new ContractError('unknown-schema', `${action}: ${message}. Run "pnpm choreo contracts register" first.`, { cause: error });
}
