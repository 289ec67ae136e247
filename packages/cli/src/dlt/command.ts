import { type ParseArgsConfig, parseArgs } from 'node:util';

import { loadConfig } from '@choreo/config';
import {
  type DeadLetter,
  type RangeOptions,
  auditRange,
  backfillRange,
  deadLetterTopicsOf,
  readDeadLetters,
  redriveDeadLetters,
} from '@choreo/consumer-kit';
import { createKafkaClient } from '@choreo/kafka';
import { Redis } from 'ioredis';

import { type CliIo, EXIT, UsageError } from '../io';
import { formatDeadLetter, formatDeadLetterRow } from './format';

export const DLT_USAGE = `Usage: pnpm choreo dlt <command> --group <group> [options]
       pnpm choreo replay <recovery|backfill|audit> --group <group> [options]

dlt commands:
  list       list the group's dead letters with age, reason, owner and error
  show       print one dead letter with all its headers (needs --topic, --partition, --offset)
  redrive    send dead letters back through the group's handler (same as replay recovery)

replay modes:
  recovery   redrive dead letters; events that completed meanwhile are skipped by dedupe
  backfill   send a range of a source topic through the group's handler again; completed
             events are skipped unless --rerun-completed
  audit      read a range and report each event's dedupe state; runs no handler

Options:
  --group <id>        consumer group (required)
  --topic <name>      dlt: a source topic or its .DLT topic (default: all of the group's);
                      backfill and audit: the topic to read (required)
  --partition <n>     only this partition
  --from <offset>     first offset, inclusive
  --to <offset>       last offset, inclusive
  --offset <offset>   show: the dead letter's offset
  --all               redrive or recovery: every dead letter in range (else --from/--to are required)
  --rerun-completed   backfill: forget completed events first, so their side effects run again
  -h, --help          print this help

Addresses come from KAFKA_BROKERS and REDIS_URL. Exit codes: 0 done, 1 failed, 2 usage error.`;

const OPTIONS = {
  group: { type: 'string' },
  topic: { type: 'string' },
  partition: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  offset: { type: 'string' },
  all: { type: 'boolean' },
  'rerun-completed': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Options = ReturnType<typeof parse>;

function parse(args: readonly string[]) {
  const { values } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false });
  return values;
}

/** Runs `pnpm choreo dlt <command>` or, with `replay`, `pnpm choreo replay <mode>`. */
export async function runDltCommand(group: 'dlt' | 'replay', argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    io.out(DLT_USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }

  let options: Options;
  try {
    options = parse(rest);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (options.help) {
    io.out(DLT_USAGE);
    return EXIT.ok;
  }
  if (!options.group) throw new UsageError('--group is required: the consumer group whose dead letters or events to use');

  const action = group === 'replay' && command === 'recovery' ? 'redrive' : `${group} ${command}`;
  const config = loadConfig(io.env);
  const kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: 'choreo-cli', onLog: () => undefined });
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });

  try {
    switch (action) {
      case 'dlt list':
        return await list(kafka, options, io);
      case 'dlt show':
        return await show(kafka, options, io);
      case 'dlt redrive':
      case 'redrive':
        await redis.connect();
        return await redrive(kafka, redis, options, io);
      case 'replay backfill':
        await redis.connect();
        return await backfill(kafka, redis, options, io);
      case 'replay audit':
        await redis.connect();
        return await audit(kafka, redis, options, io);
      default:
        throw new UsageError(`unknown ${group} command "${command}"`);
    }
  } finally {
    redis.disconnect();
  }
}

function rangeOf(options: Options): RangeOptions {
  const number = (name: 'partition' | 'from' | 'to', value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
    return value;
  };
  const partition = number('partition', options.partition);
  const from = number('from', options.from);
  const to = number('to', options.to);
  return {
    partition: partition === undefined ? undefined : Number(partition),
    fromOffset: from === undefined ? undefined : BigInt(from),
    toOffset: to === undefined ? undefined : BigInt(to),
  };
}

