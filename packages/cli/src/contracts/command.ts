import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

import { CONTRACTS_DIR } from '@choreo/contracts';

import { type CliIo, EXIT, UsageError } from '../io';
import { checkAgainstGit } from './check-offline';
import { checkAgainstRegistry } from './check-registry';
import { registerContracts } from './register';
import { writeEventTypes } from './types';

export const CONTRACTS_USAGE = `Usage: pnpm choreo contracts <command> [options]

Commands:
  check      compare each event's schema with its earlier versions; offline, from git, by default
  register   register every contract's schema and compatibility level in the schema registry
  types      regenerate src/generated/events.ts of the contracts package from the .avsc files

Options:
  --contracts-dir <dir>  contracts directory (contracts.json and schemas/); default: packages/contracts
  --against <ref>        check: git ref to compare with; default: the merge base of HEAD and main
                         (origin/main when there is no main), or HEAD when that is HEAD itself
  --registry             check: ask the schema registry at SCHEMA_REGISTRY_URL instead of git
  --out <file>           types: file to write; default: <contracts dir>/src/generated/events.ts
  -h, --help             print this help

Exit codes: 0 compatible or done, 1 breaking change or failure, 2 usage error.`;

const COMMAND_OPTIONS = {
  check: ['contracts-dir', 'against', 'registry'],
  register: ['contracts-dir'],
  types: ['contracts-dir', 'out'],
} as const;

const OPTIONS = {
  'contracts-dir': { type: 'string' },
  against: { type: 'string' },
  registry: { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Runs `pnpm choreo contracts <command>` and returns its exit code. */
export async function runContractsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    io.out(CONTRACTS_USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }

  try {
    if (!(command in COMMAND_OPTIONS)) throw new UsageError(`unknown command "${command}"`);
    const name = command as keyof typeof COMMAND_OPTIONS;
    const options = parseOptions(name, rest);
    if (options.help) {
      io.out(CONTRACTS_USAGE);
      return EXIT.ok;
    }

    const contractsDir = resolve(io.cwd, options['contracts-dir'] ?? CONTRACTS_DIR);
    if (!existsSync(contractsDir)) throw new UsageError(`contracts directory ${contractsDir} does not exist`);
    switch (name) {
      case 'check':
        if (options.registry) {
          if (options.against !== undefined)
            throw new UsageError(
              '--against applies to the offline check only. Drop --against or --registry.',
            );
          return await checkAgainstRegistry(contractsDir, io);
        }
        return await checkAgainstGit(contractsDir, options.against, io);
      case 'register':
        return await registerContracts(contractsDir, io);
      case 'types':
        return writeEventTypes(
          contractsDir,
          options.out === undefined ? undefined : resolve(io.cwd, options.out),
          io,
        );
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`choreo contracts: ${error.message}`);
    io.err('Run "pnpm choreo contracts --help" for the commands and options.');
    return EXIT.usage;
  }
}

type ParsedOptions = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

/** Parses the options of one command, rejecting options that belong to another command. */
function parseOptions(command: keyof typeof COMMAND_OPTIONS, argv: readonly string[]): ParsedOptions {
  let values: ParsedOptions;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    // parseArgs reports unknown options, missing values and stray arguments as TypeErrors with a clear message.
    throw new UsageError((error as Error).message);
  }

  const allowed: readonly string[] = COMMAND_OPTIONS[command];
  for (const option of Object.keys(values)) {
    if (option !== 'help' && !allowed.includes(option))
      throw new UsageError(`--${option} is not an option of "contracts ${command}"`);
  }
  return values;
}
