import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in ERP that misbehaves on purpose, so the example shows retries and dead letters:
 * - outages: between `POST /admin/outage {"durationMs": n}` and n ms later every booking gets 503;
 * - slow responses: a share of bookings waits before responding;
 * - permanent rejections: invoices in a currency the ERP has no books for get 422, forever.
 * Bookings are idempotent by invoice id, as a real ERP's API would be with an idempotency key.
 */
export interface ErpStubOptions {
  port?: number;
  /** Listen address. Unset: 127.0.0.1. */
  host?: string;
  /** Currencies the ERP keeps books in; others are rejected with 422. */
  currencies?: readonly string[];
  /** Share of bookings with a slow response, between 0 and 1. Unset: 0.05. */
  slowShare?: number;
  /** Delay of a slow response, in milliseconds. Unset: 400. */
  slowMs?: number;
}

export interface ErpStats {
  requests: number;
  booked: number;
  rejected: number;
  unavailable: number;
  /** Booking requests per invoice id, to check that retries stay bounded. */
  requestsPerInvoice: Record<string, number>;
}

export interface ErpStub {
  url: string;
  stats(): ErpStats;
  startOutage(durationMs: number): void;
  close(): Promise<void>;
}

export async function startErpStub(options: ErpStubOptions = {}): Promise<ErpStub> {
  const currencies = new Set(options.currencies ?? ['EUR', 'USD', 'GBP', 'SEK']);
  const slowShare = options.slowShare ?? 0.05;
  const slowMs = options.slowMs ?? 400;
  const documents = new Map<string, string>();
  const stats: ErpStats = { requests: 0, booked: 0, rejected: 0, unavailable: 0, requestsPerInvoice: {} };
  let outageUntil = 0;

  const server: Server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    const text = await readBody(request);

    if (request.method === 'POST' && request.url === '/admin/outage') {
      const { durationMs } = JSON.parse(text || '{}') as { durationMs?: number };
      outageUntil = Date.now() + (durationMs ?? 5_000);
      return reply(202, { outageUntil: new Date(outageUntil).toISOString() });
    }
    if (request.method === 'GET' && request.url === '/admin/stats') return reply(200, stats);
    if (request.method !== 'POST' || request.url !== '/invoices') return reply(404, { error: 'not found' });

    let invoice: { invoice_id?: string; currency?: string };
    try {
      invoice = JSON.parse(text);
    } catch {
      return reply(400, { error: 'body is not JSON' });
    }
    const invoiceId = invoice.invoice_id ?? '';
    stats.requests += 1;
    stats.requestsPerInvoice[invoiceId] = (stats.requestsPerInvoice[invoiceId] ?? 0) + 1;

    if (Date.now() < outageUntil) {
      stats.unavailable += 1;
      return reply(503, { error: 'ERP is down for maintenance' });
    }
    if (Math.random() < slowShare) await new Promise((resolve) => setTimeout(resolve, slowMs));
    if (!invoiceId) return reply(400, { error: 'invoice_id is missing' });
    if (!currencies.has(invoice.currency ?? '')) {
      stats.rejected += 1;
      return reply(422, { error: `no ledger for currency ${invoice.currency}` });
    }

    let documentId = documents.get(invoiceId);
    if (documentId === undefined) {
      documentId = `ERP-${randomUUID().slice(0, 13).toUpperCase()}`;
      documents.set(invoiceId, documentId);
      stats.booked += 1;
    }
    return reply(200, { document_id: documentId });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    startOutage: (durationMs) => void (outageUntil = Date.now() + durationMs),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(request: import('node:http').IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
