/**
 * Thrown by a handler to send its event straight to the dead-letter topic: the failure cannot be fixed
 * by running again (a permanent rejection by a partner, a business rule violated).
 */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
  readonly retriable = false;
}

/** A dependency of the kit itself (Redis, the registry) failed; the consumer pauses instead of routing. */
export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
  readonly retriable = true;

  constructor(
    readonly dependency: 'redis' | 'registry' | 'kafka',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Returns false when an error declares that it must not be retried (a `retriable: false` field). */
export function isRetriable(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === false);
}
