/**
 * Every default of the consumer kit, in one place. Each value states its unit and the reason for it;
 * docs/consumer-kit.md repeats this table and a test keeps the two in step.
 */
export const CONSUMER_DEFAULTS = {
  dedupe: {
    /**
     * How long a finished event id is remembered, in milliseconds: 72 h. It must cover the longest
     * retry window (a few minutes by default) plus the time in which a producer retry storm, a
     * rebalance replay or an operator's redrive can bring the same event back.
     */
    retentionMs: 72 * 60 * 60 * 1000,
    /**
     * How long a claim on an event id lasts while its handler runs, in milliseconds: 60 s. When a
     * consumer crashes mid-handler, another instance may run the event after this lease expires. A long
     * chunk extends its leases between handlers every half lease, so the lease must exceed twice the
     * slowest handler.
     */
    leaseMs: 60 * 1000,
    /** Key prefix in Redis. */
    keyPrefix: 'choreo:dedupe',
  },
  retry: {
    /** Retry levels before the dead-letter topic: 3, so a handler runs at most 4 times. */
    maxAttempts: 3,
    /** Delay cap of the first retry level, in milliseconds. Each later level multiplies it by `multiplier`. */
    initialDelayMs: 1_000,
    /** Growth factor of the delay cap per level. */
    multiplier: 4,
    /** Largest delay, in milliseconds, whatever the level: 5 min. */
    maxDelayMs: 5 * 60 * 1000,
  },
  circuit: {
    /** Share of failed handler runs within the window that opens the circuit: 0.5. */
    failureRatio: 0.5,
    /** Outcomes the ratio is computed over: the most recent 50. */
    windowSize: 50,
    /** Minimum outcomes before the ratio is trusted, so one early failure cannot open it: 20. */
    minimumOutcomes: 20,
    /** How long the main topics stay paused once the circuit opens, in milliseconds: 10 s; doubles each time it reopens, up to 8 times. */
    coolDownMs: 10_000,
  },
  consumer: {
    /** Partitions of one consumer processed in parallel: 3, the default partition count of event topics. */
    partitionsConsumedConcurrently: 3,
    /** Time Kafka waits for data before it responds to a fetch, in milliseconds. */
    maxWaitTimeMs: 500,
    /** Group session timeout, in milliseconds: a crashed instance loses its partitions after this. */
    sessionTimeoutMs: 15_000,
    /**
     * Start position of a group without committed offsets: true, the beginning of each topic, so a
     * new consumer misses no event that is still retained. Set false for a consumer that must ignore history.
     */
    fromBeginning: true,
  },
  /**
   * Maximum messages claimed in Redis together: 5000, a whole 1 MiB kafkajs batch of uncompressed
   * events larger than about 210 bytes, so a batch costs two Redis round trips. The claim script runs
   * about 2 µs per key on the benchmark machine, so a full chunk blocks Redis for about 10 ms.
   */
  maxChunkSize: 5_000,
  /** Port of the metrics and health server; 0 picks a free port. */
  httpPort: 0,
  /** Characters of an error stack kept in a dead letter's headers. */
  dltStackChars: 2_000,
} as const;
