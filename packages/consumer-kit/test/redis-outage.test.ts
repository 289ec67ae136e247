import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';


import type { ConsumerService } from '../src/index';
import { disconnectProducer, encode, metricValue, orderPlacedEnvelope, prepareStack, produceRaw, startService, uniqueGroup, waitFor } from './support';

/** Finds a free port for a private redis-server, so stopping it disturbs nothing else. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

async function stopRedis(redis: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => redis.once('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
}

describe('consumer service during a Redis outage', () => {
  let port = 0;
  let redis: ChildProcess;
  let service: ConsumerService | undefined;

  before(async () => {
    await prepareStack();
    port = await freePort();
    redis = startRedis(port);
  });

  after(async () => {
    await service?.stop();
    await disconnectProducer();
    if (redis.exitCode === null) await stopRedis(redis);
  });

  it('pauses without running handlers and processes every event once after Redis returns', async () => {
    const runs = new Map<string, number>();
    service = await startService({
      name: 'outage',
      owner: 'team-test',
      groupId: uniqueGroup('outage'),
      redisUrl: `redis://127.0.0.1:${port}`,
      handlers: { 'orders.order_placed': async (event) => void runs.set(event.event_id, (runs.get(event.event_id) ?? 0) + 1) },
    });

    const before = [orderPlacedEnvelope(), orderPlacedEnvelope()];
    await produceRaw('orders.order_placed', await Promise.all(before.map(async (envelope) => ({ key: envelope.event_id, value: await encode(envelope) }))));
    await waitFor('events before the outage', () => before.every((envelope) => runs.get(envelope.event_id) === 1));

    await stopRedis(redis);
    const during = Array.from({ length: 5 }, () => orderPlacedEnvelope());
    const duplicates = during.map((envelope) => envelope);
    const messages = await Promise.all([...during, ...duplicates].map(async (envelope) => ({ key: envelope.event_id, value: await encode(envelope) })));
    await produceRaw('orders.order_placed', messages);

    await waitFor('consumption paused', async () => (await metricValue(service as ConsumerService, 'choreo_consumer_paused', { dependency: 'redis' })) === 1);
    const readiness = await fetch(`http://127.0.0.1:${(service as ConsumerService).httpPort()}/readyz`);
    assert.equal(readiness.status, 503);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.ok(during.every((envelope) => !runs.has(envelope.event_id)), 'no handler ran without dedupe');

    redis = startRedis(port);
    await waitFor('events after the outage', () => during.every((envelope) => runs.has(envelope.event_id)), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const envelope of [...before, ...during]) assert.equal(runs.get(envelope.event_id), 1, `event ${envelope.event_id} ran once`);
  });
});
