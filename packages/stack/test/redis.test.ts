import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { loadConfig } from '@choreo/config';

describe('Redis on the real server', () => {
  const key = `choreo:smoke:${randomBytes(4).toString('hex')}`;
  let redis: Redis;

  before(async () => {
    redis = new Redis(loadConfig().redisUrl, {
      lazyConnect: true,
      connectTimeout: 3000,
      maxRetriesPerRequest: 1,
    });
    await redis.connect();
  });

  after(async () => {
    await redis.quit();
  });

  it('stores, reads and deletes a key', async () => {
    // The expiry removes the key even when the test stops before DEL.
    assert.equal(await redis.set(key, 'processed', 'EX', 60), 'OK');
    assert.equal(await redis.get(key), 'processed');

    assert.equal(await redis.del(key), 1);
    assert.equal(await redis.get(key), null);
  });
});
