import type { Admin } from '@choreo/kafka';

import type { WorkerRequest, WorkerResult } from './protocol';
import type { BenchSettings } from './settings';
import { type BenchNames, groupIdOf } from './stack';
import { rotate } from './stats';
import { runWorker } from './workers';

/** A consumer measured in the comparison: the kit, the kit with dedupe disabled, or raw kafkajs. */
export type ConsumerVariant = 'kit' | 'kitWithoutDedupe' | 'raw';

const VARIANTS: readonly ConsumerVariant[] = ['kit', 'raw', 'kitWithoutDedupe'];

/** Every consumer run of the comparison and of the replay, in the order they ran. */
export interface ConsumerRuns {
  kit: WorkerResult[];
  /** The kit with `dedupe: { disabled: true }`, which separates the cost of Redis dedupe from the rest of the kit. */
  kitWithoutDedupe: WorkerResult[];
  raw: WorkerResult[];
  replay: WorkerResult[];
  /** Runs whose handler counts were not what the mode implies; their timings are kept but suspect. */
  warnings: string[];
}

/**
 * Runs each variant over the same pre-filled topic, rotating which goes first, each time under a fresh
 * group so every event is new to it. After each kit run its group's offsets go back to the beginning
 * and the kit runs again: the replay, where every event is a duplicate.
 */
export async function benchConsumers(
  admin: Admin,
  names: BenchNames,
  settings: BenchSettings,
  groupIds: string[],
  log: (line: string) => void,
): Promise<ConsumerRuns> {
  const runs: ConsumerRuns = { kit: [], kitWithoutDedupe: [], raw: [], replay: [], warnings: [] };
  const request = (
    variant: ConsumerVariant,
    mode: WorkerRequest['mode'],
    groupId: string,
  ): WorkerRequest => ({
    side: variant === 'raw' ? 'raw' : 'kit',
    mode,
    topic: names.consumerTopic,
    groupId,
    dedupe: variant === 'kit',
    chunkSize: settings.chunkSize,
    keyPrefix: names.keyPrefix,
    timeoutMs: settings.runTimeoutMs,
    holdMs: 0,
  });

  for (let run = 0; run < settings.runs; run++) {
    const kitGroup = groupIdOf(names.runId, `kit-${run}`);
    for (const variant of rotate(VARIANTS, run)) {
      const groupId = variant === 'kit' ? kitGroup : groupIdOf(names.runId, `${variant}-${run}`);
      groupIds.push(groupId);
      const result = checked(
        await runWorker(request(variant, 'first-time', groupId), settings.cpuProfileDir),
        settings.events,
        runs.warnings,
      );
      runs[variant].push(result);
      log(`consumer run ${run + 1}/${settings.runs} ${variant}: ${describe(result)}`);
    }

    await admin.resetOffsets({ groupId: kitGroup, topic: names.consumerTopic, earliest: true });
    const replay = checked(
      await runWorker(request('kit', 'replay', kitGroup), settings.cpuProfileDir),
      settings.events,
      runs.warnings,
    );
    runs.replay.push(replay);
    log(`replay run ${run + 1}/${settings.runs} kit: ${describe(replay)}`);
  }
  return runs;
}

/**
 * Rejects a run that did not commit every message, because its timing would cover less work than the
 * others, and notes handler counts that contradict the mode.
 */
function checked(result: WorkerResult, events: number, warnings: string[]): WorkerResult {
  const { side, mode, groupId, dedupe } = result.request;
  const withDedupe = side === 'kit' && dedupe;
  const label = `${side}${side === 'kit' && !dedupe ? ' without dedupe' : ''} ${mode} run of group ${groupId}`;
  if (result.messages !== events) {
    throw new Error(`${label} committed ${result.messages} messages, expected ${events}`);
  }

  const expectedHandled = mode === 'replay' ? 0 : events;
  // A rebalance can hand a partition over mid-batch and run a few events twice, so more is tolerated
  // without dedupe. Fewer is never right.
  const tolerated = withDedupe ? result.handled === expectedHandled : result.handled >= expectedHandled;
  if (!tolerated) {
    warnings.push(`${label} handled ${result.handled} events, expected ${expectedHandled}`);
  }
  return result;
}

function describe(result: WorkerResult): string {
  const rate = Math.round(result.eventsPerSecond).toLocaleString('en-US');
  return `${rate} events/s over ${result.seconds.toFixed(2)} s, ${result.fetchedBatches} batches, peak RSS ${result.maxRssMb.toFixed(0)} MB`;
}
