import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';

import { ContractError, type ContractRegistry, type DecodedEvent, type Envelope, type EventIdentity, RegistryUnavailableError } from '@choreo/contracts';
import type { EachBatchPayload, IHeaders, KafkaMessage } from '@choreo/kafka';
import { type EventProducer, runWithEventContext } from '@choreo/producer-kit';

import type { CircuitBreaker } from './circuit';
import { type DeadLetterReason, deadLetterOf } from './dead-letter';
import { type ClaimResult, type Deduplicator, type Settlement } from './dedupe';
import { InfrastructureError, isRetriable } from './errors';
import type { Handler, HandlerContext } from './handler';
import { EventHandlerContext } from './handler-context';
import type { Logger } from './logger';
import type { ConsumerMetrics } from './metrics';
import type { PauseController } from './pauses';
import { type ResolvedRetryOptions, type RetryState, readRetryState, retryDelayMs, retryHeaders } from './retry';
import { dltTopicOf, retryTopicOf } from './topics';

export interface OutgoingMessage {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface ProcessorSettings {
  serviceName: string;
  groupId: string;
  owner: string;
  handlers: ReadonlyMap<string, Handler>;
  registry: ContractRegistry;
  /** Undefined when the service opted out of deduplication. */
  dedupe: Deduplicator | undefined;
  retry: ResolvedRetryOptions;
  sourceTopics: ReadonlySet<string>;
  /** Source topic of each retry topic; the retry topic's name decides, never a header. */
  sourceOfRetryTopic: ReadonlyMap<string, string>;
  circuit: CircuitBreaker;
  pauses: PauseController;
  metrics: ConsumerMetrics;
  logger: Logger;
  producer: EventProducer | undefined;
  /** Sends a retry or dead-letter message with `acks: all`; resolves once Kafka stored it. */
  send(message: OutgoingMessage): Promise<void>;
  /** Most messages claimed and settled together; each chunk costs two Redis round trips. */
  maxChunkSize: number;
  dltStackChars: number;
  /** Called when the retry-storm guard opens, to schedule its half-open probe. */
  onCircuitOpened(): void;
  /** Called when Redis or the registry fails, to pause everything and probe until it is back. */
  onOutage(error: InfrastructureError): void;
  /** Called after each dead letter is stored, to track the age of the oldest one. */
  onDeadLettered(): Promise<void>;
}

/** Value of the `choreo_circuit_state` gauge for each state. */
const CIRCUIT_STATE_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Maximum wait before a deferred delivery checks again whether the other attempt finished, in milliseconds. */
const DEFER_POLL_MS = 2_000;

const FIRST_DELIVERY: RetryState = {
  attempt: 0,
  dueAt: 0,
  firstFailureAt: undefined,
  originalTopic: undefined,
  originalPartition: undefined,
  originalOffset: undefined,
};

/**
 * Maximum time of handler work without a return to the event loop, in milliseconds. Handlers that
 * await only resolved promises run as one chain of microtasks, which holds back every socket read
 * meanwhile: the Redis replies of other partitions' chunks, fetch responses, heartbeats and the
 * health endpoint.
 */
const EVENT_LOOP_SLICE_MS = 5;

/** Claim of an item when the service runs without dedupe: every event runs. */
const UNDEDUPED: ClaimResult = { state: 'claimed', token: '' };

/**
 * Metric series of one event type, bound once, because binding labels on every message costs time.
 * The counters are tallied per chunk and added once when the chunk ends. The histograms are observed
 * per event.
 */
class EventTypeMetrics {
  processed = 0;
  duplicates = 0;

  constructor(
    private readonly processedSeries: { inc(value: number): void },
    private readonly duplicateSeries: { inc(value: number): void },
    readonly handlerSuccess: { observe(seconds: number): void },
    readonly handlerFailure: { observe(seconds: number): void },
  ) {}

