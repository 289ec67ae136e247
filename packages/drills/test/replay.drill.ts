/**
 * Replay: example-billing and example-erp process a feed of orders with duplicates, a poison message
 * and a short ERP outage, until idle. Then both are stopped, their groups' committed offsets on every
 * topic they read (source and retry topics) are moved back to where the groups started, and fresh
 * instances with a fresh ERP stub read it all again. Nothing may happen a second time: no new ledger
 * row, no ERP request, no dead letter; every replayed message is skipped as a duplicate.
 *
 * The services run under groups of their own (GROUP_ID), so the drill never moves the offsets of the
 * real `example-billing` and `example-erp` groups. A group of its own starts at the end of its topics,
 * so "where the group started" is the earliest offset it ever read: the start of the feed on the
 * source topics and the earliest offset of its retry topics.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { CONSUMER_DEFAULTS, dltTopicOf, retryTopicOf } from '@choreo/consumer-kit';
import { type BatchItem, createProducer } from '@choreo/producer-kit';

import { openLedger } from '../../../services/example-billing/src/ledger';
import type { ErpStats } from '../../../services/example-erp/src/erp-stub';
import { drillOrder, kafka, newRunId, registry } from '../src/feed';
import {
  type TopicOffsets,
  commitGroupOffsets,
  earliestOffsets,
  endOffsets,
  messagesBetween,
  waitUntilCaughtUp,
} from '../src/group-offsets';
import { fetchJson, readMessages } from '../src/observe';
import {
  type DrillProcess,
  exitOf,
  freePort,
  scrape,
  startDrillProcess,
  stopProcess,
  sumMetric,
  waitReady,
} from '../src/processes';
import { disconnectProducer, prepareStack, produceRaw, waitFor } from '../../consumer-kit/test/support';

const ORDERS_TOPIC = 'orders.order_placed';
const INVOICES_TOPIC = 'billing.invoice_issued';
const ORDERS = 100;
/** Every tenth order is in a currency the ERP stub rejects, so its invoice is dead-lettered. */
const REJECTED_CURRENCY = 'CHF';
/** ERP outage at the start of the feed, so some invoices go through the retry topics. */
const OUTAGE_MS = 3_000;

/** How many times order `index` is delivered: 1, 2 or 3, as a producer retrying after timeouts would. */
const deliveriesOf = (index: number) => (index % 3) + 1;

interface Services {
  stub: { process: DrillProcess; url: string };
  billing: { process: DrillProcess; port: number };
  erp: { process: DrillProcess; port: number };
}

