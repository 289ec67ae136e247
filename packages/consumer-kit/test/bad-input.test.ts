/**
 * Bad-input suite: malformed and hostile messages written straight to orders.order_placed, as a
 * misbehaving producer would write them, each followed by a good event on the same partition and all
 * read by one consumer service. A message that can never be a valid event must land once in the
 * group's dead-letter topic with reason `contract`, the precise ContractError code and an error
 * message that names the problem. Its key, value and headers must be kept byte for byte, except the
 * kit's own position headers, which record where the message really was. A valid event
 * with an unusual key, headers or size must be handled and not dead-lettered. After every case the good
 * event must be handled, which shows that the partition is not stuck. The service must have logged no
 * error and still return 200 on /readyz and /healthz, which shows that its consumer did not crash, and
 * the RSS of the process must have grown by less than 200 MB. Cases that the kit does not handle yet
 * stay in the table. They run as todo tests when that is harmless, and are skipped, never produced,
 * when the message would also stall or crash every later consumer group that reads the shared topic
 * from the beginning.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  type ContractErrorCode,
  type Envelope,
  HEADERS,
  createAvroType,
  encodeWireFormat,
} from '@choreo/contracts';
import { type Admin, type Consumer, type IHeaders, type KafkaMessage, headerText } from '@choreo/kafka';
import { pino } from 'pino';

import { type ConsumerService, dltTopicOf } from '../src/index';
import {
  disconnectProducer,
  encode,
  kafka,
  orderPlacedEnvelope,
  prepareStack,
  produceRaw,
  registry,
  startService,
  uniqueGroup,
  waitFor,
} from './support';

const EVENT_TYPE = 'orders.order_placed';
const TOPIC = registry.contract(EVENT_TYPE).topic;
/** Registry subjects of the two extra writer schemas that this suite registers. No topic uses them. */
const WITHOUT_EVENT_ID_SUBJECT = 'choreo-test.bad-input.without-event-id-value';
const UNKNOWN_RECORD_SUBJECT = 'choreo-test.bad-input.unknown-record-value';
const NULLABLE_EVENT_ID_SUBJECT = 'choreo-test.bad-input.nullable-event-id-value';
/** kafkajs `ConfigResourceTypes.TOPIC`, written as a number because @choreo/kafka does not re-export the enum. */
const TOPIC_RESOURCE = 2;
const MAX_RSS_GROWTH_BYTES = 200 * 1024 * 1024;

// avsc reports a cut-off body and a length prefix out of range alike, so both get one message. Each
// pattern checks the part of it that names the case's cause.
const CUT_OFF =
  /Avro body ends before the record of schema \d+ \(orders\.order_placed\) does: it is truncated/;
const LENGTH_OUT_OF_RANGE = /a length or count prefix is negative or larger than the bytes left/;
/** Headers the kit writes from a source-topic message's real position, whatever a producer sent. */
const KIT_POSITION_HEADERS = new Set<string>([HEADERS.originalTopic, HEADERS.originalPartition, HEADERS.originalOffset, HEADERS.originalTimestamp]);
/** Message of an array block count larger than the bytes left in the value. */
const BLOCK_COUNT_TOO_LARGE = /array block declares \d+ items but only \d+ bytes are left/;

/** Strings planted in a valid encoding so a test can find a field's bytes and damage them. */
const MARKER = {
  eventId: 'EVENT-ID-MARKER',
  causationId: 'CAUSATION-MARKER',
  sku: 'SKU-MARKER',
  email: 'EMAIL-MARKER',
} as const;

/** Registry ids and broker limits that the cases are built from, read once before the cases run. */
interface Fixtures {
  orderPlacedId: number;
  paymentCapturedId: number;
  /** An OrderPlacedEvent writer schema without `event_id`, registered under its own subject. */
  withoutEventIdId: number;
  /** A record that is no Choreo event, registered under its own subject. */
  unknownRecordId: number;
  /** An OrderPlacedEvent writer schema whose `event_id` is a nullable string, registered under its own subject. */
  nullableEventIdId: number;
  /** `max.message.bytes` of the topic: the largest record batch the broker accepts, in bytes. */
  maxMessageBytes: number;
}

