import avro from 'avsc';

import { ContractError } from './errors';

/**
 * A parsed Avro schema in which every name is fully qualified and every reference to a named type
 * points at the node that defines it, so recursive schemas become cyclic graphs. The compatibility
 * checker and the TypeScript generator read schemas through this model because avsc drops logical
 * types it has no implementation for, and both need them.
 */
export type SchemaNode = PrimitiveNode | RecordNode | EnumNode | FixedNode | ArrayNode | MapNode | UnionNode;

export type PrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** A logical type annotation that is valid for its underlying type (invalid ones are dropped, as the Avro spec requires). */
export interface LogicalType {
  name: string;
  /** Decimal only: total number of digits. */
  precision?: number;
  /** Decimal only: digits after the point; the Avro spec defaults it to 0. */
  scale?: number;
}

export interface PrimitiveNode {
  kind: 'primitive';
  type: PrimitiveName;
  logicalType?: LogicalType;
}

interface NamedNode {
  /** Full name, `namespace.name`, or the bare name when the schema has no namespace. */
  name: string;
  /** Aliases as full names, qualified with the type's namespace where written without one. */
  aliases: string[];
  doc?: string;
}

export interface RecordNode extends NamedNode {
  kind: 'record';
  fields: FieldNode[];
}

export interface FieldNode {
  name: string;
  aliases: string[];
  type: SchemaNode;
  hasDefault: boolean;
  doc?: string;
}

export interface EnumNode extends NamedNode {
  kind: 'enum';
  symbols: string[];
  /** Symbol a reader uses for a writer symbol it does not know; unset means such a symbol is an error. */
  default?: string;
}

export interface FixedNode extends NamedNode {
  kind: 'fixed';
  size: number;
  logicalType?: LogicalType;
}

export interface ArrayNode {
  kind: 'array';
  items: SchemaNode;
}

export interface MapNode {
  kind: 'map';
  values: SchemaNode;
}

export interface UnionNode {
  kind: 'union';
  branches: SchemaNode[];
}

const PRIMITIVES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);

/**
 * Underlying types on which each logical type of the Avro specification is valid. A logical type not
 * listed here is kept by name without a placement check.
 */
const LOGICAL_TYPE_CARRIERS: Readonly<Record<string, readonly string[]>> = {
  decimal: ['bytes', 'fixed'],
  'big-decimal': ['bytes'],
  uuid: ['string'],
  date: ['int'],
  'time-millis': ['int'],
  'time-micros': ['long'],
  'timestamp-millis': ['long'],
  'timestamp-micros': ['long'],
  'local-timestamp-millis': ['long'],
  'local-timestamp-micros': ['long'],
  duration: ['fixed'],
};

type JsonObject = Record<string, unknown>;

/**
 * Parses an Avro schema (as JSON) into a SchemaNode. The schema is first validated with avsc, so a
 * malformed schema, an invalid default or an unknown type name raises a `schema` ContractError that
 * names `label` (for example a file path).
 */
