import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
}

/** Starts a TypeScript entry point as its own process, as a team would run the service. */
export function startProcess(root: string, name: string, entry: string, env: Record<string, string>): DemoProcess {
  const logDir = join(root, '.choreo', 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `demo-${name}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [entry], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  closeSync(log);
  return { name, child, logFile };
}

/** Polls a URL until it returns 2xx. Fails early, naming the log file, when the process exits. */
export async function waitReady(process: DemoProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null) throw new Error(`${process.name} exited with code ${process.child.exitCode}; see ${process.logFile}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${process.name} was not ready within ${timeoutMs / 1000} s (${url}); see ${process.logFile}`);
}

/** Sends SIGTERM and waits for a graceful exit; SIGKILL after the grace period. */
export async function stopProcess(process: DemoProcess, graceMs = 20_000): Promise<void> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return;
  const exited = new Promise((resolve) => process.child.once('exit', resolve));
  process.child.kill('SIGTERM');
  const timer = setTimeout(() => process.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Sums the samples of a Prometheus counter or gauge whose labels match, from a `/metrics` page. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const matches = Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function scrape(port: number): Promise<string> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  } catch {
    return '';
  }
}
