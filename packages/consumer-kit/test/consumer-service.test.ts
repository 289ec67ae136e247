import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { loadConfig } from '@choreo/config';
import { HEADERS, type OrderPlaced } from '@choreo/contracts';
import { headerText } from '@choreo/kafka';
import { Redis } from 'ioredis';

import { CONSUMER_DEFAULTS, type ConsumerService, type Handler, NonRetryableError, dedupeKeyOf, dltTopicOf, retryTopicOf } from '../src/index';
import {
  disconnectProducer,
  encode,
  metricValue,
  orderPlacedEnvelope,
  prepareStack,
  produceRaw,
  readTopic,
  startService,
  uniqueGroup,
  waitFor,
  waitUntilQuiet,
  waitUntilReading,
} from './support';

const TOPIC = 'orders.order_placed';
const fastRetry = { initialDelayMs: 200, multiplier: 2, maxDelayMs: 1_000 };
const redis = new Redis(loadConfig().redisUrl, { maxRetriesPerRequest: 1 });

describe('consumer service on the real stack', () => {
  const running: ConsumerService[] = [];
  const start = async (...args: Parameters<typeof startService>) => {
    const service = await startService(...args);
    running.push(service);
    return service;
  };

  before(prepareStack);
  after(async () => {
    await Promise.all(running.map((service) => service.stop()));
    await disconnectProducer();
    redis.disconnect();
  });

  it('runs an event delivered 10 times exactly once across two instances', async () => {
    const groupId = uniqueGroup('dedupe');
    const calls: string[] = [];
    const envelope = orderPlacedEnvelope();
    // The pause keeps the first run in flight while the other instance receives its copies.
    const handler: Handler<OrderPlaced> = async (event) => {
      calls.push(event.event_id);
      if (event.event_id === envelope.event_id) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const options = { owner: 'team-test', groupId, handlers: { 'orders.order_placed': handler }, retry: fastRetry };
    const first = await start({ name: 'dedupe-a', ...options });
    const second = await start({ name: 'dedupe-b', ...options });

    const value = await encode(envelope);
    // Spread over all partitions so both instances receive copies at the same time.
    await produceRaw(TOPIC, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0].map((partition) => ({ key: 'same-order', value, partition })));

    await waitFor('the event handled', () => calls.includes(envelope.event_id));
    await waitUntilQuiet([first, second]);
    assert.deepEqual(calls.filter((id) => id === envelope.event_id), [envelope.event_id]);
    const duplicates = (await metricValue(first, 'choreo_duplicates_skipped_total')) + (await metricValue(second, 'choreo_duplicates_skipped_total'));
    assert.ok(duplicates >= 9, `expected at least 9 duplicates skipped, got ${duplicates}`);
  });

  it('retries a failing handler and runs its side effect once', async () => {
    const groupId = uniqueGroup('retry');
    const attempts: number[] = [];
    const sideEffects: string[] = [];
    const envelope = orderPlacedEnvelope();
    await start({
      name: 'retry',
      owner: 'team-test',
      groupId,
      retry: fastRetry,
      handlers: {
        'orders.order_placed': async (event, context) => {
          if (event.event_id !== envelope.event_id) return;
          attempts.push(context.attempt);
          if (attempts.length <= 2) throw new Error('partner timed out');
          sideEffects.push(event.event_id);
        },
      },
    });

    await produceRaw(TOPIC, [{ key: 'k', value: await encode(envelope) }]);
    await waitFor('the side effect', () => sideEffects.length === 1);
    assert.deepEqual(attempts, [0, 1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(sideEffects, [envelope.event_id]);
  });

  it('dead-letters a permanently failing event with full context', async () => {
    const groupId = uniqueGroup('dlt');
    const envelope = orderPlacedEnvelope();
    await start({
      name: 'dlt',
      owner: 'team-payments',
      groupId,
      retry: { ...fastRetry, maxAttempts: 2 },
      handlers: {
        'orders.order_placed': async (event) => {
          if (event.event_id === envelope.event_id) throw new Error('card declined by the partner');
        },
      },
    });

    const value = await encode(envelope);
    await produceRaw(TOPIC, [{ key: envelope.event_id, value, headers: { 'x-origin': 'checkout' } }]);
    const [letter] = await readTopic(dltTopicOf(TOPIC, groupId), (message) => message.key?.toString() === envelope.event_id, 1);
    assert.ok(letter);

    const header = (name: string) => headerText(letter.headers?.[name]);
    assert.ok(letter.value?.equals(value), 'the value is kept byte for byte');
    assert.equal(header('x-origin'), 'checkout');
    assert.equal(header(HEADERS.dltReason), 'retries-exhausted');
    assert.equal(header(HEADERS.dltOwner), 'team-payments');
    assert.equal(header(HEADERS.dltGroup), groupId);
    assert.equal(header(HEADERS.dltAttempts), '3');
    assert.equal(header(HEADERS.originalTopic), TOPIC);
    assert.match(header(HEADERS.originalPartition) ?? '', /^\d+$/);
    assert.match(header(HEADERS.originalOffset) ?? '', /^\d+$/);
    assert.match(header(HEADERS.originalTimestamp) ?? '', /^\d+$/);
    assert.equal(header(HEADERS.dltErrorClass), 'Error');
    assert.equal(header(HEADERS.dltErrorMessage), 'card declined by the partner');
    assert.match(header(HEADERS.dltErrorStack) ?? '', /card declined/);
    assert.ok(!Number.isNaN(Date.parse(header(HEADERS.dltFailedAt) ?? '')));
    assert.equal(header(HEADERS.correlationId), envelope.correlation_id);
  });

  it('sends a non-retryable failure straight to the DLT', async () => {
    const groupId = uniqueGroup('permanent');
    const envelope = orderPlacedEnvelope();
    let runs = 0;
    await start({
      name: 'permanent',
      owner: 'team-test',
      groupId,
      retry: fastRetry,
      handlers: {
        'orders.order_placed': async (event) => {
          if (event.event_id !== envelope.event_id) return;
          runs += 1;
          throw new NonRetryableError('invoice rejected: unknown tax code');
        },
      },
    });
    await produceRaw(TOPIC, [{ key: envelope.event_id, value: await encode(envelope) }]);
    const [letter] = await readTopic(dltTopicOf(TOPIC, groupId), (message) => message.key?.toString() === envelope.event_id, 1);
    assert.equal(headerText(letter?.headers?.[HEADERS.dltReason]), 'non-retryable');
    assert.equal(runs, 1);
  });

  it('dead-letters malformed messages and keeps consuming', async () => {
    const groupId = uniqueGroup('poison');
    const good = orderPlacedEnvelope();
    const seen: string[] = [];
    const service = await start({
      name: 'poison',
      owner: 'team-test',
      groupId,
      handlers: { 'orders.order_placed': async (event) => void seen.push(event.event_id) },
    });

    const marker = `poison-${groupId}`;
    const poison = [Buffer.from('not avro at all'), Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2]), Buffer.alloc(0), (await encode(orderPlacedEnvelope())).subarray(0, 12)];
    await produceRaw(TOPIC, [...poison.map((value) => ({ key: marker, value, partition: 0 })), { key: marker, value: await encode(good), partition: 0 }]);

    await waitFor('the good message after the poison', () => seen.includes(good.event_id));
    const letters = await readTopic(dltTopicOf(TOPIC, groupId), (message) => message.key?.toString() === marker, poison.length);
    assert.deepEqual(letters.map((letter) => headerText(letter.headers?.[HEADERS.dltReason])), ['contract', 'contract', 'contract', 'contract']);
    assert.deepEqual(letters.map((letter) => headerText(letter.headers?.[HEADERS.dltErrorCode])), ['wire-format', 'unknown-schema', 'wire-format', 'corrupt-avro']);
    assert.ok((await metricValue(service, 'choreo_contract_mismatches_total')) >= poison.length);
  });

  it('keeps one group\'s retries away from another group', async () => {
    const failing = uniqueGroup('failing');
    const healthy = uniqueGroup('healthy');
    const envelope = orderPlacedEnvelope();
    const healthyRuns: number[] = [];
    let failures = 0;
    await start({
      name: 'failing',
      owner: 'team-a',
      groupId: failing,
      retry: fastRetry,
      handlers: {
        'orders.order_placed': async (event) => {
          if (event.event_id === envelope.event_id && failures++ < 1) throw new Error('transient');
        },
      },
    });
    await start({
      name: 'healthy',
      owner: 'team-b',
      groupId: healthy,
      handlers: { 'orders.order_placed': async (event, context) => void (event.event_id === envelope.event_id && healthyRuns.push(context.attempt)) },
    });

    await produceRaw(TOPIC, [{ key: envelope.event_id, value: await encode(envelope) }]);
    const [retried] = await readTopic(retryTopicOf(TOPIC, failing, 1), (message) => message.key?.toString() === envelope.event_id, 1);
    assert.ok(retried);
    await waitFor('the healthy group handled the event', () => healthyRuns.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(healthyRuns, [0]);
  });

  it('extends leases through a long chunk', async () => {
    const groupId = uniqueGroup('checkpoint');
    const envelopes = Array.from({ length: 12 }, () => orderPlacedEnvelope());
    const ours = new Set(envelopes.map((envelope) => envelope.event_id));
    const keyOf = (eventId: string) => dedupeKeyOf(CONSUMER_DEFAULTS.dedupe.keyPrefix, groupId, `test-shop:${eventId}`);
    const valuesAtStart: (string | null)[] = [];
    const seen = new Set<string>();
    let firstEventAtEnd: string | null = null;
    // Twelve handlers of 150 ms run 1.8 s, longer than the 1 s lease, so the chunk must pass checkpoints.
    await start({
      name: 'checkpoint',
      owner: 'team-test',
      groupId,
      fromBeginning: false,
      dedupe: { leaseMs: 1_000 },
      handlers: {
        'orders.order_placed': async (event) => {
          seen.add(event.event_id);
          if (!ours.has(event.event_id)) return;
          valuesAtStart.push(await redis.get(keyOf(event.event_id)));
          if (valuesAtStart.length === envelopes.length) firstEventAtEnd = await redis.get(keyOf(envelopes[0]?.event_id as string));
          await new Promise((resolve) => setTimeout(resolve, 150));
        },
      },
    });
    await waitUntilReading(TOPIC, seen);

    await produceRaw(TOPIC, await Promise.all(envelopes.map(async (envelope) => ({ key: 'one-order', value: await encode(envelope), partition: 0 }))));

    await waitFor('all twelve events handled', () => valuesAtStart.length === envelopes.length);
    // Every event still held its lease when its handler started: none expired under the running chunk.
    assert.equal(valuesAtStart.filter((value) => value?.startsWith('lease:')).length, envelopes.length);
    // The first event was recorded at a checkpoint, before the chunk ended.
    assert.equal(firstEventAtEnd, 'done');
    await waitFor('the last event recorded', async () => (await redis.get(keyOf(envelopes[11]?.event_id as string))) === 'done');
  });

  it('runs a valid copy after a broken one', async () => {
    const groupId = uniqueGroup('broken-copy');
    const valid = orderPlacedEnvelope();
    // The same event id and source, with an occurred_at the envelope check rejects only at the full
    // decode: the identity read before the claim finds nothing wrong with it.
    const broken = { ...valid, occurred_at: new Date(Date.now() + 3 * 24 * 60 * 60 * 1000) };
    const calls: string[] = [];
    const seen = new Set<string>();
    const service = await start({
      name: 'broken-copy',
      owner: 'team-test',
      groupId,
      fromBeginning: false,
      handlers: {
        'orders.order_placed': async (event) => {
          seen.add(event.event_id);
          if (event.event_id === valid.event_id) calls.push(event.event_id);
        },
      },
    });
    await waitUntilReading(TOPIC, seen);

    await produceRaw(TOPIC, [
      { key: 'one-order', value: await encode(broken), partition: 0 },
      { key: 'one-order', value: await encode(valid), partition: 0 },
    ]);

    await waitFor('the valid copy handled', () => calls.length > 0);
    await waitUntilQuiet([service]);
    assert.deepEqual(calls, [valid.event_id]);
    assert.equal(await metricValue(service, 'choreo_contract_mismatches_total', { code: 'envelope' }), 1);
  });

  it('stops mid-batch and frees the rest', async () => {
    const groupId = uniqueGroup('stop-mid-batch');
    const envelopes = Array.from({ length: 40 }, () => orderPlacedEnvelope());
    const ours = new Set(envelopes.map((envelope) => envelope.event_id));
    const runs: string[] = [];
    const seen = new Set<string>();
    const handler: Handler<OrderPlaced> = async (event) => {
      seen.add(event.event_id);
      if (!ours.has(event.event_id)) return;
      runs.push(event.event_id);
      await new Promise((resolve) => setTimeout(resolve, 100));
    };
    const options = { owner: 'team-test', groupId, fromBeginning: false, handlers: { 'orders.order_placed': handler } };
    // This test stops it itself; `running` stops it too when the test fails first (stop is idempotent).
    const first = await start({ name: 'stop-mid-batch-a', ...options });
    await waitUntilReading(TOPIC, seen);

    await produceRaw(TOPIC, await Promise.all(envelopes.map(async (envelope) => ({ key: 'one-order', value: await encode(envelope), partition: 0 }))));
    await waitFor('five events handled', () => runs.length >= 5);
    await first.stop();
    const runsBeforeStop = runs.length;

    // The 40 handlers take 4 s; the stop ends the chunk after the running handler instead.
    assert.ok(runsBeforeStop < 30, `the first instance ran ${runsBeforeStop} of 40 events before it stopped`);
    // The unreached events were released, so the next instance runs them at once instead of deferring
    // them until their leases expire.
    const second = await start({ name: 'stop-mid-batch-b', ...options });
    await waitFor('all forty events handled', () => new Set(runs).size === envelopes.length, 20_000);
    await waitUntilQuiet([second]);
    assert.equal(runs.length, envelopes.length);
  });
});
