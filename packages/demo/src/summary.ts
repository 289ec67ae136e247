import type { RunObserver, TraceHop } from './observer';
import { sumMetric } from './processes';

interface SummaryInput {
  runId: string;
  orders: string[];
  orderMessages: number;
  poisonKeys: string[];
  charges: number;
  chargedOrders: number;
  metrics: { billing: string; erp: string };
  baseline: { billing: string; erp: string };
  observer: RunObserver;
  tracedOrderId: string;
  tracedCorrelationId: string;
  erpStats: { requests: number; booked: number; rejected: number; unavailable: number; requestsPerInvoice: Record<string, number> };
  elapsedSeconds: number;
}

/** The figures of one demo run; written to .choreo/demo-summary.json as they are. */
export interface DemoSummary {
  runId: string;
  /** Order messages published, redeliveries included. */
  orders: number;
  uniqueOrders: number;
  /** Rows in the payment ledger for this run's orders. */
  charges: number;
  duplicatesSkipped: { billing: number; erp: number };
  /** Messages sent to retry topics, by service and retry level. */
  retries: Record<string, Record<string, number>>;
  deadLettered: {
    total: number;
    byReasonAndOwner: { reason: string; owner: string; topic: string; count: number }[];
    poisonMessages: number;
    orders: string[];
  };
  synced: number;
  accounting: { billingMessages: number; billingOutcomes: number };
  erp: { requests: number; booked: number; rejected: number; unavailable: number; maxRequestsPerInvoice: number };
  trace: { orderId: string; correlationId: string; hops: TraceHop[] };
  elapsedSeconds: number;
}

const HOP_ORDER = ['orders.order_placed', 'billing.payment_captured', 'billing.invoice_issued', 'erp.invoice_synced'];

export function buildSummary(input: SummaryInput): DemoSummary {
  const delta = (service: 'billing' | 'erp', name: string, labels?: Record<string, string>) =>
    sumMetric(input.metrics[service], name, labels) - sumMetric(input.baseline[service], name, labels);
  const retriesOf = (service: 'billing' | 'erp') =>
    Object.fromEntries([1, 2, 3].map((level) => [`level${level}`, delta(service, 'choreo_retries_total', { level: String(level) })]));

  const groups = new Map<string, { reason: string; owner: string; topic: string; count: number }>();
  for (const entry of input.observer.deadLetters) {
    const id = `${entry.reason}/${entry.owner}/${entry.topic}`;
    const group = groups.get(id) ?? { reason: entry.reason, owner: entry.owner, topic: entry.topic, count: 0 };
    group.count += 1;
    groups.set(id, group);
  }
  const poisonKeys = new Set(input.poisonKeys);

  return {
    runId: input.runId,
    orders: input.orderMessages,
    uniqueOrders: input.orders.length,
    charges: input.charges,
    duplicatesSkipped: { billing: delta('billing', 'choreo_duplicates_skipped_total'), erp: delta('erp', 'choreo_duplicates_skipped_total') },
    retries: { 'example-billing': retriesOf('billing'), 'example-erp': retriesOf('erp') },
    deadLettered: {
      total: input.observer.deadLetters.length,
      byReasonAndOwner: [...groups.values()].sort((a, b) => b.count - a.count),
      poisonMessages: input.observer.deadLetters.filter((entry) => poisonKeys.has(entry.key)).length,
      orders: [...new Set(input.observer.deadLetters.flatMap((entry) => (entry.orderId ? [entry.orderId] : [])))].sort(),
    },
    synced: input.observer.synced.size,
    accounting: {
      billingMessages: input.orderMessages + input.poisonKeys.length,
      billingOutcomes:
        delta('billing', 'choreo_events_processed_total') +
        delta('billing', 'choreo_duplicates_skipped_total') +
        delta('billing', 'choreo_dead_lettered_total') -
        delta('billing', 'choreo_events_deferred_total'),
    },
    erp: {
      requests: input.erpStats.requests,
      booked: input.erpStats.booked,
      rejected: input.erpStats.rejected,
      unavailable: input.erpStats.unavailable,
      maxRequestsPerInvoice: Math.max(0, ...Object.values(input.erpStats.requestsPerInvoice)),
    },
    trace: {
      orderId: input.tracedOrderId,
      correlationId: input.tracedCorrelationId,
      hops: HOP_ORDER.flatMap((eventType) => {
        const hop = input.observer.trace.get(eventType);
        return hop ? [hop] : [];
      }),
    },
    elapsedSeconds: Math.round(input.elapsedSeconds),
  };
}

