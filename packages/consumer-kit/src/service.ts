import type { Server } from 'node:http';

import { loadConfig } from '@choreo/config';
import { ContractRegistry, type EventPayloads, type EventType } from '@choreo/contracts';
import { type Admin, type Consumer, type KafkaClient, Partitioners, type Producer, createKafkaClient } from '@choreo/kafka';
import { EventProducer } from '@choreo/producer-kit';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';

import { CircuitBreaker, type CircuitOptions } from './circuit';
import { CONSUMER_DEFAULTS } from './defaults';
import { type DedupeOptions, Deduplicator, oldestDeadLetterKeyOf } from './dedupe';
import type { InfrastructureError } from './errors';
import type { Handler } from './handler';
import { portOf, startHttpServer } from './http';
import { type Logger, createServiceLogger } from './logger';
import { type ConsumerMetrics, createConsumerMetrics } from './metrics';
import { PauseController } from './pauses';
import { BatchProcessor, type OutgoingMessage } from './processor';
import type { ResolvedRetryOptions, RetryOptions } from './retry';
import { dltTopicOf, ensureConsumerTopics, retryTopicOf } from './topics';

/** Handlers by event type, each typed with its event's payload. */
export type Handlers = { [Type in EventType]?: Handler<EventPayloads[Type]> };

export interface ConsumerServiceOptions {
  /** Service name, used in logs and as the default producer `source`. */
  name: string;
  /** Team responsible for this consumer's dead letters; its name is written into every dead letter. */
  owner: string;
  /** Kafka consumer group. Retry and dead-letter topics are named after it. */
  groupId: string;
  /** One handler per event type this service consumes; other event types are contract failures. */
  handlers: Handlers;
  dedupe?: DedupeOptions;
  retry?: RetryOptions;
  circuit?: CircuitOptions;
  /** Identity written to `source` of events published from handlers. Unset: `name`. */
  source?: string;
  /** Port of the metrics and health server. Unset: 0 (a free port). */
  httpPort?: number;
  /**
   * Start position of a group without committed offsets: the beginning of each topic (true), or its
   * end (false). Unset: true. Committed offsets always win.
   */
  fromBeginning?: boolean;
  /** Address the metrics and health server listens on. Unset: 127.0.0.1; a container needs 0.0.0.0. */
  httpHost?: string;
  /**
   * Maximum messages claimed in Redis together. Unset: 5000. A chunk that runs longer than half the
   * dedupe lease records its outcomes so far and extends the remaining leases, so slow handlers are safe
   * in large chunks too.
   */
  maxChunkSize?: number;
  kafka?: KafkaClient;
  registry?: ContractRegistry;
  /** Redis connection URL. Unset: `REDIS_URL`, else the local stack. */
  redisUrl?: string;
  /** prom-client registry. Unset: a new one per service, served on `/metrics`. */
  metricsRegistry?: Registry;
  logger?: Logger;
}

export interface ConsumerService {
  readonly name: string;
  readonly groupId: string;
  readonly metricsRegistry: Registry;
  /** Connects, creates the retry and dead-letter topics, joins the group and serves `/metrics`. */
  start(): Promise<void>;
  /** Stops fetching, lets in-flight handlers finish, commits and disconnects. Safe to call twice. */
  stop(): Promise<void>;
  /** Port of the metrics and health server once started. */
  httpPort(): number;
  /** The topics this service reads: its source topics and their retry topics. */
  topics(): { source: string[]; retry: string[]; deadLetter: string[] };
}

export function createConsumerService(options: ConsumerServiceOptions): ConsumerService {
  return new KitConsumerService(options);
}

class KitConsumerService implements ConsumerService {
  readonly name: string;
  readonly groupId: string;
  readonly metricsRegistry: Registry;
  private readonly logger: Logger;
  private readonly metrics: ConsumerMetrics;
  private readonly retry: ResolvedRetryOptions;
  private readonly registry: ContractRegistry;
  private readonly kafka: KafkaClient;
  private readonly redis: Redis | undefined;
  private readonly dedupe: Deduplicator | undefined;
  private readonly circuit: CircuitBreaker;
  private readonly sourceTopics: string[];
  private readonly retryTopics: string[];
  private readonly deadLetterTopics: string[];
  private consumer: Consumer | undefined;
  private sender: Producer | undefined;
  private admin: Admin | undefined;
  private producer: EventProducer | undefined;
  private server: Server | undefined;
  private pauses: PauseController | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private joined = false;
  private crashed = false;
  private stopped = false;

