import type { Admin } from '@choreo/kafka';
import type { Contract } from '@choreo/contracts';

/** Partitions of a new event topic; 3 lets a consumer group run three instances in parallel. */
export const DEFAULT_EVENT_TOPIC_PARTITIONS = 3;

/**
 * Creates the topic of each contract that does not exist yet. Brokers run with automatic topic
 * creation off, so topics exist only because someone asked for them with a chosen partition count.
 */
export async function ensureEventTopics(
  admin: Admin,
  contracts: readonly Contract[],
  partitions = DEFAULT_EVENT_TOPIC_PARTITIONS,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = contracts.map((contract) => contract.topic).filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
  }
  return missing;
}
