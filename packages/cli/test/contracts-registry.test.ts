import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { ContractsRepo, type PayloadSchema, closedPort, runChoreo } from './helpers';

/**
 * Integration tests against the configured schema registry (the local stack's Apicurio by default).
 * Each test registers its own event type with a random suffix, so its subjects are new to the
 * registry and runs never share a subject.
 */
describe('contracts check --registry', () => {
  let repo: ContractsRepo;
  let eventType: string;
  let subject: string;

  const payload = (fields: Record<string, unknown>[]): PayloadSchema => ({
    type: 'record',
    name: 'TestOrderPlaced',
    namespace: 'choreo.clitest',
    fields: [{ name: 'order_id', type: 'string' }, ...fields],
  });

  beforeEach(() => {
    repo = new ContractsRepo();
    eventType = `clitest${randomBytes(4).toString('hex')}.order_placed`;
    subject = `${eventType}-value`;
    // The copied contracts are replaced by one event of this test's own.
    repo.git('rm', '--quiet', '-r', 'contracts/schemas/events');
    repo.writePayload(eventType, payload([]));
    repo.editManifest((manifest) => {
      manifest.events = { [eventType]: { version: 1, owner: 'team-test' } };
    });
  });
  afterEach(() => repo.remove());

  const register = () => runChoreo(['contracts', 'register', '--contracts-dir', repo.contractsDir]);
  const check = () => runChoreo(['contracts', 'check', '--registry', '--contracts-dir', repo.contractsDir]);

  it('register prints subject, id and level', async () => {
    const run = await register();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`${subject.replaceAll('.', '\\.')}\\s+schema id \\d+\\s+BACKWARD_TRANSITIVE`),
    );
  });

  it('unregistered subject passes as new', async () => {
    const run = await check();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(run.stdout.includes(`${subject}: new subject, nothing registered yet`), run.stdout);
  });

  it('compatible change passes', async () => {
    assert.equal((await register()).code, 0);
    repo.writePayload(eventType, payload([{ name: 'coupon', type: ['null', 'string'], default: null }]));

    const run = await check();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(run.stdout.includes(`${subject}: compatible (BACKWARD_TRANSITIVE, registry)`), run.stdout);
  });

  it('breaking change exits 1 naming the field', async () => {
    assert.equal((await register()).code, 0);
    repo.writePayload(eventType, payload([{ name: 'coupon', type: 'string' }]));

    const run = await check();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.ok(
      run.stdout.includes(
        `${subject}: payload.coupon: field added without a default, so a new reader cannot read old events (BACKWARD_TRANSITIVE)`,
      ),
      run.stdout,
    );
    assert.ok(run.stdout.includes(`${subject}: registry: `), run.stdout);
  });

  it('transitive level checks every registered version', async () => {
    // Version 2 drops `code` and the candidate brings it back as an int. Only version 1 objects.
    repo.writePayload(eventType, payload([{ name: 'code', type: 'string' }]));
    assert.equal((await register()).code, 0);
    repo.writePayload(eventType, payload([]));
    assert.equal((await register()).code, 0);
    repo.writePayload(eventType, payload([{ name: 'code', type: 'int', default: 0 }]));

    const run = await check();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /payload\.code: type changed from string to int, .*checked against registry version 1 \(BACKWARD_TRANSITIVE\)/,
    );
  });

  it('registry HTTP error exits 1', async () => {
    const run = await runChoreo(['contracts', 'check', '--registry', '--contracts-dir', repo.contractsDir], {
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/no-such-api',
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`${subject.replaceAll('.', '\\.')}: registry check failed: GET /config returned HTTP 404`),
    );
    assert.match(run.stdout, /1 of 1 subjects could not be checked/);
  });

  it('unreachable registry exits 1', async () => {
    const run = await runChoreo(['contracts', 'check', '--registry', '--contracts-dir', repo.contractsDir], {
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error: schema registry at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
  });

  it('--against with --registry exits 2', async () => {
    const run = await runChoreo([
      'contracts',
      'check',
      '--registry',
      '--against',
      'main',
      '--contracts-dir',
      repo.contractsDir,
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--against applies to the offline check only/);
  });
});
