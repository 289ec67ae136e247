import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CONSUMER_DEFAULTS, type ConsumerService, NonRetryableError, dedupeKeyOf } from '@choreo/consumer-kit';
import { loadConfig } from '@choreo/config';
import { Redis } from 'ioredis';

import { runCli } from '../src/cli';
import {
  disconnectProducer,
  encode,
  orderPlacedEnvelope,
  prepareStack,
  produceRaw,
  startService,
  uniqueGroup,
  waitFor,
  waitUntilQuiet,
} from '../../consumer-kit/test/support';

async function choreo(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env: process.env, cwd: process.cwd() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('dead-letter redrive on the real stack', () => {
  const groupId = uniqueGroup('redrive');
  const redis = new Redis(loadConfig().redisUrl);
  const first = orderPlacedEnvelope();
  const second = orderPlacedEnvelope();
  const ours = new Set([first.event_id, second.event_id]);
  const runs: string[] = [];
  let partnerDown = true;
  let service: ConsumerService;

  before(async () => {
    await prepareStack();
    service = await startService({
      name: 'redrive',
      owner: 'team-refunds',
      groupId,
      handlers: {
        'orders.order_placed': async (event) => {
          if (!ours.has(event.event_id)) return;
          if (partnerDown) throw new NonRetryableError(`partner rejected ${event.payload.order_id}`);
          runs.push(event.event_id);
        },
      },
    });
    await produceRaw('orders.order_placed', [
      { key: first.event_id, value: await encode(first) },
      { key: second.event_id, value: await encode(second) },
    ]);
  });

  after(async () => {
    await service.stop();
    await disconnectProducer();
    redis.disconnect();
  });

  /** The `partition/offset` of an event's row in `dlt list`; the topic's history adds rows of its own. */
  const positions = new Map<string, [string, string]>();

  it('lists dead letters with age, reason and owner', async () => {
    let listed = { code: -1, out: '', err: '' };
    await waitFor('two dead letters', async () => {
      listed = await choreo('dlt', 'list', '--group', groupId);
      return [...ours].every((eventId) => listed.out.includes(eventId));
    });
    assert.equal(listed.code, 0);
    for (const row of listed.out.split('\n').filter((line) => [...ours].some((eventId) => line.includes(eventId)))) {
      assert.match(row, /reason non-retryable/);
      assert.match(row, /owner team-refunds/);
      assert.match(row, /age \d+s/);
      assert.match(row, /partner rejected/);
      const [, partition, offset] = /DLT (\d+)\/(\d+)/.exec(row) ?? [];
      positions.set([...ours].find((eventId) => row.includes(eventId)) as string, [partition as string, offset as string]);
    }
    assert.equal(positions.size, 2);
  });

  it('shows one dead letter with all its headers', async () => {
    const [partition, offset] = positions.get(first.event_id) as [string, string];
    const shown = await choreo('dlt', 'show', '--group', groupId, '--topic', 'orders.order_placed', '--partition', partition as string, '--offset', offset as string);
    assert.equal(shown.code, 0);
    for (const header of ['choreo-dlt-reason: non-retryable', 'choreo-dlt-owner: team-refunds', `choreo-dlt-group: ${groupId}`, 'choreo-original-topic: orders.order_placed', 'choreo-dlt-error-stack']) {
      assert.ok(shown.out.includes(header), `show prints ${header}`);
    }
  });

  it('redrives the rest once and skips events that completed', async () => {
    // As if the first event had completed through another path after it was dead-lettered.
    await redis.set(dedupeKeyOf(CONSUMER_DEFAULTS.dedupe.keyPrefix, groupId, `${first.source}:${first.event_id}`), 'done');
    partnerDown = false;

    const redrive = async (command: string[], eventId: string) => {
      const [partition, offset] = positions.get(eventId) as [string, string];
      return choreo(...command, '--group', groupId, '--topic', 'orders.order_placed', '--partition', partition, '--from', offset, '--to', offset);
    };
    const skipped = await redrive(['replay', 'recovery'], first.event_id);
    assert.equal(skipped.code, 0);
    assert.match(skipped.out, /0 redriven, 1 skipped/);
    const redriven = await redrive(['dlt', 'redrive'], second.event_id);
    assert.match(redriven.out, /1 redriven, 0 skipped/);
    await waitFor('the redriven event handled', () => runs.includes(second.event_id));

    const again = await redrive(['dlt', 'redrive'], second.event_id);
    assert.match(again.out, /0 redriven, 1 skipped/);
    await waitUntilQuiet([service]);
    assert.deepEqual(runs, [second.event_id]);
  });

  it('audits a range without running handlers', async () => {
    const before = runs.length;
    const [partition, offset] = positions.get(second.event_id) as [string, string];
    const audited = await choreo('replay', 'audit', '--group', groupId, '--topic', `orders.order_placed.${groupId}.DLT`, '--partition', partition, '--from', offset, '--to', offset);
    assert.equal(audited.code, 0);
    assert.match(audited.out, /1 messages/);
    assert.match(audited.out, /done\s+1/);
    assert.equal(runs.length, before);
  });

  it('rejects a redrive without a selection', async () => {
    const result = await choreo('dlt', 'redrive', '--group', groupId);
    assert.equal(result.code, 2);
    assert.match(result.err, /--all, or an offset range/);
  });
});
