import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { loadConfig } from '@choreo/config';

import { DATA_DIR, REPO_ROOT, STATE_DIR, ensureDir } from '../paths';
import { startDetached } from '../processes';
import { isLocalHost } from './common';
import type { Component } from './types';

/**
 * Redis is often already running on a developer's machine: `up` uses it when it responds and starts
 * `redis-server` from PATH only when nothing listens on the configured port.
 */
export function redisComponent(): Component {
  const url = new URL(loadConfig().redisUrl);
  const port = Number(url.port || 6379);

  return {
    name: 'redis',
    address: `${url.hostname}:${port}`,
    managed: isLocalHost(url.hostname),
    startTimeoutSeconds: 15,
    checkHealth: () => checkRedisHealth(url.toString()),
    prepare: async () => undefined,
    start: async () => startRedis(port),
  };
}

async function checkRedisHealth(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const reply = await client.ping();
    return reply === 'PONG' ? undefined : `unexpected PING reply: ${reply}`;
  } catch (error) {
    return `no response: ${(error as Error).message}`;
  } finally {
    client.disconnect();
  }
}

function startRedis(port: number): void {
  // redis-server takes its settings as a file; the file name identifies our process for `down`.
  const configFile = join(ensureDir(STATE_DIR), 'choreo-redis.conf');
  writeFileSync(
    configFile,
    [`bind 127.0.0.1`, `port ${port}`, `dir ${ensureDir(join(DATA_DIR, 'redis'))}`, 'save ""', 'appendonly no', ''].join('\n'),
  );
  startDetached('redis', 'redis-server', [configFile], REPO_ROOT);
}
