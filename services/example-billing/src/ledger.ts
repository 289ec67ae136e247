import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

/** The payment ledger: one row per charged order, in the service's own database. */
export interface Payment {
  paymentId: string;
  orderId: string;
  eventId: string;
  customerId: string;
  amountMinor: number;
  currency: string;
  correlationId: string;
  chargedAt: Date;
}

export interface Ledger {
  /**
   * Charges an order once. The unique key on order_id is the last line of defence: if the consumer
   * kit's deduplication were bypassed, the second charge is refused here and `charged` is false.
   */
  charge(payment: Omit<Payment, 'paymentId' | 'chargedAt'>): Promise<{ payment: Payment; charged: boolean }>;
  nextInvoiceNumber(year: number): Promise<string>;
  /** Charges of orders whose id starts with `prefix` (the demo uses one prefix per run). */
  countCharges(prefix: string): Promise<{ charges: number; orders: number }>;
  close(): Promise<void>;
}

/** Default address: the machine's PostgreSQL, database `choreo_billing`, created on first start. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/choreo_billing';

export async function openLedger(databaseUrl = process.env.BILLING_DATABASE_URL ?? DEFAULT_DATABASE_URL): Promise<Ledger> {
  await createDatabaseIfMissing(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  await pool.query(`
    CREATE TABLE IF NOT EXISTS payments (
      payment_id     text PRIMARY KEY,
      order_id       text NOT NULL UNIQUE,
      event_id       text NOT NULL,
      customer_id    text NOT NULL,
      amount_minor   bigint NOT NULL CHECK (amount_minor >= 0),
      currency       char(3) NOT NULL,
      correlation_id text NOT NULL,
      charged_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE SEQUENCE IF NOT EXISTS invoice_numbers;
  `);

  return {
    async charge(payment) {
      const inserted = await pool.query<{ charged_at: Date }>(
        `INSERT INTO payments (payment_id, order_id, event_id, customer_id, amount_minor, currency, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (order_id) DO NOTHING
         RETURNING charged_at`,
        [uuidv7(), payment.orderId, payment.eventId, payment.customerId, payment.amountMinor, payment.currency, payment.correlationId],
      );
      const existing = await pool.query('SELECT * FROM payments WHERE order_id = $1', [payment.orderId]);
      const row = existing.rows[0];
      return {
        charged: inserted.rowCount === 1,
        payment: {
          paymentId: row.payment_id,
          orderId: row.order_id,
          eventId: row.event_id,
          customerId: row.customer_id,
          amountMinor: Number(row.amount_minor),
          currency: row.currency,
          correlationId: row.correlation_id,
          chargedAt: row.charged_at,
        },
      };
    },
    async nextInvoiceNumber(year) {
      const { rows } = await pool.query<{ value: string }>("SELECT nextval('invoice_numbers')::text AS value");
      return `INV-${year}-${(rows[0]?.value ?? '0').padStart(6, '0')}`;
    },
    async countCharges(prefix) {
      const { rows } = await pool.query<{ charges: string; orders: string }>(
        'SELECT count(*)::text AS charges, count(DISTINCT order_id)::text AS orders FROM payments WHERE order_id LIKE $1',
        [`${prefix}%`],
      );
      return { charges: Number(rows[0]?.charges ?? 0), orders: Number(rows[0]?.orders ?? 0) };
    },
    close: () => pool.end(),
  };
}

async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const database = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (error) {
    // Two instances starting together may both try to create it, and the second gets duplicate_database.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await admin.end();
  }
}