  constructor(private readonly options: ConsumerServiceOptions) {
    this.name = options.name;
    this.groupId = options.groupId;
    this.metricsRegistry = options.metricsRegistry ?? new Registry();
    this.metrics = createConsumerMetrics(this.metricsRegistry);
    this.logger = options.logger ?? createServiceLogger(options.name, options.groupId);
    this.retry = { ...CONSUMER_DEFAULTS.retry, ...options.retry };
    this.circuit = new CircuitBreaker({ ...CONSUMER_DEFAULTS.circuit, ...options.circuit });
    this.registry = options.registry ?? new ContractRegistry();
    this.kafka = options.kafka ?? createKafkaClient({ brokers: loadConfig().kafkaBrokers, clientId: options.name });

    const eventTypes = Object.keys(options.handlers);
    if (eventTypes.length === 0) throw new Error(`${options.name}: handlers is empty; declare at least one event type to consume`);
    const { maxChunkSize } = options;
    if (maxChunkSize !== undefined && !(Number.isSafeInteger(maxChunkSize) && maxChunkSize >= 1)) {
      throw new Error(`${options.name}: maxChunkSize is ${maxChunkSize}, expected a positive integer (unset: ${CONSUMER_DEFAULTS.maxChunkSize})`);
    }
    this.sourceTopics = eventTypes.map((eventType) => this.registry.contract(eventType).topic);
    // Level 1 exists even with maxAttempts 0: it carries deliveries deferred behind another attempt's lease.
    const levels = Math.max(1, this.retry.maxAttempts);
    this.retryTopics = this.sourceTopics.flatMap((topic) => Array.from({ length: levels }, (_, index) => retryTopicOf(topic, options.groupId, index + 1)));
    this.deadLetterTopics = this.sourceTopics.map((topic) => dltTopicOf(topic, options.groupId));

    if (options.dedupe?.disabled) {
      this.logger.warn('deduplication is disabled: handlers may run more than once per event');
    } else {
      this.redis = new Redis(options.redisUrl ?? loadConfig().redisUrl, {
        // Fail fast while disconnected: the kit pauses consumption instead of queueing commands.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: (times) => Math.min(times * 200, 2_000),
      });
      this.redis.on('error', (error) => this.logger.debug({ err: error.message }, 'redis connection error'));
      this.dedupe = new Deduplicator(this.redis, options.groupId, { ...CONSUMER_DEFAULTS.dedupe, ...options.dedupe });
    }
  }

  topics() {
    return { source: [...this.sourceTopics], retry: [...this.retryTopics], deadLetter: [...this.deadLetterTopics] };
  }

