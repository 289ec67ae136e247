import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';

import type { ConsumerRuns } from './consumer-bench';
import type { ProducerRun, ProducerSide } from './producer-bench';
import type { WorkerResult } from './protocol';
import type { BenchSettings } from './settings';
import { median, percentile, round } from './stats';

/** Targets of the headline figures. With `direction` `min` a value must reach the target, with `max` it must not exceed it. */
export const TARGETS = {
  consumerRatio: { target: 0.8, direction: 'min' },
  producerRatio: { target: 0.85, direction: 'min' },
  dedupeRoundTripsPerBatch: { target: 2, direction: 'max' },
  replaySpeedup: { target: 1, direction: 'min' },
  peakRssMb: { target: 200, direction: 'max' },
  backlogPeakRssMb: { target: 200, direction: 'max' },
} as const;

export type Figure = keyof typeof TARGETS;

export interface BenchInputs {
  settings: BenchSettings;
  runId: string;
  startedAt: Date;
  consumer: ConsumerRuns;
  producer: ProducerRun[];
  backlog: { runs: WorkerResult[]; warnings: string[] };
}

/** Collects the throughputs of a list of runs, their median, and each run's ratio to the same round of `baseline`. */
function throughputs(
  runs: readonly { eventsPerSecond: number }[],
  baseline?: readonly { eventsPerSecond: number }[],
) {
  const rates = runs.map((run) => run.eventsPerSecond);
  return {
    perRun: rates.map((rate) => round(rate, 0)),
    median: round(median(rates), 0),
    ratioPerRun:
      baseline === undefined
        ? undefined
        : rates.map((rate, index) => round(rate / (baseline[index]?.eventsPerSecond ?? NaN), 3)),
  };
}

/** Builds the content of bench/results.json: headline figures first, then every run behind them. */
export function buildResults(inputs: BenchInputs) {
  const { consumer, producer, backlog, settings } = inputs;
  const producerSide = (side: ProducerSide) => producer.filter((run) => run.side === side);

  const consumerKit = throughputs(consumer.kit, consumer.raw);
  const consumerRaw = throughputs(consumer.raw);
  const consumerWithoutDedupe = throughputs(consumer.kitWithoutDedupe, consumer.raw);
  const replay = throughputs(consumer.replay, consumer.kit);
  const producerKit = throughputs(producerSide('kit'), producerSide('raw'));
  const producerRaw = throughputs(producerSide('raw'));
  const producerEncoding = throughputs(producerSide('rawWithEncoding'), producerSide('raw'));
  const dedupe = dedupeFigures(consumer.kit);

  const headline: Record<Figure, number> = {
    consumerRatio: round(consumerKit.median / consumerRaw.median, 3),
    producerRatio: round(producerKit.median / producerRaw.median, 3),
    dedupeRoundTripsPerBatch: dedupe.roundTripsPerBatch,
    replaySpeedup: round(replay.median / consumerKit.median, 3),
    peakRssMb: round(median(consumer.kit.map((run) => run.maxRssMb)), 1),
    backlogPeakRssMb: round(median(backlog.runs.map((run) => run.maxRssMb)), 1),
  };

  return {
    ...headline,
    dedupeAddedLatency: dedupe.addedLatency,
    targets: Object.fromEntries(
      (Object.keys(TARGETS) as Figure[]).map((figure) => [
        figure,
        { ...TARGETS[figure], value: headline[figure], met: meets(figure, headline[figure]) },
      ]),
    ) as Record<Figure, { target: number; direction: 'min' | 'max'; value: number; met: boolean }>,
    machine: machineInfo(),
    date: inputs.startedAt.toISOString(),
    runId: inputs.runId,
    settings: { ...settings, output: undefined },
    consumer: {
      events: settings.events,
      runs: settings.runs,
      ratioWithoutDedupe: round(consumerWithoutDedupe.median / consumerRaw.median, 3),
      eventsPerSecond: { kit: consumerKit, kitWithoutDedupe: consumerWithoutDedupe, raw: consumerRaw },
      seconds: {
        kit: consumer.kit.map((run) => round(run.seconds, 3)),
        kitWithoutDedupe: consumer.kitWithoutDedupe.map((run) => round(run.seconds, 3)),
        raw: consumer.raw.map((run) => round(run.seconds, 3)),
      },
      fetchedBatches: {
        kit: consumer.kit.map((run) => run.fetchedBatches),
        kitWithoutDedupe: consumer.kitWithoutDedupe.map((run) => run.fetchedBatches),
        raw: consumer.raw.map((run) => run.fetchedBatches),
      },
    },
    producer: {
      events: settings.producerEvents,
      batchSize: settings.producerBatchSize,
      runs: settings.runs,
      rawWithEncodingRatio: round(producerEncoding.median / producerRaw.median, 3),
      eventsPerSecond: { kit: producerKit, raw: producerRaw, rawWithEncoding: producerEncoding },
    },
    dedupe: { firstTime: dedupe, replay: dedupeFigures(consumer.replay) },
    replay: {
      events: settings.events,
      eventsPerSecond: replay,
      seconds: consumer.replay.map((run) => round(run.seconds, 3)),
      firstTimeSeconds: consumer.kit.map((run) => round(run.seconds, 3)),
      handled: consumer.replay.map((run) => run.handled),
    },
    memory: {
      kit: memoryFigures(consumer.kit),
      kitWithoutDedupe: memoryFigures(consumer.kitWithoutDedupe),
      raw: memoryFigures(consumer.raw),
      replay: memoryFigures(consumer.replay),
      backlog: {
        messages: settings.backlog,
        holdMs: settings.backlogHoldMs,
        ...memoryFigures(backlog.runs),
        retryBatchesFetched: backlog.runs.map((run) => run.fetchedBatches),
      },
    },
    warnings: [...consumer.warnings, ...backlog.warnings],
  };
}

