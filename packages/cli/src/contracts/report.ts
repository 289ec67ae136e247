import type { CompatibilityFinding } from '@choreo/contracts';

/**
 * Formats findings as lines, one per broken rule: a rule broken against several versions is reported
 * once, against the newest of them.
 */
export function formatFindings(
  subject: string,
  findings: readonly CompatibilityFinding[],
  versionLabels: readonly string[],
): string[] {
  const newest = new Map<string, CompatibilityFinding>();
  for (const finding of findings) {
    const key = `${finding.path}|${finding.rule}`;
    if ((newest.get(key)?.previousIndex ?? -1) < finding.previousIndex) newest.set(key, finding);
  }
  return [...newest.values()].map((finding) => formatFindingLine(subject, finding, versionLabels));
}

/**
 * Formats a finding as `<subject>: <field path>: <rule> (<level>)`. A finding against a version other
 * than the latest names that version in the rule, because its "old" type may differ from the latest.
 */
export function formatFindingLine(
  subject: string,
  finding: CompatibilityFinding,
  versionLabels: readonly string[],
): string {
  const isLatest = finding.previousIndex === versionLabels.length - 1;
  const against = isLatest
    ? ''
    : `, checked against ${versionLabels[finding.previousIndex] ?? `version ${finding.previousIndex + 1}`}`;
  return `${subject}: ${finding.path}: ${finding.rule}${against} (${finding.level})`;
}

/** Counts behind the last line of a check. */
export interface CheckTally {
  subjects: number;
  breakingChanges: number;
  /** Subjects with at least one breaking change. */
  breakingSubjects: number;
  /** Subjects whose check failed with an error, so their compatibility is unknown. */
  uncheckedSubjects: number;
}

/** Formats the last line of a check, for example `2 breaking changes in 1 of 4 subjects`. */
/** Returns an empty tally for a check of `subjects` subjects. */
export function newTally(subjects: number): CheckTally {
  return { subjects, breakingChanges: 0, breakingSubjects: 0, uncheckedSubjects: 0 };
}

export function formatSummary(tally: CheckTally): string {
  const { subjects, breakingChanges, breakingSubjects, uncheckedSubjects } = tally;
  if (breakingChanges === 0 && uncheckedSubjects === 0) return `all ${subjects} subjects are compatible`;

  const parts: string[] = [];
  if (breakingChanges > 0)
    parts.push(
      `${plural(breakingChanges, 'breaking change')} in ${breakingSubjects} of ${subjects} subjects`,
    );
  if (uncheckedSubjects > 0) parts.push(`${uncheckedSubjects} of ${subjects} subjects could not be checked`);
  return parts.join('; ');
}

/** Formats a count with its noun, adding an "s" unless the count is 1. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