/** Returns one sentence per broken invariant; an empty list means the run kept every promise. */
export function checkInvariants(summary: DemoSummary): string[] {
  const failures: string[] = [];
  if (summary.charges !== summary.uniqueOrders) failures.push(`charges (${summary.charges}) differ from unique orders (${summary.uniqueOrders})`);

  const deadOrders = new Set(summary.deadLettered.orders);
  const settled = summary.synced + [...deadOrders].length;
  if (settled !== summary.uniqueOrders) {
    failures.push(`${summary.uniqueOrders - settled} orders ended neither synced nor dead-lettered (synced ${summary.synced}, dead-lettered ${deadOrders.size})`);
  }
  const withoutReason = summary.deadLettered.byReasonAndOwner.filter((group) => group.reason === 'unknown' || group.owner === 'unknown');
  if (withoutReason.length > 0) failures.push('some dead letters carry no reason or owner');
  if (summary.deadLettered.poisonMessages !== 4) failures.push(`${summary.deadLettered.poisonMessages} of 4 poison messages reached the dead-letter topic`);
  if (summary.accounting.billingOutcomes !== summary.accounting.billingMessages) {
    failures.push(`billing received ${summary.accounting.billingMessages} messages but accounted for ${summary.accounting.billingOutcomes}`);
  }
  if (summary.trace.hops.length !== 4) failures.push(`the traced order shows ${summary.trace.hops.length} of 4 hops`);
  return failures;
}

export function printSummary(summary: DemoSummary, failures: string[]): void {
  const rows: [string, string | number][] = [
    ['orders published (with redeliveries)', summary.orders],
    ['unique orders', summary.uniqueOrders],
    ['charges in the ledger', summary.charges],
    ['duplicates skipped by billing', summary.duplicatesSkipped.billing],
    ['duplicates skipped by erp', summary.duplicatesSkipped.erp],
    ['invoices synced to the ERP', summary.synced],
    ['retries, billing (level 1/2/3)', Object.values(summary.retries['example-billing'] ?? {}).join(' / ')],
    ['retries, erp (level 1/2/3)', Object.values(summary.retries['example-erp'] ?? {}).join(' / ')],
    ['ERP requests (503 during outages)', `${summary.erp.requests} (${summary.erp.unavailable})`],
    ['most ERP requests for one invoice', summary.erp.maxRequestsPerInvoice],
    ['elapsed', `${summary.elapsedSeconds} s`],
  ];
  console.log('\nChoreo demo summary');
  for (const [label, value] of rows) console.log(`  ${label.padEnd(40)} ${value}`);

  console.log('\nDead letters by reason and owner');
  for (const group of summary.deadLettered.byReasonAndOwner) console.log(`  ${String(group.count).padStart(5)}  ${group.reason.padEnd(18)} ${group.owner.padEnd(14)} ${group.topic}`);

  console.log(`\nTrace of ${summary.trace.orderId} (correlation id ${summary.trace.correlationId})`);
  for (const hop of summary.trace.hops) console.log(`  ${hop.writtenAt}  ${hop.eventType.padEnd(26)} by ${hop.source.padEnd(16)} event ${hop.eventId}`);

  console.log(failures.length === 0 ? '\nAll invariants hold.' : `\nInvariants FAILED:\n${failures.map((failure) => `  - ${failure}`).join('\n')}`);
}