export type BenchResults = ReturnType<typeof buildResults>;

/** Collects each run's lifetime peak RSS and the peaks sampled during its measured window, in MB. */
function memoryFigures(runs: readonly WorkerResult[]) {
  const pick = (value: (run: WorkerResult) => number) => runs.map((run) => round(value(run), 1));
  return {
    maxRssMb: pick((run) => run.maxRssMb),
    medianMaxRssMb: round(median(runs.map((run) => run.maxRssMb)), 1),
    windowPeakRssMb: pick((run) => run.window.rssMb),
    windowPeakHeapUsedMb: pick((run) => run.window.heapUsedMb),
    windowPeakHeapTotalMb: pick((run) => run.window.heapTotalMb),
    windowPeakExternalMb: pick((run) => run.window.externalMb),
  };
}

/**
 * Computes round trips per fetched batch and the latency dedupe adds from the probe's per-chunk
 * timings. Every event of a chunk waits for the chunk's claim before its handler and for its settle
 * before the commit, so the per-chunk time is the latency each of those events gains. Divided by the
 * chunk's size it is the amortized cost per event. Per-run percentiles are reduced to their median.
 */
function dedupeFigures(runs: readonly WorkerResult[]) {
  const perRun = runs.map((run) => {
    const chunks = run.dedupe?.chunks ?? [];
    const chunkMs = chunks.map((chunk) => chunk.claimMs + chunk.settleMs);
    const perEventUs = chunks.map(
      (chunk) => ((chunk.claimMs + chunk.settleMs) * 1000) / Math.max(1, chunk.keys),
    );
    return {
      roundTrips: run.dedupe?.roundTrips ?? 0,
      fetchedBatches: run.fetchedBatches,
      roundTripsPerBatch: (run.dedupe?.roundTrips ?? 0) / Math.max(1, run.fetchedBatches),
      chunks: chunks.length,
      meanChunkSize: chunks.reduce((sum, chunk) => sum + chunk.keys, 0) / Math.max(1, chunks.length),
      perChunkMs: { p50: percentile(chunkMs, 50), p99: percentile(chunkMs, 99) },
      perEventAmortizedUs: { p50: percentile(perEventUs, 50), p99: percentile(perEventUs, 99) },
    };
  });
  const medianOf = (pick: (run: (typeof perRun)[number]) => number, digits: number) =>
    round(median(perRun.map(pick)), digits);

  return {
    roundTripsPerBatch: medianOf((run) => run.roundTripsPerBatch, 2),
    addedLatency: {
      perChunkMs: {
        p50: medianOf((run) => run.perChunkMs.p50, 2),
        p99: medianOf((run) => run.perChunkMs.p99, 2),
      },
      perEventAmortizedUs: {
        p50: medianOf((run) => run.perEventAmortizedUs.p50, 1),
        p99: medianOf((run) => run.perEventAmortizedUs.p99, 1),
      },
    },
    perRun: perRun.map((run) => ({
      ...run,
      roundTripsPerBatch: round(run.roundTripsPerBatch, 2),
      meanChunkSize: round(run.meanChunkSize, 1),
      perChunkMs: { p50: round(run.perChunkMs.p50, 2), p99: round(run.perChunkMs.p99, 2) },
      perEventAmortizedUs: {
        p50: round(run.perEventAmortizedUs.p50, 1),
        p99: round(run.perEventAmortizedUs.p99, 1),
      },
    })),
  };
}

function meets(figure: Figure, value: number): boolean {
  const { target, direction } = TARGETS[figure];
  return direction === 'min' ? value >= target : value <= target;
}

function machineInfo() {
  const processors = cpus();
  const require = createRequire(import.meta.resolve('@choreo/kafka'));
  return {
    cpuModel: processors[0]?.model ?? 'unknown',
    cores: processors.length,
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    kafkajs: (require('kafkajs/package.json') as { version: string }).version,
  };
}
