import type {
  ArrayNode,
  EnumNode,
  FixedNode,
  MapNode,
  RecordNode,
  SchemaNode,
  UnionNode,
} from '../schema-tree';
import { describeType } from './describe-type';
import type { ResolutionIssue, UnionBranchIssue } from './issues';
import { compareLogicalTypes } from './logical-types';
import { resolveEnum, resolveFixed, resolveRecord } from './named-types';
import { namesMatch } from './names';
import { canPromote } from './promotions';

/**
 * Lists every issue that stops `reader` from reading data written with `writer`. It follows the
 * schema resolution rules of the Avro specification
 * (https://avro.apache.org/docs/++version++/specification/#schema-resolution) with two stricter
 * rules: full names are compared (see `namesMatch`) and logical types must be equal (see
 * `compareLogicalTypes`). An empty list means the reader can read everything the writer writes.
 */
export function resolveSchemas(reader: SchemaNode, writer: SchemaNode): ResolutionIssue[] {
  return new Resolution().resolve(reader, writer, '');
}

class Resolution {
  /**
   * Reader records mapped to the writer records they are being resolved against. A pair met again
   * inside itself comes from a recursive schema. It counts as readable there, which ends the
   * recursion, and the outer visit of the same pair reports its issues.
   */
  private readonly recordsInProgress = new Map<RecordNode, Set<RecordNode>>();

  resolve = (reader: SchemaNode, writer: SchemaNode, path: string): ResolutionIssue[] => {
    if (writer.kind === 'union') {
      return writer.branches.flatMap((branch) => this.resolveWriterBranch(reader, branch, writer, path));
    }
    if (reader.kind === 'union') return this.resolveIntoUnion(reader, writer, path);
    return this.resolvePair(reader, writer, path);
  };

  /**
   * Resolves one branch of a writer union. The branch must be readable by the reader itself or, when
   * the reader is a union, by one of the reader's branches.
   */
  private resolveWriterBranch(
    reader: SchemaNode,
    branch: SchemaNode,
    writer: UnionNode,
    path: string,
  ): ResolutionIssue[] {
    const target =
      reader.kind === 'union'
        ? pickReaderBranch(reader, branch)
        : matches(reader, branch)
          ? reader
          : undefined;
    if (target === undefined) return [unionBranchIssue(reader, writer, branch, path)];
    return this.resolvePair(target, branch, path);
  }

  /**
   * Resolves a non-union writer against a reader union. The Avro specification resolves it against
   * the first reader branch that matches, so an issue inside that branch counts even when a later
   * branch would fit.
   */
  private resolveIntoUnion(reader: UnionNode, writer: SchemaNode, path: string): ResolutionIssue[] {
    const target = pickReaderBranch(reader, writer);
    if (target === undefined) return [unionBranchIssue(reader, writer, writer, path)];
    return this.resolvePair(target, writer, path);
  }

  /** Resolves two types of which neither is a union. */
  private resolvePair(reader: SchemaNode, writer: SchemaNode, path: string): ResolutionIssue[] {
    if (reader.kind === 'primitive' && writer.kind === 'primitive') {
      if (!canPromote(writer.type, reader.type)) return [typeMismatch(reader, writer, path)];
      const logical = compareLogicalTypes(reader.logicalType, writer.logicalType, path);
      return logical === undefined ? [] : [logical];
    }
    if (reader.kind !== writer.kind) return [typeMismatch(reader, writer, path)];

    switch (reader.kind) {
      case 'record':
        return this.resolveRecords(reader, writer as RecordNode, path);
      case 'enum':
        return resolveEnum(reader, writer as EnumNode, path);
      case 'fixed':
        return resolveFixed(reader, writer as FixedNode, path);
      case 'array':
        return this.resolve(reader.items, (writer as ArrayNode).items, `${path}[]`);
      case 'map':
        return this.resolve(reader.values, (writer as MapNode).values, `${path}{}`);
      default:
        return [typeMismatch(reader, writer, path)];
    }
  }

  private resolveRecords(reader: RecordNode, writer: RecordNode, path: string): ResolutionIssue[] {
    let writers = this.recordsInProgress.get(reader);
    if (writers?.has(writer)) return [];
    if (writers === undefined) {
      writers = new Set();
      this.recordsInProgress.set(reader, writers);
    }

    writers.add(writer);
    try {
      return resolveRecord(reader, writer, path, this.resolve);
    } finally {
      writers.delete(writer);
    }
  }
}

/**
 * Picks the reader branch that a writer type resolves to: the first branch of the same type, else the
 * first branch the writer promotes to. The specification requires "the first branch that matches", which
 * differs only for a union such as ["long", "int"] read from an int, and either branch reads it.
 * NOTE: avsc tries every branch instead. When two record branches match one writer record, one by
 * name and one by alias, and only the second can read it, avsc accepts what this check rejects.
 */
function pickReaderBranch(reader: UnionNode, writer: SchemaNode): SchemaNode | undefined {
  return (
    reader.branches.find((branch) => sameType(branch, writer)) ??
    reader.branches.find((branch) => matches(branch, writer))
  );
}

/** Checks whether two non-union types are the same primitive, or the same kind with a matching name or alias. */
function sameType(reader: SchemaNode, writer: SchemaNode): boolean {
  if (reader.kind === 'primitive' && writer.kind === 'primitive') return reader.type === writer.type;
  if (reader.kind !== writer.kind) return false;
  if (reader.kind === 'record' || reader.kind === 'enum' || reader.kind === 'fixed') {
    return namesMatch(reader, writer as RecordNode | EnumNode | FixedNode);
  }
  return reader.kind === 'array' || reader.kind === 'map';
}

/** Checks whether a reader type can take a writer type at the top level: the same type or a primitive promotion. */
function matches(reader: SchemaNode, writer: SchemaNode): boolean {
  if (reader.kind === 'primitive' && writer.kind === 'primitive') return canPromote(writer.type, reader.type);
  return sameType(reader, writer);
}

function typeMismatch(reader: SchemaNode, writer: SchemaNode, path: string): ResolutionIssue {
  return { kind: 'type-mismatch', path, reader: describeType(reader), writer: describeType(writer) };
}

function unionBranchIssue(
  reader: SchemaNode,
  writer: SchemaNode,
  branch: SchemaNode,
  path: string,
): UnionBranchIssue {
  return {
    kind: 'union-branch',
    path,
    branch: describeType(branch),
    reader: describeType(reader),
    writer: describeType(writer),
    readerIsUnion: reader.kind === 'union',
    writerIsUnion: writer.kind === 'union',
  };
}
