import type { RetryOptions } from './retry';

/**
 * What a service states about itself: who owns it, which group it consumes as, and which events it
 * consumes and produces. The event map is generated from these declarations, so a declaration is
 * plain data with no side effects when imported.
 */
export interface ServiceDeclaration {
  /** Service name; also the `source` of the events it publishes. */
  name: string;
  /** Team that answers for the service and its dead letters. */
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
