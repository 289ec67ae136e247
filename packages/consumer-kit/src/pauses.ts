import type { Consumer } from '@choreo/kafka';

/**
 * Tracks why each topic-partition is paused, because three mechanisms pause independently: a retry
 * message that is not due yet (one partition), the retry-storm guard (the source topics) and an
 * unavailable dependency (everything). A partition resumes only when no reason is left.
 */
export class PauseController {
  private readonly dueTimers = new Map<string, NodeJS.Timeout>();
  private readonly dueSlots = new Set<string>();
  private circuitOpen = false;
  /** Set when the service is shutting down; waits and probes give up instead of retrying. */
  stopping = false;
  private outage: string | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly sourceTopics: ReadonlySet<string>,
    private readonly allTopics: readonly string[],
  ) {}

  /** Pauses one retry partition until `dueAt` (epoch milliseconds). */
  pauseUntil(topic: string, partition: number, dueAt: number): void {
    const slot = `${topic}:${partition}`;
    clearTimeout(this.dueTimers.get(slot));
    this.dueSlots.add(slot);
    this.consumer.pause([{ topic, partitions: [partition] }]);

    const timer = setTimeout(() => {
      this.dueTimers.delete(slot);
      this.dueSlots.delete(slot);
      this.resumeWhereFree([topic]);
    }, Math.max(0, dueAt - Date.now()));
    timer.unref();
    this.dueTimers.set(slot, timer);
  }

  setCircuitOpen(open: boolean): void {
    this.circuitOpen = open;
    if (open) this.consumer.pause([...this.sourceTopics].map((topic) => ({ topic })));
    else this.resumeWhereFree([...this.sourceTopics]);
  }

  /** Pauses everything while a dependency is down; `undefined` lifts the pause. */
  setOutage(dependency: string | undefined): void {
    this.outage = dependency;
    if (dependency !== undefined) this.consumer.pause(this.allTopics.map((topic) => ({ topic })));
    else this.resumeWhereFree(this.allTopics);
  }

  get outageDependency(): string | undefined {
    return this.outage;
  }

  /** Moves a partition's fetch position back to `offset`, so that message is fetched again. */
  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  clear(): void {
    for (const timer of this.dueTimers.values()) clearTimeout(timer);
    this.dueTimers.clear();
  }

  private resumeWhereFree(topics: readonly string[]): void {
    if (this.outage !== undefined) return;

    for (const topic of topics) {
      if (this.sourceTopics.has(topic)) {
        if (!this.circuitOpen) this.consumer.resume([{ topic }]);
        continue;
      }
      // Resuming a topic resumes all its partitions, so the ones still waiting for a due time are paused
      // again at once, before the consumer's next fetch can run.
      this.consumer.resume([{ topic }]);
      const waiting = [...this.dueSlots].filter((slot) => slot.startsWith(`${topic}:`)).map((slot) => Number(slot.slice(topic.length + 1)));
      if (waiting.length > 0) this.consumer.pause([{ topic, partitions: waiting }]);
    }
  }
}
