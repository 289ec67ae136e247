/**
 * Retry storm: the ERP is down for 20 s while invoices keep arriving at example-erp. The retry-storm
 * guard opens and keeps the ERP's load within a budget that follows from the service's
 * configuration, closes again once the ERP is back, and every invoice ends either synced or
 * dead-lettered with a reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CONSUMER_DEFAULTS, dltTopicOf, retryTopicOf } from '@choreo/consumer-kit';
import { createProducer } from '@choreo/producer-kit';

import type { ErpStats } from '../../../services/example-erp/src/erp-stub';
import { drillInvoice, kafka, newRunId, registry } from '../src/feed';
import { type TopicOffsets, commitGroupOffsets, endOffsets, waitUntilCaughtUp } from '../src/group-offsets';
import { fetchJson, readMessages } from '../src/observe';
import {
  type DrillProcess,
  freePort,
  scrape,
  startDrillProcess,
  stopProcess,
  sumMetric,
  waitReady,
} from '../src/processes';
import { prepareStack, waitFor } from '../../consumer-kit/test/support';

const SOURCE_TOPIC = 'billing.invoice_issued';
const SYNCED_TOPIC = 'erp.invoice_synced';
/** Partitions of the source topic; the local stack creates event topics with 3. */
const SOURCE_PARTITIONS = 3;
/** First pause of the retry-storm guard, in milliseconds; the kit's default is 10 s. */
const COOL_DOWN_MS = 1_000;
const OUTAGE_MS = 20_000;
/** Invoices booked before the outage: they fill the guard's window with successes. */
const WARM_INVOICES = 40;
/** Invoices published during the outage, 5 every 500 ms. */
const OUTAGE_INVOICES = 160;
/** Every tenth invoice is in a currency the ERP stub has no books for, so the ERP rejects it for good. */
const REJECTED_CURRENCY = 'CHF';
/** Outcomes a half-open circuit waits for before it closes or opens again (the kit's HALF_OPEN_PROBES). */
const HALF_OPEN_PROBES = 5;

/**
 * Computes the maximum number of ERP requests that example-erp may send while the ERP is down, from
 * the guard's and the retry configuration. With S the handler runs of source-topic deliveries during
 * the outage:
 *
 *   S = max(minimumOutcomes, ceil(windowSize × failureRatio))  failures before the first opening; the
 *                                                              window may be full of earlier successes
 *     + H × HALF_OPEN_PROBES                                   outcomes each half-open period lets through
 *     + (H + 1) × (P − 1)                                      at each opening, each other partition in
 *                                                              flight finishes the handler it is running
 *   budget = S × (1 + maxAttempts)                             each failed delivery is retried at most
 *                                                              maxAttempts times, whatever the circuit does
 *
 * H is the number of half-open periods that start during the outage. The cool-down c doubles on each
 * reopening, so they start c, 3c, 7c, ..., (2^k − 1)c after the first opening. P is the number of
 * source partitions processed at the same time. Retry topics keep flowing while the circuit is open,
 * which the last factor covers.
 */
function outageRequestBudget(outageMs: number): {
  budget: number;
  halfOpenPeriods: number;
  sourceRuns: number;
} {
  const circuit = CONSUMER_DEFAULTS.circuit;
  const concurrent = Math.min(CONSUMER_DEFAULTS.consumer.partitionsConsumedConcurrently, SOURCE_PARTITIONS);
  let halfOpenPeriods = 0;
  while (COOL_DOWN_MS * (2 ** (halfOpenPeriods + 1) - 1) < outageMs) halfOpenPeriods += 1;

  const beforeFirstOpening = Math.max(
    circuit.minimumOutcomes,
    Math.ceil(circuit.windowSize * circuit.failureRatio),
  );
  const sourceRuns =
    beforeFirstOpening + halfOpenPeriods * HALF_OPEN_PROBES + (halfOpenPeriods + 1) * (concurrent - 1);
  return { budget: sourceRuns * (1 + CONSUMER_DEFAULTS.retry.maxAttempts), halfOpenPeriods, sourceRuns };
}

