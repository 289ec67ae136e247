import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

import { logFileOf } from './paths';

export interface MavenRun {
  /** Shown to the user while Maven runs, for example "Kafka 4.1.1". */
  label: string;
  /** Arguments after `mvn --batch-mode`. */
  args: string[];
  cwd: string;
  /** JAVA_HOME for Maven; unset keeps the environment's. */
  javaHome?: string;
}

/**
 * Runs Maven and reports download progress on one line per 50 artifacts, because the first run
 * downloads several hundred files and would otherwise look stuck. Maven's full output goes to
 * `.choreo/logs/maven.log`.
 */
export async function runMaven(run: MavenRun): Promise<void> {
  const logFile = logFileOf('maven');
  const log = createWriteStream(logFile, { flags: 'a' });
  const env = run.javaHome ? { ...process.env, JAVA_HOME: run.javaHome } : process.env;
  const child = spawn('mvn', ['--batch-mode', '--no-transfer-progress', ...run.args], { cwd: run.cwd, env });

  let downloaded = 0;
  const countDownloads = (line: string) => {
    log.write(line + '\n');
    if (line.includes('Downloaded from')) {
      downloaded += 1;
      if (downloaded % 50 === 0) console.log(`  ${run.label}: ${downloaded} files downloaded`);
    }
  };
  createInterface({ input: child.stdout }).on('line', countDownloads);
  createInterface({ input: child.stderr }).on('line', countDownloads);

  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  log.end();

  if (exitCode !== 0) {
    throw new Error(`Maven failed while fetching ${run.label} (exit code ${exitCode}); see ${logFile}`);
  }
  if (downloaded > 0) console.log(`  ${run.label}: ${downloaded} files downloaded in all`);
}
