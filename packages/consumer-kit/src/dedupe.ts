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
 * Claims every key of a chunk in one call: for each key it returns the current value and its remaining
 * time in milliseconds, or an empty value after taking the lease ARGV[i + 1]. Lua runs atomically, so
 * two instances that receive the same event at once cannot both claim it. ARGV[1] is the lease in ms.
 */
const CLAIM_SCRIPT = `
local replies = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current then
    replies[#replies + 1] = current
    replies[#replies + 1] = redis.call('PTTL', key)
  else
    redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
    replies[#replies + 1] = ''
    replies[#replies + 1] = 0
  end
end
return replies
`;

/**
 * Writes a chunk's outcomes in one call. ARGV[1] is the retention in ms, then for each key an outcome
 * (done, dead or release) and its lease. A release deletes the key only while it still holds that
 * lease, so a late release cannot free another attempt's claim.
 */
const SETTLE_SCRIPT = `
for i, key in ipairs(KEYS) do
  local outcome = ARGV[i * 2]
  if outcome == 'release' then
    if redis.call('GET', key) == ARGV[i * 2 + 1] then redis.call('DEL', key) end
  else
    redis.call('SET', key, outcome, 'PX', ARGV[1])
  end
end
return #KEYS
`;

type DedupeRedis = Redis & {
  choreoClaimAll(...args: (string | number)[]): Promise<(string | number)[]>;
  choreoSettleAll(...args: (string | number)[]): Promise<number>;
};

/** The outcome of one claimed event, written back at the end of its chunk. */
export type Settlement = { key: string; token: string; outcome: 'done' | 'dead' | 'release' };

/**
 * The idempotent receiver: claims event ids in Redis before handlers run and records their outcome
 * after. Each chunk of a fetched batch costs two Redis round trips, each one script call: the claims
 * before the handlers and the outcomes after them. The processor sizes chunks (up to 2,000 messages
 * by default), so fast handlers pay two round trips per batch.
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

  /** Claims many keys in one round trip; the result is in the order of `keys`. */
  async claimAll(keys: readonly string[]): Promise<ClaimResult[]> {
    if (keys.length === 0) return [];

    const tokens = keys.map(() => `${LEASE_PREFIX}${randomUUID()}`);
    const replies = await this.call('claiming event ids', () => this.redis.choreoClaimAll(keys.length, ...keys, this.leaseMs, ...tokens));

    return keys.map((_, index): ClaimResult => {
      const value = String(replies[index * 2]);
      const pttl = Number(replies[index * 2 + 1]);
      if (value === '') return { state: 'claimed', token: tokens[index] as string };
      if (value === DONE) return { state: 'done' };
      if (value === DEAD) return { state: 'dead' };
      return { state: 'in-flight', remainingMs: Math.max(pttl, 0) };
    });
  }

  /** Writes the outcomes of a chunk's claimed events in one round trip. */
  async settleAll(settlements: readonly Settlement[]): Promise<void> {
    if (settlements.length === 0) return;

    const keys = settlements.map((settlement) => settlement.key);
    const outcomes = settlements.flatMap((settlement) => [settlement.outcome, settlement.token]);
    await this.call('recording event outcomes', () => this.redis.choreoSettleAll(keys.length, ...keys, this.retentionMs, ...outcomes));
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