describe('replay drill', () => {
  const runId = newRunId('replay');
  const groups = { billing: `drill-${runId}-billing`, erp: `drill-${runId}-erp` };
  const retryTopics = (topic: string, groupId: string) =>
    Array.from({ length: CONSUMER_DEFAULTS.retry.maxAttempts }, (_, index) =>
      retryTopicOf(topic, groupId, index + 1),
    );
  const billingTopics = [ORDERS_TOPIC, ...retryTopics(ORDERS_TOPIC, groups.billing)];
  const erpTopics = [INVOICES_TOPIC, ...retryTopics(INVOICES_TOPIC, groups.erp)];
  const deadLetterTopics = [dltTopicOf(ORDERS_TOPIC, groups.billing), dltTopicOf(INVOICES_TOPIC, groups.erp)];
  const producer = createProducer({ source: `drill-${runId}`, registry, kafka });
  const processes: DrillProcess[] = [];
  let ledger: Awaited<ReturnType<typeof openLedger>>;
  let feedStart: TopicOffsets;

  before(async () => {
    await prepareStack();
    ledger = await openLedger();
    feedStart = await endOffsets(kafka, [ORDERS_TOPIC, INVOICES_TOPIC]);
    await Promise.all([
      commitGroupOffsets(kafka, groups.billing, new Map([[ORDERS_TOPIC, feedStart.get(ORDERS_TOPIC) ?? []]])),
      commitGroupOffsets(kafka, groups.erp, new Map([[INVOICES_TOPIC, feedStart.get(INVOICES_TOPIC) ?? []]])),
    ]);
  });

  after(async () => {
    await Promise.all(processes.map((process) => stopProcess(process)));
    await producer.disconnect();
    await disconnectProducer();
    await ledger?.close();
  });

  async function startServices(label: string): Promise<Services> {
    const [stubPort, billingPort, erpPort] = [await freePort(), await freePort(), await freePort()];
    const stubUrl = `http://127.0.0.1:${stubPort}`;
    const services: Services = {
      stub: {
        process: startDrillProcess(
          `${runId}-${label}-erp-stub`,
          'services/example-erp/src/erp-stub-main.ts',
          { ERP_STUB_PORT: String(stubPort) },
        ),
        url: stubUrl,
      },
      billing: {
        process: startDrillProcess(`${runId}-${label}-billing`, 'services/example-billing/src/main.ts', {
          GROUP_ID: groups.billing,
          PORT: String(billingPort),
        }),
        port: billingPort,
      },
      erp: {
        process: startDrillProcess(`${runId}-${label}-erp`, 'services/example-erp/src/main.ts', {
          GROUP_ID: groups.erp,
          PORT: String(erpPort),
          ERP_URL: stubUrl,
          CIRCUIT_COOL_DOWN_MS: '2000',
        }),
        port: erpPort,
      },
    };
    processes.push(services.stub.process, services.billing.process, services.erp.process);
    await waitReady(services.stub.process, `${stubUrl}/admin/stats`);
    await Promise.all([
      waitReady(services.billing.process, `http://127.0.0.1:${billingPort}/readyz`, 90_000),
      waitReady(services.erp.process, `http://127.0.0.1:${erpPort}/readyz`, 90_000),
    ]);
    return services;
  }

  async function stopServices(services: Services): Promise<void> {
    for (const { process } of [services.billing, services.erp, services.stub]) {
      await stopProcess(process);
      assert.equal(
        (await exitOf(process)).code,
        0,
        `${process.name} shut down cleanly; see ${process.logFile}`,
      );
    }
  }

  async function waitUntilIdle(): Promise<void> {
    await Promise.all([
      waitUntilCaughtUp(kafka, groups.billing, billingTopics, 120_000),
      waitUntilCaughtUp(kafka, groups.erp, erpTopics, 120_000),
    ]);
  }

  /** Publishes every order once, then the second copies, then the third, each copy with its order's event id. */
  async function publishFeed(): Promise<number> {
    const orders = Array.from({ length: ORDERS }, (_, index) => ({
      payload: drillOrder(runId, index, index % 10 === 9 ? REJECTED_CURRENCY : 'EUR'),
      eventId: randomUUID(),
      copies: deliveriesOf(index),
    }));
    let messages = 0;
    for (let copy = 1; copy <= 3; copy++) {
      const items: BatchItem[] = orders
        .filter((order) => order.copies >= copy)
        .map((order) => ({
          eventType: 'orders.order_placed',
          payload: order.payload,
          options: { key: order.payload.order_id, eventId: order.eventId },
        }));
      await producer.publishBatch(items);
      messages += items.length;
    }
    await produceRaw(ORDERS_TOPIC, [
      {
        key: `${runId}-poison`,
        value: Buffer.from('not an Avro record; a replay must not dead-letter it again'),
      },
    ]);
    return messages + 1;
  }

  it('replays without a second side effect', { timeout: 300_000 }, async (t) => {
    const prefix = `${runId}-`;
    const first = await startServices('first');
    await fetch(`${first.stub.url}/admin/outage`, {
      method: 'POST',
      body: JSON.stringify({ durationMs: OUTAGE_MS }),
    });
    const feedMessages = await publishFeed();
    await waitFor(
      'every order charged',
      async () => (await ledger.countCharges(prefix)).orders === ORDERS,
      90_000,
    );
    await waitUntilIdle();

    const charged = await ledger.countCharges(prefix);
    const firstStats = await fetchJson<ErpStats>(first.stub.process, `${first.stub.url}/admin/stats`);
    const deadLettersBefore = await endOffsets(kafka, deadLetterTopics);
    const invoiceIds = new Set(
      (await readMessages(kafka, INVOICES_TOPIC, feedStart))
        .filter((message) => String(message.payload?.order_id ?? '').startsWith(prefix))
        .map((message) => String(message.payload?.invoice_id)),
    );
    const erpRequestsFor = (stats: ErpStats) =>
      [...invoiceIds].reduce((sum, invoiceId) => sum + (stats.requestsPerInvoice[invoiceId] ?? 0), 0);
    t.diagnostic(
      `first run: ${feedMessages} order messages, ${charged.charges} ledger rows, ${invoiceIds.size} invoices, ${erpRequestsFor(firstStats)} ERP requests, ${messagesBetween(new Map(), deadLettersBefore)} dead letters`,
    );
    assert.equal(charged.charges, ORDERS, 'the first run charged every order once');
    assert.equal(invoiceIds.size, ORDERS, 'the first run issued one invoice per order');

    await stopServices(first);
    const earliest = await earliestOffsets(kafka, [...billingTopics.slice(1), ...erpTopics.slice(1)]);
    const rewind = (source: string, retries: string[]): TopicOffsets =>
      new Map([
        [source, feedStart.get(source) ?? []],
        ...retries.map((topic) => [topic, earliest.get(topic) ?? []] as const),
      ]);
    const billingRewind = rewind(ORDERS_TOPIC, billingTopics.slice(1));
    const erpRewind = rewind(INVOICES_TOPIC, erpTopics.slice(1));
    await Promise.all([
      commitGroupOffsets(kafka, groups.billing, billingRewind),
      commitGroupOffsets(kafka, groups.erp, erpRewind),
    ]);
    const replayed = {
      billing: messagesBetween(billingRewind, await endOffsets(kafka, billingTopics)),
      erp: messagesBetween(erpRewind, await endOffsets(kafka, erpTopics)),
    };

    const replay = await startServices('replay');
    await waitUntilIdle();
    const billingMetrics = await scrape(replay.billing.port);
    const erpMetrics = await scrape(replay.erp.port);
    const replayStats = await fetchJson<ErpStats>(replay.stub.process, `${replay.stub.url}/admin/stats`);
    const deadLettersAfter = await endOffsets(kafka, deadLetterTopics);
    const duplicates = {
      billing: sumMetric(billingMetrics, 'choreo_duplicates_skipped_total'),
      erp: sumMetric(erpMetrics, 'choreo_duplicates_skipped_total'),
    };

    t.diagnostic(
      `replayed ${replayed.billing} messages to billing and ${replayed.erp} to erp, source and retry topics`,
    );
    t.diagnostic(
      `duplicates skipped: billing ${duplicates.billing}, erp ${duplicates.erp}; ERP requests during the replay: ${replayStats.requests} in all, ${erpRequestsFor(replayStats)} for this run's invoices`,
    );

    assert.equal(
      (await ledger.countCharges(prefix)).charges,
      charged.charges,
      'the replay added no ledger row',
    );
    assert.equal(
      erpRequestsFor(replayStats),
      0,
      "the replay sent no request to the ERP for this run's invoices",
    );
    const newDeadLetters = messagesBetween(deadLettersBefore, deadLettersAfter);
    if (newDeadLetters > 0) {
      const letters = (
        await Promise.all(deadLetterTopics.map((topic) => readMessages(kafka, topic, deadLettersBefore)))
      ).flat();
      assert.fail(
        `the replay dead-lettered ${newDeadLetters} messages again: keys ${letters.map((letter) => letter.key).join(', ')}`,
      );
    }
    assert.ok(
      duplicates.billing >= feedMessages,
      `billing skipped every replayed order message as a duplicate (${duplicates.billing} of ${feedMessages})`,
    );
    assert.ok(
      duplicates.erp >= invoiceIds.size,
      `erp skipped every replayed invoice as a duplicate (${duplicates.erp} of ${invoiceIds.size})`,
    );
  });
});
