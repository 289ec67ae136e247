import { runContractsCommand } from './contracts/command';
import { type CliIo, EXIT, UsageError } from './io';
import { runDltCommand } from './dlt/command';
import { runMapCommand } from './map/command';
import { runTopicsCommand } from './topics/command';

export const USAGE = `Usage: pnpm choreo <group> <command> [options]

Groups:
  contracts   check, register and generate types for the event contracts
              (pnpm choreo contracts --help lists its commands)
  map         generate the event map in docs/, or check it against the
              declarations (--check) or the Kafka cluster (--live)
              (pnpm choreo map --help lists its options)
  topics      create the Kafka topic of every event contract
  dlt         list, show and redrive a consumer group's dead letters
  replay      recovery (redrive), backfill or audit a range for one group
              (pnpm choreo dlt --help lists both)`;

/** Runs one `pnpm choreo` command line and returns its exit code (0 ok, 1 failed, 2 usage error). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [group, ...rest] = argv;
  try {
    switch (group) {
      case 'contracts':
        return await runContractsCommand(rest, io);
      case 'map':
        return await runMapCommand(rest, io);
      case 'topics':
        return await runTopicsCommand(rest, io);
      case 'dlt':
      case 'replay':
        return await runDltCommand(group, rest, io);
      case undefined:
      case '--help':
      case '-h':
        io.out(USAGE);
        return group === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command group "${group}"`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`choreo: ${error.message}`);
    io.err('Run "pnpm choreo --help" for the command groups.');
    return EXIT.usage;
  }
}
