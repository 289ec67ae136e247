import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig } from '@choreo/config';

import { runMaven } from '../maven';
import { BUILD_DIR, DATA_DIR, REPO_ROOT, ensureDir } from '../paths';
import { COMPONENT_MARKER, startDetached } from '../processes';
import { isLocalHost, javaCommand } from './common';
import type { Component } from './types';

const SOURCE_DIR = join(REPO_ROOT, 'stack', 'registry');
const PROJECT_DIR = join(BUILD_DIR, 'registry');
const RUNNER_JAR = join(PROJECT_DIR, 'target', 'schema-registry-1-runner.jar');
const STAMP_FILE = join(PROJECT_DIR, 'source.sha256');

export function registryComponent(): Component {
  const url = new URL(loadConfig().schemaRegistryUrl);
  const port = Number(url.port || 80);

  return {
    name: 'registry',
    address: url.toString(),
    managed: isLocalHost(url.hostname),
    // The first start of the Quarkus app creates its database; 90 s leaves room on a busy machine.
    startTimeoutSeconds: 90,
    checkHealth: () => checkRegistryHealth(url.toString()),
    prepare: buildRegistry,
    start: async () => startRegistry(port),
  };
}

async function checkRegistryHealth(baseUrl: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${baseUrl}/subjects`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return `GET /subjects returned HTTP ${response.status}`;
    const body: unknown = await response.json();
    return Array.isArray(body) ? undefined : 'GET /subjects did not return a JSON array';
  } catch (error) {
    return `no response: ${(error as Error).message}`;
  }
}

/** Builds the registry once, and again whenever its Maven project under stack/registry changes. */
async function buildRegistry(): Promise<void> {
  const sourceHash = hashTree(SOURCE_DIR);
  if (existsSync(RUNNER_JAR) && existsSync(STAMP_FILE) && readFileSync(STAMP_FILE, 'utf8') === sourceHash) return;

  rmSync(PROJECT_DIR, { recursive: true, force: true });
  cpSync(SOURCE_DIR, PROJECT_DIR, { recursive: true });
  console.log('Downloading Apicurio Registry and building it with the Quarkus Maven plugin (first run only)');
  await runMaven({ label: 'Apicurio Registry', cwd: PROJECT_DIR, args: ['package', '-DskipTests'] });
  writeFileSync(STAMP_FILE, sourceHash);
}

function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    for (const entry of readdirSync(path).sort()) {
      const child = join(path, entry);
      if (statSync(child).isDirectory()) visit(child);
      else hash.update(child.slice(dir.length)).update(readFileSync(child));
    }
  };
  visit(dir);
  return hash.digest('hex');
}

/**
 * Apicurio settings that change what clients see, passed as system properties. docker-compose.yml
 * sets the same ones as environment variables, and packages/stack/test/compose.test.ts compares them.
 */
export const REGISTRY_SETTINGS: Readonly<Record<string, string>> = {
  // Ids are content ids, as in Confluent's registry: one id per distinct schema text, the same
  // under every subject, resolvable by GET /schemas/ids/{id}. Legacy mode would hand out global
  // ids instead: a new id for each registered version, even of an identical schema.
  'registry.ccompat.legacy-id-mode.enabled': 'false',
};

function startRegistry(port: number): void {
  const databaseDir = ensureDir(join(DATA_DIR, 'registry'));
  const args = [
    `${COMPONENT_MARKER}registry`,
    '-Xms128m',
    '-Xmx512m',
    `-Dquarkus.http.port=${port}`,
    '-Dquarkus.http.host=127.0.0.1',
    ...Object.entries(REGISTRY_SETTINGS).map(([key, value]) => `-D${key}=${value}`),
    '-jar',
    RUNNER_JAR,
  ];
  // A file database keeps schema ids stable across restarts; messages already in Kafka carry them.
  const env = { ...process.env, REGISTRY_DATASOURCE_URL: `jdbc:h2:file:${databaseDir}/registry` };
  startDetached('registry', javaCommand(), args, REPO_ROOT, env);
}
