/**
 * The one module that imports the Kafka client library. The kits use only the names exported here.
 *
 * kafkajs has had no release since 2023. @confluentinc/kafka-javascript offers the same API shape
 * (its `KafkaJS` namespace), so replacing the client means changing this file, not the kits.
 */
import kafkajs, { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

export type {
  Admin,
  Consumer,
  ConsumerConfig,
  EachBatchPayload,
  EachMessagePayload,
  GroupDescription,
  IHeaders,
  KafkaMessage,
  Message,
  PartitionMetadata,
  Producer,
  ProducerConfig,
  RecordMetadata,
  TopicPartitionOffsetAndMetadata,
} from 'kafkajs';
export { AssignerProtocol, CompressionTypes, Partitioners } from 'kafkajs';

// Node's ESM loader does not detect this CommonJS export of kafkajs by name, so it is read from the default export.
export const ConfigResourceTypes: typeof kafkajs.ConfigResourceTypes = kafkajs.ConfigResourceTypes;

export interface KafkaClientOptions {
  /** Bootstrap servers as `host:port`. */
  brokers: readonly string[];
  /** Client id reported to the broker; shows up in broker logs and quotas. */
  clientId: string;
  /** Time to establish a TCP connection, in milliseconds. Unset: 3000. */
  connectionTimeoutMs?: number;
  /** Broker request timeout, in milliseconds. Unset: 30000. */
  requestTimeoutMs?: number;
  /**
   * Retries of a failed connection or broker request. Producers and admins made from this client use
   * it unless given their own `retry`, but consumers keep their own default of 5. Unset: 5, the
   * kafkajs default, whose backoff starts at 300 ms and doubles, so a refused connection fails after
   * about 9 s.
   */
  retries?: number;
  /** Receives the client's warnings and errors. Unset: they are written to stderr as JSON lines. */
  onLog?: (entry: ClientLogEntry) => void;
}

export interface ClientLogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  namespace: string;
  message: string;
  fields: Record<string, unknown>;
}

export type KafkaClient = Kafka;

const LEVEL_NAMES: Record<number, ClientLogEntry['level']> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Creates a Kafka client; call `.producer()`, `.consumer()` or `.admin()` on it. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const onLog = options.onLog ?? writeJsonLine;
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    retry: options.retries === undefined ? undefined : { retries: options.retries },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
        onLog({ level: LEVEL_NAMES[level] ?? 'info', namespace, message, fields });
      },
  };
  return new Kafka(config);
}

function writeJsonLine(entry: ClientLogEntry): void {
  process.stderr.write(
    JSON.stringify({ time: new Date().toISOString(), level: entry.level, component: `kafka.${entry.namespace}`, msg: entry.message, ...entry.fields }) + '\n',
  );
}

/** Reads a header value as UTF-8 text; Kafka headers may be a Buffer, a string, an array or absent. */
export function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}
