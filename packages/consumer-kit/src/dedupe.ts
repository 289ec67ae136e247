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

/** Redis key of an event's dedupe record; `scopeValue` is `<source>:<event_id>` by default. */
export function dedupeKeyOf(keyPrefix: string, groupId: string, scopeValue: string): string {
  return `${keyPrefix}:${groupId}:${scopeValue}`;
}

/** Redis key of a message that has no usable event id, identified by its position on its source topic. */
export function positionKeyOf(keyPrefix: string, groupId: string, topic: string, partition: number | string, offset: string): string {
  return `${keyPrefix}:${groupId}:position:${topic}:${partition}:${offset}`;
}

const DONE = 'done';
const DEAD = 'dead';
const LEASE_PREFIX = 'lease:';

/**
 * Reads the key and, when it is free, takes a lease on it: one atomic step per key, so two instances
 * that receive the same event at once cannot both claim it. Returns the existing value and its
 * remaining time in milliseconds, or nothing when the lease was taken.
 */
const CLAIM_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then return {current, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

/** Deletes the key only while it still holds this attempt's lease, so a late release cannot free another attempt's claim. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type DedupeRedis = Redis & {
  choreoClaim(key: string, lease: string, leaseMs: number): Promise<[string, number] | null>;
  choreoRelease(key: string, lease: string): Promise<number>;
};

/** The outcome of one claimed event, written back at the end of its chunk. */
export type Settlement = { key: string; token: string; outcome: 'done' | 'dead' | 'release' };

/**
 * The idempotent receiver: claims event ids in Redis before handlers run and records their outcome
 * after. Each chunk of a fetched batch (`chunkSize` messages, 100 by default) costs two Redis round
 * trips: one pipeline of claims before the handlers and one pipeline of outcomes after them. A batch
 * of 2,000 messages therefore costs 40 round trips.
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
    redis.defineCommand('choreoClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
    redis.defineCommand('choreoRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
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
    const pipeline = this.redis.pipeline();
    keys.forEach((key, index) => (pipeline as unknown as DedupeRedis).choreoClaim(key, tokens[index] as string, this.leaseMs));
    const replies = await this.exec(pipeline, 'claiming event ids');

    return replies.map((reply, index): ClaimResult => {
      if (reply === null) return { state: 'claimed', token: tokens[index] as string };
      const [value, pttl] = reply as [string, number];
      if (value === DONE) return { state: 'done' };
      if (value === DEAD) return { state: 'dead' };
      return { state: 'in-flight', remainingMs: Math.max(pttl, 0) };
    });
  }

  /** Writes the outcomes of a chunk's claimed events in one round trip. */
  async settleAll(settlements: readonly Settlement[]): Promise<void> {
    if (settlements.length === 0) return;

    const pipeline = this.redis.pipeline();
    for (const { key, token, outcome } of settlements) {
      if (outcome === 'release') (pipeline as unknown as DedupeRedis).choreoRelease(key, token);
      else pipeline.set(key, outcome === 'done' ? DONE : DEAD, 'PX', this.retentionMs);
    }
    await this.exec(pipeline, 'recording event outcomes');
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

  private async exec(pipeline: ReturnType<Redis['pipeline']>, action: string): Promise<unknown[]> {
    this.roundTrips += 1;
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw new InfrastructureError('redis', `Redis is unavailable while ${action}: ${(error as Error).message}`, { cause: error });
    }
    if (results === null) throw new InfrastructureError('redis', `Redis returned no reply while ${action}`);

    const failed = results.find(([error]) => error !== null);
    if (failed) throw new InfrastructureError('redis', `Redis failed while ${action}: ${failed[0]?.message}`, { cause: failed[0] });
    return results.map(([, reply]) => reply);
  }
}
