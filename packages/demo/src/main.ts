/**
 * `pnpm demo`: two services on real Kafka through a bad day. It publishes 1,000 orders with
 * redeliveries and poison messages while the ERP has outages, waits until every order is charged and
 * then synced or dead-lettered, prints a summary and checks the invariants. Exit code 1 when one fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { loadConfig } from '@choreo/config';
import { dltTopicOf } from '@choreo/consumer-kit';
import { ContractRegistry, loadContracts } from '@choreo/contracts';
import { createKafkaClient } from '@choreo/kafka';
import { ensureEventTopics } from '@choreo/producer-kit';

import { billingService } from '@choreo/example-billing/declaration';
import { openLedger } from '@choreo/example-billing/ledger';
import { erpService } from '@choreo/example-erp/declaration';
import type { ErpStats } from '@choreo/example-erp/erp-stub';
import { loadOrders, publishFeed, publishPoison } from './feed';
import { RunObserver } from './observer';
import { type DemoProcess, scrape, startProcess, stopProcess, sumMetric, waitReady } from './processes';
import { buildSummary, checkInvariants, printSummary } from './summary';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const PORTS = { billing: 9471, erp: 9472, erpStub: 9480 };
/** Maximum wait for the services to settle every order, in milliseconds. */
const SETTLE_TIMEOUT_MS = 150_000;

async function main(): Promise<number> {
  const startedAt = Date.now();
  const runId = `run${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const kafka = createKafkaClient({ brokers: loadConfig().kafkaBrokers, clientId: 'choreo-demo', onLog: () => undefined });
  const registry = new ContractRegistry();

  console.log(`demo ${runId}: registering contracts and creating topics`);
  for (const contract of loadContracts()) await registry.register(contract);
  const admin = kafka.admin();
  await admin.connect();
  await ensureEventTopics(admin, loadContracts());
  await admin.disconnect();

  const processes: DemoProcess[] = [];
  const ledger = await openLedger();
  const deadLetterTopics = [dltTopicOf('orders.order_placed', billingService.groupId), dltTopicOf('billing.invoice_issued', erpService.groupId)];
  const observer = new RunObserver(kafka, registry, runId, {
    synced: 'erp.invoice_synced',
    deadLetters: deadLetterTopics,
    traced: loadContracts().map((contract) => contract.topic),
  });

  try {
    console.log('starting the ERP stub, example-billing and example-erp as separate processes');
    const stub = startProcess(ROOT, 'erp-stub', 'services/example-erp/src/erp-stub-main.ts', { ERP_STUB_PORT: String(PORTS.erpStub) });
    const billing = startProcess(ROOT, 'billing', 'services/example-billing/src/main.ts', { PORT: String(PORTS.billing) });
    const erp = startProcess(ROOT, 'erp', 'services/example-erp/src/main.ts', { PORT: String(PORTS.erp), ERP_URL: `http://127.0.0.1:${PORTS.erpStub}` });
    processes.push(stub, billing, erp);
    await waitReady(stub, `http://127.0.0.1:${PORTS.erpStub}/admin/stats`);
    await waitReady(billing, `http://127.0.0.1:${PORTS.billing}/readyz`);
    await waitReady(erp, `http://127.0.0.1:${PORTS.erp}/readyz`);
    // An earlier run may have left events behind; they are processed first, and what the services
    // counted for them is subtracted from this run's figures.
    await waitUntilIdle();
    const baseline = await scrapeAll();
    await observer.start();

    const orders = loadOrders(ROOT, runId);
    const tracedOrderId = orders[0]?.order_id ?? '';
    console.log(`publishing ${orders.length} orders with redeliveries, then poison messages; the ERP goes down twice`);
    const outages = scheduleOutages();
    const feed = await publishFeed(kafka, registry, orders, (published) => progress(`published ${published} order messages`));
    observer.traceCorrelation(feed.correlationIds.get(tracedOrderId) ?? '');
    const poisonKeys = await publishPoison(kafka, registry, runId);
    if (process.stdout.isTTY) process.stdout.write('\n');

    const uniqueOrders = orders.length;
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let counts = await countProgress(runId, ledger, observer, baseline);
    while (Date.now() < deadline && !(counts.charges >= uniqueOrders && counts.settled >= uniqueOrders && counts.billingAccounted >= feed.messages + poisonKeys.length)) {
      progress(`charged ${counts.charges}/${uniqueOrders} | synced ${observer.synced.size} | dead letters ${observer.deadLetters.length} | duplicates skipped ${counts.duplicates} | retries ${counts.retries}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      counts = await countProgress(runId, ledger, observer, baseline);
    }
    clearTimeout(outages);
    // Let the trace's last hop and any late dead letter arrive.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    counts = await countProgress(runId, ledger, observer, baseline);
    if (process.stdout.isTTY) process.stdout.write('\n');

    const metrics = await scrapeAll();
    const summary = buildSummary({
      runId,
      orders: orders.map((order) => order.order_id),
      orderMessages: feed.messages,
      poisonKeys,
      charges: counts.charges,
      chargedOrders: counts.chargedOrders,
      metrics,
      baseline,
      observer,
      tracedOrderId,
      tracedCorrelationId: feed.correlationIds.get(tracedOrderId) ?? '',
      erpStats: (await (await fetch(`http://127.0.0.1:${PORTS.erpStub}/admin/stats`)).json()) as ErpStats,
      elapsedSeconds: (Date.now() - startedAt) / 1000,
    });
    const failures = checkInvariants(summary);
    printSummary(summary, failures);

    const file = join(ROOT, '.choreo', 'demo-summary.json');
    mkdirSync(join(ROOT, '.choreo'), { recursive: true });
    writeFileSync(file, JSON.stringify({ ...summary, invariantFailures: failures }, null, 2) + '\n');
    console.log(`\nsummary written to ${file}; the stack stays up (pnpm stack down stops it)`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await observer.stop().catch(() => undefined);
    await Promise.all(processes.map((child) => stopProcess(child)));
    await ledger.close();
  }
}

