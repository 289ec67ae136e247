import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadContracts } from '@choreo/contracts';

import { type DeclaredService, validateDeclarations } from '../src/map/declarations';
import { type ClusterState, type LiveGroup, describeIdleGroup, findDrift } from '../src/map/drift';
import { buildEventMap } from '../src/map/model';

const contracts = loadContracts();
const EVENT_TOPICS = contracts.map((contract) => contract.topic);

const services: DeclaredService[] = validateDeclarations(
  [
    {
      packageName: '@test/billing',
      file: 'services/billing/src/declaration.ts',
      exportName: 'billingService',
      value: {
        name: 'billing',
        owner: 'team-billing',
        groupId: 'billing',
        consumes: ['orders.order_placed'],
        produces: ['billing.invoice_issued', 'billing.payment_captured'],
        retry: { maxAttempts: 1 },
      },
    },
    {
      packageName: '@test/erp',
      file: 'services/erp/src/declaration.ts',
      exportName: 'erpService',
      value: {
        name: 'erp',
        owner: 'team-erp',
        groupId: 'erp',
        consumes: ['billing.invoice_issued', 'billing.payment_captured'],
        produces: ['erp.invoice_synced'],
        retry: { maxAttempts: 1 },
      },
    },
    {
      packageName: '@test/auditor',
      file: 'services/auditor/src/declaration.ts',
      exportName: 'auditorService',
      value: {
        name: 'auditor',
        owner: 'team-audit',
        groupId: 'auditor',
        consumes: ['erp.invoice_synced'],
        produces: [],
        retry: { maxAttempts: 1 },
      },
    },
  ],
  contracts,
);
const map = buildEventMap(contracts, services);

const running = (groupId: string, subscribedTopics: string[]): LiveGroup => ({
  groupId,
  memberCount: 1,
  subscribedTopics,
  committedTopics: [],
});
const stopped = (groupId: string, committedTopics: string[]): LiveGroup => ({
  groupId,
  memberCount: 0,
  subscribedTopics: [],
  committedTopics,
});
const billingRunning = running('billing', ['orders.order_placed', 'orders.order_placed.billing.retry.1']);
const erpRunning = running('erp', [
  'billing.invoice_issued',
  'billing.invoice_issued.erp.retry.1',
  'billing.payment_captured',
  'billing.payment_captured.erp.retry.1',
]);
const auditorRunning = running('auditor', ['erp.invoice_synced', 'erp.invoice_synced.auditor.retry.1']);

/** A cluster that matches the declarations: every event topic exists and every declared group runs. */
const matching = (): ClusterState => ({
  topics: new Set(EVENT_TOPICS),
  groups: [billingRunning, erpRunning, auditorRunning],
});

