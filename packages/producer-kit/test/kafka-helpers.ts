import { randomUUID } from 'node:crypto';

import { loadConfig } from '@choreo/config';
import { type KafkaMessage, createKafkaClient } from '@choreo/kafka';

export const kafka = createKafkaClient({ brokers: loadConfig().kafkaBrokers, clientId: 'producer-kit-test', onLog: () => undefined });

/** Reads the one message at a topic, partition and offset with a throwaway consumer group. */
export async function readMessageAt(topic: string, partition: number, offset: string, timeoutMs = 15_000): Promise<KafkaMessage> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    return await new Promise<KafkaMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message at ${topic}/${partition}@${offset} within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .subscribe({ topic, fromBeginning: true })
        .then(() =>
          consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition: got, message }) => {
              if (got === partition && message.offset === offset) {
                clearTimeout(timer);
                resolve(message);
              }
            },
          }),
        )
        .then(() => consumer.seek({ topic, partition, offset }))
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Sum of the high-water marks of a topic's partitions: grows by one for each message written. */
export async function endOffsetSum(topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + BigInt(partition.high), 0n);
  } finally {
    await admin.disconnect();
  }
}
