/**
 * Crash before commit: the drill service writes a side effect and dies by SIGKILL before the kit
 * records the event as done and commits its offset. That is the crash window the consumer kit
 * documents. After a restart no event of the batch is lost, the side effect exists once because it
 * is keyed by the event id, and the drill reports how many times each handler ran.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  type EffectDrill,
  cleanUpEffectDrill,
  prepareEffectDrill,
  publishOrders,
  startEffectService,
  startReadyEffectService,
} from '../src/effect-drill';
import { kafka, newRunId } from '../src/feed';
import { waitUntilCaughtUp } from '../src/group-offsets';
import { type DrillProcess, exitOf, stopProcess } from '../src/processes';
import { prepareStack } from '../../consumer-kit/test/support';

/** Short, so the restarted instance never waits for the dead instance's claims. */
const LEASE_MS = 3_000;
const EVENTS = 30;

describe('crash before commit drill', () => {
  let drill: EffectDrill | undefined;
  const processes: DrillProcess[] = [];

  before(async () => {
    await prepareStack();
    drill = await prepareEffectDrill(newRunId('crash-commit'));
  });

  after(async () => {
    await Promise.all(processes.map((process) => stopProcess(process)));
    await cleanUpEffectDrill(drill);
  });

  it('loses no event after a crash', { timeout: 180_000 }, async (t) => {
    const run = drill as EffectDrill;
    const eventIds = (await publishOrders(run, EVENTS)).map((result) => result.eventId);
    // In the middle of the batch, so events before it on its partition finished in the same chunk.
    const marked = eventIds[EVENTS / 2] as string;

    const first = await startEffectService(run, 'first', {
      DEDUPE_LEASE_MS: String(LEASE_MS),
      CRASH_AFTER_EFFECT_EVENT_ID: marked,
    });
    processes.push(first.process);
    const exit = await exitOf(first.process, 90_000);
    assert.equal(
      exit.signal,
      'SIGKILL',
      `the first instance killed itself after the marked side effect (exit ${JSON.stringify(exit)})`,
    );
    const atCrash = await run.effects.rows();
    assert.equal(atCrash.get(marked)?.runs, 1, 'the marked side effect was written once before the crash');

    const restartedAt = Date.now();
    const restarted = await startReadyEffectService(run, 'restarted', { DEDUPE_LEASE_MS: String(LEASE_MS) });
    processes.push(restarted.process);
    await waitUntilCaughtUp(kafka, run.groupId, run.topics, 120_000);
    const recoverySeconds = (Date.now() - restartedAt) / 1000;

    const rows = await run.effects.rows();
    const lost = eventIds.filter((eventId) => !rows.has(eventId));
    assert.deepEqual(lost, [], 'every event of the batch has its side effect after the restart');
    const runs = eventIds.map((eventId) => rows.get(eventId)?.runs ?? 0);
    const ranTwice = eventIds.filter((eventId) => eventId !== marked && rows.get(eventId)?.runs === 2);
    const markedRuns = rows.get(marked)?.runs;

    t.diagnostic(`marked handler ran ${markedRuns} times: once before the SIGKILL, once after the restart`);
    t.diagnostic(
      `${ranTwice.length} other events ran twice: their handlers finished in chunks still in flight at the crash, on any partition, so no done record was written`,
    );
    t.diagnostic(
      `${runs.filter((count) => count === 1).length} of ${EVENTS} events ran once; caught up ${recoverySeconds.toFixed(1)} s after the restart`,
    );

    assert.equal(
      markedRuns,
      2,
      'the marked handler ran again after the restart: the documented crash window',
    );
    assert.ok(
      runs.every((count) => count >= 1 && count <= 2),
      `no handler ran more than twice: runs ${JSON.stringify(runs)}`,
    );
    assert.ok(
      [...atCrash.values()].every((row) => (rows.get(row.eventId)?.runs ?? 0) <= row.runs + 1),
      'a side effect written before the crash was written at most once more',
    );
    // Events that had no side effect at the crash ran only after the restart, and only once.
    const notStarted = eventIds.filter((eventId) => !atCrash.has(eventId));
    assert.ok(
      notStarted.every((eventId) => rows.get(eventId)?.runs === 1),
      'events not yet handled at the crash ran exactly once after the restart',
    );
  });
});
