import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

import { logFileOf } from '../paths';

export function isLocalHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

/** Returns the java executable: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else the one on PATH. */
export function javaCommand(): string {
  return process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
}

/** Runs a short command to completion with its output in the component's log; rejects on failure. */
export async function spawnAndWait(logName: string, command: string, args: string[]): Promise<void> {
  const logFile = logFileOf(logName);
  const logFd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', logFd, logFd] });
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (exitCode !== 0) throw new Error(`${command} ${args.at(-4) ?? ''} failed with exit code ${exitCode}; see ${logFile}`);
  } finally {
    closeSync(logFd);
  }
}
