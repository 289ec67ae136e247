import type { Admin, KafkaClient } from '@choreo/kafka';

/** Offsets by topic, one entry per partition. */
export type TopicOffsets = Map<string, { partition: number; offset: string }[]>;

/** Fetches the end of each partition of `topics`: the offset the next message will get. */
export async function endOffsets(kafka: KafkaClient, topics: readonly string[]): Promise<TopicOffsets> {
  return withAdmin(kafka, async (admin) => {
    const offsets: TopicOffsets = new Map();
    for (const topic of topics)
      offsets.set(
        topic,
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high })),
      );
    return offsets;
  });
}

/** Fetches the earliest offset still stored in each partition of `topics`. */
export async function earliestOffsets(kafka: KafkaClient, topics: readonly string[]): Promise<TopicOffsets> {
  return withAdmin(kafka, async (admin) => {
    const offsets: TopicOffsets = new Map();
    for (const topic of topics)
      offsets.set(
        topic,
        (await admin.fetchTopicOffsets(topic)).map(({ partition, low }) => ({ partition, offset: low })),
      );
    return offsets;
  });
}

/** Counts the messages between `from` and `to` over every partition of every topic in `to`. */
export function messagesBetween(from: TopicOffsets, to: TopicOffsets): number {
  let count = 0;
  for (const [topic, partitions] of to) {
    for (const { partition, offset } of partitions) {
      const start = from.get(topic)?.find((entry) => entry.partition === partition)?.offset ?? '0';
      count += Number(offset) - Number(start);
    }
  }
  return count;
}

/**
 * Commits `offsets` for a consumer group that has no running member, for all topics in one go.
 * Like kafkajs's `admin.setOffsets`, it joins the group with a throwaway member that seeks and
 * commits, but once for all topics instead of once per topic. It returns as soon as the commits are
 * visible, because `admin.setOffsets` takes about 5 s per topic on the local stack.
 */
export async function commitGroupOffsets(
  kafka: KafkaClient,
  groupId: string,
  offsets: TopicOffsets,
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const [group] = (await admin.describeGroups([groupId])).groups;
    if (group !== undefined && group.members.length > 0) {
      throw new Error(
        `cannot move the offsets of group ${groupId}: ${group.members.length} members are still running; stop them first`,
      );
    }
  });

  const topics = [...offsets.keys()];
  // A short fetch wait, because disconnecting waits for the fetch in flight (5 s by default in kafkajs).
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    let failure: unknown;
    // `run` must start before `seek`. The seeks are committed at the first fetch, and the paused
    // topics keep that fetch from reading anything.
    consumer
      .run({ eachBatchAutoResolve: false, eachBatch: async () => undefined })
      .catch((error: unknown) => (failure = error));
    consumer.pause(topics.map((topic) => ({ topic })));
    for (const [topic, partitions] of offsets) {
      for (const { partition, offset } of partitions) consumer.seek({ topic, partition, offset });
    }

    await waitForCommittedOffsets(kafka, groupId, offsets, () => failure);
  } finally {
    await consumer.disconnect();
  }
}

async function waitForCommittedOffsets(
  kafka: KafkaClient,
  groupId: string,
  expected: TopicOffsets,
  failure: () => unknown,
  timeoutMs = 30_000,
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const deadline = Date.now() + timeoutMs;
    let missing = '';
    while (Date.now() < deadline) {
      if (failure() !== undefined)
        throw new Error(`committing offsets for group ${groupId} failed`, { cause: failure() });
      const committed = await admin.fetchOffsets({ groupId, topics: [...expected.keys()] });
      missing = committed
        .flatMap(({ topic, partitions }) =>
          partitions
            .filter(
              ({ partition, offset }) =>
                expected.get(topic)?.find((entry) => entry.partition === partition)?.offset !== offset,
            )
            .map(({ partition, offset }) => `${topic}[${partition}] at ${offset}`),
        )
        .join(', ');
      if (missing === '') return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `group ${groupId} did not commit the requested offsets within ${timeoutMs / 1000} s: ${missing}`,
    );
  });
}

/**
 * Waits until group `groupId` has committed the end of every partition of `topics`, seen twice one
 * second apart: then no message of those topics is waiting, in a handler or in a retry topic.
 * Returns the time it took, in milliseconds.
 */
export async function waitUntilCaughtUp(
  kafka: KafkaClient,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 120_000,
): Promise<number> {
  const startedAt = Date.now();
  return withAdmin(kafka, async (admin) => {
    const deadline = startedAt + timeoutMs;
    let confirmations = 0;
    let behind = '';
    while (Date.now() < deadline) {
      behind = await partitionsBehind(admin, groupId, topics);
      confirmations = behind === '' ? confirmations + 1 : 0;
      if (confirmations === 2) return Date.now() - startedAt;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    throw new Error(`group ${groupId} did not catch up within ${timeoutMs / 1000} s; behind: ${behind}`);
  });
}

/** Lists the partitions whose committed offset is before the end, as `topic[partition] committed/end`; empty when none is. */
async function partitionsBehind(admin: Admin, groupId: string, topics: readonly string[]): Promise<string> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const behind: string[] = [];
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const { partition, offset } of partitions) {
      const end = ends.find((entry) => entry.partition === partition);
      if (end === undefined) continue;
      // -1 means the group never committed on this partition, which is caught up only while it is empty.
      const position = offset === '-1' ? end.low : offset;
      if (BigInt(position) < BigInt(end.high)) behind.push(`${topic}[${partition}] ${offset}/${end.high}`);
    }
  }
  return behind.join(', ');
}

async function withAdmin<T>(kafka: KafkaClient, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
