import type { ConsumerService } from './service';

/**
 * Stops a service gracefully on SIGTERM or SIGINT. Fetching stops, in-flight handlers finish, offsets
 * are committed and connections close. Then `cleanup` runs and the process exits. A second signal
 * exits at once.
 */
export function stopOnSignals(service: ConsumerService, cleanup: () => Promise<void> = async () => undefined): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`${service.name}: received ${signal}, shutting down\n`);
    service
      .stop()
      .then(cleanup)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`${service.name}: shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