  httpPort(): number {
    if (this.server === undefined) throw new Error(`${this.name} is not started`);
    return portOf(this.server);
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.checkSourceTopics(this.admin);
    await ensureConsumerTopics(this.admin, this.sourceTopics, this.groupId, Math.max(1, this.retry.maxAttempts));

    // Retry and dead-letter messages carry an explicit partition, so the partitioner only silences kafkajs's warning.
    this.sender = this.kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner });
    await this.sender.connect();
    this.producer = new EventProducer({ source: this.options.source ?? this.name, registry: this.registry, kafka: this.kafka, metricsRegistry: this.metricsRegistry });

    const { consumer: settings } = CONSUMER_DEFAULTS;
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: settings.sessionTimeoutMs, maxWaitTimeInMs: settings.maxWaitTimeMs });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
    consumer.on(consumer.events.CRASH, (event) => {
      this.joined = false;
      if (!event.payload.restart) this.crashed = true;
      this.logger.error({ err: event.payload.error.message, restart: event.payload.restart }, 'consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.sourceTopics, ...this.retryTopics], fromBeginning: this.options.fromBeginning ?? settings.fromBeginning });

    this.pauses = new PauseController(consumer, new Set(this.sourceTopics), [...this.sourceTopics, ...this.retryTopics]);
    const processor = this.createProcessor(this.pauses);
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => processor.processBatch(payload),
    });

    this.server = await startHttpServer(
      this.metricsRegistry,
      { isLive: () => !this.crashed, notReadyReason: () => this.notReadyReason() },
      this.options.httpPort ?? CONSUMER_DEFAULTS.httpPort,
      this.options.httpHost,
    );
    this.every(15_000, () => this.refreshDeadLetterGauges());
    this.logger.info({ topics: this.sourceTopics, port: portOf(this.server) }, 'consumer service started');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pauses) this.pauses.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.pauses?.clear();

    // disconnect() waits for the batch in progress, whose offsets are then committed.
    await this.consumer?.disconnect();
    await Promise.all([this.sender?.disconnect(), this.producer?.disconnect(), this.admin?.disconnect()]);
    this.redis?.disconnect();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
    this.logger.info('consumer service stopped');
  }

  private createProcessor(pauses: PauseController): BatchProcessor {
    return new BatchProcessor({
      serviceName: this.name,
      groupId: this.groupId,
      owner: this.options.owner,
      handlers: new Map(Object.entries(this.options.handlers) as unknown as [string, Handler][]),
      registry: this.registry,
      dedupe: this.dedupe,
      retry: this.retry,
      sourceTopics: new Set(this.sourceTopics),
      sourceOfRetryTopic: new Map(this.retryTopics.map((topic) => [topic, topic.slice(0, topic.indexOf(`.${this.groupId}.retry.`))])),
      circuit: this.circuit,
      pauses,
      metrics: this.metrics,
      logger: this.logger,
      producer: this.producer,
      send: (message) => this.send(message),
      maxChunkSize: this.options.maxChunkSize ?? CONSUMER_DEFAULTS.maxChunkSize,
      dltStackChars: CONSUMER_DEFAULTS.dltStackChars,
      onCircuitOpened: () => this.scheduleHalfOpen(pauses),
      onOutage: (error) => this.pauseForOutage(pauses, error),
      onDeadLettered: () => this.noteDeadLetter(),
    });
  }

  private async send(message: OutgoingMessage): Promise<void> {
    const { topic, partition, key, value, headers } = message;
    await (this.sender as Producer).send({ topic, acks: -1, messages: [{ partition, key, value, headers }] });
  }

  private async checkSourceTopics(admin: Admin): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = this.sourceTopics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      throw new Error(`${this.name}: source topics do not exist: ${missing.join(', ')}. Create them first (pnpm choreo topics create).`);
    }
  }

  private scheduleHalfOpen(pauses: PauseController): void {
    pauses.setCircuitOpen(true);
    this.metrics.circuitState.set({ group: this.groupId }, 2);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.circuit.tryHalfOpen()) {
        this.metrics.circuitState.set({ group: this.groupId }, 1);
        this.logger.info('retry-storm guard half-open: resuming source topics to probe');
        pauses.setCircuitOpen(false);
      } else if (this.circuit.state === 'open' && !this.stopped) {
        // A Node timer can fire a few milliseconds before Date.now() reaches its end, because libuv
        // counts it from the event loop's cached time (uv_now). Without a new timer the source topics
        // would stay paused for good.
        this.logger.debug({ remaining_ms: this.circuit.remainingCoolDownMs() }, 'half-open timer fired before the cool-down ended; waiting again');
        this.scheduleHalfOpen(pauses);
      }
    }, this.circuit.remainingCoolDownMs());
    this.timers.add(timer);
  }

  private pauseForOutage(pauses: PauseController, error: InfrastructureError): void {
    if (pauses.outageDependency !== undefined || this.stopped) return;

    pauses.setOutage(error.dependency);
    this.metrics.paused.set({ group: this.groupId, dependency: error.dependency }, 1);
    const probe = setInterval(async () => {
      if (!(await this.dependencyAnswers(error.dependency))) return;
      clearInterval(probe);
      this.timers.delete(probe);
      this.metrics.paused.set({ group: this.groupId, dependency: error.dependency }, 0);
      this.logger.info({ dependency: error.dependency }, 'dependency is back: resuming consumption');
      pauses.setOutage(undefined);
    }, 1_000);
    this.timers.add(probe);
  }

  private async dependencyAnswers(dependency: InfrastructureError['dependency']): Promise<boolean> {
    try {
      if (dependency === 'redis') return (await this.redis?.ping()) === 'PONG';
      if (dependency === 'registry') return (await this.registry.request('GET', '/subjects')).ok;
      return true;
    } catch {
      return false;
    }
  }

  private notReadyReason(): string | undefined {
    if (this.stopped) return 'stopping';
    if (this.crashed) return 'consumer crashed';
    if (!this.joined) return 'not in the consumer group yet';
    if (this.pauses?.outageDependency) return `${this.pauses.outageDependency} unavailable`;
    return undefined;
  }

  /** Redis key holding the failure time of the oldest dead letter not yet redriven, in epoch milliseconds. */
  private oldestDeadLetterKey(): string {
    return oldestDeadLetterKeyOf(this.options.dedupe?.keyPrefix ?? CONSUMER_DEFAULTS.dedupe.keyPrefix, this.groupId);
  }

  private async noteDeadLetter(): Promise<void> {
    // Best effort: the gauge is for humans, and the dead letter itself is already stored in Kafka.
    await this.redis?.set(this.oldestDeadLetterKey(), String(Date.now()), 'NX').catch(() => undefined);
  }

  private async refreshDeadLetterGauges(): Promise<void> {
    try {
      let waiting = 0;
      for (const topic of this.deadLetterTopics) {
        const offsets = await (this.admin as Admin).fetchTopicOffsets(topic);
        waiting += offsets.reduce((sum, partition) => sum + (Number(partition.high) - Number(partition.low)), 0);
      }
      this.metrics.deadLettersWaiting.set({ group: this.groupId }, waiting);
      const oldest = Number((await this.redis?.get(this.oldestDeadLetterKey())) ?? NaN);
      this.metrics.oldestDeadLetterSeconds.set({ group: this.groupId }, waiting > 0 && Number.isFinite(oldest) ? (Date.now() - oldest) / 1000 : 0);
    } catch (error) {
      this.logger.debug({ err: (error as Error).message }, 'cannot refresh dead-letter gauges');
    }
  }

  private every(ms: number, work: () => Promise<void>): void {
    const timer = setInterval(() => void work(), ms);
    timer.unref();
    this.timers.add(timer);
  }
}
