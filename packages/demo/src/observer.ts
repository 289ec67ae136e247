import { randomUUID } from 'node:crypto';

import { type ContractRegistry, HEADERS } from '@choreo/contracts';
import { type KafkaClient, type KafkaMessage, headerText } from '@choreo/kafka';

export interface DeadLetterEntry {
  topic: string;
  reason: string;
  owner: string;
  error: string;
  /** The order the dead letter belongs to, when it decodes to one. */
  orderId: string | undefined;
  key: string;
}

export interface TraceHop {
  eventType: string;
  source: string;
  eventId: string;
  causationId: string | null;
  occurredAt: string;
  writtenAt: string;
}

/**
 * Reads what the services wrote during one demo run, from the offsets the topics had when the run
 * began: synced invoices, dead letters, and every hop of one correlation id.
 */
export class RunObserver {
  readonly synced = new Set<string>();
  readonly deadLetters: DeadLetterEntry[] = [];
  readonly trace = new Map<string, TraceHop>();
  private consumer;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly registry: ContractRegistry,
    private readonly runId: string,
    private readonly topics: { synced: string; deadLetters: string[]; traced: string[] },
    private tracedCorrelationId = '',
  ) {
    this.consumer = kafka.consumer({ groupId: `demo-observer-${randomUUID()}` });
  }

  traceCorrelation(correlationId: string): void {
    this.tracedCorrelationId = correlationId;
  }

  async start(): Promise<void> {
    const all = [...new Set([this.topics.synced, ...this.topics.deadLetters, ...this.topics.traced])];
    const admin = this.kafka.admin();
    await admin.connect();
    const starts = await Promise.all(all.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })));
    await admin.disconnect();

    await this.consumer.connect();
    await this.consumer.subscribe({ topics: all, fromBeginning: true });
    await this.consumer.run({ eachMessage: async ({ topic, message }) => this.observe(topic, message) });
    for (const { topic, partitions } of starts) {
      for (const partition of partitions) this.consumer.seek({ topic, partition: partition.partition, offset: partition.high });
    }
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }

  private async observe(topic: string, message: KafkaMessage): Promise<void> {
    if (this.topics.deadLetters.includes(topic)) {
      await this.observeDeadLetter(topic, message);
      return;
    }
    const correlationId = headerText(message.headers?.[HEADERS.correlationId]);
    const decoded = await this.registry.decode(message.value).catch(() => undefined);
    if (decoded === undefined) return;

    const orderId = String((decoded.envelope.payload as { order_id?: unknown }).order_id ?? '');
    if (topic === this.topics.synced && orderId.startsWith(this.runId)) this.synced.add(orderId);

    const eventType = decoded.envelope.event_type;
    if (correlationId === this.tracedCorrelationId && this.topics.traced.includes(topic) && !this.trace.has(eventType)) {
      this.trace.set(eventType, {
        eventType,
        source: decoded.envelope.source,
        eventId: decoded.envelope.event_id,
        causationId: decoded.envelope.causation_id,
        occurredAt: decoded.envelope.occurred_at.toISOString(),
        writtenAt: new Date(Number(message.timestamp)).toISOString(),
      });
    }
  }

  private async observeDeadLetter(topic: string, message: KafkaMessage): Promise<void> {
    const key = message.key?.toString() ?? '';
    const decoded = await this.registry.decode(message.value).catch(() => undefined);
    const orderId = decoded ? String((decoded.envelope.payload as { order_id?: unknown }).order_id ?? '') : undefined;
    if (!key.startsWith(this.runId) && !(orderId ?? '').startsWith(this.runId)) return;

    this.deadLetters.push({
      topic,
      reason: headerText(message.headers?.[HEADERS.dltReason]) ?? 'unknown',
      owner: headerText(message.headers?.[HEADERS.dltOwner]) ?? 'unknown',
      error: headerText(message.headers?.[HEADERS.dltErrorMessage]) ?? '',
      orderId: orderId?.startsWith(this.runId) ? orderId : undefined,
      key,
    });
  }
}