/** What the handler saw of an event: its retry level and the payload fields the cases damage or inflate. */
interface HandledEvent {
  attempt: number;
  customerEmail: string;
  descriptionLength: number;
}

/** One message as a producer writes it. */
interface Crafted {
  value: Buffer | null;
  /** Unset: a key unique to the case. */
  key?: Buffer | null;
  headers?: IHeaders;
  /** Event id in the value, when the value carries one that the test set. */
  eventId?: string;
  /** What the handler must have seen, for a case expected to be processed. */
  handledAs?: Partial<HandledEvent>;
}

type Expected =
  { outcome: 'processed' } | { outcome: 'dead-lettered'; code: ContractErrorCode; message: RegExp };

interface BadInputCase {
  name: string;
  build(fixtures: Fixtures): Promise<Crafted> | Crafted;
  expected: Expected;
  /** Reason the kit does not meet `expected` yet, which makes the case a todo test. */
  knownGap?: string;
  /** Reason that producing this message would harm the shared topic, which makes the case skipped and never produced. */
  unsafe?: string;
}

/** Encodes a value as an Avro `long`: zigzag, then a base-128 varint with the low bits first. */
function avroLong(value: bigint): Buffer {
  let rest = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return Buffer.from(bytes);
}

function avroString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([avroLong(BigInt(bytes.length)), bytes]);
}

/** Returns `buffer` with `length` bytes at `start` replaced by `insert`. */
function splice(buffer: Buffer, start: number, length: number, insert: Buffer): Buffer {
  return Buffer.concat([buffer.subarray(0, start), insert, buffer.subarray(start + length)]);
}

/** Returns the position of a marker's bytes. Each marker is planted once and is shorter than 64 bytes, so its length prefix is one byte. */
function markerAt(body: Buffer, marker: string): number {
  const position = body.indexOf(marker);
  assert.ok(position > 0, `marker ${marker} is in the encoded body`);
  assert.equal(body.indexOf(marker, position + 1), -1, `marker ${marker} occurs once`);
  return position;
}

/** Encodes an order_placed envelope with the markers planted and returns its Avro body, without the wire-format header. */
function orderPlacedBody(overrides: Partial<Envelope> = {}): Buffer {
  const base = orderPlacedEnvelope();
  const envelope = orderPlacedEnvelope({
    causation_id: MARKER.causationId,
    payload: {
      ...base.payload,
      customer_email: MARKER.email,
      items: [{ sku: MARKER.sku, description: 'Kettle', quantity: 1, unit_price_minor: 1000 }],
    },
    ...overrides,
  });
  // The order_placed type encodes whatever event_type the envelope claims, unlike registry.encode.
  return registry.contract(EVENT_TYPE).type.toBuffer(envelope);
}

function orderPlaced(fixtures: Fixtures, body: Buffer): Buffer {
  return encodeWireFormat(fixtures.orderPlacedId, body);
}

/** Builds an order_placed event whose item description pads the value to `size` bytes, plus 2 for the description's longer length prefix. */
async function orderPlacedOfSize(
  size: number,
  overrides: Partial<Envelope> = {},
): Promise<{ envelope: Envelope; value: Buffer; descriptionLength: number }> {
  const envelope = orderPlacedEnvelope(overrides);
  const items = [{ sku: 'SKU-BIG', description: '', quantity: 1, unit_price_minor: 1000 }];
  const emptyLength = (await encode({ ...envelope, payload: { ...envelope.payload, items } })).length;
  const description = 'x'.repeat(size - emptyLength);
  const large = { ...envelope, payload: { ...envelope.payload, items: [{ ...items[0], description }] } };
  return { envelope: large, value: await encode(large), descriptionLength: description.length };
}

