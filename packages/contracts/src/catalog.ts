import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type avro from 'avsc';

import { createAvroType } from './avro';
import { ContractError } from './errors';

/** Directory of the contracts: `schemas/envelope.avsc`, `schemas/events/<event_type>.avsc`, `contracts.json`. */
export const CONTRACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Compatibility levels of the Confluent Schema Registry API. */
export type CompatibilityLevel =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
  | 'NONE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
];

/** One domain event: its payload schema wrapped in the canonical envelope, and where it travels. */
export interface Contract {
  /** For example `billing.payment_captured`: `<domain>.<past-tense fact>` in snake_case. */
  eventType: string;
  /** Payload schema version, stamped into every envelope's `version` field. */
  version: number;
  /** Team that owns the event and is responsible for its schema. */
  owner: string;
  /** The Kafka topic carrying this event. One topic per event type, named after it. */
  topic: string;
  /** Registry subject, `<topic>-value` (Confluent's TopicNameStrategy). */
  subject: string;
  compatibility: CompatibilityLevel;
  /** The full Avro schema that is registered: the envelope with this event's payload record. */
  schema: avro.schema.RecordType;
  /** The payload record alone, as written in `schemas/events/<event_type>.avsc`. */
  payloadSchema: avro.schema.RecordType;
  type: avro.Type;
}

interface ManifestEntry {
  version: number;
  owner: string;
  compatibility?: CompatibilityLevel;
}

interface Manifest {
  defaults: { compatibility: CompatibilityLevel };
  events: Record<string, ManifestEntry>;
}

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+$/;

export function topicOf(eventType: string): string {
  return eventType;
}

export function subjectOf(topic: string): string {
  return `${topic}-value`;
}

/**
 * Assembles one event's registered schema from the envelope and the payload record. The envelope
 * record is renamed `<Payload>Event` in the payload's namespace, so each event has its own full name.
 */
export function assembleEventSchema(
  envelope: avro.schema.RecordType,
  payload: avro.schema.RecordType,
): avro.schema.RecordType {
  const payloadField = envelope.fields.find((field) => field.name === 'payload');
  if (payloadField === undefined) throw new ContractError('schema', 'envelope.avsc has no "payload" field');

  return {
    ...envelope,
    name: `${payload.name}Event`,
    namespace: payload.namespace ?? envelope.namespace,
    doc: payload.doc ?? envelope.doc,
    fields: envelope.fields.map((field) => (field === payloadField ? { ...field, type: payload, doc: payloadField.doc } : field)),
  } as avro.schema.RecordType;
}

/** Loads every contract from a contracts directory (by default the one in this package). */
export function loadContracts(dir: string = CONTRACTS_DIR): Contract[] {
  const manifest = readJson<Manifest>(join(dir, 'contracts.json'));
  const envelope = readJson<avro.schema.RecordType>(join(dir, 'schemas', 'envelope.avsc'));
  const eventsDir = join(dir, 'schemas', 'events');
  const files = readdirSync(eventsDir).filter((file) => file.endsWith('.avsc'));

  const declared = new Set(Object.keys(manifest.events));
  const contracts = files.map((file) => {
    const eventType = basename(file, '.avsc');
    const entry = manifest.events[eventType];
    if (entry === undefined) {
      throw new ContractError('schema', `schemas/events/${file} has no entry in contracts.json; add "${eventType}" with its version and owner`);
    }
    declared.delete(eventType);
    return buildContract(eventType, entry, manifest.defaults, envelope, readJson(join(eventsDir, file)));
  });

  if (declared.size > 0) {
    throw new ContractError('schema', `contracts.json lists events without a schema file: ${[...declared].join(', ')}`);
  }
  return contracts.sort((a, b) => a.eventType.localeCompare(b.eventType));
}

function buildContract(
  eventType: string,
  entry: ManifestEntry,
  defaults: Manifest['defaults'],
  envelope: avro.schema.RecordType,
  payloadSchema: avro.schema.RecordType,
): Contract {
  if (!EVENT_TYPE_PATTERN.test(eventType)) {
    throw new ContractError('schema', `event type "${eventType}" must look like <domain>.<fact_in_snake_case>, for example billing.payment_captured`);
  }
  if (!Number.isInteger(entry.version) || entry.version < 1) {
    throw new ContractError('schema', `contracts.json: "${eventType}" needs a positive integer version`);
  }
  const compatibility = entry.compatibility ?? defaults.compatibility;
  if (!COMPATIBILITY_LEVELS.includes(compatibility)) {
    throw new ContractError('schema', `contracts.json: "${eventType}" has unknown compatibility "${compatibility}"`);
  }

  const schema = assembleEventSchema(envelope, payloadSchema);
  const topic = topicOf(eventType);
  return {
    eventType,
    version: entry.version,
    owner: entry.owner,
    topic,
    subject: subjectOf(topic),
    compatibility,
    schema,
    payloadSchema,
    type: createAvroType(schema),
  };
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new ContractError('schema', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
