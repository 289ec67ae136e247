import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import type { DemoProcess } from '../../demo/src/processes';

export { scrape, stopProcess, sumMetric, waitReady } from '../../demo/src/processes';
export type { DemoProcess as DrillProcess };

/** Root of the workspace: child processes run from here, with its node_modules. */
export const ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** Processes a drill started and that still run; they are killed when the test runner exits. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a TypeScript entry point as its own process, logging to `.choreo/logs/drill-<name>.log`.
 * It runs as `node --import tsx` rather than through the `tsx` binary, because that binary runs the
 * program in a second process and cannot pass a SIGKILL on to it.
 */
export function startDrillProcess(name: string, entry: string, env: Record<string, string>): DemoProcess {
  const logDir = join(ROOT, '.choreo', 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `drill-${name}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);

  running.add(child);
  child.once('exit', () => running.delete(child));
  return { name, child, logFile };
}

/** Resolves with the exit code or signal once the process has exited; rejects after `timeoutMs`. */
export function exitOf(
  drillProcess: DemoProcess,
  timeoutMs = 60_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = drillProcess;
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${drillProcess.name} did not exit within ${timeoutMs / 1000} s; see ${drillProcess.logFile}`,
          ),
        ),
      timeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Kills a process with SIGKILL, as a crashed host or the kernel's OOM killer would, and waits until it is gone. */
export async function killProcess(drillProcess: DemoProcess): Promise<void> {
  const exited = exitOf(drillProcess);
  drillProcess.child.kill('SIGKILL');
  await exited;
}

/**
 * Waits until the process logged a JSON line whose `msg` is `message`, and returns that line parsed.
 * Fails early when the process exits first.
 */
export async function waitForLogLine(
  drillProcess: DemoProcess,
  message: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of readFileSync(drillProcess.logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{') || !line.includes(message)) continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === message) return entry;
      } catch {
        // The last line may still be half written; the next poll reads it whole.
      }
    }
    if (drillProcess.child.exitCode !== null || drillProcess.child.signalCode !== null) {
      throw new Error(`${drillProcess.name} exited before logging "${message}"; see ${drillProcess.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${drillProcess.name} did not log "${message}" within ${timeoutMs / 1000} s; see ${drillProcess.logFile}`,
  );
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago; another process may still take it first. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
