import { defineService } from '@choreo/consumer-kit';

/** Everything the platform needs to know about this service; the event map is built from it. */
export const erpService = defineService({
  name: 'example-erp',
  owner: 'team-erp',
  groupId: 'example-erp',
  consumes: ['billing.invoice_issued'],
  produces: ['erp.invoice_synced'],
});
