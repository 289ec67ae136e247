import { CONSUMER_DEFAULTS } from '@choreo/consumer-kit';
import type { Contract } from '@choreo/contracts';

import type { DeclarationSource } from './discover';

/** A service declaration that passed every check, with where it was declared. */
export interface DeclaredService {
  name: string;
  owner: string;
  /** Consumer group; undefined for a service that only produces. */
  groupId: string | undefined;
  /** Event types, sorted. */
  consumes: string[];
  /** Event types, sorted. */
  produces: string[];
  /** Retry topics per consumed topic: `retry.maxAttempts`, at least 1. */
  retryLevels: number;
  packageName: string;
  /** The declaration module, relative to the parent of the services directory. */
  file: string;
}

/** One or more declarations are wrong. Each problem names the file, the service and the field. */
export class DeclarationError extends Error {
  override name = 'DeclarationError';

  constructor(readonly problems: readonly string[]) {
    super(`${problems.length} invalid service declaration field(s):\n${problems.join('\n')}`);
  }
}

/**
 * Checks every declaration against the contracts and returns them sorted by service name. Throws a
 * DeclarationError listing every problem found, not only the first.
 */
export function validateDeclarations(
  sources: readonly DeclarationSource[],
  contracts: readonly Contract[],
): DeclaredService[] {
  const problems: string[] = [];
  const eventTypes = new Set(contracts.map((contract) => contract.eventType));
  const services = sources.flatMap((source) => {
    const service = validateOne(source, eventTypes, problems);
    return service === undefined ? [] : [service];
  });

  problems.push(...findClashes(services));
  if (problems.length > 0) throw new DeclarationError(problems);
  return services.sort((a, b) => compareText(a.name, b.name));
}

function validateOne(
  source: DeclarationSource,
  eventTypes: ReadonlySet<string>,
  problems: string[],
): DeclaredService | undefined {
  const declaration = source.value as Record<string, unknown>;
  const name = nonEmptyText(declaration.name);
  const label = `${source.file} (export ${source.exportName}): service "${name ?? '<no name>'}"`;
  const before = problems.length;
  const report = (field: string, issue: string) => problems.push(`${label}: ${field} ${issue}`);

  if (name === undefined)
    report('name', 'is missing or empty. Set it to the service name, such as "example-billing".');
  const owner = nonEmptyText(declaration.owner);
  if (owner === undefined) {
    report(
      'owner',
      'is missing or empty. Set it to the team that answers for the service, such as "team-billing".',
    );
  }
  const groupId = declaration.groupId;
  if (groupId !== undefined && nonEmptyText(groupId) === undefined) {
    report('groupId', 'must be a non-empty string, or left out for a service that only produces.');
  }

  const consumes = eventTypeList(declaration.consumes, 'consumes', eventTypes, report);
  const produces = eventTypeList(declaration.produces, 'produces', eventTypes, report);
  if (consumes.length > 0 && groupId === undefined) {
    report(
      'groupId',
      'is missing, but the service consumes events. Set it to the consumer group the service joins.',
    );
  }
  const retryLevels = retryLevelsOf(declaration.retry, report);

  if (problems.length > before) return undefined;
  return {
    name: name as string,
    owner: owner as string,
    groupId: groupId as string | undefined,
    consumes,
    produces,
    retryLevels,
    packageName: source.packageName,
    file: source.file,
  };
}

/** Reads `consumes` or `produces`: an array of known event types without repeats, returned sorted. */
function eventTypeList(
  value: unknown,
  field: string,
  eventTypes: ReadonlySet<string>,
  report: (field: string, issue: string) => void,
): string[] {
  if (!Array.isArray(value)) {
    report(field, 'is missing or not an array. List the event types, or use [] for none.');
    return [];
  }

  const seen = new Set<string>();
  value.forEach((item: unknown, index) => {
    const at = `${field}[${index}]`;
    if (typeof item !== 'string') {
      report(at, `is ${JSON.stringify(item)}, expected an event type string.`);
    } else if (!eventTypes.has(item)) {
      report(
        at,
        `"${item}" is not an event type in the contracts. Use one of ${[...eventTypes].join(', ')}, or add the event to contracts.json first.`,
      );
    } else if (seen.has(item)) {
      report(at, `"${item}" is listed twice. Remove the repeat.`);
    }
    if (typeof item === 'string') seen.add(item);
  });
  return [...seen].sort(compareText);
}

/**
 * Returns the retry levels the consumer kit creates topics for. It mirrors createConsumerService: level 1
 * exists even with `maxAttempts: 0`, because it carries deliveries deferred behind another attempt's lease.
 */
function retryLevelsOf(retry: unknown, report: (field: string, issue: string) => void): number {
  if (retry === undefined) return Math.max(1, CONSUMER_DEFAULTS.retry.maxAttempts);
  if (typeof retry !== 'object' || retry === null || Array.isArray(retry)) {
    report('retry', 'must be an object such as { maxAttempts: 3 }.');
    return 1;
  }

  const maxAttempts = (retry as { maxAttempts?: unknown }).maxAttempts ?? CONSUMER_DEFAULTS.retry.maxAttempts;
  if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 0) {
    report('retry.maxAttempts', `is ${JSON.stringify(maxAttempts)}, expected a whole number of 0 or more.`);
    return 1;
  }
  return Math.max(1, maxAttempts);
}

/** Two services may share neither a name nor a consumer group: a shared group would split their partitions. */
function findClashes(services: readonly DeclaredService[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, DeclaredService>();
  const byGroup = new Map<string, DeclaredService>();

  for (const service of services) {
    const sameName = byName.get(service.name);
    if (sameName !== undefined) {
      problems.push(
        `${service.file}: service "${service.name}": name is also declared in ${sameName.file}. Give each service its own name.`,
      );
    }
    byName.set(service.name, service);

    if (service.groupId === undefined) continue;
    const sameGroup = byGroup.get(service.groupId);
    if (sameGroup !== undefined) {
      problems.push(
        `${service.file}: service "${service.name}": groupId "${service.groupId}" is also the group of service "${sameGroup.name}" (${sameGroup.file}). Give each service its own consumer group.`,
      );
    }
    byGroup.set(service.groupId, service);
  }
  return problems;
}

function nonEmptyText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Orders by UTF-16 code units, so the generated files sort the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
