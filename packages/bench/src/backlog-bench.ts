import { retryTopicOf } from '@choreo/consumer-kit';
import { type ContractRegistry, HEADERS } from '@choreo/contracts';
import type { Admin, KafkaClient } from '@choreo/kafka';

import { fillTopic } from './events';
import type { WorkerResult } from './protocol';
import type { BenchSettings } from './settings';
import { type BenchNames, createTopics, groupIdOf } from './stack';
import { runWorker } from './workers';

/** How far in the future the backlog's retries are due, in milliseconds: well past the end of the bench. */
const BACKLOG_DUE_IN_MS = 60 * 60 * 1000;

/**
 * Measures the kit's memory while its first retry topic contains `settings.backlog` messages that are
 * not due. The service should fetch the first message of each partition, pause the partition and keep
 * nothing else. The same group runs `settings.runs` times. It commits nothing, so each run meets the
 * same backlog.
 */
export async function benchBacklog(
  kafka: KafkaClient,
  admin: Admin,
  registry: ContractRegistry,
  schemaId: number,
  names: BenchNames,
  settings: BenchSettings,
  groupIds: string[],
  log: (line: string) => void,
): Promise<{ runs: WorkerResult[]; warnings: string[] }> {
  const groupId = groupIdOf(names.runId, 'backlog');
  groupIds.push(groupId);
  const retryTopic = retryTopicOf(names.backlogTopic, groupId, 1);
  await createTopics(admin, [names.backlogTopic, retryTopic], settings.partitions);

  const now = Date.now();
  await fillTopic(
    kafka,
    registry,
    schemaId,
    retryTopic,
    `${names.runId}-backlog`,
    settings.backlog,
    (message) => ({
      ...message,
      headers: {
        ...message.headers,
        [HEADERS.retryAttempt]: '1',
        [HEADERS.retryDueAt]: String(now + BACKLOG_DUE_IN_MS),
        [HEADERS.firstFailureAt]: String(now),
        [HEADERS.lastError]: 'Error: bench backlog',
        [HEADERS.originalTopic]: names.backlogTopic,
      },
    }),
  );
  log(
    `backlog: ${settings.backlog} retry messages due in ${BACKLOG_DUE_IN_MS / 60_000} min on ${retryTopic}`,
  );

  const runs: WorkerResult[] = [];
  const warnings: string[] = [];
  for (let run = 0; run < settings.runs; run++) {
    const result = await runWorker(
      {
        side: 'kit',
        mode: 'backlog',
        topic: names.backlogTopic,
        groupId,
        dedupe: true,
        chunkSize: settings.chunkSize,
        keyPrefix: names.keyPrefix,
        timeoutMs: settings.runTimeoutMs,
        holdMs: settings.backlogHoldMs,
      },
      settings.cpuProfileDir,
    );
    if (result.handled !== 0)
      warnings.push(`backlog run ${run + 1} ran ${result.handled} handlers for retries that were not due`);
    runs.push(result);
    log(
      `backlog run ${run + 1}/${settings.runs}: peak RSS ${result.maxRssMb.toFixed(0)} MB, ${result.fetchedBatches} retry batches fetched`,
    );
  }
  return { runs, warnings };
}
