import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { LOCAL_STACK, parseHostPort } from '@choreo/config';

import { KAFKA_VERSION, brokerSettings } from '../src/components/kafka';
import { REGISTRY_SETTINGS } from '../src/components/registry';
import { REPO_ROOT } from '../src/paths';
import { stackComponents } from '../src/stack';

interface ComposeService {
  image?: string;
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[] };
}

interface PublishedPort {
  hostIp: string | undefined;
  published: number | undefined;
  target: number;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services?: Record<string, ComposeService>;
};

/** Host ports of the local stack, taken from the same constants that `pnpm stack up` uses. */
const LOCAL_PORTS: Record<string, number> = {
  kafka: parseHostPort(LOCAL_STACK.kafkaBrokers[0]).port,
  registry: Number(new URL(LOCAL_STACK.schemaRegistryUrl).port),
  redis: Number(new URL(LOCAL_STACK.redisUrl).port),
};

const localBroker = brokerSettings(LOCAL_PORTS.kafka!);

/**
 * Broker settings in which docker-compose.yml differs from the local stack on purpose: Docker needs the
 * listeners bound to every interface, an extra listener for containers, and a log directory inside
 * the container. The tests below check the listeners separately.
 */
const DOCKER_SPECIFIC_SETTINGS = new Set([
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'log.dirs',
]);

function service(name: string): ComposeService {
  const found = compose.services?.[name];
  assert.ok(found, `docker-compose.yml has no service named "${name}"`);
  return found;
}

/** Reads `environment` in both its map form and its list form (`KEY=value`, or `KEY` alone). */
function environmentOf(name: string): Map<string, string> {
  const environment = service(name).environment ?? {};
  if (!Array.isArray(environment)) {
    return new Map(Object.entries(environment).map(([key, value]) => [key, String(value ?? '')]));
  }

  return new Map(
    environment.map((line) => {
      const separator = line.indexOf('=');
      return separator === -1 ? [line, ''] : [line.slice(0, separator), line.slice(separator + 1)];
    }),
  );
}

/** Reads both the short (`[ip:]published:target[/protocol]`) and the long form of a `ports` entry. */
function publishedPorts(name: string): PublishedPort[] {
  return (service(name).ports ?? []).map((entry) => {
    if (typeof entry === 'object') {
      return {
        hostIp: entry.host_ip,
        published: entry.published === undefined ? undefined : Number(entry.published),
        target: entry.target,
      };
    }
    const parts = String(entry)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const target = Number(parts.pop());
    const published = parts.length > 0 ? Number(parts.pop()) : undefined;
    return { hostIp: parts.length > 0 ? parts.join(':') : undefined, published, target };
  });
}

/** Converts a broker setting name to the environment variable that the apache/kafka image reads it from. */
function kafkaVariableOf(setting: string): string {
  return `KAFKA_${setting.replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_').toUpperCase()}`;
}

/** Converts a property name to the environment variable that Quarkus, and so Apicurio, reads it from. */
function quarkusVariableOf(property: string): string {
  return property.replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
}

function composeBrokerSetting(setting: string): string | undefined {
  return environmentOf('kafka').get(kafkaVariableOf(setting));
}

/** Splits `NAME://host:port,...` into listener name and port. */
function listenerPorts(listeners: string): Map<string, number> {
  return new Map(
    listeners.split(',').map((listener) => {
      const [name = '', address = ''] = listener.split('://');
      return [name, parseHostPort(address).port];
    }),
  );
}

