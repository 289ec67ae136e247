import type { CompatibilityLevel } from '../catalog';
import { parseSchema } from '../schema-tree';
import { resolveSchemas } from './resolve';
import { type Direction, explainIssue } from './rules';

/** One rule a new schema breaks against an earlier version. */
export interface CompatibilityFinding {
  /** Dotted field path from the root record, `[]` for array items, `{}` for map values; `(root)` for the root. */
  path: string;
  /** The broken rule and its consequence in plain English. */
  rule: string;
  /** The level that was checked. */
  level: CompatibilityLevel;
  /** Direction in which reading failed. FULL levels check both directions. */
  direction: Direction;
  /** Index in `previous` of the version this finding is against; the last index is the latest version. */
  previousIndex: number;
}

export interface CompatibilityCheck {
  level: CompatibilityLevel;
  /** Earlier versions as Avro schema JSON, oldest first. Non-transitive levels use only the last one. */
  previous: readonly unknown[];
  /** The candidate schema as Avro schema JSON. */
  next: unknown;
}

/** Directions each level checks, and whether it checks every earlier version or only the latest. */
const LEVEL_RULES: Readonly<
  Record<CompatibilityLevel, { directions: readonly Direction[]; transitive: boolean }>
> = {
  BACKWARD: { directions: ['BACKWARD'], transitive: false },
  BACKWARD_TRANSITIVE: { directions: ['BACKWARD'], transitive: true },
  FORWARD: { directions: ['FORWARD'], transitive: false },
  FORWARD_TRANSITIVE: { directions: ['FORWARD'], transitive: true },
  FULL: { directions: ['BACKWARD', 'FORWARD'], transitive: false },
  FULL_TRANSITIVE: { directions: ['BACKWARD', 'FORWARD'], transitive: true },
  NONE: { directions: [], transitive: false },
};

/**
 * Checks a new schema against earlier versions at a compatibility level, offline. BACKWARD reads the
 * old schema's data with the new schema, FORWARD the reverse, FULL both. Returns no findings when the
 * change is compatible. Throws a `schema` ContractError when a schema is not valid Avro.
 */
export function checkCompatibility({ level, previous, next }: CompatibilityCheck): CompatibilityFinding[] {
  const rules = LEVEL_RULES[level];
  if (rules.directions.length === 0 || previous.length === 0) return [];

  const nextNode = parseSchema(next, 'the new schema');
  const firstIndex = rules.transitive ? 0 : previous.length - 1;
  const findings: CompatibilityFinding[] = [];

  for (let previousIndex = firstIndex; previousIndex < previous.length; previousIndex++) {
    const previousNode = parseSchema(previous[previousIndex], `earlier version ${previousIndex + 1}`);
    for (const direction of rules.directions) {
      const [reader, writer] = direction === 'BACKWARD' ? [nextNode, previousNode] : [previousNode, nextNode];
      for (const issue of resolveSchemas(reader, writer)) {
        findings.push({
          path: issue.path === '' ? '(root)' : issue.path,
          rule: explainIssue(issue, direction),
          level,
          direction,
          previousIndex,
        });
      }
    }
  }
  return findings;
}

/** Formats a finding as `<field path>: <rule> (<level>)`. */
export function formatFinding(finding: CompatibilityFinding): string {
  return `${finding.path}: ${finding.rule} (${finding.level})`;
}
