import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';

import { loadConfig } from '@choreo/config';
import { Redis } from 'ioredis';

import { Deduplicator } from '../src/index';

const redis = new Redis(loadConfig().redisUrl, { maxRetriesPerRequest: 1 });
const keyPrefix = `choreo:test-dedupe:${randomUUID().slice(0, 8)}`;

function deduplicator(): Deduplicator {
  return new Deduplicator(redis, `group-${randomUUID().slice(0, 8)}`, { retentionMs: 60_000, leaseMs: 30_000, keyPrefix });
}

function keysOf(dedupe: Deduplicator, count: number): string[] {
  return Array.from({ length: count }, () => dedupe.keyOf({ source: 'test-shop', event_id: randomUUID() }));
}

after(async () => {
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
});

describe('Deduplicator on Redis', () => {
  it('reports each key state in order', async () => {
    const dedupe = deduplicator();
    const [done, dead, leased, fresh] = keysOf(dedupe, 4) as [string, string, string, string];
    const first = await dedupe.claimAll([done, dead, leased]);
    await dedupe.settleAll([
      { key: done, token: tokenOf(first[0]), outcome: 'done' },
      { key: dead, token: tokenOf(first[1]), outcome: 'dead' },
    ]);

    const second = await dedupe.claimAll([fresh, done, leased, dead]);

    assert.equal(second[0]?.state, 'claimed');
    assert.deepEqual(second[1], { state: 'done' });
    assert.equal(second[2]?.state, 'in-flight');
    const remainingMs = second[2]?.state === 'in-flight' ? second[2].remainingMs : -1;
    assert.ok(remainingMs > 25_000, `lease left: ${remainingMs} ms`);
    assert.ok(remainingMs <= 30_000, `lease left: ${remainingMs} ms`);
    assert.deepEqual(second[3], { state: 'dead' });
  });

  it('keeps an outcome for the retention', async () => {
    const dedupe = deduplicator();
    const [key] = keysOf(dedupe, 1) as [string];
    const [claim] = await dedupe.claimAll([key]);
    await dedupe.settleAll([{ key, token: tokenOf(claim), outcome: 'done' }]);

    assert.equal(await redis.get(key), 'done');
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 55_000, `retention left: ${ttl} ms`);
    assert.ok(ttl <= 60_000, `retention left: ${ttl} ms`);
  });

  it('frees a released claim at once', async () => {
    const dedupe = deduplicator();
    const [key] = keysOf(dedupe, 1) as [string];
    const [claim] = await dedupe.claimAll([key]);
    await dedupe.settleAll([{ key, token: tokenOf(claim), outcome: 'release' }]);

    const [again] = await dedupe.claimAll([key]);
    assert.equal(again?.state, 'claimed');
  });

  it('ignores a late release of a lease', async () => {
    const dedupe = deduplicator();
    const [key] = keysOf(dedupe, 1) as [string];
    const [stale] = await dedupe.claimAll([key]);
    // The first lease expired and another instance claimed the event.
    await redis.del(key);
    const [current] = await dedupe.claimAll([key]);

    await dedupe.settleAll([{ key, token: tokenOf(stale), outcome: 'release' }]);

    assert.equal(await redis.get(key), tokenOf(current));
  });

  it('settles two chunks under their own leases', async () => {
    const dedupe = deduplicator();
    const [a, b, c] = keysOf(dedupe, 3) as [string, string, string];
    const chunkOne = await dedupe.claimAll([a, b]);
    const [chunkTwo] = await dedupe.claimAll([c]);

    await dedupe.settleAll([
      { key: a, token: tokenOf(chunkOne[0]), outcome: 'done' },
      { key: c, token: tokenOf(chunkTwo), outcome: 'dead' },
      { key: b, token: tokenOf(chunkOne[1]), outcome: 'release' },
    ]);

    assert.deepEqual(await redis.mget(a, b, c), ['done', null, 'dead']);
  });

  it('uses two round trips per chunk', async () => {
    const dedupe = deduplicator();
    const keys = keysOf(dedupe, 2_000);
    const before = dedupe.roundTrips;

    const claims = await dedupe.claimAll(keys);
    await dedupe.settleAll(keys.map((key, index) => ({ key, token: tokenOf(claims[index]), outcome: 'done' as const })));

    assert.equal(dedupe.roundTrips - before, 2);
    assert.ok(claims.every((claim) => claim.state === 'claimed'));
    const replay = await dedupe.claimAll(keys);
    assert.ok(replay.every((claim) => claim.state === 'done'));
  });
});

function tokenOf(claim: unknown): string {
  const result = claim as { state: string; token?: string };
  assert.equal(result.state, 'claimed');
  return result.token as string;
}
