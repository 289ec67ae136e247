import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';

import { loadConfig } from '@choreo/config';
import { type Admin, type Consumer, createKafkaClient } from '@choreo/kafka';

import { closedPort, runChoreo } from './helpers';
import { ServicesDir } from './map-helpers';

const kafka = createKafkaClient({ brokers: loadConfig().kafkaBrokers, clientId: 'choreo-map-live-test' });
const JOIN_TIMEOUT_MS = 30_000;

/** Starts a consumer in `groupId` reading `topics` and resolves once it has joined the group. */
async function joinGroup(groupId: string, topics: string[]): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId });
  const joined = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${groupId} did not join within ${JOIN_TIMEOUT_MS} ms`)),
      JOIN_TIMEOUT_MS,
    );
    consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topics });
  await consumer.run({ eachMessage: async () => undefined });
  await joined;
  return consumer;
}

/** Stops the consumer and deletes its group, retrying while the broker still counts the leaving member. */
async function removeGroup(admin: Admin, consumer: Consumer | undefined, groupId: string): Promise<void> {
  await consumer?.disconnect();
  for (let attempt = 1; ; attempt++) {
    const { groups } = await admin.listGroups();
    if (!groups.some((group) => group.groupId === groupId)) return;
    try {
      await admin.deleteGroups([groupId]);
      return;
    } catch (error) {
      if (attempt === 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

describe('map --live on the local Kafka', () => {
  const suffix = randomUUID().slice(0, 8);
  const undeclaredTopic = `choreo-map-test-${suffix}`;
  let admin: Admin;
  let consumer: Consumer | undefined;
  let groupId: string;
  let dir: ServicesDir | undefined;

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    // Brokers of the local stack do not create topics on demand, and a fresh stack has no event topics yet.
    const existing = new Set(await admin.listTopics());
    const topics = [{ topic: undeclaredTopic, numPartitions: 1 }];
    if (!existing.has('orders.order_placed')) topics.push({ topic: 'orders.order_placed', numPartitions: 3 });
    await admin.createTopics({ waitForLeaders: true, topics });
  });

  afterEach(async () => {
    await removeGroup(admin, consumer, groupId);
    consumer = undefined;
    dir?.remove();
    dir = undefined;
  });

  after(async () => {
    await admin.deleteTopics({ topics: [undeclaredTopic] });
    await admin.disconnect();
  });

  it('undeclared group is drift', async () => {
    groupId = `choreo-map-test-undeclared-${suffix}`;
    consumer = await joinGroup(groupId, [undeclaredTopic]);

    const run = await runChoreo(['map', '--live']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.ok(
      run.stdout.includes(
        `drift: group "${groupId}" consumes ${undeclaredTopic}, but no service declares this group. Declare it with groupId "${groupId}" and consumes in the consuming service's declaration, or stop that consumer.`,
      ),
      run.stdout,
    );
    assert.match(run.stdout, /^\d+ drift items? between the declarations and the cluster$/m);

    await removeGroup(admin, consumer, groupId);
    consumer = undefined;
    const { groups } = await admin.listGroups();
    assert.equal(
      groups.some((group) => group.groupId === groupId),
      false,
      'the test group is deleted',
    );
  });

  it('declared group with other subscriptions is drift', async () => {
    groupId = `choreo-map-test-declared-${suffix}`;
    dir = new ServicesDir();
    dir.addService('live-test', {
      name: 'live-test',
      owner: 'team-test',
      groupId,
      consumes: ['orders.order_placed'],
      produces: [],
      retry: { maxAttempts: 1 },
    });
    // Reads the declared event and an undeclared topic, but not the declared retry topic.
    consumer = await joinGroup(groupId, ['orders.order_placed', undeclaredTopic]);

    const run = await runChoreo(['map', '--live', '--services-dir', dir.servicesDir]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const who = `drift: group "${groupId}" of service live-test`;
    assert.ok(
      run.stdout.includes(
        `${who} is not subscribed to orders.order_placed.${groupId}.retry.1, which services/live-test/src/declaration.ts declares`,
      ),
      run.stdout,
    );
    assert.ok(
      run.stdout.includes(
        `${who} consumes ${undeclaredTopic}, which services/live-test/src/declaration.ts does not declare.`,
      ),
      run.stdout,
    );
    assert.ok(!run.stdout.includes(`${who} consumes orders.order_placed,`), run.stdout);
    assert.ok(!run.stdout.includes(`${who} does not exist`), run.stdout);
  });

  it('declared group that never ran is drift', async () => {
    groupId = `choreo-map-test-absent-${suffix}`;
    dir = new ServicesDir();
    dir.addService('absent', {
      name: 'absent',
      owner: 'team-test',
      groupId,
      consumes: ['orders.order_placed'],
      produces: [],
    });

    const run = await runChoreo(['map', '--live', '--services-dir', dir.servicesDir]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.ok(
      run.stdout.includes(
        `drift: group "${groupId}" of service absent does not exist on the cluster. Start absent so it joins the group, or remove groupId and consumes from services/absent/src/declaration.ts.`,
      ),
      run.stdout,
    );
  });

  it('unreachable Kafka exits 1', async () => {
    groupId = `choreo-map-test-unused-${suffix}`;
    const port = await closedPort();
    const run = await runChoreo(['map', '--live'], { KAFKA_BROKERS: `127.0.0.1:${port}` });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `cannot read topics and consumer groups from Kafka at 127\\.0\\.0\\.1:${port}: .*Start the local stack`,
      ),
    );
  });
});
