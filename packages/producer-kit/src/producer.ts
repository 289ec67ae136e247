import { performance } from 'node:perf_hooks';

import { Partitioners, createKafkaClient, type IHeaders, type KafkaClient, type Message, type PartitionMetadata, type Producer } from '@choreo/kafka';
import {
  AVRO_CONTENT_TYPE,
  ContractError,
  ContractRegistry,
  type Envelope,
  type EventPayloads,
  type EventType,
  HEADERS,
  RegistryUnavailableError,
} from '@choreo/contracts';
import { loadConfig } from '@choreo/config';
import type { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';

import { type EventContext, currentEventContext } from './context';
import { producerMetrics } from './metrics';

export interface ProducerOptions {
  /** Identity of the producing service, written to every envelope's `source`; part of consumers' dedupe scope. */
  source: string;
  /** Registry binding. Unset: a ContractRegistry on `SCHEMA_REGISTRY_URL`. */
  registry?: ContractRegistry;
  /** Kafka client. Unset: one on `KAFKA_BROKERS` with client id `<source>-producer`. */
  kafka?: KafkaClient;
  /** prom-client registry for the producer metrics. Unset: prom-client's global registry. */
  metricsRegistry?: Registry;
}

export interface PublishOptions {
  /** Business key: events with the same key go to the same partition, in order. */
  key: string;
  /**
   * Unset: inherited from the event being handled, else the new event's own id (this publish is the
   * edge, and its id starts the trace). Consumers count events whose correlation id differs from their
   * id as correlated from upstream.
   */
  correlationId?: string;
  /** Unset: the event_id of the event being handled, else null. */
  causationId?: string | null;
  /** Unset: a new UUIDv7. Set it to make a redelivery by the caller a duplicate of the first send. */
  eventId?: string;
  /** Business time. Unset: now. */
  occurredAt?: Date;
}

export interface PublishResult {
  eventId: string;
  correlationId: string;
  topic: string;
  partition: number;
  offset: string;
}

/** One event of a `publishBatch` call; the payload type follows from the event type. */
export type BatchItem = { [Type in EventType]: { eventType: Type; payload: EventPayloads[Type]; options: PublishOptions } }[EventType];

/**
 * Publishes contract-checked events. Every event is validated against its contract before anything
 * is sent, encoded in the Confluent wire format with a cached schema id, and sent with `acks: all`
 * by an idempotent producer.
 */
export class EventProducer {
  private readonly registry: ContractRegistry;
  private readonly producer: Producer;
  private readonly metrics;
  private connected = false;
  /** Partition list of each topic in the shape the kafkajs partitioner reads, fetched once per topic. */
  private readonly partitionLists = new Map<string, PartitionMetadata[]>();
  private readonly admin;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  /** Encode-duration series bound per event type, because binding labels on every event costs time. */
  private readonly encodeSeconds = new Map<string, { observe(seconds: number): void }>();

  constructor(private readonly options: ProducerOptions) {
    this.registry = options.registry ?? new ContractRegistry();
    const kafka = options.kafka ?? createKafkaClient({ brokers: loadConfig().kafkaBrokers, clientId: `${options.source}-producer` });
    // Idempotence makes the broker drop the duplicates that the client's own retries would create.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = kafka.admin();
    this.metrics = producerMetrics(options.metricsRegistry);
  }

  get source(): string {
    return this.options.source;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
  }

  async publish<Type extends EventType>(eventType: Type, payload: EventPayloads[Type], options: PublishOptions): Promise<PublishResult> {
    const [result] = await this.publishBatch([{ eventType, payload, options } as BatchItem]);
    return result as PublishResult;
  }

  /**
   * Publishes many events in one request per broker. All events are validated first: if any is
   * invalid, none is sent.
   */
  async publishBatch(items: readonly BatchItem[]): Promise<PublishResult[]> {
    await this.connect();
    // The lookups that may await run once per event type and topic, so every event is then prepared
    // without awaiting.
    const eventTypes = new Set(items.map((item) => item.eventType));
    const schemaIds = new Map<string, number>();
    for (const eventType of eventTypes) schemaIds.set(eventType, await this.schemaIdOf(eventType));
    for (const eventType of eventTypes) await this.partitionsOf(this.registry.contract(eventType).topic);

    const context = currentEventContext();
    const prepared = items.map((item) => this.prepare(item, schemaIds.get(item.eventType) as number, context));

    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of prepared) {
      const messages = byTopic.get(topic) ?? [];
      messages.push(message);
      byTopic.set(topic, messages);
    }

    let metadata;
    try {
      metadata = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      for (const { eventType } of prepared) this.metrics.failures.inc({ event_type: eventType, reason: 'kafka' });
      throw error;
    }

    for (const eventType of eventTypes) this.metrics.published.inc({ event_type: eventType }, prepared.filter((event) => event.eventType === eventType).length);
    // Messages for one partition are appended in send order from the partition's base offset.
    const nextOffset = new Map(metadata.map((entry) => [`${entry.topicName}:${entry.partition}`, BigInt(entry.baseOffset ?? '0')]));
    return prepared.map(({ topic, message, envelope }) => {
      const slot = `${topic}:${message.partition}`;
      const offset = nextOffset.get(slot) ?? -1n;
      nextOffset.set(slot, offset + 1n);
      return { eventId: envelope.event_id, correlationId: envelope.correlation_id, topic, partition: message.partition ?? -1, offset: offset.toString() };
    });
  }

  private async schemaIdOf(eventType: string): Promise<number> {
    try {
      return await this.registry.schemaIdOf(eventType);
    } catch (error) {
      this.metrics.failures.inc({ event_type: eventType, reason: failureReason(error) });
      throw error;
    }
  }

  /** Builds, validates and encodes one event and picks its partition. */
  private prepare(item: BatchItem, schemaId: number, context: EventContext | undefined): { topic: string; eventType: string; envelope: Envelope; message: Message } {
    const { eventType, payload, options } = item;
    try {
      const contract = this.registry.contract(eventType);
      const eventId = options.eventId ?? uuidv7();
      const envelope: Envelope = {
        event_id: eventId,
        event_type: eventType,
        version: contract.version,
        correlation_id: options.correlationId ?? context?.correlationId ?? eventId,
        causation_id: options.causationId !== undefined ? options.causationId : (context?.eventId ?? null),
        occurred_at: options.occurredAt ?? new Date(),
        source: this.options.source,
        payload: payload as unknown as Record<string, unknown>,
      };

      const startedAt = performance.now();
      const value = this.registry.encode(envelope, schemaId);
      this.encodeSecondsOf(eventType).observe((performance.now() - startedAt) / 1000);

      const message: Message = { key: options.key, value, headers: headersOf(envelope) };
      const partitionMetadata = this.partitionLists.get(contract.topic) as PartitionMetadata[];
      message.partition = this.partitioner({ topic: contract.topic, partitionMetadata, message });
      return { topic: contract.topic, eventType, envelope, message };
    } catch (error) {
      this.metrics.failures.inc({ event_type: eventType, reason: failureReason(error) });
      throw error;
    }
  }

  private encodeSecondsOf(eventType: string): { observe(seconds: number): void } {
    let series = this.encodeSeconds.get(eventType);
    if (series === undefined) {
      series = this.metrics.encodeSeconds.labels({ event_type: eventType });
      this.encodeSeconds.set(eventType, series);
    }
    return series;
  }

  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    let partitions = this.partitionLists.get(topic);
    if (partitions === undefined) {
      const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const count = metadata.topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${topic} has no partitions; create the event topics first (pnpm choreo topics create)`);
      // The default partitioner reads only the number of partitions, their ids and whether each has a leader.
      partitions = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0, offlineReplicas: [] }));
      this.partitionLists.set(topic, partitions);
    }
    return partitions;
  }
}

function headersOf(envelope: Envelope): IHeaders {
  return {
    [HEADERS.eventType]: envelope.event_type,
    [HEADERS.eventId]: envelope.event_id,
    [HEADERS.correlationId]: envelope.correlation_id,
    [HEADERS.contentType]: AVRO_CONTENT_TYPE,
  };
}

function failureReason(error: unknown): string {
  if (error instanceof ContractError) return error.code;
  if (error instanceof RegistryUnavailableError) return 'registry-unavailable';
  return 'kafka';
}

export function createProducer(options: ProducerOptions): EventProducer {
  return new EventProducer(options);
}
