import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { loadConfig } from '@choreo/config';

import { REPO_ROOT } from '../src/paths';

const CLI = join(REPO_ROOT, 'packages', 'stack', 'src', 'cli.ts');

interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pnpm stack status` without pnpm, with extra environment variables. */
function runStatus(env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'status'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/** Returns a port on 127.0.0.1 that had no listener a moment ago. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address !== null, 'the probe server has no address');
  assert.ok(typeof address === 'object', `the probe server listens on ${address}, not on a TCP port`);
  return address.port;
}

function lineOf(run: CliRun, component: string): string {
  const line = run.stdout.split('\n').find((candidate) => candidate.startsWith(`${component} `));
  assert.ok(line, `no line for ${component} in:\n${run.stdout}${run.stderr}`);
  return line;
}

describe('pnpm stack status', () => {
  it('lists each running component as up', async () => {
    const config = loadConfig();
    const run = await runStatus();

    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    const expected = [
      ['redis', new URL(config.redisUrl).host],
      ['kafka', config.kafkaBrokers[0] ?? ''],
      ['registry', config.schemaRegistryUrl],
    ];
    for (const [component = '', address = ''] of expected) {
      const line = lineOf(run, component);
      assert.ok(line.includes(address), `${component} line lacks ${address}: ${line}`);
      assert.match(line, /\sup(\s|$)/, `${component} is not up: ${line}`);
    }
  });

  // Regression: the Kafka health check used to retry a refused connection for about 9 s.
  it('reports unreachable components as down within seconds', { timeout: 20_000 }, async () => {
    const [redisPort, kafkaPort, registryPort] = [await closedPort(), await closedPort(), await closedPort()];
    const run = await runStatus({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${registryPort}/apis/ccompat/v7`,
    });

    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const ports = { redis: redisPort, kafka: kafkaPort, registry: registryPort };
    for (const [component, port] of Object.entries(ports)) {
      const line = lineOf(run, component);
      assert.ok(line.includes(`127.0.0.1:${port}`), `${component} line lacks port ${port}: ${line}`);
      assert.match(line, /\sdown\b.*: \S/, `${component} is not reported down with a reason: ${line}`);
    }
  });
});