async function dltTopicsFor(kafka: ReturnType<typeof createKafkaClient>, options: Options): Promise<string[]> {
  const all = await deadLetterTopicsOf(kafka, options.group as string);
  if (options.topic === undefined) return all;
  const wanted = options.topic.endsWith('.DLT') ? options.topic : `${options.topic}.${options.group}.DLT`;
  if (!all.includes(wanted)) throw new UsageError(`group ${options.group} has no dead-letter topic ${wanted}; it has: ${all.join(', ') || 'none'}`);
  return [wanted];
}

async function collect(kafka: ReturnType<typeof createKafkaClient>, options: Options): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (const topic of await dltTopicsFor(kafka, options)) letters.push(...(await readDeadLetters(kafka, topic, rangeOf(options))));
  return letters;
}

async function list(kafka: ReturnType<typeof createKafkaClient>, options: Options, io: CliIo): Promise<number> {
  const letters = await collect(kafka, options);
  if (letters.length === 0) {
    io.out(`no dead letters for group ${options.group}`);
    return EXIT.ok;
  }
  for (const letter of letters) io.out(formatDeadLetterRow(letter));
  io.out(`${letters.length} dead letters`);
  return EXIT.ok;
}

async function show(kafka: ReturnType<typeof createKafkaClient>, options: Options, io: CliIo): Promise<number> {
  if (options.topic === undefined || options.partition === undefined || options.offset === undefined) {
    throw new UsageError('show needs --topic, --partition and --offset of one dead letter (see dlt list)');
  }
  const letters = await collect(kafka, { ...options, from: options.offset, to: options.offset });
  const letter = letters[0];
  if (letter === undefined) {
    io.err(`no dead letter at ${options.topic} partition ${options.partition} offset ${options.offset}`);
    return EXIT.failed;
  }
  for (const line of formatDeadLetter(letter)) io.out(line);
  return EXIT.ok;
}

async function redrive(kafka: ReturnType<typeof createKafkaClient>, redis: Redis, options: Options, io: CliIo): Promise<number> {
  if (!options.all && options.from === undefined && options.to === undefined) {
    throw new UsageError('say which dead letters to redrive: --all, or an offset range with --from/--to (and --partition)');
  }
  const letters = await collect(kafka, options);
  const outcomes = await redriveDeadLetters(kafka, redis, options.group as string, letters);
  for (const [letter, outcome] of outcomes) io.out(`${letter.dltTopic} ${letter.partition}/${letter.offset}: ${outcome === 'redriven' ? 'redriven' : 'skipped, the event completed meanwhile'}`);
  const redriven = [...outcomes.values()].filter((outcome) => outcome === 'redriven').length;
  io.out(`${redriven} redriven, ${outcomes.size - redriven} skipped; the service of group ${options.group} must be running to handle them`);
  return EXIT.ok;
}

async function backfill(kafka: ReturnType<typeof createKafkaClient>, redis: Redis, options: Options, io: CliIo): Promise<number> {
  if (!options.topic) throw new UsageError('backfill needs --topic, the source topic to send again');
  const result = await backfillRange(kafka, redis, options.group as string, options.topic, rangeOf(options), { rerunCompleted: options['rerun-completed'] });
  io.out(`${result.sent} messages sent to group ${options.group}${options['rerun-completed'] ? `; ${result.forgotten} completed events will run again` : '; completed events will be skipped'}`);
  return EXIT.ok;
}

async function audit(kafka: ReturnType<typeof createKafkaClient>, redis: Redis, options: Options, io: CliIo): Promise<number> {
  if (!options.topic) throw new UsageError('audit needs --topic, the topic to read');
  const report = await auditRange(kafka, redis, options.group as string, options.topic, rangeOf(options));
  io.out(`${report.messages} messages on ${options.topic} for group ${options.group}`);
  io.out('by dedupe state:');
  for (const [state, count] of Object.entries(report.byState).sort()) io.out(`  ${state.padEnd(28)} ${count}`);
  io.out('by event type:');
  for (const [eventType, count] of Object.entries(report.byEventType).sort()) io.out(`  ${eventType.padEnd(28)} ${count}`);
  return EXIT.ok;
}
