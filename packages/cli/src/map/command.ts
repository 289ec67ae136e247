import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

import { ConfigError, loadConfig } from '@choreo/config';
import { CONTRACTS_DIR, ContractError } from '@choreo/contracts';
import { createKafkaClient } from '@choreo/kafka';

import { plural } from '../contracts/report';
import { type CliIo, EXIT, UsageError } from '../io';
import { DeclarationError } from './declarations';
import { type LiveGroup, describeIdleGroup, findDrift } from './drift';
import { type LoadedMap, type MapSources, loadEventMap, renderMapFiles } from './generate';
import { readClusterState } from './live';
import { MAP_COMMAND } from './model';

/** Stopped undeclared groups named in the one-line summary that --live prints without --verbose. */
const IDLE_GROUP_EXAMPLES = 3;

const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const MAP_USAGE = `Usage: pnpm choreo map [options]

Writes docs/event-map.json, docs/event-map.md and docs/event-map.html from every service's
./declaration export and the event contracts.

Options:
  --check                compare the files in the output directory with a fresh generation and exit 1
                         when they differ; writes nothing
  --live                 compare the declarations with the Kafka cluster at KAFKA_BROKERS (default
                         127.0.0.1:9092) and exit 1 on drift; writes nothing
  --verbose              live: list every stopped consumer group that no service declares, not
                         only their count
  --services-dir <dir>   directory whose subdirectories are service packages; default: services
  --contracts-dir <dir>  contracts directory (contracts.json and schemas/); default: packages/contracts
  --out-dir <dir>        directory of the map files; default: docs
  -h, --help             print this help

Exit codes: 0 written, up to date or no drift; 1 invalid declaration, stale map, drift or failure;
2 usage error.`;

const OPTIONS = {
  check: { type: 'boolean' },
  live: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'services-dir': { type: 'string' },
  'contracts-dir': { type: 'string' },
  'out-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Runs `pnpm choreo map` and returns its exit code. */
export async function runMapCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`choreo map: ${error.message}`);
    io.err('Run "pnpm choreo map --help" for the options.');
    return EXIT.usage;
  }
  if (values.help) {
    io.out(MAP_USAGE);
    return EXIT.ok;
  }

  const sources: MapSources = {
    servicesDir: directoryOption(io, values['services-dir'], join(WORKSPACE_ROOT, 'services')),
    contractsDir: directoryOption(io, values['contracts-dir'], CONTRACTS_DIR),
  };
  const outDir = directoryOption(io, values['out-dir'], join(WORKSPACE_ROOT, 'docs'));
  for (const [option, dir] of [
    ['--services-dir', sources.servicesDir],
    ['--contracts-dir', sources.contractsDir],
  ] as const) {
    if (!existsSync(dir)) return usageFailure(io, `${option}: directory ${dir} does not exist`);
  }

  const loaded = await loadOrReport(sources, io);
  if (loaded === undefined) return EXIT.failed;
  if (values.live) return await compareWithCluster(loaded, values.verbose === true, io);
  if (values.check) return checkFiles(loaded, outDir, io);
  return writeFiles(loaded, outDir, io);
}

function parseOptions(argv: readonly string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    // parseArgs reports unknown options, missing values and stray arguments as TypeErrors with a clear message.
    throw new UsageError((error as Error).message);
  }
  if (values.check && values.live)
    throw new UsageError('--check and --live are separate checks. Run them one at a time.');
  if (values.live && values['out-dir'] !== undefined)
    throw new UsageError('--out-dir does not apply to --live');
  if (values.verbose && !values.live) throw new UsageError('--verbose applies to --live only');
  return values;
}

function usageFailure(io: CliIo, message: string): number {
  io.err(`choreo map: ${message}`);
  return EXIT.usage;
}

/** Resolves a directory option against the caller's directory, or returns the default. */
function directoryOption(io: CliIo, value: string | undefined, fallback: string): string {
  return value === undefined ? fallback : resolve(io.cwd, value);
}

