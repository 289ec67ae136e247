import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { ContractError, generateEventTypes } from '@choreo/contracts';

import { type CliIo, EXIT } from '../io';
import { plural } from './report';
import { loadWorkingTree } from './working-tree';

/**
 * Writes the TypeScript payload types generated from a contracts directory, by default to
 * `<contracts dir>/src/generated/events.ts`. Leaves the file untouched when it is already current.
 */
export function writeEventTypes(contractsDir: string, out: string | undefined, io: CliIo): number {
  const contracts = loadWorkingTree(contractsDir, io);
  if (contracts === undefined) return EXIT.failed;

  const file = out ?? join(contractsDir, 'src', 'generated', 'events.ts');
  let source: string;
  try {
    source = generateEventTypes(contracts);
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    io.err(`error: cannot generate types: ${error.message}`);
    return EXIT.failed;
  }
  const shownPath = relative(io.cwd, file) || file;

  if (readIfExists(file) === source) {
    io.out(`${shownPath} is up to date (${plural(contracts.length, 'event type')})`);
    return EXIT.ok;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  io.out(`wrote ${shownPath} (${plural(contracts.length, 'event type')})`);
  return EXIT.ok;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
