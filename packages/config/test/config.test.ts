import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError, LOCAL_STACK, loadConfig } from '../src/index';

describe('loadConfig', () => {
  it('defaults to the local stack', () => {
    const config = loadConfig({});
    assert.deepEqual(config.kafkaBrokers, LOCAL_STACK.kafkaBrokers);
    assert.equal(config.schemaRegistryUrl, LOCAL_STACK.schemaRegistryUrl);
    assert.equal(config.redisUrl, LOCAL_STACK.redisUrl);
  });

  it('reads overrides from the environment', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7/',
      REDIS_URL: 'redis://cache:6380',
    });
    assert.deepEqual(config.kafkaBrokers, ['kafka-1:9092', 'kafka-2:9092']);
    assert.equal(config.schemaRegistryUrl, 'http://registry:8081/apis/ccompat/v7');
    assert.equal(config.redisUrl, 'redis://cache:6380');
  });

  it('rejects a broker without a port', () => {
    assert.throws(() => loadConfig({ KAFKA_BROKERS: 'kafka-1' }), ConfigError);
  });

  it('rejects a registry address that is not a URL', () => {
    assert.throws(() => loadConfig({ SCHEMA_REGISTRY_URL: 'registry at port 8081' }), /SCHEMA_REGISTRY_URL/);
  });
});
