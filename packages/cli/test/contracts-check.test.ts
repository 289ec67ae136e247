import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { ContractsRepo, closedPort, runChoreo } from './helpers';

const ORDER_PLACED = 'orders.order_placed';

describe('contracts check, offline', () => {
  let repo: ContractsRepo;

  beforeEach(() => {
    repo = new ContractsRepo();
  });
  afterEach(() => repo.remove());

  const check = (...args: string[]) =>
    runChoreo(['contracts', 'check', '--contracts-dir', repo.contractsDir, ...args]);

  it('unchanged contracts pass', async () => {
    const run = await check();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /orders\.order_placed-value: compatible \(BACKWARD_TRANSITIVE/);
    assert.match(run.stdout, /all 4 subjects are compatible/);
  });

  it('field without default exits 1', async () => {
    repo.editPayload(ORDER_PLACED, (payload) => payload.fields.push({ name: 'coupon', type: 'string' }));

    const run = await check();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.ok(
      run.stdout.includes(
        'orders.order_placed-value: payload.coupon: field added without a default, so a new reader cannot read old events (BACKWARD_TRANSITIVE)',
      ),
      run.stdout,
    );
    assert.match(run.stdout, /1 breaking change in 1 of 4 subjects/);
  });

  it('optional field with default passes', async () => {
    repo.editPayload(ORDER_PLACED, (payload) =>
      payload.fields.push({ name: 'coupon', type: ['null', 'string'], default: null }),
    );

    const run = await check();
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  it('removed enum symbol exits 1', async () => {
    repo.editPayload('billing.payment_captured', (payload) => {
      const method = payload.fields.find((field) => field.name === 'method') as {
        type: { symbols: string[] };
      };
      method.type.symbols = method.type.symbols.filter((symbol) => symbol !== 'WALLET');
    });

    const run = await check();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /billing\.payment_captured-value: payload\.method: enum choreo\.billing\.PaymentMethod lost symbol\(s\) WALLET/,
    );
  });

  it('branch commit is compared with main', async () => {
    repo.git('checkout', '--quiet', '-b', 'feature');
    repo.editPayload(ORDER_PLACED, (payload) => {
      payload.fields = payload.fields.filter((field) => field.name !== 'currency');
      payload.fields.push({ name: 'currency', type: 'int' });
    });
    repo.commitAll('Make currency a number');

    const run = await check();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /against merge-base\(HEAD, main\)/);
    assert.match(
      run.stdout,
      /orders\.order_placed-value: payload\.currency: type changed from string to int/,
    );
  });

  it('--against selects the ref', async () => {
    // BACKWARD compares with the ref alone, so the ref decides the outcome.
    repo.editManifest((manifest) => {
      manifest.events[ORDER_PLACED]!.compatibility = 'BACKWARD';
    });
    repo.editPayload(ORDER_PLACED, (payload) => payload.fields.push({ name: 'coupon', type: 'string' }));
    repo.commitAll('Add a coupon');

    const againstHead = await check();
    assert.equal(againstHead.code, 0, againstHead.stdout + againstHead.stderr);

    const againstParent = await check('--against', 'HEAD~1');
    assert.equal(againstParent.code, 1, againstParent.stdout + againstParent.stderr);
    assert.match(againstParent.stdout, /Checking 4 contracts against HEAD~1 \(offline\)/);
    assert.match(
      againstParent.stdout,
      /payload\.coupon: field added without a default, so a new reader cannot read old events \(BACKWARD\)/,
    );
  });

  it('new event passes as new', async () => {
    repo.writePayload('orders.order_cancelled', {
      type: 'record',
      name: 'OrderCancelled',
      namespace: 'choreo.orders',
      fields: [{ name: 'order_id', type: 'string' }],
    });
    repo.editManifest((manifest) => {
      manifest.events['orders.order_cancelled'] = { version: 1, owner: 'team-orders' };
    });

    const run = await check();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /orders\.order_cancelled-value: new event, not present at HEAD/);
  });

  it('transitive level checks older commits', async () => {
    // Dropping customer_email is backward compatible, and so is bringing it back as an int with a
    // default when compared with the previous commit alone. Events written by the first commit still
    // carry a string there, so BACKWARD_TRANSITIVE must fail.
    repo.editPayload(ORDER_PLACED, (payload) => {
      payload.fields = payload.fields.filter((field) => field.name !== 'customer_email');
    });
    repo.commitAll('Drop customer_email');
    repo.editPayload(ORDER_PLACED, (payload) =>
      payload.fields.push({ name: 'customer_email', type: 'int', default: 0 }),
    );

    const run = await check();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /orders\.order_placed-value: payload\.customer_email: type changed from string to int, and Avro cannot read string as int, so a new reader cannot read old events, checked against commit [0-9a-f]{10} \(BACKWARD_TRANSITIVE\)/,
    );
  });

  it('non-transitive level checks only the ref', async () => {
    repo.editPayload(ORDER_PLACED, (payload) => {
      payload.fields = payload.fields.filter((field) => field.name !== 'customer_email');
    });
    repo.commitAll('Drop customer_email');
    repo.editPayload(ORDER_PLACED, (payload) =>
      payload.fields.push({ name: 'customer_email', type: 'int', default: 0 }),
    );
    repo.editManifest((manifest) => {
      manifest.events[ORDER_PLACED]!.compatibility = 'BACKWARD';
    });

    const run = await check();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /orders\.order_placed-value: compatible \(BACKWARD, against HEAD/);
  });

  it('NONE level is not checked', async () => {
    repo.editPayload(ORDER_PLACED, (payload) => payload.fields.push({ name: 'coupon', type: 'string' }));
    repo.editManifest((manifest) => {
      manifest.events[ORDER_PLACED]!.compatibility = 'NONE';
    });

    const run = await check();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /orders\.order_placed-value: compatibility is NONE; not checked/);
  });

  it('offline check needs no registry', async () => {
    const registryUrl = `http://127.0.0.1:${await closedPort()}`;

    const compatible = await runChoreo(['contracts', 'check', '--contracts-dir', repo.contractsDir], {
      SCHEMA_REGISTRY_URL: registryUrl,
    });
    assert.equal(compatible.code, 0, compatible.stdout + compatible.stderr);

    repo.editPayload(ORDER_PLACED, (payload) => payload.fields.push({ name: 'coupon', type: 'string' }));
    const breaking = await runChoreo(['contracts', 'check', '--contracts-dir', repo.contractsDir], {
      SCHEMA_REGISTRY_URL: registryUrl,
    });
    assert.equal(breaking.code, 1, breaking.stdout + breaking.stderr);
    assert.match(breaking.stdout, /orders\.order_placed-value: payload\.coupon/);
    assert.doesNotMatch(breaking.stderr, /unreachable/);
  });

  it('invalid working tree exits 1', async () => {
    writeFileSync(join(repo.contractsDir, 'schemas', 'events', `${ORDER_PLACED}.avsc`), '{ not json');

    const run = await check();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /error: the contracts in .* are invalid: cannot read .*orders\.order_placed\.avsc/,
    );
  });
});

