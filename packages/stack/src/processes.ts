import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { RUN_DIR, ensureDir, logFileOf } from './paths';

/**
 * Every process the stack starts carries this system property, so `down` and `status` can tell our
 * process from an unrelated one that reused the pid after a reboot.
 */
export const COMPONENT_MARKER = '-Dchoreo.component=';

function pidFileOf(component: string): string {
  return join(ensureDir(RUN_DIR), `${component}.pid`);
}

/** Starts a detached process whose output goes to the component's log file; returns its pid. */
export function startDetached(
  component: string,
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const logFile = logFileOf(component);
  const logFd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', logFd, logFd] });
    if (child.pid === undefined) throw new Error(`could not start ${command} for ${component}; see ${logFile}`);
    child.unref();
    writeFileSync(pidFileOf(component), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(logFd);
  }
}

/** Returns the pid of a running process that `up` started for this component, or undefined. */
export function runningPidOf(component: string): number | undefined {
  const pidFile = pidFileOf(component);
  if (!existsSync(pidFile)) return undefined;

  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isOurProcess(pid, component)) {
    rmSync(pidFile, { force: true });
    return undefined;
  }
  return pid;
}

function isOurProcess(pid: number, component: string): boolean {
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return commandLine.includes(`${COMPONENT_MARKER}${component}`) || commandLine.some((arg) => arg.endsWith(`choreo-${component}.conf`));
  } catch {
    // No /proc entry: the process has exited.
    return false;
  }
}

/** Stops a component that `up` started: SIGTERM, then SIGKILL after the grace period. */
export async function stopStarted(component: string, graceMs = 20_000): Promise<'stopped' | 'not-running'> {
  const pid = runningPidOf(component);
  if (pid === undefined) return 'not-running';

  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isOurProcess(pid, component)) {
    await sleep(200);
  }
  if (isOurProcess(pid, component)) process.kill(pid, 'SIGKILL');

  rmSync(pidFileOf(component), { force: true });
  return 'stopped';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