async function loadOrReport(sources: MapSources, io: CliIo): Promise<LoadedMap | undefined> {
  try {
    return await loadEventMap(sources);
  } catch (error) {
    if (error instanceof DeclarationError) {
      for (const problem of error.problems) io.err(`error: ${problem}`);
      io.err(
        `The event map cannot be built until the ${plural(error.problems.length, 'problem')} above are fixed.`,
      );
      return undefined;
    }
    if (error instanceof ContractError) {
      io.err(`error: the contracts in ${sources.contractsDir} cannot be loaded: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

function writeFiles(loaded: LoadedMap, outDir: string, io: CliIo): number {
  mkdirSync(outDir, { recursive: true });
  for (const [name, content] of renderMapFiles(loaded.map)) {
    const path = join(outDir, name);
    const unchanged = existsSync(path) && readFileSync(path, 'utf8') === content;
    if (!unchanged) writeFileSync(path, content);
    io.out(`${displayPath(io, path)}: ${unchanged ? 'unchanged' : 'written'}`);
  }
  io.out(
    `event map: ${plural(Object.keys(loaded.map.events).length, 'event')}, ${plural(loaded.map.services.length, 'service')}. Commit the files in ${displayPath(io, outDir)}.`,
  );
  return EXIT.ok;
}

function checkFiles(loaded: LoadedMap, outDir: string, io: CliIo): number {
  const stale: string[] = [];
  for (const [name, content] of renderMapFiles(loaded.map)) {
    const path = join(outDir, name);
    const pathLabel = displayPath(io, path);
    if (!existsSync(path)) {
      stale.push(`${pathLabel} is missing`);
      continue;
    }
    const line = firstDifferentLine(readFileSync(path, 'utf8'), content);
    if (line !== undefined) stale.push(`${pathLabel} is out of date (first difference at line ${line})`);
  }

  if (stale.length === 0) {
    io.out(`event map in ${displayPath(io, outDir)} is up to date`);
    return EXIT.ok;
  }
  for (const line of stale) io.err(`error: ${line}`);
  io.err(
    `The event map does not match the service declarations and contracts. Run "${MAP_COMMAND}" and commit the files in ${displayPath(io, outDir)}.`,
  );
  return EXIT.failed;
}

/** Returns the 1-based number of the first line that differs, or undefined when the texts are equal. */
function firstDifferentLine(actual: string, expected: string): number | undefined {
  if (actual === expected) return undefined;
  const actualLines = actual.split('\n');
  const expectedLines = expected.split('\n');
  let index = 0;
  while (index < actualLines.length && actualLines[index] === expectedLines[index]) index++;
  return index + 1;
}

async function compareWithCluster(loaded: LoadedMap, verbose: boolean, io: CliIo): Promise<number> {
  let brokers: readonly string[];
  try {
    brokers = loadConfig(io.env).kafkaBrokers;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`error: ${error.message}`);
    return EXIT.failed;
  }

  const kafka = createKafkaClient({
    brokers,
    clientId: 'choreo-map',
    retries: 2,
    // Connection errors reach the catch below and are reported there once, with what to do.
    onLog: () => undefined,
  });
  let cluster;
  try {
    cluster = await readClusterState(kafka);
  } catch (error) {
    io.err(
      `error: cannot read topics and consumer groups from Kafka at ${brokers.join(',')}: ${(error as Error).message}. Start the local stack with "pnpm stack up" or set KAFKA_BROKERS.`,
    );
    return EXIT.failed;
  }

  io.out(
    `Comparing ${plural(loaded.services.length, 'service declaration')} with the Kafka cluster at ${brokers.join(',')}`,
  );
  const report = findDrift(loaded.map, loaded.services, cluster);
  for (const warning of report.warnings) io.err(`warning: ${warning}`);
  reportIdleGroups(report.idleUndeclaredGroups, verbose, io);
  for (const drift of report.drift) io.out(`drift: ${drift}`);

  if (report.drift.length === 0) {
    io.out('no drift: the cluster matches the declarations');
    return EXIT.ok;
  }
  io.out(`${plural(report.drift.length, 'drift item')} between the declarations and the cluster`);
  return EXIT.failed;
}

/** Prints stopped groups that no service declares: one line each with --verbose, else a count and examples. */
function reportIdleGroups(groups: readonly LiveGroup[], verbose: boolean, io: CliIo): void {
  if (groups.length === 0) return;
  if (verbose) {
    for (const group of groups) io.err(`warning: ${describeIdleGroup(group)}`);
    return;
  }

  const examples = groups.slice(0, IDLE_GROUP_EXAMPLES).map((group) => `"${group.groupId}"`);
  const more = groups.length > IDLE_GROUP_EXAMPLES ? ', ...' : '';
  io.err(
    `warning: ${plural(groups.length, 'consumer group')} that no service declares ${groups.length === 1 ? 'has' : 'have'} no running member (${examples.join(', ')}${more}). They are not drift; delete the ones nothing uses. --verbose lists each with its committed topics.`,
  );
}

/** Shows a path relative to the caller's directory when it is inside it, else absolute. */
function displayPath(io: CliIo, path: string): string {
  const relativePath = relative(io.cwd, path);
  if (relativePath === '') return '.';
  if (relativePath.startsWith('..') || isAbsolute(relativePath)) return path;
  return relativePath;
}
