import type { Handler, HandlerContext } from '@choreo/consumer-kit';
import type { Envelope, InvoiceIssued, OrderPlaced, PaymentCaptured } from '@choreo/contracts';
import { v5 as uuidv5 } from 'uuid';

import type { Ledger, Payment } from './ledger';

/** Namespace of the event ids this service derives, so one payment always yields the same ids. */
const EVENT_ID_NAMESPACE = 'a6f1c1e2-5b0e-4c57-9a3e-2f7f2a1b9c40';

/** Share of a gross price that is value-added tax at the example's single rate of 20 %. */
const VAT_RATE = 0.2;

export function billingHandlers(ledger: Ledger): { 'orders.order_placed': Handler<OrderPlaced> } {
  return {
    'orders.order_placed': async (event, context) => {
      const order = event.payload;
      const { payment, charged } = await ledger.charge({
        orderId: order.order_id,
        eventId: event.event_id,
        customerId: order.customer_id,
        amountMinor: order.total_minor,
        currency: order.currency,
        correlationId: event.correlation_id,
      });
      if (!charged) context.logger.warn({ order_id: order.order_id }, 'order was already charged; publishing its events again');

      await publishPaymentEvents(event, payment, context, ledger);
    },
  };
}

/**
 * Publishes the payment and its invoice. Their event ids derive from the payment, so a re-run after a
 * crash publishes the same ids and downstream consumers drop the copies.
 */
async function publishPaymentEvents(event: Envelope<OrderPlaced>, payment: Payment, context: HandlerContext, ledger: Ledger): Promise<void> {
  const order = event.payload;
  const captured: PaymentCaptured = {
    payment_id: payment.paymentId,
    order_id: order.order_id,
    customer_id: order.customer_id,
    amount_minor: payment.amountMinor,
    currency: payment.currency,
    method: paymentMethodOf(order),
    captured_at: payment.chargedAt,
  };
  const invoice = await invoiceOf(order, payment, ledger);

  await context.publishBatch([
    { eventType: 'billing.payment_captured', payload: captured, options: { key: order.order_id, eventId: uuidv5(`${payment.paymentId}/captured`, EVENT_ID_NAMESPACE) } },
    { eventType: 'billing.invoice_issued', payload: invoice, options: { key: order.order_id, eventId: uuidv5(`${payment.paymentId}/invoice`, EVENT_ID_NAMESPACE) } },
  ]);
}

function paymentMethodOf(order: OrderPlaced): PaymentCaptured['method'] {
  if (order.channel === 'PARTNER') return 'INVOICE';
  if (order.channel === 'STORE') return 'CARD';
  if (order.total_minor > 50_000) return 'SEPA_DEBIT';
  return order.channel === 'MOBILE' ? 'WALLET' : 'CARD';
}

async function invoiceOf(order: OrderPlaced, payment: Payment, ledger: Ledger): Promise<InvoiceIssued> {
  const lines = order.items.map((item) => {
    const gross = item.unit_price_minor * item.quantity;
    const net = Math.round(gross / (1 + VAT_RATE));
    return { sku: item.sku, quantity: item.quantity, net_minor: net, tax_minor: gross - net };
  });
  const net = lines.reduce((sum, line) => sum + line.net_minor, 0);
  const tax = lines.reduce((sum, line) => sum + line.tax_minor, 0);

  return {
    invoice_id: uuidv5(`${payment.paymentId}/invoice-id`, EVENT_ID_NAMESPACE),
    invoice_number: await ledger.nextInvoiceNumber(payment.chargedAt.getUTCFullYear()),
    order_id: order.order_id,
    payment_id: payment.paymentId,
    customer_id: order.customer_id,
    lines,
    net_minor: net,
    tax_minor: tax,
    gross_minor: net + tax,
    currency: order.currency,
    issued_at: payment.chargedAt,
  };
}
