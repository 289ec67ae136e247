import { type Handler, NonRetryableError } from '@choreo/consumer-kit';
import type { InvoiceIssued } from '@choreo/contracts';
import { v5 as uuidv5 } from 'uuid';

/** Namespace of the event ids this service derives, so one booking always yields the same id. */
const EVENT_ID_NAMESPACE = '3d0c8a4e-9f61-4b7b-8e5a-6c2d1f0e7b93';

/** Time to wait for the ERP before counting the call as failed, in milliseconds. */
const ERP_TIMEOUT_MS = 5_000;

/**
 * Books each issued invoice in the ERP. A 4xx response is the ERP rejecting the invoice for good, so it
 * goes straight to the dead-letter topic. A 5xx, a timeout or a refused connection is retried.
 */
export function erpHandlers(erpUrl: string): { 'billing.invoice_issued': Handler<InvoiceIssued> } {
  return {
    'billing.invoice_issued': async (event, context) => {
      const invoice = event.payload;
      let response: Response;
      try {
        response = await fetch(`${erpUrl}/invoices`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': invoice.invoice_id, 'X-Correlation-Id': context.correlationId },
          body: JSON.stringify(invoice, (_key, value) => (typeof value === 'bigint' ? Number(value) : value)),
          signal: AbortSignal.timeout(ERP_TIMEOUT_MS),
        });
      } catch (error) {
        throw new Error(`ERP call failed for invoice ${invoice.invoice_number}: ${(error as Error).message}`, { cause: error });
      }

      const body = await response.text();
      if (response.status >= 400 && response.status < 500) {
        throw new NonRetryableError(`ERP rejected invoice ${invoice.invoice_number} with HTTP ${response.status}: ${body}`);
      }
      if (!response.ok) throw new Error(`ERP unavailable for invoice ${invoice.invoice_number}: HTTP ${response.status}`);

      const { document_id: documentId } = JSON.parse(body) as { document_id: string };
      await context.publish(
        'erp.invoice_synced',
        { invoice_id: invoice.invoice_id, order_id: invoice.order_id, erp_document_id: documentId, synced_at: new Date() },
        { key: invoice.order_id, eventId: uuidv5(`${invoice.invoice_id}/synced`, EVENT_ID_NAMESPACE) },
      );
    },
  };
}
