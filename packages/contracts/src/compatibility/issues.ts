/**
 * One reason a reader schema cannot read data written with a writer schema, found by Avro schema
 * resolution. `path` is the dotted field path from the root record, such as `payload.items[].sku`.
 * In it `[]` stands for array items and `{}` for map values, and the root itself is the empty string.
 * Type descriptions are short renderings such as `long`, `timestamp-millis (long)` or
 * `union [null, string]`.
 */
export type ResolutionIssue =
  | MissingDefaultIssue
  | AmbiguousAliasIssue
  | TypeMismatchIssue
  | NameMismatchIssue
  | EnumSymbolsIssue
  | FixedSizeIssue
  | UnionBranchIssue
  | LogicalTypeIssue;

/** A reader field has no counterpart in the writer and no default to fill it with. */
export interface MissingDefaultIssue {
  kind: 'missing-default';
  path: string;
}

/** A reader field's name and aliases match more than one writer field. */
export interface AmbiguousAliasIssue {
  kind: 'ambiguous-alias';
  path: string;
  writerFields: string[];
}

/** The writer's type cannot be read as the reader's type, not even by promotion. */
export interface TypeMismatchIssue {
  kind: 'type-mismatch';
  path: string;
  reader: string;
  writer: string;
}

/** A record, enum or fixed type has a different name and the reader has no alias for the writer's name. */
export interface NameMismatchIssue {
  kind: 'name-mismatch';
  path: string;
  typeKind: 'record' | 'enum' | 'fixed';
  reader: string;
  writer: string;
}

/** The writer's enum has symbols the reader's enum lacks, and the reader's enum has no default. */
export interface EnumSymbolsIssue {
  kind: 'enum-symbols';
  path: string;
  enumName: string;
  symbols: string[];
}

export interface FixedSizeIssue {
  kind: 'fixed-size';
  path: string;
  reader: number;
  writer: number;
}

/** A writer type, or one branch of a writer union, matches no branch of the reader. */
export interface UnionBranchIssue {
  kind: 'union-branch';
  path: string;
  /** The writer branch (or the whole writer type when it is not a union) that cannot be read. */
  branch: string;
  reader: string;
  writer: string;
  readerIsUnion: boolean;
  writerIsUnion: boolean;
}

/** Same underlying type, different logical type (or decimal precision and scale), so values change meaning. */
export interface LogicalTypeIssue {
  kind: 'logical-type';
  path: string;
  /** For example `timestamp-micros`, `decimal(12, 2)` or `none`. */
  reader: string;
  writer: string;
}
