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
  private outcomes: boolean[] = [];
  private reopenings = 0;
  private openedUntil = 0;
  state: CircuitState = 'closed';

  constructor(
    private readonly options: Required<CircuitOptions>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one handler outcome; returns true when this outcome opened the circuit. */
  record(succeeded: boolean): boolean {
    if (this.state === 'open') return false;

    this.outcomes.push(succeeded);
    if (this.outcomes.length > this.options.windowSize) this.outcomes.shift();

    const failures = this.outcomes.filter((outcome) => !outcome).length;
    const overBudget = failures / this.outcomes.length >= this.options.failureRatio;

    // A half-open circuit decides on a few probe outcomes, so one unlucky probe cannot reopen it.
    if (this.state === 'half-open') {
      if (this.outcomes.length < HALF_OPEN_PROBES) return false;
      if (overBudget) return this.open();
      this.close();
      return false;
    }

    if (this.outcomes.length >= this.options.minimumOutcomes && overBudget) return this.open();
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
    this.outcomes = [];
    return true;
  }

  private open(): true {
    const coolDown = this.options.coolDownMs * 2 ** Math.min(this.reopenings, 8);
    this.reopenings += 1;
    this.state = 'open';
    this.openedUntil = this.now() + coolDown;
    this.outcomes = [];
    return true;
  }

  private close(): void {
    this.state = 'closed';
    this.reopenings = 0;
    this.outcomes = [];
  }
}
