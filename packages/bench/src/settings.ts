import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DEFAULT_EVENT_TOPIC_PARTITIONS } from '@choreo/producer-kit';

/** Knobs of one `pnpm bench` run, read from the environment. */
export interface BenchSettings {
  /** Events pre-produced for the consumer comparison and the replay (`BENCH_EVENTS`). Unset: 100000. */
  events: number;
  /** Timed runs of each side of every comparison (`BENCH_RUNS`). Unset: 5. */
  runs: number;
  /** Events each producer run publishes (`BENCH_PRODUCER_EVENTS`). Unset: 50000. */
  producerEvents: number;
  /** Events per `publishBatch` or `sendBatch` call (`BENCH_PRODUCER_BATCH`). Unset: 500. */
  producerBatchSize: number;
  /** Most messages the consumer kit claims in Redis together (`BENCH_CHUNK_SIZE`). Unset: the kit's default. */
  chunkSize: number | undefined;
  /** Messages waiting in a retry topic for the memory check (`BENCH_BACKLOG`). Unset: 10000. */
  backlog: number;
  /** Time the memory of the service is sampled once the backlog was fetched, in milliseconds (`BENCH_BACKLOG_HOLD_MS`). Unset: 5000. */
  backlogHoldMs: number;
  /** Maximum wait for one consumer run, in milliseconds (`BENCH_RUN_TIMEOUT_MS`). Unset: 180000. */
  runTimeoutMs: number;
  /** Partitions of every bench topic: the default of event topics, so the kit runs as it would in a service. */
  partitions: number;
  /** Directory for `node --cpu-prof` profiles of the consumer workers (`BENCH_CPU_PROF`). Unset: no profiling. */
  cpuProfileDir: string | undefined;
  /** Path of the results file (`BENCH_OUTPUT`). Unset: `bench/results.json` at the repository root. */
  output: string;
}

/** An invalid `BENCH_*` variable. Its message names the variable, its value and what is expected. */
export class BenchSettingsError extends Error {
  override name = 'BenchSettingsError';
}

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function loadSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  return {
    events: positiveInteger(env, 'BENCH_EVENTS', 100_000),
    runs: positiveInteger(env, 'BENCH_RUNS', 5),
    producerEvents: positiveInteger(env, 'BENCH_PRODUCER_EVENTS', 50_000),
    producerBatchSize: positiveInteger(env, 'BENCH_PRODUCER_BATCH', 500),
    chunkSize: optionalPositiveInteger(env, 'BENCH_CHUNK_SIZE', "the kit's default"),
    backlog: positiveInteger(env, 'BENCH_BACKLOG', 10_000),
    backlogHoldMs: positiveInteger(env, 'BENCH_BACKLOG_HOLD_MS', 5_000),
    runTimeoutMs: positiveInteger(env, 'BENCH_RUN_TIMEOUT_MS', 180_000),
    partitions: DEFAULT_EVENT_TOPIC_PARTITIONS,
    cpuProfileDir: env.BENCH_CPU_PROF ? resolve(env.BENCH_CPU_PROF) : undefined,
    output: resolve(env.BENCH_OUTPUT ?? resolve(REPOSITORY_ROOT, 'bench', 'results.json')),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return optionalPositiveInteger(env, name, String(fallback)) ?? fallback;
}

/** Reads a positive integer, or undefined when the variable is unset; `unsetMeaning` goes into the error message. */
function optionalPositiveInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  unsetMeaning: string,
): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;

  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BenchSettingsError(`${name} is "${text}", expected a positive integer (unset: ${unsetMeaning})`);
  }
  return value;
}
