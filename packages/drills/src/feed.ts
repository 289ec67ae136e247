import { randomUUID } from 'node:crypto';

import { loadConfig } from '@choreo/config';
import { ContractRegistry, type InvoiceIssued, type OrderPlaced } from '@choreo/contracts';
import { createKafkaClient } from '@choreo/kafka';

/** The drills' Kafka client; the kafkajs log stays quiet because every drill asserts on outcomes instead. */
export const kafka = createKafkaClient({
  brokers: loadConfig().kafkaBrokers,
  clientId: 'choreo-drills',
  onLog: () => undefined,
});
export const registry = new ContractRegistry();

/**
 * Returns a new id for one drill run, such as `replay-1f0c9a2b`. Order ids, groups and tables of the run start
 * with it, so the drill finds its own events on topics and in tables that other runs also use.
 */
export function newRunId(drill: string): string {
  return `${drill}-${randomUUID().slice(0, 8)}`;
}

/** Order `index` of run `runId`: order id `<runId>-ord-<index>`, total 25.00 in `currency`. */
export function drillOrder(runId: string, index: number, currency = 'EUR'): OrderPlaced {
  return {
    order_id: `${runId}-ord-${String(index).padStart(4, '0')}`,
    customer_id: `cus-${index % 17}`,
    customer_email: `drill-${index % 17}@example.com`,
    items: [{ sku: 'KET-100', description: 'Electric kettle 1.7 l', quantity: 1, unit_price_minor: 2500 }],
    total_minor: 2500,
    currency,
    channel: 'WEB',
  };
}

/** Invoice `index` of run `runId` for order `<runId>-ord-<index>`: 25.00 gross in `currency`. */
export function drillInvoice(runId: string, index: number, currency = 'EUR'): InvoiceIssued {
  const suffix = String(index).padStart(4, '0');
  return {
    invoice_id: `${runId}-inv-${suffix}`,
    invoice_number: `DRILL-${suffix}`,
    order_id: `${runId}-ord-${suffix}`,
    payment_id: `${runId}-pay-${suffix}`,
    customer_id: `cus-${index % 17}`,
    lines: [{ sku: 'KET-100', quantity: 1, net_minor: 2083, tax_minor: 417 }],
    net_minor: 2083,
    tax_minor: 417,
    gross_minor: 2500,
    currency,
    issued_at: new Date(),
  };
}
