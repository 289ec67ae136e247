import { performance } from 'node:perf_hooks';

import type { Consumer } from '@choreo/kafka';

/**
 * Times one consumer's pass over a topic from kafkajs's own instrumentation events, so the kit and the
 * raw consumer are timed at the same points. The window runs from the start of the first batch of
 * `topic` to the commit that covers its last offset, so group join and connection setup fall outside.
 */
export class ConsumptionClock {
  /** Batches of the watched topic handed to `eachBatch`. */
  batches = 0;
  private firstBatchAt: number | undefined;
  private doneAt: number | undefined;
  private readonly committed = new Map<number, bigint>();
  private onDone: (() => void) | undefined;
  /** Resolves once every partition's committed offset reached its end offset. */
  readonly done: Promise<void>;

  /** `endOffsets` maps each partition to the offset after its last message (the high watermark). */
  constructor(
    private readonly topic: string,
    private readonly endOffsets: ReadonlyMap<number, bigint>,
  ) {
    this.done = new Promise((resolve) => (this.onDone = resolve));
  }

  /** Messages between the start and end offsets when the run began. */
  get expectedMessages(): number {
    let total = 0n;
    for (const end of this.endOffsets.values()) total += end;
    return Number(total);
  }

  get started(): boolean {
    return this.firstBatchAt !== undefined;
  }

  /** Seconds from the first batch to the final commit; undefined until both happened. */
  get seconds(): number | undefined {
    if (this.firstBatchAt === undefined || this.doneAt === undefined) return undefined;
    return (this.doneAt - this.firstBatchAt) / 1000;
  }

  /** Messages whose offsets are committed, counted from offset 0 of each partition. */
  get committedMessages(): number {
    let total = 0n;
    for (const offset of this.committed.values()) total += offset;
    return Number(total);
  }

  attach(consumer: Consumer, onBatch: (topic: string) => void = () => undefined): void {
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      onBatch(payload.topic);
      if (payload.topic !== this.topic) return;
      this.batches += 1;
      this.firstBatchAt ??= performance.now();
    });

    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const { topic, partitions } of payload.topics) {
        if (topic !== this.topic) continue;
        // kafkajs 2.2.4 reports the partition of a commit as a string, although its type declares a number.
        for (const { partition, offset } of partitions) this.committed.set(Number(partition), BigInt(offset));
      }
      if (this.doneAt === undefined && this.allCommitted()) {
        this.doneAt = performance.now();
        this.onDone?.();
      }
    });
  }

  private allCommitted(): boolean {
    for (const [partition, end] of this.endOffsets) {
      if (end > 0n && (this.committed.get(partition) ?? 0n) < end) return false;
    }
    return true;
  }
}

/** Peaks of the process's memory figures, in MB. */
export interface MemoryPeaks {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** Memory outside the V8 heap that JavaScript objects hold, Buffers included. */
  externalMb: number;
}

/** Samples the process's memory every 100 ms while running and keeps the highest value of each figure. */
export class MemorySampler {
  private readonly peaks = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 };
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  /** Stops sampling and returns the peaks; all zero when sampling never started. */
  stop(): MemoryPeaks {
    if (this.timer === undefined) return { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0, externalMb: 0 };
    clearInterval(this.timer);
    this.sample();
    const megabytes = (bytes: number) => bytes / 1024 / 1024;
    return {
      rssMb: megabytes(this.peaks.rss),
      heapUsedMb: megabytes(this.peaks.heapUsed),
      heapTotalMb: megabytes(this.peaks.heapTotal),
      externalMb: megabytes(this.peaks.external),
    };
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.peaks.rss = Math.max(this.peaks.rss, usage.rss);
    this.peaks.heapUsed = Math.max(this.peaks.heapUsed, usage.heapUsed);
    this.peaks.heapTotal = Math.max(this.peaks.heapTotal, usage.heapTotal);
    this.peaks.external = Math.max(this.peaks.external, usage.external);
  }
}
