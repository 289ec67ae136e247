import { compareText, type DeclaredService } from './declarations';
import { type EventMap, subscribedTopicsOf } from './model';

/** A consumer group as the cluster reports it. */
export interface LiveGroup {
  groupId: string;
  /** Members in the group now; 0 when every consumer of the group is stopped. */
  memberCount: number;
  /** Topics any member subscribes to. Empty when the group has no members. */
  subscribedTopics: string[];
  /** Topics with a committed offset. Read only for groups without members, else empty. */
  committedTopics: string[];
}

/** Topics and consumer groups of the cluster, as the comparison reads them. */
export interface ClusterState {
  topics: ReadonlySet<string>;
  /** Groups of the Kafka consumer protocol; Connect and other protocols are left out. */
  groups: LiveGroup[];
}

export interface DriftReport {
  /** Differences between the declarations and the cluster, one line each with what to do. */
  drift: string[];
  /** Checks the comparison could not make, such as for a declared group whose consumers are all stopped. */
  warnings: string[];
  /** Groups no service declares that have no running member, sorted by id. */
  idleUndeclaredGroups: LiveGroup[];
}

/**
 * Compares the declarations with the cluster: declared groups that are missing or subscribe to other
 * topics than declared, running groups no service declares, and event topics that are missing or that
 * nothing consumes. A group without members cannot report its subscriptions, so it gets a warning.
 */
export function findDrift(
  map: EventMap,
  services: readonly DeclaredService[],
  cluster: ClusterState,
): DriftReport {
  const report: DriftReport = { drift: [], warnings: [], idleUndeclaredGroups: [] };
  const liveGroups = new Map(cluster.groups.map((group) => [group.groupId, group]));
  const declaredGroups = new Set<string>();

  for (const service of services) {
    if (service.groupId === undefined) continue;
    declaredGroups.add(service.groupId);
    compareDeclaredGroup(map, service, liveGroups.get(service.groupId), report);
  }

  const undeclared = cluster.groups
    .filter((group) => !declaredGroups.has(group.groupId))
    .sort((a, b) => compareText(a.groupId, b.groupId));
  for (const group of undeclared) reportUndeclaredGroup(group, report);

  compareEventTopics(map, cluster, report);
  return report;
}

function compareDeclaredGroup(
  map: EventMap,
  service: DeclaredService,
  live: LiveGroup | undefined,
  report: DriftReport,
): void {
  const group = service.groupId as string;
  const subject = `group "${group}" of service ${service.name}`;
  const declared = subscribedTopicsOf(map, group);

  if (live === undefined) {
    report.drift.push(
      `${subject} does not exist on the cluster. Start ${service.name} so it joins the group, or remove groupId and consumes from ${service.file}.`,
    );
    return;
  }

  if (live.memberCount === 0) {
    report.warnings.push(
      `${subject} has no running member, so its subscriptions cannot be compared. Start ${service.name} and run the check again.`,
    );
    const stray = live.committedTopics.filter((topic) => !declared.includes(topic));
    if (stray.length > 0) {
      report.warnings.push(
        `${subject} has committed offsets on ${stray.join(', ')}, which ${service.file} does not declare. Delete those offsets if the service no longer reads them.`,
      );
    }
    return;
  }

  const subscribed = new Set(live.subscribedTopics);
  for (const topic of declared) {
    if (subscribed.has(topic)) continue;
    report.drift.push(
      `${subject} is not subscribed to ${topic}, which ${service.file} declares through consumes and retry.maxAttempts. Deploy the ${service.name} that matches its declaration, or change the declaration to match what runs.`,
    );
  }
  for (const topic of [...subscribed].sort(compareText)) {
    if (declared.includes(topic)) continue;
    report.drift.push(
      `${subject} consumes ${topic}, which ${service.file} does not declare. Add the event to consumes (or raise retry.maxAttempts, for a retry topic), or stop ${service.name} from reading it.`,
    );
  }
}

function reportUndeclaredGroup(group: LiveGroup, report: DriftReport): void {
  const subject = `group "${group.groupId}"`;
  if (group.memberCount > 0) {
    for (const topic of [...group.subscribedTopics].sort(compareText)) {
      report.drift.push(
        `${subject} consumes ${topic}, but no service declares this group. Declare it with groupId "${group.groupId}" and consumes in the consuming service's declaration, or stop that consumer.`,
      );
    }
    return;
  }

  // NOTE: a stopped group that no service declares is not counted as drift. Kafka keeps an empty
  // group until its offsets expire (offsets.retention.minutes, 7 days by default), so on a shared or
  // local cluster most such groups are left over from tests and finished jobs. A hidden consumer that
  // happens to be stopped during the check is therefore only listed, and the check still passes.
  report.idleUndeclaredGroups.push(group);
}

/** Formats the warning for one group that no service declares and that has no running member. */
export function describeIdleGroup(group: LiveGroup): string {
  const offsets =
    group.committedTopics.length === 0
      ? 'no committed offsets'
      : `committed offsets on ${group.committedTopics.join(', ')}`;
  return `group "${group.groupId}" has no running member and no service declares it (${offsets}). Delete the group if nothing uses it, or declare it.`;
}

function compareEventTopics(map: EventMap, cluster: ClusterState, report: DriftReport): void {
  const readByRunningGroup = new Set(
    cluster.groups.filter((group) => group.memberCount > 0).flatMap((group) => group.subscribedTopics),
  );

  for (const [eventType, event] of Object.entries(map.events)) {
    if (!cluster.topics.has(event.topic)) {
      report.drift.push(
        `event topic ${event.topic} (${eventType}, owner ${event.owner}) does not exist on the cluster. Create it before its producers start (ensureEventTopics in @choreo/producer-kit creates every missing contract topic), or remove ${eventType} from contracts.json if it is retired.`,
      );
    } else if (event.consumers.length === 0 && !readByRunningGroup.has(event.topic)) {
      report.drift.push(
        `event topic ${event.topic} (${eventType}, owner ${event.owner}) exists but nothing consumes it: no declaration lists it in consumes and no running group subscribes to it. Declare the service that should consume it, or retire the event.`,
      );
    }
  }
}
