/**
 * Crash mid-handler: the drill service is killed by SIGKILL while the handler of one event is still
 * running, before it wrote anything, and while that event's dedupe lease is live. A restarted
 * instance does not run the event until the lease expires. Then it runs it once, so the side effect
 * exists once and one handler run wrote it.
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
import { HANG_STARTED_MESSAGE } from '../src/effects';
import { kafka, newRunId } from '../src/feed';
import { waitUntilCaughtUp } from '../src/group-offsets';
import {
  type DrillProcess,
  killProcess,
  scrape,
  stopProcess,
  sumMetric,
  waitForLogLine,
} from '../src/processes';
import { prepareStack, waitFor } from '../../consumer-kit/test/support';

/**
 * Longer than a restart takes to get the partition back (the dead member's 15 s session timeout plus
 * the join), so the restarted instance meets the live lease and has to wait for it.
 */
const LEASE_MS = 20_000;
const EVENTS = 30;

describe('crash mid-handler drill', () => {
  let drill: EffectDrill | undefined;
  const processes: DrillProcess[] = [];

  before(async () => {
    await prepareStack();
    drill = await prepareEffectDrill(newRunId('crash-mid'));
  });

  after(async () => {
    await Promise.all(processes.map((process) => stopProcess(process)));
    await cleanUpEffectDrill(drill);
  });

  it('reruns the event after lease expiry', { timeout: 180_000 }, async (t) => {
    const run = drill as EffectDrill;
    // The marked event is published first, so it is the first of its partition's chunk and no event
    // before it on that partition has run when the process dies.
    const published = await publishOrders(run, EVENTS);
    const marked = published[0]?.eventId as string;
    const markedPartition = published[0]?.partition;
    const elsewhere = published
      .filter((result) => result.partition !== markedPartition)
      .map((result) => result.eventId);
    const behindMarked = published
      .filter((result) => result.partition === markedPartition && result.eventId !== marked)
      .map((result) => result.eventId);

    const first = await startEffectService(run, 'first', {
      DEDUPE_LEASE_MS: String(LEASE_MS),
      HANG_EVENT_ID: marked,
    });
    processes.push(first.process);
    const hang = await waitForLogLine(first.process, HANG_STARTED_MESSAGE, 90_000);
    const hangStartedAt = Date.parse(String(hang.time));
    // Let the other partitions finish and record their events as done, so only the marked
    // partition is interrupted.
    await waitFor('side effects of the other partitions', async () => {
      const rows = await run.effects.rows();
      return elsewhere.every((eventId) => rows.has(eventId));
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await killProcess(first.process);
    const killedAt = Date.now();

    const atCrash = await run.effects.rows();
    assert.equal(atCrash.has(marked), false, 'the interrupted handler wrote nothing before the SIGKILL');
    assert.ok(
      behindMarked.every((eventId) => !atCrash.has(eventId)),
      'events behind the interrupted one on its partition had not run',
    );

    const restarted = await startReadyEffectService(run, 'restarted', { DEDUPE_LEASE_MS: String(LEASE_MS) });
    processes.push(restarted.process);
    await waitUntilCaughtUp(kafka, run.groupId, run.topics, 120_000);
    const deferred = sumMetric(await scrape(restarted.port), 'choreo_events_deferred_total');

    const rows = await run.effects.rows();
    const markedRow = rows.get(marked);
    const runs = published.map((result) => rows.get(result.eventId)?.runs ?? 0);
    t.diagnostic(
      `handler of the marked event started ${new Date(hangStartedAt).toISOString()}, process killed ${((killedAt - hangStartedAt) / 1000).toFixed(1)} s later`,
    );
    t.diagnostic(
      `marked side effect written ${markedRow ? ((markedRow.firstRunAt.getTime() - hangStartedAt) / 1000).toFixed(1) : '-'} s after the first attempt started, lease ${LEASE_MS / 1000} s`,
    );
    t.diagnostic(
      `the restarted instance deferred ${deferred} deliveries whose lease the dead instance still held`,
    );

    assert.ok(markedRow, 'the interrupted event has its side effect after the restart');
    assert.equal(markedRow.runs, 1, 'the interrupted event was written by exactly one handler run');
    assert.equal(markedRow.instance, 'restarted', 'the restarted instance wrote it');
    // The lease is taken just before the handler starts; one second covers that gap and clock reads.
    assert.ok(
      markedRow.firstRunAt.getTime() >= hangStartedAt + LEASE_MS - 1_000,
      `the event ran again only after its lease expired (${markedRow.firstRunAt.toISOString()})`,
    );
    assert.deepEqual(
      published.filter((result) => !rows.has(result.eventId)).map((result) => result.eventId),
      [],
      'no event of the batch is lost',
    );
    assert.deepEqual(
      runs,
      published.map(() => 1),
      'every event was handled exactly once',
    );
  });
});