describe('drift', () => {
  it('none when the cluster matches', () => {
    const report = findDrift(map, services, matching());
    assert.deepEqual(report.drift, []);
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.idleUndeclaredGroups, []);
  });

  it('missing declared group', () => {
    const cluster = matching();
    cluster.groups = cluster.groups.filter((group) => group.groupId !== 'erp');

    const { drift } = findDrift(map, services, cluster);
    assert.deepEqual(drift, [
      'group "erp" of service erp does not exist on the cluster. Start erp so it joins the group, or remove groupId and consumes from services/erp/src/declaration.ts.',
    ]);
  });

  it('declared topic not subscribed', () => {
    const cluster = matching();
    cluster.groups = [
      billingRunning,
      auditorRunning,
      running('erp', ['billing.invoice_issued', 'billing.invoice_issued.erp.retry.1']),
    ];

    const { drift } = findDrift(map, services, cluster);
    assert.equal(drift.length, 2, drift.join('\n'));
    assert.match(
      drift[0] ?? '',
      /^group "erp" of service erp is not subscribed to billing\.payment_captured, which services\/erp\/src\/declaration\.ts declares/,
    );
    assert.match(
      drift[1] ?? '',
      /^group "erp" of service erp is not subscribed to billing\.payment_captured\.erp\.retry\.1,/,
    );
  });

  it('declared group reads undeclared topic', () => {
    const cluster = matching();
    cluster.groups = [
      running('billing', [
        'orders.order_placed',
        'orders.order_placed.billing.retry.1',
        'orders.order_placed.billing.retry.2',
      ]),
      erpRunning,
      auditorRunning,
    ];

    const { drift } = findDrift(map, services, cluster);
    assert.deepEqual(drift, [
      'group "billing" of service billing consumes orders.order_placed.billing.retry.2, which services/billing/src/declaration.ts does not declare. Add the event to consumes (or raise retry.maxAttempts, for a retry topic), or stop billing from reading it.',
    ]);
  });

  it('stopped declared group is a warning', () => {
    const cluster = matching();
    cluster.groups = [
      billingRunning,
      auditorRunning,
      stopped('erp', ['billing.invoice_issued', 'legacy.topic']),
    ];

    const report = findDrift(map, services, cluster);
    assert.deepEqual(report.drift, []);
    assert.deepEqual(report.warnings, [
      'group "erp" of service erp has no running member, so its subscriptions cannot be compared. Start erp and run the check again.',
      'group "erp" of service erp has committed offsets on legacy.topic, which services/erp/src/declaration.ts does not declare. Delete those offsets if the service no longer reads them.',
    ]);
  });

  it('running undeclared group, one line per topic', () => {
    const cluster = matching();
    cluster.groups.push(running('spy', ['billing.invoice_issued', 'scratch.topic']));

    const { drift } = findDrift(map, services, cluster);
    assert.deepEqual(drift, [
      'group "spy" consumes billing.invoice_issued, but no service declares this group. Declare it with groupId "spy" and consumes in the consuming service\'s declaration, or stop that consumer.',
      'group "spy" consumes scratch.topic, but no service declares this group. Declare it with groupId "spy" and consumes in the consuming service\'s declaration, or stop that consumer.',
    ]);
  });

  it('stopped undeclared group is listed, not drift', () => {
    const cluster = matching();
    cluster.groups.push(stopped('old-test', ['orders.order_placed']), stopped('empty', []));

    const report = findDrift(map, services, cluster);
    assert.deepEqual(report.drift, []);
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(report.idleUndeclaredGroups.map(describeIdleGroup), [
      'group "empty" has no running member and no service declares it (no committed offsets). Delete the group if nothing uses it, or declare it.',
      'group "old-test" has no running member and no service declares it (committed offsets on orders.order_placed). Delete the group if nothing uses it, or declare it.',
    ]);
  });

  it('missing event topic', () => {
    const cluster = matching();
    cluster.topics = new Set(EVENT_TOPICS.filter((topic) => topic !== 'orders.order_placed'));

    const { drift } = findDrift(map, services, cluster);
    assert.ok(
      drift.includes(
        'event topic orders.order_placed (orders.order_placed, owner team-orders) does not exist on the cluster. Create it before its producers start (ensureEventTopics in @choreo/producer-kit creates every missing contract topic), or remove orders.order_placed from contracts.json if it is retired.',
      ),
      drift.join('\n'),
    );
  });

  // Without the auditor nothing declares erp.invoice_synced in consumes.
  const withoutAuditor = services.filter((service) => service.name !== 'auditor');
  const mapWithoutAuditor = buildEventMap(contracts, withoutAuditor);

  it('event topic nobody consumes', () => {
    const cluster = matching();
    cluster.groups = [billingRunning, erpRunning];

    const { drift } = findDrift(mapWithoutAuditor, withoutAuditor, cluster);
    assert.deepEqual(drift, [
      'event topic erp.invoice_synced (erp.invoice_synced, owner team-erp) exists but nothing consumes it: no declaration lists it in consumes and no running group subscribes to it. Declare the service that should consume it, or retire the event.',
    ]);
  });

  it('stopped reader does not count as consuming', () => {
    const cluster = matching();
    cluster.groups = [billingRunning, erpRunning, stopped('reader', ['erp.invoice_synced'])];

    const { drift } = findDrift(mapWithoutAuditor, withoutAuditor, cluster);
    assert.equal(drift.length, 1, drift.join('\n'));
    assert.match(drift[0] ?? '', /^event topic erp\.invoice_synced .* exists but nothing consumes it/);
  });
});