const binaryHeaders = (): IHeaders => ({
  'x-binary': Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80]),
  'x-empty': Buffer.alloc(0),
  // Not a number, and not UTF-8: the kit must read it as "no retry level".
  [HEADERS.retryAttempt]: Buffer.from([0xff, 0xfe]),
});

const CASES: BadInputCase[] = [
  {
    name: 'empty value',
    build: () => ({ value: Buffer.alloc(0) }),
    expected: { outcome: 'dead-lettered', code: 'wire-format', message: /message value is empty/ },
  },
  {
    name: 'null value (tombstone)',
    build: () => ({ value: null }),
    expected: { outcome: 'dead-lettered', code: 'wire-format', message: /message value is empty/ },
  },
  {
    name: 'one byte',
    build: () => ({ value: Buffer.from([0x00]) }),
    expected: {
      outcome: 'dead-lettered',
      code: 'wire-format',
      message: /1 bytes, shorter than the 5-byte Confluent header/,
    },
  },
  {
    name: 'magic byte 1',
    build: (fixtures) => ({
      value: splice(orderPlaced(fixtures, orderPlacedBody()), 0, 1, Buffer.from([0x01])),
    }),
    expected: { outcome: 'dead-lettered', code: 'wire-format', message: /magic byte is 1, expected 0/ },
  },
  {
    name: 'JSON instead of Avro',
    build: () => ({ value: Buffer.from(JSON.stringify(orderPlacedEnvelope())) }),
    expected: { outcome: 'dead-lettered', code: 'wire-format', message: /magic byte is 123, expected 0/ },
  },
  {
    name: 'schema id 0',
    build: () => ({ value: encodeWireFormat(0, orderPlacedBody()) }),
    expected: {
      outcome: 'dead-lettered',
      code: 'unknown-schema',
      message: /schema id 0 is not a valid registry id/,
    },
  },
  {
    name: 'negative schema id',
    build: () => ({ value: encodeWireFormat(-1, orderPlacedBody()) }),
    expected: {
      outcome: 'dead-lettered',
      code: 'unknown-schema',
      message: /schema id -1 is not a valid registry id/,
    },
  },
  {
    name: 'schema id not in the registry',
    build: () => ({ value: encodeWireFormat(2_000_000_000, orderPlacedBody()) }),
    expected: {
      outcome: 'dead-lettered',
      code: 'unknown-schema',
      message: /schema id 2000000000 is not in the registry/,
    },
  },
  {
    name: 'schema id of an event without a handler here',
    build: async (fixtures) => {
      const envelope: Envelope = {
        ...orderPlacedEnvelope(),
        event_type: 'billing.payment_captured',
        payload: {
          payment_id: 'pay-1',
          order_id: 'ord-1',
          customer_id: 'cus-1',
          amount_minor: 1000,
          currency: 'EUR',
          method: 'CARD',
          captured_at: new Date(),
        },
      };
      return { value: registry.encode(envelope, fixtures.paymentCapturedId), eventId: envelope.event_id };
    },
    expected: {
      outcome: 'dead-lettered',
      code: 'envelope',
      message: /has no handler for event type billing\.payment_captured/,
    },
  },
  {
    name: 'schema id of a record that is no event',
    build: (fixtures) => ({ value: encodeWireFormat(fixtures.unknownRecordId, avroString('hello')) }),
    expected: {
      outcome: 'dead-lettered',
      code: 'unknown-schema',
      message: /is choreo\.test\.UnknownRecord, which is not an event this service knows/,
    },
  },
  {
    name: 'header without Avro body',
    build: (fixtures) => ({ value: orderPlaced(fixtures, Buffer.alloc(0)) }),
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: CUT_OFF },
  },
  {
    name: 'Avro cut inside event_id',
    build: (fixtures) => {
      const body = orderPlacedBody({ event_id: MARKER.eventId });
      return { value: orderPlaced(fixtures, body.subarray(0, markerAt(body, MARKER.eventId) + 4)) };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: CUT_OFF },
  },
  {
    name: 'Avro cut inside the items array',
    build: (fixtures) => {
      const body = orderPlacedBody();
      return { value: orderPlaced(fixtures, body.subarray(0, markerAt(body, MARKER.sku) + 4)) };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: CUT_OFF },
  },
  {
    name: 'Avro without its last byte',
    build: (fixtures) => {
      const body = orderPlacedBody();
      return { value: orderPlaced(fixtures, body.subarray(0, body.length - 1)) };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: CUT_OFF },
  },
  {
    name: 'trailing garbage',
    build: (fixtures) => ({
      value: orderPlaced(fixtures, Buffer.concat([orderPlacedBody(), Buffer.from([0xde, 0xad, 0xbe])])),
    }),
    expected: {
      outcome: 'dead-lettered',
      code: 'corrupt-avro',
      message: /3 unexpected bytes after the Avro record/,
    },
  },
  {
    name: 'varint that never ends',
    // Every byte has the continuation bit set, so the length of event_id never ends.
    build: (fixtures) => ({ value: orderPlaced(fixtures, Buffer.alloc(32, 0xff)) }),
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: LENGTH_OUT_OF_RANGE },
  },
  {
    name: 'absurd string length prefix',
    build: (fixtures) => {
      const body = orderPlacedBody({ event_id: MARKER.eventId });
      return {
        value: orderPlaced(
          fixtures,
          splice(body, markerAt(body, MARKER.eventId) - 1, 1, avroLong(2n ** 40n)),
        ),
      };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: LENGTH_OUT_OF_RANGE },
  },
  {
    name: 'negative string length prefix',
    build: (fixtures) => {
      const body = orderPlacedBody({ event_id: MARKER.eventId });
      return {
        value: orderPlaced(fixtures, splice(body, markerAt(body, MARKER.eventId) - 1, 1, avroLong(-5n))),
      };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: LENGTH_OUT_OF_RANGE },
  },
  {
    name: 'array count of 2^40 items',
    build: (fixtures) => {
      const body = orderPlacedBody();
      // The block count of `items` comes right before the length prefix of the first item's sku.
      return {
        value: orderPlaced(fixtures, splice(body, markerAt(body, MARKER.sku) - 2, 1, avroLong(2n ** 40n))),
      };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: BLOCK_COUNT_TOO_LARGE },
  },
  {
    name: 'array count of 2^31 - 1 items',
    build: (fixtures) => {
      const body = orderPlacedBody();
      return {
        value: orderPlaced(
          fixtures,
          splice(body, markerAt(body, MARKER.sku) - 2, 1, avroLong(2n ** 31n - 1n)),
        ),
      };
    },
    // Without the kit's block-count limit, avsc would build one record per declared item past the end
    // of the value until the process ran out of memory.
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: BLOCK_COUNT_TOO_LARGE },
  },
  {
    name: 'invalid UTF-8 in a string field',
    build: (fixtures) => {
      const eventId = randomUUID();
      const body = orderPlacedBody({ event_id: eventId });
      const invalid = Buffer.alloc(MARKER.email.length, 0x41);
      invalid.set([0xc3, 0x28, 0xff], 2);
      return {
        value: orderPlaced(
          fixtures,
          splice(body, markerAt(body, MARKER.email), MARKER.email.length, invalid),
        ),
        eventId,
      };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: /not valid UTF-8/ },
  },
  {
    name: 'union branch index out of range',
    build: (fixtures) => {
      const body = orderPlacedBody();
      // causation_id is ["null","string"]: its branch index comes right before the string's length prefix.
      return {
        value: orderPlaced(fixtures, splice(body, markerAt(body, MARKER.causationId) - 2, 1, avroLong(2n))),
      };
    },
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: /invalid union index: 2/ },
  },
  {
    name: 'enum index out of range',
    build: (fixtures) => {
      const body = orderPlacedBody();
      // channel is the last field of the record, so its enum index is the last byte.
      return { value: orderPlaced(fixtures, splice(body, body.length - 1, 1, avroLong(9n))) };
    },
    expected: {
      outcome: 'dead-lettered',
      code: 'corrupt-avro',
      message: /invalid .*SalesChannel enum index: 9/,
    },
  },
  {
    name: 'writer schema without event_id',
    build: (fixtures) => {
      const envelope: Partial<Envelope> = orderPlacedEnvelope();
      delete envelope.event_id;
      return { value: encodeWireFormat(fixtures.withoutEventIdId, withoutEventIdType().toBuffer(envelope)) };
    },
    expected: { outcome: 'dead-lettered', code: 'envelope', message: /lacks envelope field event_id/ },
  },
  {
    name: 'writer schema with a nullable event_id',
    build: (fixtures) => ({ value: encodeWireFormat(fixtures.nullableEventIdId, createAvroType(nullableEventIdSchema()).toBuffer(orderPlacedEnvelope())) }),
    expected: { outcome: 'dead-lettered', code: 'unknown-schema', message: /cannot be read as orders\.order_placed/ },
  },
  {
    name: 'empty event_id',
    build: (fixtures) => ({ value: orderPlaced(fixtures, orderPlacedBody({ event_id: '' })) }),
    expected: { outcome: 'dead-lettered', code: 'envelope', message: /envelope field event_id is empty/ },
  },
  {
    name: 'event_id of spaces only',
    build: (fixtures) => ({ value: orderPlaced(fixtures, orderPlacedBody({ event_id: '   ' })) }),
    expected: { outcome: 'dead-lettered', code: 'envelope', message: /envelope field event_id is empty/ },
  },
  {
    name: 'occurred_at in 1970',
    build: (fixtures) => ({
      value: orderPlaced(fixtures, orderPlacedBody({ occurred_at: new Date(Date.UTC(1970, 0, 2)) })),
    }),
    expected: {
      outcome: 'dead-lettered',
      code: 'envelope',
      message: /occurred_at 86400000 ms is outside the accepted range/,
    },
  },
  {
    name: 'occurred_at in the year 3000',
    build: (fixtures) => ({
      value: orderPlaced(fixtures, orderPlacedBody({ occurred_at: new Date(Date.UTC(3000, 0, 1)) })),
    }),
    expected: {
      outcome: 'dead-lettered',
      code: 'envelope',
      message: /occurred_at \d+ ms is outside the accepted range/,
    },
  },
  {
    name: 'event_type not matching the schema',
    build: (fixtures) => ({
      value: orderPlaced(fixtures, orderPlacedBody({ event_type: 'billing.payment_captured' })),
    }),
    expected: {
      outcome: 'dead-lettered',
      code: 'envelope',
      message:
        /event_type "billing\.payment_captured" does not match schema \d+, which is orders\.order_placed/,
    },
  },
  {
    name: 'corrupt value with binary and repeated headers',
    build: (fixtures) => ({
      value: orderPlaced(fixtures, Buffer.concat([orderPlacedBody(), Buffer.from([0x00])])),
      headers: { ...binaryHeaders(), 'x-trace': ['first', Buffer.from([0xff])] },
    }),
    expected: {
      outcome: 'dead-lettered',
      code: 'corrupt-avro',
      message: /1 unexpected bytes after the Avro record/,
    },
  },
  {
    name: 'binary and non-UTF-8 header values',
    build: async () => {
      const envelope = orderPlacedEnvelope();
      return { value: await encode(envelope), headers: binaryHeaders(), eventId: envelope.event_id };
    },
    expected: { outcome: 'processed' },
  },
  {
    name: 'repeated header key',
    build: async () => {
      const envelope = orderPlacedEnvelope();
      // kafkajs writes one header per array element, all with the same key.
      return {
        value: await encode(envelope),
        headers: { 'x-trace': ['first', 'second'], [HEADERS.eventId]: ['a', 'b'] },
        eventId: envelope.event_id,
      };
    },
    expected: { outcome: 'processed' },
  },
  {
    name: 'binary key',
    build: async () => {
      const envelope = orderPlacedEnvelope();
      return {
        value: await encode(envelope),
        key: Buffer.concat([Buffer.from([0x00, 0xff, 0x80, 0xc3]), Buffer.from(randomUUID())]),
        eventId: envelope.event_id,
      };
    },
    expected: { outcome: 'processed' },
  },
  {
    name: 'no key',
    build: async () => {
      const envelope = orderPlacedEnvelope();
      return { value: await encode(envelope), key: null, eventId: envelope.event_id };
    },
    expected: { outcome: 'processed' },
  },
  {
    name: 'near-limit value with an invalid envelope',
    build: async (fixtures) => ({
      value: (
        await orderPlacedOfSize(fixtures.maxMessageBytes - 1024, {
          occurred_at: new Date(Date.UTC(1970, 0, 2)),
        })
      ).value,
    }),
    expected: { outcome: 'dead-lettered', code: 'envelope', message: /outside the accepted range/ },
    // The dead letter adds a few KB of headers, so the kit creates dead-letter topics with room for them.
  },
  {
    name: 'original-topic header naming another topic',
    build: (fixtures) => ({
      value: orderPlaced(fixtures, Buffer.alloc(0)),
      headers: { [HEADERS.originalTopic]: 'orders.order_cancelled' },
    }),
    expected: { outcome: 'dead-lettered', code: 'corrupt-avro', message: CUT_OFF },
    // The kit ignores position headers on a source-topic message, so the dead letter goes to this
    // group's own DLT and records the real position.
  },
  {
    name: 'largest value the topic accepts',
    // max.message.bytes limits the whole record batch; 1 KiB is left for the batch and record headers.
    build: async (fixtures) => {
      const { envelope, value, descriptionLength } = await orderPlacedOfSize(fixtures.maxMessageBytes - 1024);
      return { value, eventId: envelope.event_id, handledAs: { descriptionLength } };
    },
    expected: { outcome: 'processed' },
  },
];