describe('retry storm drill', () => {
  const runId = newRunId('storm');
  const groupId = `drill-${runId}`;
  const topics = [
    SOURCE_TOPIC,
    ...Array.from({ length: CONSUMER_DEFAULTS.retry.maxAttempts }, (_, index) =>
      retryTopicOf(SOURCE_TOPIC, groupId, index + 1),
    ),
  ];
  const producer = createProducer({ source: `drill-${runId}`, registry, kafka });
  const processes: DrillProcess[] = [];
  let syncedStart: TopicOffsets;
  let stub: { process: DrillProcess; url: string };
  let erp: { process: DrillProcess; port: number };

  before(async () => {
    await prepareStack();
    await commitGroupOffsets(kafka, groupId, await endOffsets(kafka, [SOURCE_TOPIC]));
    syncedStart = await endOffsets(kafka, [SYNCED_TOPIC]);

    const stubPort = await freePort();
    stub = {
      process: startDrillProcess(`${runId}-erp-stub`, 'services/example-erp/src/erp-stub-main.ts', {
        ERP_STUB_PORT: String(stubPort),
      }),
      url: `http://127.0.0.1:${stubPort}`,
    };
    const erpPort = await freePort();
    erp = {
      process: startDrillProcess(`${runId}-erp`, 'services/example-erp/src/main.ts', {
        GROUP_ID: groupId,
        PORT: String(erpPort),
        ERP_URL: stub.url,
        CIRCUIT_COOL_DOWN_MS: String(COOL_DOWN_MS),
      }),
      port: erpPort,
    };
    processes.push(stub.process, erp.process);
    await waitReady(stub.process, `${stub.url}/admin/stats`);
    await waitReady(erp.process, `http://127.0.0.1:${erpPort}/readyz`, 90_000);
  });

  after(async () => {
    await Promise.all(processes.map((process) => stopProcess(process)));
    await producer.disconnect();
  });

  const publishInvoices = (first: number, count: number) =>
    producer.publishBatch(
      Array.from({ length: count }, (_, offset) => {
        const index = first + offset;
        const payload = drillInvoice(runId, index, index % 10 === 9 ? REJECTED_CURRENCY : 'EUR');
        return { eventType: 'billing.invoice_issued' as const, payload, options: { key: payload.order_id } };
      }),
    );
  const stats = () => fetchJson<ErpStats>(stub.process, `${stub.url}/admin/stats`);
  const metric = async (name: string) => sumMetric(await scrape(erp.port), name);

  it('bounds ERP load during an outage', { timeout: 240_000 }, async (t) => {
    await publishInvoices(0, WARM_INVOICES);
    await waitUntilCaughtUp(kafka, groupId, topics, 60_000);
    const beforeOutage = await stats();

    const outage = await fetch(`${stub.url}/admin/outage`, {
      method: 'POST',
      body: JSON.stringify({ durationMs: OUTAGE_MS }),
    });
    assert.equal(outage.status, 202, 'the ERP stub accepted the outage');
    const outageEndsAt = Date.now() + OUTAGE_MS;
    for (let index = WARM_INVOICES; index < WARM_INVOICES + OUTAGE_INVOICES; index += 5) {
      await publishInvoices(index, 5);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEndsAt - Date.now())));
    const afterOutage = await stats();

    await waitFor(
      'the retry-storm guard closed again',
      async () =>
        (await metric('choreo_circuit_openings_total')) >= 1 && (await metric('choreo_circuit_state')) === 0,
      90_000,
    );
    await waitUntilCaughtUp(kafka, groupId, topics, 90_000);
    const openings = await metric('choreo_circuit_openings_total');

    const invoiceIds = Array.from(
      { length: WARM_INVOICES + OUTAGE_INVOICES },
      (_, index) => drillInvoice(runId, index).invoice_id,
    );
    const ours = (payload: Record<string, unknown> | undefined) =>
      String(payload?.invoice_id ?? '').startsWith(`${runId}-`);
    const synced = (await readMessages(kafka, SYNCED_TOPIC, syncedStart)).filter((message) =>
      ours(message.payload),
    );
    const deadLetters = (await readMessages(kafka, dltTopicOf(SOURCE_TOPIC, groupId))).filter((message) =>
      ours(message.payload),
    );

    const outageRequests = afterOutage.unavailable - beforeOutage.unavailable;
    const { budget, halfOpenPeriods, sourceRuns } = outageRequestBudget(OUTAGE_MS);
    const reasons = new Map<string, number>();
    for (const letter of deadLetters)
      reasons.set(String(letter.deadLetterReason), (reasons.get(String(letter.deadLetterReason)) ?? 0) + 1);
    t.diagnostic(
      `ERP requests during the ${OUTAGE_MS / 1000} s outage: ${outageRequests}; budget ${budget} = (${sourceRuns} source runs with ${halfOpenPeriods} half-open periods) × ${1 + CONSUMER_DEFAULTS.retry.maxAttempts}`,
    );
    t.diagnostic(
      `without the guard up to ${OUTAGE_INVOICES * (1 + CONSUMER_DEFAULTS.retry.maxAttempts)} (every invoice of the outage, each retried ${CONSUMER_DEFAULTS.retry.maxAttempts} times)`,
    );
    t.diagnostic(
      `circuit openings: ${openings}; synced ${synced.length}, dead-lettered ${deadLetters.length}: ${JSON.stringify(Object.fromEntries(reasons))}`,
    );

    assert.ok(outageRequests > 0, 'the service called the ERP during the outage');
    assert.ok(
      outageRequests <= budget,
      `ERP requests during the outage (${outageRequests}) stay within the budget (${budget})`,
    );
    assert.ok(openings >= 1, 'the retry-storm guard opened');
    assert.equal(
      await metric('choreo_circuit_state'),
      0,
      'the retry-storm guard is closed after the ERP came back',
    );

    const outcomes = new Map<string, string[]>(invoiceIds.map((invoiceId) => [invoiceId, []]));
    for (const message of synced) outcomes.get(String(message.payload?.invoice_id))?.push('synced');
    for (const letter of deadLetters)
      outcomes.get(String(letter.payload?.invoice_id))?.push(`dead-lettered: ${letter.deadLetterReason}`);
    const unsettled = [...outcomes]
      .filter(([, seen]) => seen.length !== 1)
      .map(([invoiceId, seen]) => `${invoiceId}: ${seen.join(', ') || 'nothing'}`);
    assert.deepEqual(unsettled, [], 'every invoice is either synced or dead-lettered, once');
    assert.ok(
      deadLetters.every(
        (letter) =>
          letter.deadLetterReason === 'non-retryable' || letter.deadLetterReason === 'retries-exhausted',
      ),
      'every dead letter says why: non-retryable or retries-exhausted',
    );
    const rejected = invoiceIds.filter((_, index) => index % 10 === 9);
    assert.ok(
      rejected.every((invoiceId) => outcomes.get(invoiceId)?.[0]?.startsWith('dead-lettered')),
      `every ${REJECTED_CURRENCY} invoice, which the ERP rejects, is dead-lettered`,
    );
  });
});