describe('contracts check usage errors', () => {
  it('unknown ref exits 2', async () => {
    const repo = new ContractsRepo();
    try {
      const run = await runChoreo([
        'contracts',
        'check',
        '--contracts-dir',
        repo.contractsDir,
        '--against',
        'no-such-branch',
      ]);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, /--against no-such-branch names no commit/);
    } finally {
      repo.remove();
    }
  });

  it('unknown option exits 2', async () => {
    const run = await runChoreo(['contracts', 'check', '--bogus']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unknown option '--bogus'/);
  });

  it('option of another command exits 2', async () => {
    const run = await runChoreo(['contracts', 'check', '--out', 'x.ts']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--out is not an option of "contracts check"/);
  });

  it('unknown command exits 2', async () => {
    const run = await runChoreo(['contracts', 'verify']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "verify"/);
  });

  it('missing contracts directory exits 2', async () => {
    const run = await runChoreo([
      'contracts',
      'check',
      '--contracts-dir',
      join(tmpdir(), 'choreo-no-such-dir'),
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /contracts directory .*choreo-no-such-dir does not exist/);
  });

  it('directory outside git exits 2', async () => {
    const repo = new ContractsRepo();
    try {
      rmSync(join(repo.root, '.git'), { recursive: true, force: true });
      const run = await runChoreo(['contracts', 'check', '--contracts-dir', repo.contractsDir]);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, /is not inside a git repository/);
    } finally {
      repo.remove();
    }
  });

  it('help exits 0', async () => {
    const run = await runChoreo(['contracts', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--against <ref>/);
  });
});