function scheduleOutages(): NodeJS.Timeout {
  const outage = (durationMs: number) =>
    fetch(`http://127.0.0.1:${PORTS.erpStub}/admin/outage`, { method: 'POST', body: JSON.stringify({ durationMs }) }).catch(() => undefined);
  setTimeout(() => void outage(4_000), 2_000);
  return setTimeout(() => void outage(5_000), 12_000);
}

/** Waits until neither service has consumed anything for 3 seconds and both report no lag. */
async function waitUntilIdle(timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const metrics = await scrapeAll();
    const consumed = sumMetric(metrics.billing, 'choreo_events_consumed_total') + sumMetric(metrics.erp, 'choreo_events_consumed_total');
    const lag = sumMetric(metrics.billing, 'choreo_consumer_lag') + sumMetric(metrics.erp, 'choreo_consumer_lag');
    if (consumed !== previous || lag > 0) quietSince = Date.now();
    if (Date.now() - quietSince >= 3_000) return;
    if (consumed !== previous && previous >= 0) progress(`processing ${consumed} events left by an earlier run`);
    previous = consumed;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the services did not finish the backlog of an earlier run within ${timeoutMs / 1000} s`);
}

async function scrapeAll(): Promise<{ billing: string; erp: string }> {
  return { billing: await scrape(PORTS.billing), erp: await scrape(PORTS.erp) };
}

async function countProgress(runId: string, ledger: Awaited<ReturnType<typeof openLedger>>, observer: RunObserver, baseline: { billing: string; erp: string }) {
  const { charges, orders } = await ledger.countCharges(`${runId}-`);
  const metrics = await scrapeAll();
  const delta = (service: 'billing' | 'erp', name: string, labels?: Record<string, string>) => sumMetric(metrics[service], name, labels) - sumMetric(baseline[service], name, labels);
  const erpDeadLettered = new Set(observer.deadLetters.filter((entry) => entry.topic.startsWith('billing.invoice_issued')).map((entry) => entry.orderId));
  return {
    charges,
    chargedOrders: orders,
    duplicates: delta('billing', 'choreo_duplicates_skipped_total'),
    retries: delta('billing', 'choreo_retries_total') + delta('erp', 'choreo_retries_total'),
    settled: [...observer.synced].filter((orderId) => !erpDeadLettered.has(orderId)).length + erpDeadLettered.size,
    /** Source messages of billing that reached an outcome: processed, skipped as duplicates, or dead-lettered. */
    billingAccounted:
      delta('billing', 'choreo_events_processed_total') + delta('billing', 'choreo_duplicates_skipped_total') + delta('billing', 'choreo_dead_lettered_total') - delta('billing', 'choreo_events_deferred_total'),
  };
}

let lastProgressLine = 0;

/** Rewrites one status line on a terminal; elsewhere (CI logs) prints a line every 5 seconds. */
function progress(text: string): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`\r  ${text}`.padEnd(110));
  } else if (Date.now() - lastProgressLine >= 5_000) {
    lastProgressLine = Date.now();
    console.log(`  ${text}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
