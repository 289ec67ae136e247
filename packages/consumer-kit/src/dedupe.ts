import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import { InfrastructureError } from './errors';

export interface DedupeOptions {
  /** Retention of a finished event id, in milliseconds. Unset: 72 h. */
  retentionMs?: number;
  /** Lease of a claim while the handler runs, in milliseconds. Unset: 60 s. */
  leaseMs?: number;
  /** Redis key prefix. Unset: `choreo:dedupe`. */
  keyPrefix?: string;
  /**
   * Envelope fields that, with the consumer group, make an event unique. Unset: `source` and
   * `event_id`, because two producers may mint the same id independently but one producer never
   * reuses an id for a different fact.
   */
  scope?: (event: { source: string; event_id: string }) => string;
  /**
   * Runs handlers without deduplication when true. Only for handlers that are idempotent by
   * themselves; the kit then neither reads nor writes Redis.
   */
  disabled?: boolean;
}

/** State of an event id in Redis when the kit tries to claim it. */
export type ClaimResult =
  /** This instance now owns the event until its lease expires. */
  | { state: 'claimed'; token: string }
  /** A handler already finished the event. */
  | { state: 'done' }
  /** The event was dead-lettered; a replay must not dead-letter it again. */
  | { state: 'dead' }
  /** Another attempt holds a live lease; it ends within `remainingMs`. */
  | { state: 'in-flight'; remainingMs: number };

/**
 * Redis key of an event's dedupe record; `scopeValue` is `<source>:<event_id>` by default. The group is
 * a hash tag, so on a Redis Cluster every key of one group lives in one slot and one script can claim
 * a whole chunk.
 */
export function dedupeKeyOf(keyPrefix: string, groupId: string, scopeValue: string): string {
  return `${keyPrefix}:{${groupId}}:${scopeValue}`;
}

/** Redis key of a message that has no usable event id, identified by its position on its source topic. */
export function positionKeyOf(keyPrefix: string, groupId: string, topic: string, partition: number | string, offset: string): string {
  return `${keyPrefix}:{${groupId}}:position:${topic}:${partition}:${offset}`;
}

/** Redis key holding the failure time of a group's oldest dead letter not yet redriven, in epoch milliseconds. */
export function oldestDeadLetterKeyOf(keyPrefix: string, groupId: string): string {
  return `${keyPrefix}:{${groupId}}:oldest-dead-letter`;
}

const DONE = 'done';
const DEAD = 'dead';
const LEASE_PREFIX = 'lease:';

/**
 * Claims every key of a chunk in one call. ARGV[1] is the lease in ms and ARGV[2] the chunk's lease
 * token. A free key takes the lease. For a key that already has a value, the reply contains its
 * index, value and remaining time in ms. Most keys of a first delivery are free, so the reply stays short.
 * Lua runs atomically, so two instances that receive the same event at once cannot both claim it.
 */
const CLAIM_SCRIPT = `
local existing = {}
for i, key in ipairs(KEYS) do
  if not redis.call('SET', key, ARGV[2], 'NX', 'PX', ARGV[1]) then
    existing[#existing + 1] = i
    existing[#existing + 1] = redis.call('GET', key)
    existing[#existing + 1] = redis.call('PTTL', key)
  end
end
return existing
`;

/**
 * Writes the outcomes of keys claimed with one lease token and extends the leases of the keys still to
 * run, in one call. KEYS are ordered done, dead, released, then renewed. ARGV[1] is the retention in
 * ms, ARGV[2] the lease token, ARGV[3] to ARGV[5] the numbers of done, dead and released keys, and
 * ARGV[6] the lease in ms. A release deletes and a renewal extends a key only while it still holds
 * that lease, so a late call cannot touch another attempt's claim. The reply lists each renewed key
 * that no longer held the lease: its index among the renewed keys and its remaining time in ms.
 */
const SETTLE_SCRIPT = `
local done = tonumber(ARGV[3])
local dead = done + tonumber(ARGV[4])
local released = dead + tonumber(ARGV[5])
local lost = {}
for i, key in ipairs(KEYS) do
  if i <= done then
    redis.call('SET', key, 'done', 'PX', ARGV[1])
  elseif i <= dead then
    redis.call('SET', key, 'dead', 'PX', ARGV[1])
  elseif i <= released then
    if redis.call('GET', key) == ARGV[2] then redis.call('DEL', key) end
  elseif redis.call('GET', key) == ARGV[2] then
    redis.call('PEXPIRE', key, ARGV[6])
  else
    lost[#lost + 1] = i - released
    lost[#lost + 1] = redis.call('PTTL', key)
  end
end
return lost
`;

type DedupeRedis = Redis & {
  choreoClaimAll(...args: (string | number)[]): Promise<(string | number)[]>;
  choreoSettleAll(...args: (string | number)[]): Promise<number[]>;
};

/** The outcome of one claimed event, written back at the end of its chunk. */
export type Settlement = { key: string; token: string; outcome: 'done' | 'dead' | 'release' };

/**
 * The idempotent receiver: claims event ids in Redis before handlers run and records their outcome
 * after. Each chunk of a fetched batch costs two Redis round trips, each one script call: the claims
 * before the handlers and the outcomes after them. A chunk is a whole batch (up to 5,000 messages by
 * default), and a chunk that runs longer than half the lease records its outcomes so far and extends
 * the remaining leases in one more round trip.
 */
