import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { loadConfig } from '@choreo/config';
import { type Admin, type KafkaMessage, createKafkaClient, headerText } from '@choreo/kafka';

/** Upper bound for a message to reach a new consumer group: join, partition assignment and fetch. */
const RECEIVE_TIMEOUT_MS = 30_000;

describe('Kafka on the real broker', () => {
  const suffix = randomBytes(4).toString('hex');
  const topic = `choreo-smoke-${suffix}`;
  const kafka = createKafkaClient({ brokers: loadConfig().kafkaBrokers, clientId: `choreo-smoke-${suffix}` });
  let admin: Admin;

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    assert.equal(created, true, `topic ${topic} already existed`);
  });

  after(async () => {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('delivers a keyed message with headers to a new consumer group', async () => {
    const groupId = `choreo-smoke-${suffix}`;
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId });
    let timer: NodeJS.Timeout | undefined;

    try {
      await producer.connect();
      await producer.send({
        topic,
        messages: [
          {
            key: `order-${suffix}`,
            value: JSON.stringify({ quantity: 3 }),
            headers: { 'event-type': 'smoke.tested', 'correlation-id': suffix },
          },
        ],
      });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<KafkaMessage>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no message on ${topic} within ${RECEIVE_TIMEOUT_MS} ms`)),
          RECEIVE_TIMEOUT_MS,
        );
        consumer.run({ eachMessage: async ({ message }) => resolve(message) }).catch(reject);
      });
      const message = await received;

      assert.equal(message.key?.toString('utf8'), `order-${suffix}`);
      assert.deepEqual(JSON.parse(message.value?.toString('utf8') ?? 'null'), { quantity: 3 });
      assert.equal(headerText(message.headers?.['event-type']), 'smoke.tested');
      assert.equal(headerText(message.headers?.['correlation-id']), suffix);
    } finally {
      clearTimeout(timer);
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteGroups([groupId]);
    }
  });

  it('rejects a message to a topic that does not exist', async () => {
    const missingTopic = `choreo-smoke-missing-${suffix}`;
    // This client discards its logs, because kafkajs logs the expected metadata error as an error.
    // The assertion below checks that error instead.
    const quietKafka = createKafkaClient({
      brokers: loadConfig().kafkaBrokers,
      clientId: `choreo-smoke-${suffix}`,
      onLog: () => {},
    });
    const producer = quietKafka.producer({ retry: { retries: 0 } });

    try {
      await producer.connect();
      await assert.rejects(
        producer.send({ topic: missingTopic, messages: [{ value: 'lost' }] }),
        (error: Error & { cause?: { type?: string } }) => error.cause?.type === 'UNKNOWN_TOPIC_OR_PARTITION',
      );
    } finally {
      await producer.disconnect();
    }

    const topics = await admin.listTopics();
    assert.ok(
      !topics.includes(missingTopic),
      `the broker created ${missingTopic}; auto.create.topics.enable should be false`,
    );
  });
});
