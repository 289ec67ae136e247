import type { Contract } from './catalog';
import { ContractError } from './errors';

/** The canonical envelope around every event's payload; field meanings are documented in envelope.avsc. */
export interface Envelope<Payload = Record<string, unknown>> {
  event_id: string;
  event_type: string;
  version: number;
  correlation_id: string;
  causation_id: string | null;
  occurred_at: Date;
  source: string;
  payload: Payload;
}

/** The envelope fields a message must carry with a usable value; checked after decoding. */
const REQUIRED_TEXT_FIELDS = ['event_id', 'event_type', 'correlation_id', 'source'] as const;

/** Earliest and latest business time accepted at ingress: a value outside is a producer bug, not a fact. */
const MIN_OCCURRED_AT = Date.UTC(2000, 0, 1);
const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Checks a decoded record against the envelope rules that Avro alone cannot express: non-empty ids,
 * an event type that matches the schema it was written with, and a plausible `occurred_at`.
 */
export function validateEnvelope(value: unknown, contract: Contract, schemaId: number): Envelope {
  const context = { eventType: contract.eventType, schemaId };
  if (typeof value !== 'object' || value === null) {
    throw new ContractError('envelope', `schema ${schemaId} did not decode to a record`, context);
  }
  const record = value as Record<string, unknown>;

  for (const field of REQUIRED_TEXT_FIELDS) {
    const fieldValue = record[field];
    if (typeof fieldValue !== 'string' || fieldValue.trim() === '') {
      const problem = fieldValue === undefined ? 'missing' : 'empty';
      throw new ContractError('envelope', `envelope field ${field} is ${problem} (schema ${schemaId}, ${contract.eventType})`, context);
    }
  }
  if (record.event_type !== contract.eventType) {
    throw new ContractError(
      'envelope',
      `event_type "${String(record.event_type)}" does not match schema ${schemaId}, which is ${contract.eventType}`,
      context,
    );
  }

  const occurredAt = record.occurred_at;
  if (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime())) {
    throw new ContractError('envelope', `envelope field occurred_at is missing or not a timestamp (${contract.eventType})`, context);
  }
  if (occurredAt.getTime() < MIN_OCCURRED_AT || occurredAt.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
    throw new ContractError('envelope', `occurred_at ${occurredAt.getTime()} ms is outside the accepted range (year 2000 to now + 24 h)`, context);
  }
  if (typeof record.payload !== 'object' || record.payload === null) {
    throw new ContractError('envelope', `envelope field payload is missing (${contract.eventType})`, context);
  }

  return record as unknown as Envelope;
}
