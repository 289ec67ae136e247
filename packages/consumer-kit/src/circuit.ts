export interface CircuitOptions {
  /** Share of failures in the window that opens the circuit, between 0 and 1. Unset: 0.5. */
  failureRatio?: number;
  /** Handler outcomes the ratio is computed over. Unset: 50. */
  windowSize?: number;
  /** Outcomes needed before the circuit may open. Unset: 20. */
  minimumOutcomes?: number;
  /** Pause of the source topics when the circuit opens, in milliseconds. Unset: 10000; doubles on each reopening, up to 8 times. */
  coolDownMs?: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Outcomes a half-open circuit waits for before it closes or opens again. */
const HALF_OPEN_PROBES = 5;

/**
 * The retry-storm guard. It watches handler outcomes. When too many fail, it opens, and the service
 * pauses its source topics instead of pushing every message into retries.
 * After the cool-down it is half-open: the topics resume, and the next few outcomes either close it
 * or open it again for twice as long. Only failures that would be retried count: a permanent
 * rejection adds no retry traffic.
 */
export class CircuitBreaker {
  private readonly window: OutcomeWindow;
  private reopenings = 0;
  private openedUntil = 0;
  state: CircuitState = 'closed';

  constructor(
    private readonly options: Required<CircuitOptions>,
    private readonly now: () => number = Date.now,
  ) {
    this.window = new OutcomeWindow(options.windowSize);
  }

  /** Records one handler outcome; returns true when this outcome opened the circuit. */
  record(succeeded: boolean): boolean {
    if (this.state === 'open') return false;

    this.window.add(succeeded);
    const overBudget = this.window.failureRatio() >= this.options.failureRatio;

    // A half-open circuit decides on a few probe outcomes, so one unlucky probe cannot reopen it.
    if (this.state === 'half-open') {
      if (this.window.size < HALF_OPEN_PROBES) return false;
      if (overBudget) return this.open();
      this.close();
      return false;
    }

    if (this.window.size >= this.options.minimumOutcomes && overBudget) return this.open();
    return false;
  }

  /** Milliseconds until the cool-down ends; 0 when the circuit is not open. */
  remainingCoolDownMs(): number {
    return this.state === 'open' ? Math.max(0, this.openedUntil - this.now()) : 0;
  }

  /** Moves an open circuit whose cool-down has passed to half-open. */
  tryHalfOpen(): boolean {
    if (this.state !== 'open' || this.now() < this.openedUntil) return false;
    this.state = 'half-open';
    this.window.clear();
    return true;
  }

  private open(): true {
    const coolDown = this.options.coolDownMs * 2 ** Math.min(this.reopenings, 8);
    this.reopenings += 1;
    this.state = 'open';
    this.openedUntil = this.now() + coolDown;
    this.window.clear();
    return true;
  }

  private close(): void {
    this.state = 'closed';
    this.reopenings = 0;
    this.window.clear();
  }
}

/**
 * The most recent outcomes in a fixed ring with a running failure count, because the circuit records
 * one outcome per handled event and must not allocate for it.
 */
class OutcomeWindow {
  private readonly failed: Uint8Array;
  private next = 0;
  private failures = 0;
  size = 0;

  constructor(capacity: number) {
    this.failed = new Uint8Array(Math.max(1, capacity));
  }

  add(succeeded: boolean): void {
    const capacity = this.failed.length;
    if (this.size === capacity) this.failures -= this.failed[this.next] as number;
    else this.size += 1;
    const failed = succeeded ? 0 : 1;
    this.failed[this.next] = failed;
    this.failures += failed;
    this.next = (this.next + 1) % capacity;
  }

  failureRatio(): number {
    return this.size === 0 ? 0 : this.failures / this.size;
  }

  clear(): void {
    this.next = 0;
    this.failures = 0;
    this.size = 0;
  }
}
