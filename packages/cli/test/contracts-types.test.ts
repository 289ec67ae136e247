import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { GENERATED_TYPES_PATH } from '@choreo/contracts';

import { ContractsRepo, runChoreo } from './helpers';

describe('contracts types', () => {
  let repo: ContractsRepo;

  beforeEach(() => {
    repo = new ContractsRepo();
  });
  afterEach(() => repo.remove());

  it('writes the committed file content', async () => {
    const out = join(repo.root, 'events.ts');
    const run = await runChoreo(['contracts', 'types', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /wrote .*events\.ts \(4 event types\)/);
    assert.equal(readFileSync(out, 'utf8'), readFileSync(GENERATED_TYPES_PATH, 'utf8'));
  });

  it('defaults to src/generated in the contracts directory', async () => {
    repo.editPayload('orders.order_placed', (payload) =>
      payload.fields.push({ name: 'coupon', type: ['null', 'string'], default: null }),
    );

    const first = await runChoreo(['contracts', 'types', '--contracts-dir', repo.contractsDir]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const generated = readFileSync(join(repo.contractsDir, 'src', 'generated', 'events.ts'), 'utf8');
    assert.ok(generated.includes('  coupon: string | null;\n'), generated);

    const second = await runChoreo(['contracts', 'types', '--contracts-dir', repo.contractsDir]);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /is up to date/);
  });
});
