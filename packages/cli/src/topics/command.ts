import { loadConfig } from '@choreo/config';
import { loadContracts } from '@choreo/contracts';
import { createKafkaClient } from '@choreo/kafka';
import { DEFAULT_EVENT_TOPIC_PARTITIONS, ensureEventTopics } from '@choreo/producer-kit';

import { type CliIo, EXIT, UsageError } from '../io';

export const TOPICS_USAGE = `Usage: pnpm choreo topics create [--partitions <n>]

Creates the Kafka topic of every event contract that does not exist yet, with <n> partitions
(default ${DEFAULT_EVENT_TOPIC_PARTITIONS}). Existing topics are left as they are. Brokers run with
automatic topic creation off, so this runs once per cluster before the first publish.
The cluster comes from KAFKA_BROKERS.`;

/** Runs `pnpm choreo topics create`. */
export async function runTopicsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'create') {
    io.out(TOPICS_USAGE);
    return command === '--help' || command === '-h' ? EXIT.ok : EXIT.usage;
  }
  let partitions = DEFAULT_EVENT_TOPIC_PARTITIONS;
  if (rest[0] === '--partitions') {
    partitions = Number(rest[1]);
    if (!Number.isInteger(partitions) || partitions < 1) throw new UsageError(`--partitions must be a positive integer, got "${rest[1]}"`);
  } else if (rest.length > 0) {
    throw new UsageError(`unknown option "${rest[0]}"`);
  }

  const kafka = createKafkaClient({ brokers: loadConfig(io.env).kafkaBrokers, clientId: 'choreo-cli', onLog: () => undefined });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const contracts = loadContracts();
    const created = await ensureEventTopics(admin, contracts, partitions);
    for (const contract of contracts) io.out(`${contract.topic}: ${created.includes(contract.topic) ? `created with ${partitions} partitions` : 'exists'}`);
  } finally {
    await admin.disconnect();
  }
  return EXIT.ok;
}
