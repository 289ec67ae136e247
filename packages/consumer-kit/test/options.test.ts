import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createConsumerService } from '../src/index';

describe('createConsumerService options', () => {
  const base = { name: 'options-test', owner: 'team-test', groupId: 'options-test', handlers: { 'orders.order_placed': async () => {} } };

  for (const maxChunkSize of [0, -5, 1.5, Number.NaN]) {
    it(`rejects maxChunkSize ${maxChunkSize}`, () => {
      assert.throws(() => createConsumerService({ ...base, maxChunkSize }), /maxChunkSize is .*, expected a positive integer/);
    });
  }

  it('rejects an empty handler map', () => {
    assert.throws(() => createConsumerService({ ...base, handlers: {} }), /handlers is empty/);
  });
});
