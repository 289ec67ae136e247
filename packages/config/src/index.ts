/**
 * Addresses of the services Choreo talks to. This is the only place that reads them, so the same code
 * runs against the local stack, docker-compose and a team's own cluster by setting three variables.
 */
export interface ChoreoConfig {
  /** Kafka bootstrap servers, from `KAFKA_BROKERS` (comma-separated `host:port`). */
  readonly kafkaBrokers: readonly string[];
  /** Base URL of the Confluent-compatible Schema Registry API, from `SCHEMA_REGISTRY_URL`. */
  readonly schemaRegistryUrl: string;
  /** Redis connection URL, from `REDIS_URL`. */
  readonly redisUrl: string;
}

/** Addresses of the local stack (`pnpm stack up`) and of docker-compose.yml. */
export const LOCAL_STACK = {
  kafkaBrokers: ['127.0.0.1:9092'],
  kafkaControllerPort: 9093,
  schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
  redisUrl: 'redis://127.0.0.1:6379',
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration from the environment, falling back to the local stack's addresses. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ChoreoConfig {
  return {
    kafkaBrokers: parseBrokers(env.KAFKA_BROKERS) ?? [...LOCAL_STACK.kafkaBrokers],
    schemaRegistryUrl: parseUrl('SCHEMA_REGISTRY_URL', env.SCHEMA_REGISTRY_URL) ?? LOCAL_STACK.schemaRegistryUrl,
    redisUrl: parseUrl('REDIS_URL', env.REDIS_URL) ?? LOCAL_STACK.redisUrl,
  };
}

function parseBrokers(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;

  const brokers = value.split(',').map((broker) => broker.trim()).filter((broker) => broker !== '');
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError(`KAFKA_BROKERS contains "${broker}", expected host:port (for example 127.0.0.1:9092)`);
    }
  }
  return brokers;
}

function parseUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;

  try {
    new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

/** Splits `host:port` into its parts; used by health checks that open a plain TCP connection. */
export function parseHostPort(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
}
