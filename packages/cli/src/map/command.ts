import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

import { CONTRACTS_DIR, ContractError } from '@choreo/contracts';

import { plural } from '../contracts/report';
import { type CliIo, EXIT, UsageError } from '../io';
import { DeclarationError } from './declarations';
import { type LoadedMap, type MapSources, loadEventMap, renderMapFiles } from './generate';
import { MAP_COMMAND } from './model';

const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const MAP_USAGE = `Usage: pnpm choreo map [options]

Writes docs/event-map.json, docs/event-map.md and docs/event-map.html from every service's
./declaration export and the event contracts.

Options:
  --check                compare the files in the output directory with a fresh generation and exit 1
                         when they differ; writes nothing
  --services-dir <dir>   directory whose subdirectories are service packages; default: services
  --contracts-dir <dir>  contracts directory (contracts.json and schemas/); default: packages/contracts
  --out-dir <dir>        directory of the map files; default: docs
  -h, --help             print this help

Exit codes: 0 written or up to date; 1 invalid declaration, stale map or failure; 2 usage error.`;

const OPTIONS = {
  check: { type: 'boolean' },
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

/** Shows a path relative to the caller's directory when it is inside it, else absolute. */
function displayPath(io: CliIo, path: string): string {
  const relativePath = relative(io.cwd, path);
  if (relativePath === '') return '.';
  if (relativePath.startsWith('..') || isAbsolute(relativePath)) return path;
  return relativePath;
}
