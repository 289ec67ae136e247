import { loadConfig } from '@choreo/config';
import { type Contract, ContractError, ContractRegistry, loadContracts } from '@choreo/contracts';
import { type Admin, type KafkaClient, createKafkaClient } from '@choreo/kafka';
import type { Redis } from 'ioredis';

/** The one event type the bench publishes and consumes. */
export const BENCH_EVENT_TYPE = 'orders.order_placed';

/** Names of everything one bench run creates; all of it starts with the run id, so cleanup touches nothing else. */
export interface BenchNames {
  runId: string;
  /** Topic pre-filled for the consumer comparison and the replay. */
  consumerTopic: string;
  /** Topic the producer comparison writes to. */
  producerTopic: string;
  /** Empty source topic of the service whose first retry topic contains the backlog. */
  backlogTopic: string;
  /** Redis key prefix of every dedupe record the bench writes. */
  keyPrefix: string;
}

export function benchNames(runId: string): BenchNames {
  return {
    runId,
    consumerTopic: `bench.${runId}.orders`,
    producerTopic: `bench.${runId}.produced`,
    backlogTopic: `bench.${runId}.backlog`,
    keyPrefix: `choreo:bench:${runId}`,
  };
}

/** Consumer group of one bench run; group ids, like topics, start with the run id. */
export function groupIdOf(runId: string, label: string): string {
  return `bench-${runId}-${label}`;
}

/**
 * Returns a registry with only the bench event type's contract, bound to `topic` instead of the
 * contract's own topic, so the kits read and write bench topics with the real schema and subject.
 */
export function benchRegistry(topic: string): ContractRegistry {
  const contract = loadContracts().find((candidate) => candidate.eventType === BENCH_EVENT_TYPE) as Contract;
  return new ContractRegistry({ contracts: [{ ...contract, topic }] });
}

/** Creates a Kafka client on `KAFKA_BROKERS` that writes only the client's errors to stderr. */
export function benchKafka(clientId: string): KafkaClient {
  return createKafkaClient({
    brokers: loadConfig().kafkaBrokers,
    clientId,
    onLog: (entry) => {
      if (entry.level === 'error')
        process.stderr.write(`kafka ${entry.namespace}: ${entry.message} ${JSON.stringify(entry.fields)}\n`);
    },
  });
}

/**
 * Returns the schema id of the bench event type, registering the contract first when the registry
 * does not have it, as `pnpm choreo contracts register` would.
 */
export async function ensureSchema(registry: ContractRegistry): Promise<number> {
  try {
    return await registry.schemaIdOf(BENCH_EVENT_TYPE);
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
  }
  return registry.register(registry.contract(BENCH_EVENT_TYPE));
}

export async function createTopics(
  admin: Admin,
  topics: readonly string[],
  partitions: number,
): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
  });
}

/**
 * Deletes the run's topics (including the retry and dead-letter topics the consumer kit created),
 * consumer groups and Redis keys. Each step runs even when an earlier one failed, and every failure is
 * reported, because an interrupted run should leave as little behind as it can.
 */
export async function cleanUp(
  admin: Admin,
  redis: Redis,
  names: BenchNames,
  groupIds: readonly string[],
): Promise<void> {
  const failures: string[] = [];
  const attempt = async (step: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      failures.push(`${step}: ${(error as Error).message}`);
    }
  };

  await attempt('deleting consumer groups', async () => {
    const existing = new Set((await admin.listGroups()).groups.map((group) => group.groupId));
    const ours = groupIds.filter((groupId) => existing.has(groupId));
    if (ours.length > 0) await admin.deleteGroups(ours);
  });
  await attempt('deleting topics', async () => {
    const ours = (await admin.listTopics()).filter((topic) => topic.startsWith(`bench.${names.runId}.`));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  });
  await attempt('deleting Redis keys', () => deleteKeys(redis, `${names.keyPrefix}:*`));

  if (failures.length > 0) {
    process.stderr.write(
      `bench: cleanup of run ${names.runId} was incomplete; remove the rest by hand:\n  ${failures.join('\n  ')}\n`,
    );
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
