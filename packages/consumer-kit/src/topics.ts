import { type Admin, ConfigResourceTypes } from '@choreo/kafka';

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
  const limits = await maxMessageBytesOf(admin, sourceTopics);
  const wanted: { topic: string; numPartitions: number; configEntries: { name: string; value: string }[] }[] = [];
  const limitsOfDerived = new Map<string, number>();

  for (const { name, partitions } of metadata.topics) {
    const derived = [dltTopicOf(name, groupId)];
    for (let level = 1; level <= retryLevels; level++) derived.push(retryTopicOf(name, groupId, level));
    // A dead letter is the original message plus the kit's headers (a few KB), so it must fit where
    // the largest accepted original fits.
    const maxMessageBytes = String((limits.get(name) ?? DEFAULT_MAX_MESSAGE_BYTES) + HEADER_ALLOWANCE_BYTES);
    for (const topic of derived) {
      if (existing.has(topic)) limitsOfDerived.set(topic, Number(maxMessageBytes));
      else wanted.push({ topic, numPartitions: partitions.length, configEntries: [{ name: 'max.message.bytes', value: maxMessageBytes }] });
    }
  }

  if (wanted.length > 0) await admin.createTopics({ waitForLeaders: true, topics: wanted });
  await raiseMaxMessageBytes(admin, limitsOfDerived);
}

/**
 * Raises `max.message.bytes` of retry and dead-letter topics created before the kit sized them, so a
 * large message can still be dead-lettered instead of stopping the consumer. Kafka's AlterConfigs
 * replaces all of a topic's overrides, so the topic's other overrides are sent along unchanged.
 */
async function raiseMaxMessageBytes(admin: Admin, wanted: ReadonlyMap<string, number>): Promise<void> {
  if (wanted.size === 0) return;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [...wanted.keys()].map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });

  const resources = [];
  for (const resource of described.resources) {
    const current = Number(resource.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue);
    const target = wanted.get(resource.resourceName) as number;
    if (Number.isFinite(current) && current >= target) continue;

    const overrides = resource.configEntries
      .filter((entry) => !entry.isDefault && !entry.readOnly && entry.configName !== 'max.message.bytes')
      .map((entry) => ({ name: entry.configName, value: entry.configValue }));
    resources.push({ type: ConfigResourceTypes.TOPIC, name: resource.resourceName, configEntries: [...overrides, { name: 'max.message.bytes', value: String(target) }] });
  }
  if (resources.length > 0) await admin.alterConfigs({ validateOnly: false, resources });
}

/** Kafka's default `message.max.bytes`, used when a topic's setting cannot be read. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Room for the retry and dead-letter headers on top of the original message, in bytes. */
const HEADER_ALLOWANCE_BYTES = 64 * 1024;

async function maxMessageBytesOf(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
  });
  const limits = new Map<string, number>();
  for (const resource of described.resources) {
    const value = Number(resource.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue);
    if (Number.isFinite(value)) limits.set(resource.resourceName, value);
  }
  return limits;
}