describe('docker-compose.yml', () => {
  it('has a service for each stack component', () => {
    for (const component of stackComponents()) {
      assert.ok(compose.services?.[component.name], `no service named "${component.name}"`);
    }
  });

  it('publishes each component on its local-stack port', () => {
    for (const component of stackComponents()) {
      const expected = LOCAL_PORTS[component.name];
      assert.ok(expected !== undefined, `LOCAL_PORTS has no port for component "${component.name}"`);

      const published = publishedPorts(component.name).map((port) => port.published);
      assert.ok(
        published.includes(expected),
        `${component.name} publishes [${published.join(', ')}], expected ${expected}`,
      );
    }
  });

  it('publishes ports on 127.0.0.1 only', () => {
    for (const component of stackComponents()) {
      for (const port of publishedPorts(component.name)) {
        assert.equal(
          port.hostIp,
          '127.0.0.1',
          `${component.name} publishes port ${port.published} on ${port.hostIp ?? 'every interface'}`,
        );
      }
    }
  });

  it('runs the Kafka and Apicurio versions of the local stack', () => {
    const pom = readFileSync(join(REPO_ROOT, 'stack', 'registry', 'pom.xml'), 'utf8');
    const apicurioVersion = /<apicurio\.version>([^<]+)<\/apicurio\.version>/.exec(pom)?.[1];
    assert.ok(apicurioVersion, 'stack/registry/pom.xml has no <apicurio.version>');

    assert.equal(service('kafka').image, `apache/kafka:${KAFKA_VERSION}`);
    assert.match(
      service('registry').image ?? '',
      new RegExp(`^apicurio/apicurio-registry(-mem)?:${apicurioVersion.replaceAll('.', '\\.')}$`),
    );
  });

  it('turns off automatic topic creation', () => {
    assert.equal(localBroker['auto.create.topics.enable'], 'false', 'local auto.create.topics.enable');
    assert.equal(
      composeBrokerSetting('auto.create.topics.enable'),
      'false',
      'compose KAFKA_AUTO_CREATE_TOPICS_ENABLE',
    );
  });

  it('sets every replication factor to 1', () => {
    const factors = Object.keys(localBroker).filter((setting) => setting.endsWith('.replication.factor'));
    assert.ok(factors.length >= 3, `the local broker sets only ${factors.join(', ')}`);

    for (const setting of factors) {
      assert.equal(localBroker[setting], '1', `local ${setting}`);
      assert.equal(composeBrokerSetting(setting), '1', `compose ${setting}`);
    }
  });

  it('repeats the other local broker settings', () => {
    for (const [setting, value] of Object.entries(localBroker)) {
      if (DOCKER_SPECIFIC_SETTINGS.has(setting)) continue;
      assert.equal(composeBrokerSetting(setting), value, `${setting} (${kafkaVariableOf(setting)})`);
    }
  });

  it('keeps the local listeners on their ports', () => {
    const composeListeners = listenerPorts(composeBrokerSetting('listeners') ?? '');
    for (const [name, port] of listenerPorts(localBroker.listeners!)) {
      assert.equal(composeListeners.get(name), port, `listener ${name}`);
    }

    const composeProtocols = (composeBrokerSetting('listener.security.protocol.map') ?? '').split(',');
    for (const mapping of localBroker['listener.security.protocol.map']!.split(',')) {
      assert.ok(composeProtocols.includes(mapping), `listener.security.protocol.map lacks ${mapping}`);
    }
  });

  it('advertises the local-stack broker address to host clients', () => {
    const advertised = (composeBrokerSetting('advertised.listeners') ?? '').split(',');
    for (const listener of localBroker['advertised.listeners']!.split(',')) {
      assert.ok(advertised.includes(listener), `advertised.listeners lacks ${listener}`);
    }
  });

  it('sets the registry id mode like the local registry', () => {
    assert.equal(REGISTRY_SETTINGS['registry.ccompat.legacy-id-mode.enabled'], 'false', 'local id mode');

    const environment = environmentOf('registry');
    for (const [property, value] of Object.entries(REGISTRY_SETTINGS)) {
      assert.equal(
        environment.get(quarkusVariableOf(property)),
        value,
        `${property} (${quarkusVariableOf(property)})`,
      );
    }
  });

  it('gives each component a health check', () => {
    for (const component of stackComponents()) {
      const test = service(component.name).healthcheck?.test;
      assert.ok(test !== undefined, `${component.name} has no healthcheck.test`);
      assert.ok(test.length > 0, `${component.name} has an empty healthcheck.test`);
    }
  });
});
