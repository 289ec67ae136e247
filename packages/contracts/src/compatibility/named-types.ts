import type { EnumNode, FixedNode, RecordNode, SchemaNode } from '../schema-tree';
import type { NameMismatchIssue, ResolutionIssue } from './issues';
import { compareLogicalTypes } from './logical-types';
import { namesMatch } from './names';

/** Resolves one reader type against one writer type at a path; supplied by the caller to recurse into fields. */
export type ResolveFn = (reader: SchemaNode, writer: SchemaNode, path: string) => ResolutionIssue[];

/**
 * Resolves two records. Reader fields are matched to writer fields by name or by the reader field's
 * aliases. A reader field the writer lacks needs a default, and a writer field the reader lacks is
 * skipped. A name mismatch is reported and the fields are still compared, so one run lists every problem.
 */
export function resolveRecord(
  reader: RecordNode,
  writer: RecordNode,
  path: string,
  resolve: ResolveFn,
): ResolutionIssue[] {
  const issues: ResolutionIssue[] = [];
  if (!namesMatch(reader, writer)) issues.push(nameMismatch('record', reader, writer, path));

  for (const field of reader.fields) {
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    const names = [field.name, ...field.aliases];
    const matches = writer.fields.filter((candidate) => names.includes(candidate.name));

    if (matches.length > 1) {
      issues.push({
        kind: 'ambiguous-alias',
        path: fieldPath,
        writerFields: matches.map((match) => match.name),
      });
      continue;
    }
    const [match] = matches;
    if (match === undefined) {
      if (!field.hasDefault) issues.push({ kind: 'missing-default', path: fieldPath });
      continue;
    }
    issues.push(...resolve(field.type, match.type, fieldPath));
  }
  return issues;
}

/** Resolves two enums: every writer symbol must be a reader symbol, unless the reader's enum has a default. */
export function resolveEnum(reader: EnumNode, writer: EnumNode, path: string): ResolutionIssue[] {
  const issues: ResolutionIssue[] = [];
  if (!namesMatch(reader, writer)) issues.push(nameMismatch('enum', reader, writer, path));

  const unknownSymbols = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
  if (unknownSymbols.length > 0 && reader.default === undefined) {
    issues.push({ kind: 'enum-symbols', path, enumName: reader.name, symbols: unknownSymbols });
  }
  return issues;
}

/** Resolves two fixed types: same name (or alias), same size and same logical type. */
export function resolveFixed(reader: FixedNode, writer: FixedNode, path: string): ResolutionIssue[] {
  const issues: ResolutionIssue[] = [];
  if (!namesMatch(reader, writer)) issues.push(nameMismatch('fixed', reader, writer, path));
  if (reader.size !== writer.size)
    issues.push({ kind: 'fixed-size', path, reader: reader.size, writer: writer.size });

  const logical = compareLogicalTypes(reader.logicalType, writer.logicalType, path);
  if (logical !== undefined) issues.push(logical);
  return issues;
}

function nameMismatch(
  typeKind: NameMismatchIssue['typeKind'],
  reader: RecordNode | EnumNode | FixedNode,
  writer: RecordNode | EnumNode | FixedNode,
  path: string,
): NameMismatchIssue {
  return { kind: 'name-mismatch', path, typeKind, reader: reader.name, writer: writer.name };
}
