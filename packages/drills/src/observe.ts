import { readTopicRange } from '@choreo/consumer-kit';
import { HEADERS } from '@choreo/contracts';
import { type KafkaClient, headerText } from '@choreo/kafka';

import { registry } from './feed';
import type { DrillProcess } from './processes';
import type { TopicOffsets } from './group-offsets';

/** A message read back from a topic, decoded when it is a valid event. */
export interface ObservedMessage {
  key: string;
  partition: number;
  offset: string;
  /** The envelope's payload; undefined when the message is not a valid event (poison in a DLT). */
  payload: Record<string, unknown> | undefined;
  /** `choreo-dlt-reason` of a dead letter. */
  deadLetterReason: string | undefined;
}

/**
 * Reads `topic` from the offsets in `from` (or from its start) to its end at the time of the call.
 * Partitions not listed in `from` are read from their start.
 */
export async function readMessages(
  kafka: KafkaClient,
  topic: string,
  from?: TopicOffsets,
): Promise<ObservedMessage[]> {
  const starts = new Map((from?.get(topic) ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
  const lowest = starts.size === 0 ? 0n : [...starts.values()].reduce((a, b) => (a < b ? a : b));
  const range = await readTopicRange(kafka, topic, { fromOffset: lowest });

  const observed: ObservedMessage[] = [];
  for (const { partition, message } of range) {
    if (BigInt(message.offset) < (starts.get(partition) ?? 0n)) continue;
    const decoded = await registry.decode(message.value).catch(() => undefined);
    observed.push({
      key: message.key?.toString() ?? '',
      partition,
      offset: message.offset,
      payload: decoded?.envelope.payload as Record<string, unknown> | undefined,
      deadLetterReason: headerText(message.headers?.[HEADERS.dltReason]),
    });
  }
  return observed;
}

/** Fetches a JSON document from one of the drill's own processes, such as the ERP stub's `/admin/stats`. */
export async function fetchJson<T>(drillProcess: DrillProcess, url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok)
    throw new Error(
      `GET ${url} of ${drillProcess.name} failed with HTTP ${response.status}; see ${drillProcess.logFile}`,
    );
  return (await response.json()) as T;
}