  flush(): void {
    if (this.processed > 0) this.processedSeries.inc(this.processed);
    if (this.duplicates > 0) this.duplicateSeries.inc(this.duplicates);
    this.processed = 0;
    this.duplicates = 0;
  }
}

/**
 * A message of the chunk being processed. It keeps no decoded event: events are decoded one at a time
 * just before their handler runs, so a chunk of thousands does not keep thousands of payloads alive.
 */
interface Item {
  message: KafkaMessage;
  retry: RetryState;
  /** Event type read from the writer schema; undefined when the message has none this service handles. */
  eventType?: string;
  /** Set when the identity read already found that the message can never be a valid event here. */
  contractError?: ContractError;
  /** Dedupe key: the event's, or the message's position when it has no usable identity. */
  key?: string;
}

/** The parts of a kafkajs batch that a chunk uses. */
interface BatchControl {
  /** True once the consumer is stopping or the partition was revoked or sought: the chunk must end. */
  shouldStop(): boolean;
  heartbeat(): Promise<void>;
  /** Resolves offsets whose outcomes are durable; `commitNow` commits them before the batch ends. */
  resolve(offsets: readonly string[], commitNow: boolean): Promise<void>;
}

/** Early stop of a chunk, with its reason. The partition is sought back to `offset`. */
type Stop = { offset: string; reason: 'due'; dueAt: number } | { offset: string; reason: 'outage'; error: InfrastructureError } | { offset: string; reason: 'circuit' };

/**
 * Runs the fetched batches of one consumer: each message ends processed, skipped as a duplicate,
 * deferred or retried through a retry topic, or dead-lettered, and its offset is resolved only after
 * that outcome is durable in Kafka and Redis.
 */
export class BatchProcessor {
  private readonly eventMetrics = new Map<string, EventTypeMetrics>();

  private readonly decoded;
  private readonly correlated;
  /** Counts of the current chunks for `decoded` and `correlated`, added once per chunk. */
  private decodedCount = 0;
  private correlatedCount = 0;
  /** Bound once: a handler context is built for every message. */
  private readonly publish: HandlerContext['publish'];
  private readonly publishBatch: HandlerContext['publishBatch'];

  constructor(private readonly settings: ProcessorSettings) {
    const { producer } = settings;
    this.publish = producer ? producer.publish.bind(producer) : missingProducer;
    this.publishBatch = producer ? producer.publishBatch.bind(producer) : missingProducer;
    this.decoded = settings.metrics.decoded.labels({ group: settings.groupId });
    this.correlated = settings.metrics.correlated.labels({ group: settings.groupId });
  }

  async processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    const { metrics, groupId } = this.settings;
    metrics.consumed.inc({ group: groupId, topic }, messages.length);
    const last = messages.at(-1);
    if (last) metrics.lag.set({ group: groupId, topic, partition: String(partition) }, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));

    const batchControl: BatchControl = {
      shouldStop: () => !isRunning() || isStale(),
      heartbeat,
      // Offsets are resolved only after their outcomes are durable. kafkajs commits resolved offsets
      // when the batch ends. A checkpoint of a long chunk commits them at once, so a crash refetches
      // less.
      resolve: async (offsets, commitNow) => {
        for (const offset of offsets) resolveOffset(offset);
        await (commitNow ? commitOffsetsIfNecessary(uncommittedOffsets()) : commitOffsetsIfNecessary());
        await heartbeat();
      },
    };

