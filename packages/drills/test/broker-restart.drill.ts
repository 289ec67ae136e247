/**
 * Broker restart: Kafka stops and starts again while events flow. The consumer service reconnects by
 * itself, and every event is handled exactly once: none lost, none doubled.
 * It stops the broker of the local stack, so it runs only where `pnpm stack up` started Kafka.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ConsumerService } from '@choreo/consumer-kit';
import { createProducer } from '@choreo/producer-kit';
import { kafkaComponent, runningPidOf, stopStarted, up } from '@choreo/stack';

import { orderPlacedEnvelope, prepareStack, startService, uniqueGroup, waitFor, waitUntilQuiet } from '../../consumer-kit/test/support';

describe('broker restart drill', () => {
  const producer = createProducer({ source: 'drill-broker' });
  const handled = new Map<string, number>();
  const published: string[] = [];
  let service: ConsumerService;

  before(async () => {
    assert.ok(runningPidOf('kafka'), 'this drill needs the Kafka broker started by `pnpm stack up`');
    await prepareStack();
    service = await startService({
      name: 'drill-broker',
      owner: 'team-drills',
      groupId: uniqueGroup('broker'),
      handlers: {
        'orders.order_placed': async (event) => {
          if (event.source === 'drill-broker') handled.set(event.event_id, (handled.get(event.event_id) ?? 0) + 1);
        },
      },
    });
  });

  after(async () => {
    await up([kafkaComponent()]);
    await service.stop();
    await producer.disconnect();
  });

  /** Publishes one event, retrying while the broker is away, as a well-behaved producer would. */
  async function publishEventually(index: number): Promise<void> {
    const payload = orderPlacedEnvelope().payload as never;
    const eventId = orderPlacedEnvelope().event_id;
    for (let attempt = 0; ; attempt++) {
      try {
        await producer.publish('orders.order_placed', payload, { key: `broker-${index}`, eventId });
        published.push(eventId);
        return;
      } catch (error) {
        if (attempt >= 60) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  it('handles every event once across a broker restart', async () => {
    // The new group first reads the topic's history; let it finish so the restart hits live traffic.
    await waitUntilQuiet([service]);
    for (let index = 0; index < 30; index++) await publishEventually(index);
    await waitFor('events before the restart', () => published.every((eventId) => handled.has(eventId)));

    const stopped = stopStarted('kafka');
    const during = (async () => {
      for (let index = 30; index < 60; index++) await publishEventually(index);
    })();
    assert.equal(await stopped, 'stopped');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await up([kafkaComponent()]);
    await during;
    for (let index = 60; index < 90; index++) await publishEventually(index);

    await waitFor('every event handled after the restart', () => published.every((eventId) => handled.has(eventId)), 120_000);
    await waitUntilQuiet([service]);
    assert.equal(published.length, 90);
    for (const eventId of published) assert.equal(handled.get(eventId), 1, `event ${eventId} handled once`);
  });
});
