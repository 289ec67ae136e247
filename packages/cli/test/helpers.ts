import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CONTRACTS_DIR } from '@choreo/contracts';

const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MAIN = join(WORKSPACE_ROOT, 'packages', 'cli', 'src', 'main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's main.ts, which `pnpm choreo` runs, as a child process and collects its output and exit code. */
export function runChoreo(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const childEnv = { ...process.env, ...env };
  // A test run started by pnpm passes INIT_CWD on, and the CLI would resolve relative paths against it.
  delete childEnv.INIT_CWD;

  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: WORKSPACE_ROOT,
      env: childEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** A payload record as written in `schemas/events/<event_type>.avsc`. */
export interface PayloadSchema {
  type: 'record';
  name: string;
  namespace?: string;
  fields: Record<string, unknown>[];
}

/**
 * A temporary git repository with a copy of the contracts package's contracts.json and schemas/ in
 * `contracts/`, committed on `main`. Removed by `remove()`.
 */
export class ContractsRepo {
  readonly root = mkdtempSync(join(tmpdir(), 'choreo-contracts-'));
  readonly contractsDir = join(this.root, 'contracts');

  constructor() {
    cpSync(join(CONTRACTS_DIR, 'contracts.json'), join(this.contractsDir, 'contracts.json'));
    cpSync(join(CONTRACTS_DIR, 'schemas'), join(this.contractsDir, 'schemas'), { recursive: true });
    this.git('init', '--quiet', '--initial-branch=main');
    this.commitAll('Add the contracts');
  }

  git(...args: string[]): string {
    return execFileSync(
      'git',
      [
        '-c',
        'user.name=Choreo Test',
        '-c',
        'user.email=test@choreo.invalid',
        '-c',
        'commit.gpgsign=false',
        ...args,
      ],
      {
        cwd: this.root,
        encoding: 'utf8',
      },
    );
  }

  commitAll(message: string): void {
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
  }

  readPayload(eventType: string): PayloadSchema {
    return JSON.parse(readFileSync(this.payloadPath(eventType), 'utf8')) as PayloadSchema;
  }

  /** Rewrites one event's payload schema in the working tree. */
  editPayload(eventType: string, edit: (payload: PayloadSchema) => void): void {
    const payload = this.readPayload(eventType);
    edit(payload);
    this.writePayload(eventType, payload);
  }

  writePayload(eventType: string, payload: PayloadSchema): void {
    mkdirSync(dirname(this.payloadPath(eventType)), { recursive: true });
    writeFileSync(this.payloadPath(eventType), `${JSON.stringify(payload, null, 2)}\n`);
  }

  /** Rewrites contracts.json in the working tree. */
  editManifest(edit: (manifest: { events: Record<string, Record<string, unknown>> }) => void): void {
    const path = join(this.contractsDir, 'contracts.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as {
      events: Record<string, Record<string, unknown>>;
    };
    edit(manifest);
    writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private payloadPath(eventType: string): string {
    return join(this.contractsDir, 'schemas', 'events', `${eventType}.avsc`);
  }
}

/** Returns a TCP port on 127.0.0.1 that nothing listens on: it was free a moment ago and is closed again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const address = server.address();
  await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
  if (address === null || typeof address === 'string') throw new Error('the test server has no TCP address');
  return address.port;
}