function withoutEventIdSchema() {
  const schema = registry.contract(EVENT_TYPE).schema;
  return { ...schema, fields: schema.fields.filter((field) => field.name !== 'event_id') };
}

function nullableEventIdSchema() {
  const schema = registry.contract(EVENT_TYPE).schema;
  return { ...schema, fields: schema.fields.map((field) => (field.name === 'event_id' ? { ...field, type: ['null', 'string'] } : field)) };
}

function withoutEventIdType() {
  return createAvroType(withoutEventIdSchema());
}

async function registerSchema(subject: string, schema: unknown): Promise<number> {
  const response = await registry.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
    schema: JSON.stringify(schema),
  });
  assert.equal(
    response.status,
    200,
    `registering a schema under ${subject}: ${await response.clone().text()}`,
  );
  return ((await response.json()) as { id: number }).id;
}

async function topicMaxMessageBytes(admin: Admin, topic: string): Promise<number> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
  });
  const value = Number(
    resources[0]?.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue,
  );
  assert.ok(Number.isSafeInteger(value), `max.message.bytes of ${topic} is an integer`);
  assert.ok(value > 0, `max.message.bytes of ${topic} is positive`);
  return value;
}

const keyId = (key: Buffer | null | undefined): string => (key ? key.toString('hex') : '(no key)');

