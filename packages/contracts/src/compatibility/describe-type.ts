import type { LogicalType, SchemaNode } from '../schema-tree';

/** Renders a type for messages: `string`, `timestamp-millis (long)`, `record choreo.orders.OrderItem`, `array of string`. */
export function describeType(node: SchemaNode): string {
  switch (node.kind) {
    case 'primitive':
      return node.logicalType === undefined
        ? node.type
        : `${describeLogicalType(node.logicalType)} (${node.type})`;
    case 'fixed': {
      const fixed = `fixed ${node.name} of ${node.size} bytes`;
      return node.logicalType === undefined ? fixed : `${describeLogicalType(node.logicalType)} (${fixed})`;
    }
    case 'record':
    case 'enum':
      return `${node.kind} ${node.name}`;
    case 'array':
      return `array of ${describeType(node.items)}`;
    case 'map':
      return `map of ${describeType(node.values)}`;
    case 'union':
      return `union [${node.branches.map(describeBranch).join(', ')}]`;
  }
}

/** Renders a logical type, or `none` when there is none: `timestamp-millis`, `decimal(10, 2)`. */
export function describeLogicalType(logicalType: LogicalType | undefined): string {
  if (logicalType === undefined) return 'none';
  if (logicalType.name === 'decimal') return `decimal(${logicalType.precision}, ${logicalType.scale ?? 0})`;
  return logicalType.name;
}

/** Renders a union branch briefly: named types by their name alone, so long unions stay readable. */
function describeBranch(node: SchemaNode): string {
  if (node.kind === 'record' || node.kind === 'enum' || node.kind === 'fixed') return node.name;
  return describeType(node);
}
