/**
 * Child process of `pnpm bench` that runs one consumer, kit or raw, over one topic and sends a
 * WorkerResult to its parent over IPC. The request is the first argument, as JSON.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { CONSUMER_DEFAULTS, createConsumerService, retryTopicOf } from '@choreo/consumer-kit';
import type { ContractRegistry } from '@choreo/contracts';
import type { Consumer, KafkaClient } from '@choreo/kafka';
import { pino } from 'pino';

import { ConsumptionClock, MemorySampler } from './consumption-clock';
import { type DedupeProbe, probeDedupe } from './dedupe-probe';
import type { WorkerRequest, WorkerResult } from './protocol';
import { BENCH_EVENT_TYPE, benchKafka, benchRegistry } from './stack';

/** Retention of the bench's dedupe records, in milliseconds: 1 h, in case cleanup never runs. */
const DEDUPE_RETENTION_MS = 60 * 60 * 1000;

interface RunningConsumer {
  stop(): Promise<void>;
  handled(): number;
}

async function main(request: WorkerRequest): Promise<WorkerResult> {
  const kafka = benchKafka(`bench-${request.side}-${request.mode}`);
  const registry = benchRegistry(request.topic);
  const clock = new ConsumptionClock(request.topic, await endOffsets(kafka, request.topic));
  const retryTopic = retryTopicOf(request.topic, request.groupId, 1);
  let retryBatches = 0;
  watchConsumers(kafka, (consumer) =>
    clock.attach(consumer, (topic) => void (topic === retryTopic && (retryBatches += 1))),
  );

  const probe = request.side === 'kit' ? probeDedupe() : undefined;
  const running =
    request.side === 'kit'
      ? await startKit(request, kafka, registry)
      : await startRaw(request, kafka, registry);

  const window = new MemorySampler();
  let outcome: { seconds: number; messages: number; fetchedBatches: number };
  try {
    if (request.mode === 'backlog') {
      await waitUntil(() => retryBatches > 0, request.timeoutMs, `a batch from ${retryTopic}`);
      window.start();
      await sleep(request.holdMs);
      outcome = {
        seconds: request.holdMs / 1000,
        messages: clock.committedMessages,
        fetchedBatches: retryBatches,
      };
    } else {
      await waitUntil(() => clock.started, request.timeoutMs, `a batch from ${request.topic}`);
      window.start();
      await withTimeout(
        clock.done,
        request.timeoutMs,
        `commits of all ${clock.expectedMessages} messages of ${request.topic}`,
      );
      outcome = {
        seconds: clock.seconds as number,
        messages: clock.committedMessages,
        fetchedBatches: clock.batches,
      };
    }
  } finally {
    await running.stop();
  }

  return {
    request,
    ...outcome,
    eventsPerSecond: outcome.seconds > 0 ? outcome.messages / outcome.seconds : 0,
    handled: running.handled(),
    dedupe: dedupeFigures(probe),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    window: window.stop(),
  };
}

/** The kit side: a consumer-kit service with Redis dedupe and a handler that only counts. */
async function startKit(
  request: WorkerRequest,
  kafka: KafkaClient,
  registry: ContractRegistry,
): Promise<RunningConsumer> {
  let handled = 0;
  const service = createConsumerService({
    name: 'bench-kit',
    owner: 'team-bench',
    groupId: request.groupId,
    handlers: {
      [BENCH_EVENT_TYPE]: async () => {
        handled += 1;
      },
    },
    dedupe: { keyPrefix: request.keyPrefix, retentionMs: DEDUPE_RETENTION_MS, disabled: !request.dedupe },
    maxChunkSize: request.chunkSize,
    kafka,
    registry,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  await service.start();
  return { stop: () => service.stop(), handled: () => handled };
}

/**
 * The raw side: a kafkajs consumer with the kit's consumer settings that decodes every message through
 * the same registry and resolves and commits offsets through the same eachBatch calls, but has no
 * dedupe, handler, metrics or retry routing.
 */
async function startRaw(
  request: WorkerRequest,
  kafka: KafkaClient,
  registry: ContractRegistry,
): Promise<RunningConsumer> {
  let handled = 0;
  const settings = CONSUMER_DEFAULTS.consumer;
  const consumer = kafka.consumer({
    groupId: request.groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    maxWaitTimeInMs: settings.maxWaitTimeMs,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [request.topic], fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        await registry.decode(message.value);
        handled += 1;
        resolveOffset(message.offset);
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  return { stop: () => consumer.disconnect(), handled: () => handled };
}

/** Calls `onCreated` with every consumer made from this client, including the one the kit makes inside its service. */
function watchConsumers(kafka: KafkaClient, onCreated: (consumer: Consumer) => void): void {
  const create = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => {
    const consumer = create(config);
    onCreated(consumer);
    return consumer;
  };
}

async function endOffsets(kafka: KafkaClient, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map(({ partition, high }) => [partition, BigInt(high)]));
  } finally {
    await admin.disconnect();
  }
}

function dedupeFigures(probe: DedupeProbe | undefined): WorkerResult['dedupe'] {
  return probe === undefined ? undefined : { roundTrips: probe.roundTrips(), chunks: probe.chunks };
}

async function waitUntil(condition: () => boolean, timeoutMs: number, description: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(20);
  }
}

async function withTimeout(promise: Promise<void>, timeoutMs: number, description: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const request = JSON.parse(process.argv[2] ?? '{}') as WorkerRequest;
main(request).then(
  (result) => process.send?.(result, () => process.exit(0)),
  (error: unknown) => {
    process.stderr.write(
      `bench worker (${request.side} ${request.mode}) failed: ${(error as Error).stack ?? String(error)}\n`,
    );
    process.exit(1);
  },
);
