import { performance } from 'node:perf_hooks';

import { Deduplicator } from '@choreo/consumer-kit';

import type { DedupeChunk } from './protocol';

/** Round trips and per-chunk timings of every Deduplicator in this process, collected by `probeDedupe`. */
export interface DedupeProbe {
  roundTrips(): number;
  chunks: DedupeChunk[];
}

/**
 * Wraps `Deduplicator.claimAll` and `settleAll` to time each chunk's two pipelines. The wrapper goes on
 * the prototype because the service builds its Deduplicator internally. Call this before the service
 * is created, and only in a worker process that runs one service.
 */
export function probeDedupe(): DedupeProbe {
  const instances = new Set<Deduplicator>();
  const chunks: DedupeChunk[] = [];
  // A chunk's settlements start with its first claimed key, which pairs the settle with its claim.
  const awaitingSettle = new Map<string, DedupeChunk>();
  const { claimAll, settleAll } = Deduplicator.prototype;

  Deduplicator.prototype.claimAll = async function (this: Deduplicator, keys) {
    instances.add(this);
    const startedAt = performance.now();
    const results = await claimAll.call(this, keys);
    const chunk: DedupeChunk = { keys: keys.length, claimMs: performance.now() - startedAt, settleMs: 0 };
    chunks.push(chunk);
    if (keys[0] !== undefined) awaitingSettle.set(keys[0], chunk);
    return results;
  };

  Deduplicator.prototype.settleAll = async function (this: Deduplicator, settlements, renewal) {
    const startedAt = performance.now();
    const lost = await settleAll.call(this, settlements, renewal);
    const first = settlements[0]?.key;
    const chunk = first === undefined ? undefined : awaitingSettle.get(first);
    if (chunk !== undefined) {
      chunk.settleMs += performance.now() - startedAt;
      awaitingSettle.delete(first as string);
    }
    return lost;
  };

  return {
    roundTrips: () => [...instances].reduce((sum, instance) => sum + instance.roundTrips, 0),
    chunks,
  };
}
