import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root; the stack keeps all of its state under `.choreo/` there. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const STATE_DIR = join(REPO_ROOT, '.choreo');
export const LOG_DIR = join(STATE_DIR, 'logs');
export const RUN_DIR = join(STATE_DIR, 'run');
export const DATA_DIR = join(STATE_DIR, 'data');
export const BUILD_DIR = join(STATE_DIR, 'build');

/** Maven project files that describe what the stack downloads. */
export const MAVEN_DIR = join(REPO_ROOT, 'stack', 'maven');

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export function logFileOf(component: string): string {
  return join(ensureDir(LOG_DIR), `${component}.log`);
}
