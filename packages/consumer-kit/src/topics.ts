import type { Admin } from '@choreo/kafka';

/**
 * Retry and dead-letter topics belong to one consumer group, so one group's failures are never
 * delivered to another group that consumes the same events.
 */
export function retryTopicOf(topic: string, groupId: string, level: number): string {
  return `${topic}.${groupId}.retry.${level}`;
}

export function dltTopicOf(topic: string, groupId: string): string {
  return `${topic}.${groupId}.DLT`;
}

/**
 * Creates each source topic's retry and dead-letter topics with the source topic's partition count,
 * so a message keeps its partition, and with it the order of its key, on every hop.
 */
export async function ensureConsumerTopics(admin: Admin, sourceTopics: readonly string[], groupId: string, retryLevels: number): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: [...sourceTopics] });
  const existing = new Set(await admin.listTopics());
  const wanted: { topic: string; numPartitions: number }[] = [];

  for (const { name, partitions } of metadata.topics) {
    const derived = [dltTopicOf(name, groupId)];
    for (let level = 1; level <= retryLevels; level++) derived.push(retryTopicOf(name, groupId, level));
    for (const topic of derived) {
      if (!existing.has(topic)) wanted.push({ topic, numPartitions: partitions.length });
    }
  }

  if (wanted.length > 0) await admin.createTopics({ waitForLeaders: true, topics: wanted });
}