export class Deduplicator {
  readonly retentionMs: number;
  readonly leaseMs: number;
  private readonly keyPrefix: string;
  private readonly scope: NonNullable<DedupeOptions['scope']>;
  private readonly redis: DedupeRedis;
  /** Round trips made to Redis; the benchmark reads it. */
  roundTrips = 0;

  constructor(
    redis: Redis,
    private readonly groupId: string,
    options: DedupeOptions & { retentionMs: number; leaseMs: number; keyPrefix: string },
  ) {
    this.retentionMs = options.retentionMs;
    this.leaseMs = options.leaseMs;
    this.keyPrefix = options.keyPrefix;
    this.scope = options.scope ?? ((event) => `${event.source}:${event.event_id}`);
    // numberOfKeys is given per call, because a chunk has as many keys as it has messages.
    redis.defineCommand('choreoClaimAll', { lua: CLAIM_SCRIPT });
    redis.defineCommand('choreoSettleAll', { lua: SETTLE_SCRIPT });
    this.redis = redis as DedupeRedis;
  }

  keyOf(event: { source: string; event_id: string }): string {
    return dedupeKeyOf(this.keyPrefix, this.groupId, this.scope(event));
  }

  /** Key for a message that has no usable event id, identified by where it was read. */
  keyOfPosition(topic: string, partition: number | string, offset: string): string {
    return positionKeyOf(this.keyPrefix, this.groupId, topic, partition, offset);
  }

  /**
   * Claims many keys in one round trip; the result is in the order of `keys`. The keys claimed by one
   * call share one lease token, so a chunk sends one token instead of one per key.
   */
  async claimAll(keys: readonly string[]): Promise<ClaimResult[]> {
    if (keys.length === 0) return [];

    const claimed: ClaimResult = { state: 'claimed', token: `${LEASE_PREFIX}${randomUUID()}` };
    const reply = await this.call('claiming event ids', () => this.redis.choreoClaimAll(keys.length, ...keys, this.leaseMs, claimed.token));

    const results = new Array<ClaimResult>(keys.length).fill(claimed);
    for (let index = 0; index < reply.length; index += 3) {
      const value = String(reply[index + 1]);
      results[Number(reply[index]) - 1] =
        value === DONE ? { state: 'done' } : value === DEAD ? { state: 'dead' } : { state: 'in-flight', remainingMs: Math.max(Number(reply[index + 2]), 0) };
    }
    return results;
  }

  /**
   * Writes the outcomes of claimed events, in one round trip for a chunk. With `renewal`, the same
   * round trip extends the leases of those keys by `leaseMs`. Returns the renewed keys whose lease was
   * lost, because it expired or another attempt took it, with their remaining ms.
   */
  async settleAll(settlements: readonly Settlement[], renewal?: { token: string; keys: readonly string[] }): Promise<Map<string, number>> {
    // Done and dead records need no token, so they all go with the first call. Releases and renewals
    // check their lease token, so each token gets a call of its own: one for a chunk, plus one per
    // message that was claimed again by its position.
    const done: string[] = [];
    const dead: string[] = [];
    const byToken = new Map<string, { release: string[]; renew: readonly string[] }>();
    const groupOf = (token: string) => {
      let group = byToken.get(token);
      if (group === undefined) byToken.set(token, (group = { release: [], renew: [] }));
      return group;
    };
    for (const { key, token, outcome } of settlements) {
      if (outcome === 'done') done.push(key);
      else if (outcome === 'dead') dead.push(key);
      else groupOf(token).release.push(key);
    }
    if (renewal !== undefined && renewal.keys.length > 0) groupOf(renewal.token).renew = renewal.keys;

    // With no lease to check, the token is empty, which no lease value equals.
    if (byToken.size === 0 && done.length + dead.length > 0) groupOf('');

    const lost = new Map<string, number>();
    let outcomes = { done, dead };
    for (const [token, { release, renew }] of byToken) {
      const keys = [...outcomes.done, ...outcomes.dead, ...release, ...renew];
      const reply = await this.call('recording event outcomes', () =>
        this.redis.choreoSettleAll(keys.length, ...keys, this.retentionMs, token, outcomes.done.length, outcomes.dead.length, release.length, this.leaseMs),
      );
      for (let at = 0; at < reply.length; at += 2) {
        lost.set(renew[Number(reply[at]) - 1] as string, Math.max(Number(reply[at + 1]), 0));
      }
      outcomes = { done: [], dead: [] };
    }
    return lost;
  }

  /** Forgets an event's outcome so a redrive can run it again. */
  async forget(key: string): Promise<void> {
    this.roundTrips += 1;
    try {
      await this.redis.del(key);
    } catch (error) {
      throw new InfrastructureError('redis', `Redis is unavailable while forgetting ${key}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async call<T>(action: string, command: () => Promise<T>): Promise<T> {
    this.roundTrips += 1;
    try {
      return await command();
    } catch (error) {
      throw new InfrastructureError('redis', `Redis failed or is unavailable while ${action}: ${(error as Error).message}`, { cause: error });
    }
  }
}
