import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { LOCAL_STACK, loadConfig, parseHostPort } from '@choreo/config';
import { createKafkaClient } from '@choreo/kafka';

import { runMaven } from '../maven';
import { DATA_DIR, MAVEN_DIR, REPO_ROOT, STATE_DIR, ensureDir } from '../paths';
import { COMPONENT_MARKER, startDetached } from '../processes';
import { isLocalHost, javaCommand, spawnAndWait } from './common';
import type { Component } from './types';

export const KAFKA_VERSION = '4.1.1';

const KAFKA_DIR = join(STATE_DIR, 'kafka');
const CLASSPATH_FILE = join(KAFKA_DIR, `classpath-${KAFKA_VERSION}.txt`);
const LOG_DIRS = join(DATA_DIR, 'kafka');

/**
 * Returns the settings of a one-node broker in KRaft combined mode, by property name. Replication
 * factors are 1 because there is one node. Automatic topic creation is off because the kits create
 * the topics they need on purpose. docker-compose.yml repeats these settings, and
 * packages/stack/test/compose.test.ts checks that the two agree.
 */
export function brokerSettings(port: number): Record<string, string> {
  return {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${LOCAL_STACK.kafkaControllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${LOCAL_STACK.kafkaControllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': LOG_DIRS,
    'num.partitions': '3',
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // A local broker serves one developer: start a consumer group at once instead of waiting 3 s.
    'group.initial.rebalance.delay.ms': '0',
  };
}

function serverProperties(port: number): string {
  const lines = Object.entries(brokerSettings(port)).map(([key, value]) => `${key}=${value}`);
  return [...lines, ''].join('\n');
}

const LOG4J_PROPERTIES = [
  'rootLogger.level=INFO',
  'rootLogger.appenderRef.stdout.ref=STDOUT',
  'appender.stdout.type=Console',
  'appender.stdout.name=STDOUT',
  'appender.stdout.layout.type=PatternLayout',
  'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
  'logger.kafka.name=kafka',
  'logger.kafka.level=INFO',
  'logger.state.name=state.change.logger',
  'logger.state.level=WARN',
  '',
].join('\n');

export function kafkaComponent(): Component {
  const broker = loadConfig().kafkaBrokers[0] ?? LOCAL_STACK.kafkaBrokers[0];
  const { host, port } = parseHostPort(broker);

  return {
    name: 'kafka',
    address: broker,
    managed: isLocalHost(host),
    startTimeoutSeconds: 60,
    checkHealth: () => checkKafkaHealth(broker),
    prepare: resolveClasspath,
    start: () => startBroker(port),
  };
}

async function checkKafkaHealth(broker: string): Promise<string | undefined> {
  const admin = createKafkaClient({
    brokers: [broker],
    clientId: 'choreo-stack-health',
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 3000,
    // The admin's own retry option does not cover connecting, which follows the client's setting.
    retries: 0,
    onLog: () => {},
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? undefined : 'the broker reports no brokers in its cluster';
  } catch (error) {
    return `no response from ${broker}: ${(error as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function resolveClasspath(): Promise<void> {
  if (existsSync(CLASSPATH_FILE)) return;

  ensureDir(KAFKA_DIR);
  console.log(`Downloading Apache Kafka ${KAFKA_VERSION} and its dependencies from Maven Central (first run only)`);
  await runMaven({
    label: `Kafka ${KAFKA_VERSION}`,
    cwd: MAVEN_DIR,
    args: ['-f', 'kafka-pom.xml', `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`],
  });
}

async function startBroker(port: number): Promise<void> {
  const configFile = join(ensureDir(KAFKA_DIR), 'server.properties');
  const log4jFile = join(KAFKA_DIR, 'log4j2.properties');
  writeFileSync(configFile, serverProperties(port));
  writeFileSync(log4jFile, LOG4J_PROPERTIES);

  const classpath = readFileSync(CLASSPATH_FILE, 'utf8').trim();
  const jvm = [`${COMPONENT_MARKER}kafka`, '-Xms256m', '-Xmx1g', `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', classpath];

  if (!existsSync(join(LOG_DIRS, 'meta.properties'))) {
    ensureDir(LOG_DIRS);
    const clusterId = randomBytes(16).toString('base64url');
    await spawnAndWait('kafka-format', javaCommand(), [...jvm, 'kafka.tools.StorageTool', 'format', '--cluster-id', clusterId, '--config', configFile]);
  }

  startDetached('kafka', javaCommand(), [...jvm, 'kafka.Kafka', configFile], REPO_ROOT);
}
