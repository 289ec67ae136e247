import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { WorkerRequest, WorkerResult } from './protocol';

const WORKER_PATH = fileURLToPath(new URL('./consumer-worker.ts', import.meta.url));

/** Extra time a worker gets beyond its request timeout to connect, stop and exit, in milliseconds. */
const EXIT_GRACE_MS = 60_000;

const running = new Set<ChildProcess>();

/**
 * Runs one consumer in a fresh child process and returns what it measured. With `cpuProfileDir` the
 * child runs under `node --cpu-prof` and writes its profiles on exit to a subdirectory named after
 * the side, mode and group. The main thread's profile is the file with thread id 0 in its name.
 */
export function runWorker(request: WorkerRequest, cpuProfileDir: string | undefined): Promise<WorkerResult> {
  const execArgv = ['--import', 'tsx'];
  if (cpuProfileDir !== undefined) {
    // One directory per worker, because the tsx loader thread writes a profile of its own next to the main thread's.
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${join(cpuProfileDir, `${request.side}-${request.mode}-${request.groupId}`)}`,
    );
  }
  const child = fork(WORKER_PATH, [JSON.stringify(request)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(child);

  return new Promise((resolve, reject) => {
    let result: WorkerResult | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), request.timeoutMs + EXIT_GRACE_MS);
    child.on('message', (message) => (result = message as WorkerResult));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (result !== undefined && code === 0) return resolve(result);
      reject(
        new Error(
          `consumer worker (${request.side} ${request.mode}, group ${request.groupId}) exited with ${signal ?? `code ${code}`} before sending a result; its stderr is above`,
        ),
      );
    });
  });
}

/** Kills the workers still running, for an interrupted bench. */
export function killWorkers(): void {
  for (const child of running) child.kill('SIGKILL');
}
