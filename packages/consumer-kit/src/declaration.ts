import type { RetryOptions } from './retry';

/**
 * Self-description of a service: its owner, its consumer group, and the events it consumes and
 * produces. The event map is generated from these declarations, so a declaration is
 * plain data with no side effects when imported.
 */
export interface ServiceDeclaration {
  /** Service name; also the `source` of the events it publishes. */
  name: string;
  /** Team responsible for the service and its dead letters. */
  owner: string;
  /** Consumer group; undefined for a service that only produces. */
  groupId?: string;
  consumes: readonly string[];
  produces: readonly string[];
  retry?: RetryOptions;
}

export function defineService<const Declaration extends ServiceDeclaration>(declaration: Declaration): Declaration {
  return declaration;
}
