/**
 * Schema Registry outage: with schemas already cached, publishing and consuming go on. A message with
 * a schema id the service has never seen waits until the registry is back; it is not dead-lettered
 * as a contract failure. It stops the registry of the local stack, so it runs only where
 * `pnpm stack up` started it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ConsumerService } from '@choreo/consumer-kit';
import { ContractRegistry, createAvroType, encodeWireFormat } from '@choreo/contracts';
import { createProducer } from '@choreo/producer-kit';
import { registryComponent, runningPidOf, stopStarted, up } from '@choreo/stack';

import { disconnectProducer, metricValue, orderPlacedEnvelope, prepareStack, produceRaw, startService, uniqueGroup, waitFor, waitUntilQuiet } from '../../consumer-kit/test/support';

describe('schema registry outage drill', () => {
  const groupId = uniqueGroup('registry');
  const registry = new ContractRegistry();
  const producer = createProducer({ source: 'drill-registry', registry });
  const handled = new Set<string>();
  let service: ConsumerService;

  before(async () => {
    assert.ok(runningPidOf('registry'), 'this drill needs the registry started by `pnpm stack up`');
    await prepareStack();
    service = await startService({
      name: 'drill-registry',
      owner: 'team-drills',
      groupId,
      handlers: { 'orders.order_placed': async (event) => void (event.source.startsWith('drill-registry') && handled.add(event.event_id)) },
    });
  });

  after(async () => {
    await up([registryComponent()]);
    await service.stop();
    await producer.disconnect();
    await disconnectProducer();
  });

  it('keeps cached schemas working and holds an unseen schema until the registry returns', async () => {
    // Warm the caches: the producer's schema id and the consumer's reader for it.
    const warm = await producer.publish('orders.order_placed', orderPlacedEnvelope().payload as never, { key: 'warm' });
    await waitFor('the warm-up event', () => handled.has(warm.eventId));
    // The new group first reads the topic's history, poison included; let it finish.
    await waitUntilQuiet([service]);
    const deadLetteredBefore = await metricValue(service, 'choreo_dead_lettered_total');

    // A second writer schema of the same event (a new optional field), registered under its own
    // subject so the shared subject keeps its history. The service has never fetched this id.
    const contract = registry.contract('orders.order_placed');
    // The doc names this run's group, so the schema text, and with it the id, is new on every run.
    const variant = { ...contract.schema, doc: `variant written by the registry drill ${groupId}`, fields: [...contract.schema.fields, { name: 'drill_note', type: ['null', 'string'], default: null }] };
    const variantId = (await registry.client.register({ type: 'AVRO' as never, schema: JSON.stringify(variant) }, { subject: `drill.registry-outage-${groupId}-value` })).id;
    const unseen = { ...orderPlacedEnvelope(), source: 'drill-registry-variant', drill_note: 'written while the registry was down' };
    const unseenBytes = encodeWireFormat(variantId, createAvroType(variant as never).toBuffer(unseen));

    assert.equal(await stopStarted('registry'), 'stopped');

    const during = await producer.publish('orders.order_placed', orderPlacedEnvelope().payload as never, { key: 'during' });
    await waitFor('an event published and handled during the outage', () => handled.has(during.eventId));

    await produceRaw('orders.order_placed', [{ key: unseen.event_id, value: unseenBytes }]);
    await waitFor('consumption paused for the registry', async () => (await metricValue(service, 'choreo_consumer_paused', { dependency: 'registry' })) === 1);
    assert.equal(handled.has(unseen.event_id), false);
    assert.equal(await metricValue(service, 'choreo_dead_lettered_total'), deadLetteredBefore, 'nothing was dead-lettered while the registry was down');

    await up([registryComponent()]);
    await waitFor('the unseen schema handled after the registry returned', () => handled.has(unseen.event_id), 60_000);
    assert.equal(await metricValue(service, 'choreo_dead_lettered_total'), deadLetteredBefore, 'the unseen schema was not dead-lettered');
  });
});
