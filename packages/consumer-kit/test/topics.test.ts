import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ConfigResourceTypes } from '@choreo/kafka';

import { dltTopicOf, ensureConsumerTopics, retryTopicOf } from '../src/index';
import { kafka, prepareStack, uniqueGroup } from './support';

const SOURCE = 'orders.order_placed';

describe('ensureConsumerTopics', () => {
  const admin = kafka.admin();
  const groupId = uniqueGroup('topics');
  const derived = [dltTopicOf(SOURCE, groupId), retryTopicOf(SOURCE, groupId, 1)];

  before(async () => {
    await prepareStack();
    await admin.connect();
  });

  after(async () => {
    await admin.deleteTopics({ topics: derived }).catch(() => undefined);
    await admin.disconnect();
  });

  async function configOf(topic: string): Promise<Map<string, string>> {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return new Map((described.resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]));
  }

  it('raises the message size of an older DLT and keeps its overrides', async () => {
    // A dead-letter topic as an earlier version of the kit created it: default size, plus a team's own retention.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: derived[0] as string, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '123456789' }] }],
    });

    await ensureConsumerTopics(admin, [SOURCE], groupId, 1);

    const source = Number((await configOf(SOURCE)).get('max.message.bytes'));
    for (const topic of derived) {
      const config = await configOf(topic);
      assert.equal(Number(config.get('max.message.bytes')), source + 64 * 1024, `${topic} has room for the kit's headers`);
    }
    assert.equal((await configOf(derived[0] as string)).get('retention.ms'), '123456789');
  });
});