    for (let start = 0; start < messages.length; ) {
      if (batchControl.shouldStop()) return;

      const chunk = messages.slice(start, start + this.settings.maxChunkSize);
      start += chunk.length;
      const { processed, stop } = await this.processChunk(topic, partition, chunk, batchControl);
      await batchControl.resolve(processed, false);

      if (stop) {
        this.applyStop(topic, partition, stop);
        return;
      }
    }
  }

  private applyStop(topic: string, partition: number, stop: Stop): void {
    const { pauses, logger } = this.settings;
    // Seek back so the stopped message is fetched again once the pause ends, whether in this process
    // or, after a restart or rebalance, from the committed offset in another.
    this.settings.pauses.seek(topic, partition, stop.offset);
    if (stop.reason === 'due') {
      pauses.pauseUntil(topic, partition, stop.dueAt);
    } else if (stop.reason === 'outage') {
      logger.warn({ dependency: stop.error.dependency, err: stop.error.message, topic, partition, offset: stop.offset }, 'pausing consumption: dependency unavailable');
      this.settings.onOutage(stop.error);
    }
  }

  /**
   * Claims a chunk's messages together, runs them in order and records their outcomes together. A chunk
   * that runs longer than half the lease passes a checkpoint: the outcomes so far are recorded, the
   * remaining leases extended and the finished offsets committed. So no lease expires under a running
   * chunk, and a crash re-runs at most half a lease of work. Returns the offsets finished since the last
   * checkpoint.
   */
  private async processChunk(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    batchControl: BatchControl,
  ): Promise<{ processed: string[]; stop?: Stop }> {
    const isSource = this.settings.sourceTopics.has(topic);
    const { circuit } = this.settings;

    if (isSource && circuit.state === 'open') return { processed: [], stop: { offset: messages[0]?.offset ?? '0', reason: 'circuit' } };

    const items: Item[] = [];
    let stop: Stop | undefined;
    for (const message of messages) {
      // Retry headers on a source topic come from a producer, not from this kit: they must not decide
      // a retry level, a due time or where a dead letter goes.
      const retry = isSource ? FIRST_DELIVERY : { ...readRetryState(message.headers), originalTopic: this.settings.sourceOfRetryTopic.get(topic) };
      if (!isSource && retry.dueAt > Date.now()) {
        stop = { offset: message.offset, reason: 'due', dueAt: retry.dueAt };
        break;
      }
      items.push({ message, retry });
    }

    if (this.settings.dedupe !== undefined) {
      try {
        await this.identify(topic, partition, items, this.settings.dedupe);
      } catch (error) {
        const outage = outageOf(error);
        if (outage === undefined) throw error;
        return { processed: [], stop: { offset: messages[0]?.offset ?? '0', reason: 'outage', error: outage } };
      }
    }

    let claims: Map<string, ClaimResult>;
    try {
      claims = await this.claim(items);
    } catch (error) {
      if (!(error instanceof InfrastructureError)) throw error;
      return { processed: [], stop: { offset: messages[0]?.offset ?? '0', reason: 'outage', error } };
    }

    const settlements: Settlement[] = [];
    let processed: string[] = [];
    const seen = new Set<string>();
    const { dedupe } = this.settings;
    let checkpointAt = dedupe === undefined ? Infinity : performance.now() + dedupe.leaseMs / 2;
    let yieldAt = performance.now() + EVENT_LOOP_SLICE_MS;
    let next = 0;
    try {
      for (; next < items.length; next++) {
        const item = items[next] as Item;
        if (isSource && circuit.state === 'open') {
          stop = { offset: item.message.offset, reason: 'circuit' };
          break;
        }
        const now = performance.now();
        if (now >= checkpointAt || now >= yieldAt) {
          // A stopping consumer or a revoked partition ends the chunk here. The rest is released and
          // fetched again by the partition's next owner.
          if (batchControl.shouldStop()) break;
          if (now >= checkpointAt) {
            await this.checkpoint(items.slice(next), claims, seen, settlements);
            await batchControl.resolve(processed, true);
            processed = [];
            checkpointAt = performance.now() + (dedupe as Deduplicator).leaseMs / 2;
          } else {
            // kafkajs sends a heartbeat only when its interval has passed, so this costs little.
            await batchControl.heartbeat();
            await setImmediate();
          }
          yieldAt = performance.now() + EVENT_LOOP_SLICE_MS;
        }
        const outage = await this.processItem(topic, partition, item, claims, seen, settlements);
        if (outage !== undefined) {
          stop = { offset: item.message.offset, reason: 'outage', error: outage };
          break;
        }
        processed.push(item.message.offset);
      }
    } finally {
      // Claims of items this chunk did not reach are released, so their next delivery runs at once.
      for (const item of items.slice(next)) {
        const claim = item.key === undefined ? undefined : claims.get(item.key);
        if (claim?.state === 'claimed' && !seen.has(item.key as string)) settlements.push({ key: item.key as string, token: claim.token, outcome: 'release' });
      }
      this.flushMetrics();
      await this.settle(settlements);
    }
    return { processed, stop };
  }

  /**
   * Records the outcomes so far and extends the leases of the claimed items still to run. An item whose
   * lease was lost meanwhile is marked in flight, so it is deferred instead of run twice.
   */
  private async checkpoint(remaining: Item[], claims: Map<string, ClaimResult>, seen: ReadonlySet<string>, settlements: Settlement[]): Promise<void> {
    let token: string | undefined;
    const keys = new Set<string>();
    for (const { key } of remaining) {
      const claim = key === undefined ? undefined : claims.get(key);
      if (claim?.state !== 'claimed' || seen.has(key as string)) continue;
      token = claim.token;
      keys.add(key as string);
    }

    this.flushMetrics();
    const lost = await this.settle(settlements, token === undefined ? undefined : { token, keys: [...keys] });
    settlements.length = 0;
    for (const [key, remainingMs] of lost) claims.set(key, { state: 'in-flight', remainingMs });
  }

  /**
   * Reads the events' identities without decoding their payloads and sets their dedupe keys. A message
   * that can never be a valid event gets the key of its position, so a replay does not dead-letter it twice.
   */
  private async identify(topic: string, partition: number, items: Item[], dedupe: Deduplicator): Promise<void> {
    const identities = await this.settings.registry.readIdentities(items.map((item) => item.message.value));
    items.forEach((item, index) => {
      let identity = identities[index] as EventIdentity | ContractError;
      if (!(identity instanceof ContractError)) {
        identity = this.handledOrError(identity.contract.eventType, identity.schemaId) ?? identity;
      }
      if (identity instanceof ContractError) {
        item.contractError = identity;
        item.key = this.positionKeyOf(topic, partition, item, dedupe);
      } else {
        item.eventType = identity.contract.eventType;
        item.key = dedupe.keyOf({ source: identity.source, event_id: identity.eventId });
      }
    });
  }

  private positionKeyOf(topic: string, partition: number, item: Item, dedupe: Deduplicator): string {
    const { retry, message } = item;
    return dedupe.keyOfPosition(retry.originalTopic ?? topic, retry.originalPartition ?? partition, retry.originalOffset ?? message.offset);
  }

  /** Returns the contract failure of an event type without a handler here, or undefined when it has one. */
  private handledOrError(eventType: string, schemaId: number): ContractError | undefined {
    if (this.settings.handlers.has(eventType)) return undefined;
    return new ContractError('envelope', `${this.settings.serviceName} has no handler for event type ${eventType}`, { eventType, schemaId });
  }

  private async claim(items: Item[]): Promise<Map<string, ClaimResult>> {
    const { dedupe } = this.settings;
    if (dedupe === undefined) return new Map();

    const keys = [...new Set(items.map((item) => item.key as string))];
    const results = await dedupe.claimAll(keys);
    return new Map(keys.map((key, index) => [key, results[index] as ClaimResult]));
  }

  /**
   * Takes one message to its outcome. Returns the failure of Redis or the registry that stopped it,
   * after which the chunk stops at this message.
   */
  private async processItem(
    topic: string,
    partition: number,
    item: Item,
    claims: Map<string, ClaimResult>,
    seen: Set<string>,
    settlements: Settlement[],
  ): Promise<InfrastructureError | undefined> {
    const { metrics, groupId, registry, dedupe } = this.settings;
    let key = item.key;

    // A second copy of the same event within one chunk follows the first copy, which carries the
    // event forward whatever its outcome.
    if (key !== undefined && seen.has(key)) {
      this.metricsOf(item.eventType ?? 'unknown').duplicates += 1;
      return undefined;
    }
    if (key !== undefined) seen.add(key);
    let token = await this.tokenOrEnd(topic, partition, item, key === undefined ? UNDEDUPED : (claims.get(key) as ClaimResult));
    if (token === undefined) return undefined;

    let decoded: DecodedEvent | undefined;
    let contractError = item.contractError;
    if (contractError === undefined) {
      try {
        decoded = await registry.decode(item.message.value);
        const unhandled = this.handledOrError(decoded.contract.eventType, decoded.schemaId);
        if (unhandled !== undefined) throw unhandled;
      } catch (error) {
        const outage = outageOf(error);
        if (outage !== undefined) {
          if (key !== undefined) settlements.push({ key, token, outcome: 'release' });
          return outage;
        }
        if (!(error instanceof ContractError)) throw error;
        contractError = error;
      }
    }

    // The identity was readable but the rest is not: the message is recorded under its position, as if
    // the identity read had failed, and the event's own key is freed for a valid copy of the event.
    if (contractError !== undefined && item.contractError === undefined && key !== undefined && dedupe !== undefined) {
      settlements.push({ key, token, outcome: 'release' });
      // A later copy of the event in this chunk must run rather than follow this broken one.
      seen.delete(key);
      key = this.positionKeyOf(topic, partition, item, dedupe);
      let positionClaim: ClaimResult;
      try {
        [positionClaim] = (await dedupe.claimAll([key])) as [ClaimResult];
      } catch (error) {
        const outage = outageOf(error);
        if (outage === undefined) throw error;
        return outage;
      }
      token = await this.tokenOrEnd(topic, partition, item, positionClaim);
      if (token === undefined) return undefined;
    }

    let outcome: Settlement['outcome'];
    try {
      if (contractError !== undefined || decoded === undefined) {
        const error = contractError as ContractError;
        metrics.contractMismatches.inc({ group: groupId, code: error.code });
        await this.deadLetter(topic, partition, item, 'contract', error, 0, undefined);
        outcome = 'dead';
      } else {
        outcome = await this.runHandler(topic, partition, item, decoded);
      }
    } catch (error) {
      // A retry or dead letter that Kafka did not take: the claim is released, so the redelivery after
      // the consumer restarts runs at once instead of waiting for the lease.
      if (key !== undefined) settlements.push({ key, token, outcome: 'release' });
      throw error;
    }
    if (key !== undefined) settlements.push({ key, token, outcome });
    return undefined;
  }

  /**
   * Returns the lease token when this delivery holds the claim. Otherwise ends the item and returns
   * undefined: a finished or dead-lettered event is a duplicate, and one under another attempt's lease
   * is deferred.
   */
  private async tokenOrEnd(topic: string, partition: number, item: Item, claim: ClaimResult): Promise<string | undefined> {
    if (claim.state === 'claimed') return claim.token;
    if (claim.state === 'in-flight') {
      await this.defer(topic, partition, item, claim.remainingMs);
    } else {
      this.metricsOf(item.eventType ?? 'unknown').duplicates += 1;
    }
    return undefined;
  }

  private async runHandler(topic: string, partition: number, item: Item, decoded: DecodedEvent): Promise<Settlement['outcome']> {
    const { retry } = this.settings;
    const { envelope, contract } = decoded;
    const attempt = item.retry.attempt;
    const context = new EventHandlerContext(envelope, attempt, topic, partition, item.message.offset, this.settings.logger, this.publish, this.publishBatch);

    this.decodedCount += 1;
    if (envelope.correlation_id !== envelope.event_id) this.correlatedCount += 1;

    const handler = this.settings.handlers.get(contract.eventType) as Handler;
    const series = this.metricsOf(contract.eventType);
    const startedAt = performance.now();
    try {
      // The context doubles as the producer kit's event context: it carries eventId and correlationId.
      await runWithEventContext(context, handler, envelope, context);
      series.handlerSuccess.observe((performance.now() - startedAt) / 1000);
      series.processed += 1;
      this.recordOutcome(true);
      return 'done';
    } catch (error) {
      series.handlerFailure.observe((performance.now() - startedAt) / 1000);
      const logger = context.logger;

      if (!isRetriable(error)) {
        logger.warn({ err: error }, 'handler failed with a non-retryable error; dead-lettering');
        await this.deadLetter(topic, partition, item, 'non-retryable', error, attempt + 1, envelope);
        return 'dead';
      }
      if (attempt >= retry.maxAttempts) {
        this.recordOutcome(false);
        logger.warn({ err: error }, 'handler failed on the last retry level; dead-lettering');
        await this.deadLetter(topic, partition, item, 'retries-exhausted', error, attempt + 1, envelope);
        return 'dead';
      }
      this.recordOutcome(false);
      const delay = retryDelayMs(attempt + 1, retry);
      logger.info({ err: error, next_attempt: attempt + 1, delay_ms: delay }, 'handler failed; scheduling a retry');
      await this.sendToRetry(topic, partition, item, attempt + 1, Date.now() + delay, error);
      return 'release';
    }
  }

  private metricsOf(eventType: string): EventTypeMetrics {
    let series = this.eventMetrics.get(eventType);
    if (series === undefined) {
      const { metrics, groupId } = this.settings;
      series = new EventTypeMetrics(
        metrics.processed.labels({ group: groupId, event_type: eventType }),
        metrics.duplicates.labels({ group: groupId, event_type: eventType }),
        metrics.handlerSeconds.labels({ group: groupId, event_type: eventType, outcome: 'success' }),
        metrics.handlerSeconds.labels({ group: groupId, event_type: eventType, outcome: 'failure' }),
      );
      this.eventMetrics.set(eventType, series);
    }
    return series;
  }

  /** Adds the counts tallied during a chunk to the Prometheus counters. */
  private flushMetrics(): void {
    for (const series of this.eventMetrics.values()) series.flush();
    if (this.decodedCount > 0) this.decoded.inc(this.decodedCount);
    if (this.correlatedCount > 0) this.correlated.inc(this.correlatedCount);
    this.decodedCount = 0;
    this.correlatedCount = 0;
  }

  private recordOutcome(succeeded: boolean): void {
    const { circuit, metrics, groupId } = this.settings;
    const before = circuit.state;
    if (circuit.record(succeeded)) {
      metrics.circuitOpenings.inc({ group: groupId });
      this.settings.logger.warn({ cool_down_ms: circuit.remainingCoolDownMs() }, 'retry-storm guard opened: pausing source topics');
      this.settings.onCircuitOpened();
    }
    if (circuit.state !== before) metrics.circuitState.set({ group: groupId }, CIRCUIT_STATE_VALUES[circuit.state]);
  }

  /**
   * Another attempt of this event holds its lease. The delivery goes to a retry topic and comes back
   * shortly: if the other attempt finished, the copy is skipped as a duplicate; if it crashed, the copy
   * runs the event once the lease expires. Acknowledging it as done could lose the event.
   */
  private async defer(topic: string, partition: number, item: Item, remainingMs: number): Promise<void> {
    const level = Math.max(1, item.retry.attempt);
    this.settings.metrics.deferred.inc({ group: this.settings.groupId });
    // Check again soon rather than at lease expiry: the other attempt usually finishes in milliseconds.
    const wait = Math.min(remainingMs + 100, DEFER_POLL_MS);
    await this.sendToRetry(topic, partition, item, level, Date.now() + wait, new Error('another attempt of this event holds its lease'));
  }

  private async sendToRetry(topic: string, partition: number, item: Item, level: number, dueAt: number, error: unknown): Promise<void> {
    const { groupId, metrics } = this.settings;
    const originalTopic = item.retry.originalTopic ?? topic;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.settings.send({
      topic: retryTopicOf(originalTopic, groupId, level),
      partition,
      key: item.message.key,
      value: item.message.value,
      headers: retryHeaders(item.message.headers, {
        attempt: level,
        dueAt,
        firstFailureAt: item.retry.firstFailureAt ?? Date.now(),
        lastError: text,
        originalTopic,
        originalPartition: partition,
        originalOffset: item.message.offset,
        originalTimestamp: item.message.timestamp,
        fromSourceTopic: this.settings.sourceTopics.has(topic),
      }),
    });
    metrics.retries.inc({ group: groupId, level: String(level) });
  }

  private async deadLetter(topic: string, partition: number, item: Item, reason: DeadLetterReason, error: unknown, attempts: number, envelope: Envelope | undefined): Promise<void> {
    const { groupId, owner, metrics } = this.settings;
    const originalTopic = item.retry.originalTopic ?? topic;
    const letter = deadLetterOf(item.message, {
      reason,
      groupId,
      owner,
      attempts,
      error,
      topic,
      partition,
      correlationId: envelope?.correlation_id,
      stackChars: this.settings.dltStackChars,
      fromSourceTopic: this.settings.sourceTopics.has(topic),
    });
    await this.settings.send({ topic: dltTopicOf(originalTopic, groupId), ...letter });
    metrics.deadLettered.inc({ group: groupId, reason });
    await this.settings.onDeadLettered();
    this.settings.logger.warn(
      { reason, owner, topic, partition, offset: item.message.offset, event_id: envelope?.event_id, err: error instanceof Error ? error.message : String(error) },
      'message dead-lettered',
    );
  }

  /**
   * Writes the chunk's outcomes and, at a checkpoint, extends the remaining leases; returns the keys
   * whose lease was lost. While Redis is down this waits and tries again instead of going on, because
   * committing offsets without the completion records would let a redelivery run twice.
   */
  private async settle(settlements: Settlement[], renewal?: { token: string; keys: readonly string[] }): Promise<Map<string, number>> {
    const { dedupe } = this.settings;
    if (dedupe === undefined || (settlements.length === 0 && renewal === undefined)) return new Map();

    for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return await dedupe.settleAll(settlements, renewal);
      } catch (error) {
        if (!(error instanceof InfrastructureError) || this.settings.pauses.stopping) throw error;
        this.settings.logger.warn({ err: error.message, retry_in_ms: wait }, 'cannot record event outcomes in Redis; retrying');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}

async function missingProducer(): Promise<never> {
  throw new Error('this consumer service has no producer: pass `source` to createConsumerService to publish from handlers');
}

/** Returns the registry or Redis failure behind `error`, or undefined for any other error. */
function outageOf(error: unknown): InfrastructureError | undefined {
  if (error instanceof InfrastructureError) return error;
  if (error instanceof RegistryUnavailableError) return new InfrastructureError('registry', error.message, { cause: error });
  return undefined;
}
