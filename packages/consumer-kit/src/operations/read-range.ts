import { randomUUID } from 'node:crypto';

import type { KafkaClient, KafkaMessage } from '@choreo/kafka';

/** Maximum time a range read may take, in milliseconds; it guards against an end offset that is never delivered. */
const READ_TIMEOUT_MS = 60_000;

export interface RangeMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface RangeOptions {
  /** Only this partition. Unset: every partition. */
  partition?: number;
  /** First offset to read, inclusive. Unset: the start of each partition. */
  fromOffset?: bigint;
  /** Last offset to read, inclusive. Unset: the end of each partition when the read starts. */
  toOffset?: bigint;
}

/**
 * Reads a bounded range of a topic and returns it in offset order per partition. The end is fixed
 * when the read starts, so a topic that keeps growing does not keep the read going. The throwaway
 * consumer group commits nothing.
 */
export async function readTopicRange(kafka: KafkaClient, topic: string, options: RangeOptions = {}): Promise<RangeMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());

  const wanted = new Map<number, { from: bigint; until: bigint }>();
  for (const { partition, low, high } of offsets) {
    if (options.partition !== undefined && partition !== options.partition) continue;
    const from = maxBigInt(BigInt(low), options.fromOffset ?? 0n);
    const until = minBigInt(BigInt(high), options.toOffset === undefined ? BigInt(high) : options.toOffset + 1n);
    if (from < until) wanted.set(partition, { from, until });
  }
  if (wanted.size === 0) return [];

  const found: RangeMessage[] = [];
  const remaining = new Set(wanted.keys());
  const consumer = kafka.consumer({ groupId: `choreo-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = wanted.get(partition);
          if (range === undefined) return;
          const offset = BigInt(message.offset);
          if (offset >= range.from && offset < range.until) found.push({ topic, partition, message });
          if (offset >= range.until - 1n) {
            remaining.delete(partition);
            if (remaining.size === 0) resolve();
          }
        },
      });
    });
    for (const [partition, range] of wanted) consumer.seek({ topic, partition, offset: range.from.toString() });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach the end of partitions ${[...remaining].join(', ')} within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
    });
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return found.sort((a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
}

function maxBigInt(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
