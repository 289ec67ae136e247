/**
 * Rebalance: while a stream of events flows, a second instance joins the group, then the first one
 * is stopped with SIGTERM, gracefully. Partitions move twice mid-stream, and every event's side
 * effect still exists exactly once: none missing, none written twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { PublishResult } from '@choreo/producer-kit';

import {
  type EffectDrill,
  cleanUpEffectDrill,
  prepareEffectDrill,
  publishOrders,
  startReadyEffectService,
} from '../src/effect-drill';
import { kafka, newRunId } from '../src/feed';
import { waitUntilCaughtUp } from '../src/group-offsets';
import { type DrillProcess, exitOf, stopProcess } from '../src/processes';
import { prepareStack } from '../../consumer-kit/test/support';

const EVENTS = 300;
const EVENTS_PER_SEND = 5;
/** Pause between sends: 300 events take about 20 s, long enough for both rebalances to happen mid-stream. */
const SEND_INTERVAL_MS = 330;
/** How long both instances share the partitions before the first one stops. */
const SHARED_MS = 4_000;

describe('rebalance drill', () => {
  let drill: EffectDrill | undefined;
  const processes: DrillProcess[] = [];

  before(async () => {
    await prepareStack();
    drill = await prepareEffectDrill(newRunId('rebalance'));
  });

  after(async () => {
    await Promise.all(processes.map((process) => stopProcess(process)));
    await cleanUpEffectDrill(drill);
  });

  it('handles each event once across rebalances', { timeout: 180_000 }, async (t) => {
    const run = drill as EffectDrill;
    const first = await startReadyEffectService(run, 'first');
    processes.push(first.process);

    const published: PublishResult[] = [];
    const stream = (async () => {
      for (let index = 0; index < EVENTS; index += EVENTS_PER_SEND) {
        published.push(...(await publishOrders(run, EVENTS_PER_SEND, index)));
        await new Promise((resolve) => setTimeout(resolve, SEND_INTERVAL_MS));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const second = await startReadyEffectService(run, 'second');
    processes.push(second.process);
    const publishedWhenSecondJoined = published.length;
    await new Promise((resolve) => setTimeout(resolve, SHARED_MS));

    await stopProcess(first.process);
    const firstExit = await exitOf(first.process);
    const publishedWhenFirstStopped = published.length;
    await stream;

    await waitUntilCaughtUp(kafka, run.groupId, run.topics, 120_000);
    const rows = await run.effects.rows();
    const runs = published.map((result) => rows.get(result.eventId)?.runs ?? 0);
    const byInstance = (instance: string) =>
      published.filter((result) => rows.get(result.eventId)?.instance === instance).length;
    t.diagnostic(
      `second instance ready after ${publishedWhenSecondJoined} events, first stopped after ${publishedWhenFirstStopped} of ${EVENTS}`,
    );
    const sharedBySecond = published
      .slice(0, publishedWhenFirstStopped)
      .filter((result) => rows.get(result.eventId)?.instance === 'second').length;
    t.diagnostic(
      `side effects written by the first instance: ${byInstance('first')}, by the second: ${byInstance('second')}`,
    );
    t.diagnostic(
      `the second instance handled ${sharedBySecond} events published before the first one stopped`,
    );

    assert.equal(firstExit.code, 0, 'the first instance shut down cleanly on SIGTERM');
    assert.ok(
      publishedWhenFirstStopped < EVENTS,
      'events were still flowing when the first instance stopped',
    );
    assert.ok(byInstance('first') > 0, 'the first instance handled part of the stream');
    assert.ok(sharedBySecond > 0, 'the second instance took over partitions while the first one still ran');
    assert.equal(published.length, EVENTS);
    assert.deepEqual(
      published.filter((result) => !rows.has(result.eventId)).map((result) => result.eventId),
      [],
      'no event is missing a side effect',
    );
    assert.deepEqual(
      published
        .filter((_, index) => runs[index] !== 1)
        .map((result) => `${result.eventId}: ${rows.get(result.eventId)?.runs}`),
      [],
      'no side effect was written twice',
    );
  });
});