export function parseSchema(schema: unknown, label = 'schema'): SchemaNode {
  try {
    avro.Type.forSchema(schema as avro.Schema);
  } catch (error) {
    throw new ContractError('schema', `${label} is not a valid Avro schema: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new SchemaParser().parse(schema, undefined);
}

class SchemaParser {
  private readonly namedTypes = new Map<string, RecordNode | EnumNode | FixedNode>();

  parse(schema: unknown, namespace: string | undefined): SchemaNode {
    if (typeof schema === 'string') return this.parseName(schema, namespace);
    if (Array.isArray(schema))
      return { kind: 'union', branches: schema.map((branch) => this.parse(branch, namespace)) };

    const object = schema as JsonObject;
    const type = object.type;
    if (typeof type !== 'string') return this.parse(type, namespace);

    switch (type) {
      case 'record':
      case 'error':
        return this.parseRecord(object, namespace);
      case 'enum':
        return this.define(this.namedBase(object, namespace), (base) => ({
          kind: 'enum',
          ...base,
          symbols: object.symbols as string[],
          ...(typeof object.default === 'string' ? { default: object.default } : {}),
        }));
      case 'fixed':
        return this.define(this.namedBase(object, namespace), (base) =>
          withLogicalType({ kind: 'fixed', ...base, size: object.size as number }, object),
        );
      case 'array':
        return { kind: 'array', items: this.parse(object.items, namespace) };
      case 'map':
        return { kind: 'map', values: this.parse(object.values, namespace) };
      default:
        if (PRIMITIVES.has(type))
          return withLogicalType({ kind: 'primitive', type: type as PrimitiveName }, object);
        return this.parseName(type, namespace);
    }
  }

  private parseName(name: string, namespace: string | undefined): SchemaNode {
    if (PRIMITIVES.has(name)) return { kind: 'primitive', type: name as PrimitiveName };

    const node = this.namedTypes.get(qualify(name, namespace)) ?? this.namedTypes.get(name);
    if (node === undefined) throw new ContractError('schema', `unknown Avro type name "${name}"`);
    return node;
  }

  private parseRecord(object: JsonObject, namespace: string | undefined): RecordNode {
    const base = this.namedBase(object, namespace);
    // The node is registered before its fields are parsed, so a field can refer to the record itself.
    const record = this.define(base, (named): RecordNode => ({ kind: 'record', ...named, fields: [] }));
    const fieldNamespace = namespaceOf(base.name);

    for (const field of object.fields as JsonObject[]) {
      record.fields.push({
        name: field.name as string,
        aliases: (field.aliases as string[] | undefined) ?? [],
        type: this.parse(field.type, fieldNamespace),
        hasDefault: field.default !== undefined,
        ...(typeof field.doc === 'string' ? { doc: field.doc } : {}),
      });
    }
    return record;
  }

  private namedBase(object: JsonObject, namespace: string | undefined): NamedNode {
    const name = object.name as string;
    const ownNamespace = name.includes('.')
      ? undefined
      : typeof object.namespace === 'string'
        ? object.namespace
        : namespace;
    const fullName = qualify(name, ownNamespace);
    const aliasNamespace = namespaceOf(fullName);
    return {
      name: fullName,
      aliases: ((object.aliases as string[] | undefined) ?? []).map((alias) =>
        qualify(alias, aliasNamespace),
      ),
      ...(typeof object.doc === 'string' ? { doc: object.doc } : {}),
    };
  }

  private define<T extends RecordNode | EnumNode | FixedNode>(
    base: NamedNode,
    build: (base: NamedNode) => T,
  ): T {
    const node = build(base);
    this.namedTypes.set(base.name, node);
    return node;
  }
}

/** Qualifies a name with a namespace unless it already contains a dot; an empty namespace means none. */
function qualify(name: string, namespace: string | undefined): string {
  if (name.includes('.') || namespace === undefined || namespace === '') return name;
  return `${namespace}.${name}`;
}

function namespaceOf(fullName: string): string | undefined {
  const dot = fullName.lastIndexOf('.');
  return dot === -1 ? undefined : fullName.slice(0, dot);
}

/** Copies a valid logical type annotation onto the node; an invalid or misplaced one is ignored. */
function withLogicalType<T extends PrimitiveNode | FixedNode>(node: T, object: JsonObject): T {
  const name = object.logicalType;
  if (typeof name !== 'string') return node;

  const carrier = node.kind === 'fixed' ? 'fixed' : node.type;
  const carriers = LOGICAL_TYPE_CARRIERS[name];
  if (carriers !== undefined && !carriers.includes(carrier)) return node;
  if (name !== 'decimal') return { ...node, logicalType: { name } };

  const precision = object.precision;
  const scale = object.scale ?? 0;
  const valid =
    Number.isInteger(precision) &&
    (precision as number) > 0 &&
    Number.isInteger(scale) &&
    (scale as number) >= 0 &&
    (scale as number) <= (precision as number);
  return valid
    ? { ...node, logicalType: { name, precision: precision as number, scale: scale as number } }
    : node;
}
