import { defineService } from '@choreo/consumer-kit';

/** Everything the platform needs to know about this service; the event map is built from it. */
export const billingService = defineService({
  name: 'example-billing',
  owner: 'team-billing',
  groupId: 'example-billing',
  consumes: ['orders.order_placed'],
  produces: ['billing.payment_captured', 'billing.invoice_issued'],
});
