/**
 * Request that the bench process sends to a consumer worker, and the result the worker sends back over
 * IPC. Each consumer run is its own child process, so the resident memory it reports is its own.
 */
import type { MemoryPeaks } from './consumption-clock';

/** `kit`: a consumer-kit service. `raw`: a kafkajs consumer that only decodes through the registry. */
export type ConsumerSide = 'kit' | 'raw';

/**
 * `first-time`: every event is new to the dedupe scope. `replay`: every event was already processed
 * by this group. `backlog`: the service starts with a retry topic full of messages that are not due.
 */
export type WorkerMode = 'first-time' | 'replay' | 'backlog';

export interface WorkerRequest {
  side: ConsumerSide;
  mode: WorkerMode;
  /** Source topic; the registry is bound to it. */
  topic: string;
  groupId: string;
  /** Kit only: false runs the service with `dedupe: { disabled: true }`. */
  dedupe: boolean;
  /** Kit only: messages claimed in Redis together. Undefined: the kit's default. */
  chunkSize: number | undefined;
  /** Redis key prefix of the kit's dedupe records. */
  keyPrefix: string;
  /** Maximum wait for the run to finish, in milliseconds. */
  timeoutMs: number;
  /** `backlog` only: how long to hold the backlog after its first fetch, in milliseconds. */
  holdMs: number;
}

/** One chunk's dedupe work: the claim pipeline and, for chunks with new events, the settle pipeline. */
export interface DedupeChunk {
  /** Distinct event keys claimed together. */
  keys: number;
  /** Time of the claim round trip, in milliseconds. */
  claimMs: number;
  /** Time of the settle round trip, in milliseconds; 0 when nothing was settled (all duplicates). */
  settleMs: number;
}

export interface WorkerResult {
  request: WorkerRequest;
  /** Messages on the source topic whose offsets the run committed. */
  messages: number;
  /** From the first fetched batch of the source topic to the commit of its last offset, in seconds. */
  seconds: number;
  eventsPerSecond: number;
  /** Handler calls (kit) or decoded messages (raw). */
  handled: number;
  /** Batches of the source topic handed to `eachBatch`; for `backlog`, batches of the retry topic. */
  fetchedBatches: number;
  /** Kit only: Redis round trips counted by `Deduplicator.roundTrips`, and the timing of each chunk. */
  dedupe: { roundTrips: number; chunks: DedupeChunk[] } | undefined;
  /** Peak resident set size of the worker process over its whole life (getrusage), in MB. */
  maxRssMb: number;
  /** Highest memory figures sampled every 100 ms during the measured window. */
  window: MemoryPeaks;
}
