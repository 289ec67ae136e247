import type { ResolutionIssue, UnionBranchIssue } from './issues';

/**
 * Direction of a check. BACKWARD: the new schema reads data written with the old one, because
 * consumers upgrade first. FORWARD: the old schema reads data written with the new one, because
 * producers upgrade first.
 */
export type Direction = 'BACKWARD' | 'FORWARD';

/**
 * States an issue as a rule broken by the change from the old schema to the new one, with its
 * consequence, for example `field added without a default, so a new reader cannot read old events`.
 */
export function explainIssue(issue: ResolutionIssue, direction: Direction): string {
  const consequence =
    direction === 'BACKWARD' ? 'a new reader cannot read old events' : 'an old reader cannot read new events';
  if (issue.kind === 'logical-type') {
    const misread =
      direction === 'BACKWARD'
        ? 'a new reader would misread old events'
        : 'an old reader would misread new events';
    return `logical type changed from ${oldSide(issue, direction)} to ${newSide(issue, direction)}, so ${misread}`;
  }
  return `${describeChange(issue, direction)}, so ${consequence}`;
}

function describeChange(
  issue: Exclude<ResolutionIssue, { kind: 'logical-type' }>,
  direction: Direction,
): string {
  const backward = direction === 'BACKWARD';
  switch (issue.kind) {
    case 'missing-default':
      return backward
        ? 'field added without a default'
        : 'field removed although the old schema gives it no default';
    case 'ambiguous-alias':
      return `the field's name and aliases match several ${backward ? 'old' : 'new'} fields (${issue.writerFields.join(', ')})`;
    case 'type-mismatch':
      return `type changed from ${oldSide(issue, direction)} to ${newSide(issue, direction)}, and Avro cannot read ${issue.writer} as ${issue.reader}`;
    case 'name-mismatch':
      return backward
        ? `${issue.typeKind} renamed from ${issue.writer} to ${issue.reader} without an alias for ${issue.writer}`
        : `${issue.typeKind} renamed from ${issue.reader} to ${issue.writer}, and the old schema has no alias for ${issue.writer}`;
    case 'enum-symbols': {
      const symbols = issue.symbols.join(', ');
      return backward
        ? `enum ${issue.enumName} lost symbol(s) ${symbols} and has no default`
        : `enum ${issue.enumName} gained symbol(s) ${symbols}, and the old enum has no default`;
    }
    case 'fixed-size':
      return `fixed size changed from ${oldSide(issue, direction)} to ${newSide(issue, direction)} bytes`;
    case 'union-branch':
      return describeUnionChange(issue, direction);
  }
}

function describeUnionChange(issue: UnionBranchIssue, direction: Direction): string {
  const backward = direction === 'BACKWARD';
  if (issue.readerIsUnion && issue.writerIsUnion) {
    return backward ? `union branch ${issue.branch} removed` : `union branch ${issue.branch} added`;
  }
  const change = `type changed from ${oldSide(issue, direction)} to ${newSide(issue, direction)}`;
  // The writer is the old schema under BACKWARD and the new one under FORWARD; the reader is the other.
  const writerAge = backward ? 'old' : 'new';
  const readerAge = backward ? 'new' : 'old';
  if (issue.writerIsUnion)
    return `${change}, and the ${writerAge} union's ${issue.branch} branch cannot be read as ${issue.reader}`;
  return `${change}, and the ${readerAge} union has no branch that can read ${issue.branch}`;
}

/** Picks the old schema's side of an issue: the writer's under BACKWARD, the reader's under FORWARD. */
function oldSide<T>(issue: { reader: T; writer: T }, direction: Direction): T {
  return direction === 'BACKWARD' ? issue.writer : issue.reader;
}

function newSide<T>(issue: { reader: T; writer: T }, direction: Direction): T {
  return direction === 'BACKWARD' ? issue.reader : issue.writer;
}
