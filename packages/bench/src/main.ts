/**
 * `pnpm bench`: compares the kits with raw kafkajs on the local stack and writes bench/results.json.
 * bench/README.md explains each figure and how to reproduce them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { loadConfig } from '@choreo/config';
import { Redis } from 'ioredis';

import { benchBacklog } from './backlog-bench';
import { benchConsumers } from './consumer-bench';
import { fillTopic } from './events';
import { benchProducers } from './producer-bench';
import { buildResults } from './results';
import { BenchSettingsError, loadSettings } from './settings';
import { benchKafka, benchNames, benchRegistry, cleanUp, createTopics, ensureSchema } from './stack';
import { formatTable } from './table';
import { killWorkers } from './workers';

function log(line: string): void {
  process.stdout.write(`bench: ${line}\n`);
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const startedAt = new Date();
  const names = benchNames(randomBytes(4).toString('hex'));
  const groupIds: string[] = [];
  const kafka = benchKafka(`bench-${names.runId}`);
  const admin = kafka.admin();
  const redis = new Redis(loadConfig().redisUrl, { maxRetriesPerRequest: 1 });
  await admin.connect();

  let cleaned: Promise<void> | undefined;
  const cleanUpOnce = () => (cleaned ??= cleanUp(admin, redis, names, groupIds));
  const onSignal = (signal: NodeJS.Signals) => {
    log(`received ${signal}: stopping workers and deleting the run's topics, groups and keys`);
    killWorkers();
    void cleanUpOnce().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(
      `run ${names.runId}: ${settings.events} events, ${settings.runs} runs per side, topics bench.${names.runId}.*`,
    );
    const registry = benchRegistry(names.consumerTopic);
    const schemaId = await ensureSchema(registry);
    await createTopics(admin, [names.consumerTopic, names.producerTopic], settings.partitions);

    log(`filling ${names.consumerTopic} with ${settings.events} events`);
    await fillTopic(kafka, registry, schemaId, names.consumerTopic, names.runId, settings.events);

    const consumer = await benchConsumers(admin, names, settings, groupIds, log);
    const producer = await benchProducers(kafka, names, settings, log);
    const backlog = await benchBacklog(kafka, admin, registry, schemaId, names, settings, groupIds, log);

    const results = buildResults({ settings, runId: names.runId, startedAt, consumer, producer, backlog });
    mkdirSync(dirname(settings.output), { recursive: true });
    writeFileSync(settings.output, `${JSON.stringify(results, null, 2)}\n`);

    process.stdout.write(`\n${formatTable(results)}\n\n`);
    for (const warning of results.warnings) log(`warning: ${warning}`);
    log(`wrote ${settings.output} in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`);
  } finally {
    await cleanUpOnce();
    await admin.disconnect();
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  // A setting error is the caller's to fix, so its message is enough. Any other error gets its stack.
  const text = error instanceof BenchSettingsError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`bench failed: ${text}\n`);
  process.exit(1);
});