/** Reads a dead-letter topic from the beginning and keeps every letter by key. */
class DeadLetterReader {
  private readonly consumer: Consumer = kafka.consumer({
    groupId: `test-reader-${randomUUID()}`,
    maxWaitTimeInMs: 200,
  });
  private readonly letters = new Map<string, KafkaMessage[]>();
  /** Next offset to read, by partition. */
  private readonly positions = new Map<number, number>();

  constructor(
    readonly topic: string,
    private readonly admin: Admin,
  ) {}

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const id = keyId(message.key);
        this.letters.set(id, [...(this.letters.get(id) ?? []), message]);
        this.positions.set(partition, Number(message.offset) + 1);
      },
    });
  }

  /** Waits until every letter that Kafka stored so far has been read. */
  async readToEnd(): Promise<void> {
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    await waitFor(
      `${this.topic} read to its end`,
      () => ends.every(({ partition, high }) => (this.positions.get(partition) ?? 0) >= Number(high)),
      15_000,
    );
  }

  lettersFor(key: Buffer | null | undefined): KafkaMessage[] {
    return this.letters.get(keyId(key)) ?? [];
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

describe('consumer service fed bad input', () => {
  const runId = randomUUID().slice(0, 8);
  const groupId = uniqueGroup('bad-input');
  const handled = new Map<string, HandledEvent>();
  /** Error-level log lines of the service, such as "consumer crashed". */
  const errorLogs: string[] = [];
  let fixtures: Fixtures;
  let service: ConsumerService | undefined;
  let admin: Admin | undefined;
  let deadLetters: DeadLetterReader | undefined;
  let partitionCount = 0;

  const endpointStatus = async (path: string) =>
    (await fetch(`http://127.0.0.1:${(service as ConsumerService).httpPort()}${path}`)).status;

  before(async () => {
    await prepareStack();
    admin = kafka.admin();
    await admin.connect();
    const [order] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
    partitionCount = order?.partitions.length ?? 0;
    assert.ok(partitionCount > 0, `${TOPIC} has partitions`);

    fixtures = {
      orderPlacedId: await registry.schemaIdOf(EVENT_TYPE),
      paymentCapturedId: await registry.schemaIdOf('billing.payment_captured'),
      withoutEventIdId: await registerSchema(WITHOUT_EVENT_ID_SUBJECT, withoutEventIdSchema()),
      nullableEventIdId: await registerSchema(NULLABLE_EVENT_ID_SUBJECT, nullableEventIdSchema()),
      unknownRecordId: await registerSchema(UNKNOWN_RECORD_SUBJECT, {
        type: 'record',
        name: 'UnknownRecord',
        namespace: 'choreo.test',
        fields: [{ name: 'note', type: 'string' }],
      }),
      maxMessageBytes: await topicMaxMessageBytes(admin, TOPIC),
    };

    service = await startService({
      name: 'bad-input',
      owner: 'team-test',
      groupId,
      logger: pino({ level: 'error' }, { write: (line: string) => void errorLogs.push(line) }),
      handlers: {
        'orders.order_placed': async (event, context) => {
          handled.set(event.event_id, {
            attempt: context.attempt,
            customerEmail: event.payload.customer_email,
            descriptionLength: event.payload.items.reduce((sum, item) => sum + item.description.length, 0),
          });
        },
      },
    });
    deadLetters = new DeadLetterReader(dltTopicOf(TOPIC, groupId), admin);
    await deadLetters.start();

    // A new group reads the topic from the beginning; one event per partition marks the end of that history.
    const markers = Array.from({ length: partitionCount }, () => orderPlacedEnvelope());
    await produceRaw(
      TOPIC,
      await Promise.all(
        markers.map(async (envelope, partition) => ({
          key: `${runId}/history`,
          value: await encode(envelope),
          partition,
        })),
      ),
    );
    await waitFor(
      'the topic history read',
      () => markers.every((envelope) => handled.has(envelope.event_id)),
      90_000,
    );
  });

  after(async () => {
    await deadLetters?.stop();
    await service?.stop();
    await admin?.disconnect();
    await disconnectProducer();
  });

  CASES.forEach((testCase, index) => {
    it(testCase.name, { skip: testCase.unsafe, todo: testCase.knownGap }, async () => {
      const crafted = await testCase.build(fixtures);
      const key = crafted.key === undefined ? Buffer.from(`${runId}/${index}`) : crafted.key;
      const partition = index % partitionCount;
      const good = orderPlacedEnvelope();
      const rssBefore = process.memoryUsage().rss;
      const errorsBefore = errorLogs.length;

      await produceRaw(TOPIC, [{ key, value: crafted.value, headers: crafted.headers, partition }]);
      await produceRaw(TOPIC, [{ key, value: await encode(good), partition }]);
      await waitFor(`the good event after "${testCase.name}"`, () => handled.has(good.event_id), 20_000);
      await (deadLetters as DeadLetterReader).readToEnd();
      const letters = (deadLetters as DeadLetterReader).lettersFor(key);

      if (testCase.expected.outcome === 'processed') {
        assert.ok(
          crafted.eventId !== undefined && handled.has(crafted.eventId),
          'the handler ran for the event',
        );
        assert.equal(handled.get(crafted.eventId)?.attempt, 0, 'the event ran as a first delivery');
        for (const [field, value] of Object.entries(crafted.handledAs ?? {})) {
          assert.equal(
            handled.get(crafted.eventId)?.[field as keyof HandledEvent],
            value,
            `the handler saw the sent ${field}`,
          );
        }
        assert.equal(letters.length, 0, 'nothing was dead-lettered under its key');
      } else {
        const { code, message } = testCase.expected;
        if (crafted.eventId !== undefined)
          assert.ok(!handled.has(crafted.eventId), 'the handler did not run for the message');
        assert.equal(letters.length, 1, 'one dead letter under its key');
        const [letter] = letters as [KafkaMessage];
        const header = (name: string) => headerText(letter.headers?.[name]);
        assert.equal(header(HEADERS.dltReason), 'contract');
        assert.equal(header(HEADERS.dltErrorCode), code);
        assert.match(header(HEADERS.dltErrorMessage) ?? '', message);
        assert.equal(header(HEADERS.dltErrorClass), 'ContractError');
        assert.equal(header(HEADERS.dltAttempts), '0');
        assert.equal(header(HEADERS.dltGroup), groupId);
        assert.equal(header(HEADERS.originalTopic), TOPIC);
        assert.equal(header(HEADERS.originalPartition), String(partition));
        assert.deepEqual(letter.value, crafted.value, 'the value is kept byte for byte');
        for (const [name, value] of Object.entries(crafted.headers ?? {})) {
          // The kit writes its own position headers from the message's real position.
          if (KIT_POSITION_HEADERS.has(name)) continue;
          assert.deepEqual(letter.headers?.[name], asReceived(value), `header ${name} is kept byte for byte`);
        }
      }

      assert.ok(process.memoryUsage().rss - rssBefore < MAX_RSS_GROWTH_BYTES, 'RSS grew by less than 200 MB');
      assert.deepEqual(
        errorLogs.slice(errorsBefore),
        [],
        'the service logged no error, such as a consumer crash',
      );
      assert.equal(await endpointStatus('/readyz'), 200, '/readyz answers 200');
      assert.equal(await endpointStatus('/healthz'), 200, '/healthz answers 200');
    });
  });

  it('broker rejects a value over max.message.bytes', async () => {
    const { value } = await orderPlacedOfSize(fixtures.maxMessageBytes + 1);
    await assert.rejects(
      produceRaw(TOPIC, [{ key: `${runId}/oversized`, value, partition: 0 }]),
      /larger than the max message size/,
    );
  });
});

/** A header value as the kafkajs consumer returns it: Buffers, one per element of a repeated key. */
function asReceived(value: IHeaders[string]): Buffer | Buffer[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((element) => Buffer.from(element));
  return Buffer.from(value);
}
