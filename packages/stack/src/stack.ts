import { kafkaComponent } from './components/kafka';
import { redisComponent } from './components/redis';
import { registryComponent } from './components/registry';
import type { Component } from './components/types';
import { logFileOf } from './paths';
import { runningPidOf, sleep, stopStarted } from './processes';

/** Returns the stack's components in start order. The registry keeps its own storage, so it does not wait for Kafka. */
export function stackComponents(): Component[] {
  return [redisComponent(), kafkaComponent(), registryComponent()];
}

export class StackError extends Error {
  override name = 'StackError';
}

/**
 * Starts every component that is not healthy and waits for each to become healthy. A healthy
 * component is left alone, so `up` is safe to repeat.
 */
export async function up(components = stackComponents()): Promise<void> {
  const startedAt = Date.now();

  for (const component of components) {
    const reason = await component.checkHealth();
    if (reason === undefined) {
      console.log(`${component.name}: already healthy at ${component.address}`);
      continue;
    }
    if (!component.managed) {
      throw new StackError(`${component.name} at ${component.address} is not healthy (${reason}), and the stack does not manage remote servers`);
    }

    await component.prepare();
    console.log(`${component.name}: starting at ${component.address}`);
    await component.start();
    await waitHealthy(component);
    console.log(`${component.name}: healthy`);
  }

  console.log(`stack is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

async function waitHealthy(component: Component): Promise<void> {
  const deadline = Date.now() + component.startTimeoutSeconds * 1000;
  let reason: string | undefined = 'not checked yet';

  while (Date.now() < deadline) {
    reason = await component.checkHealth();
    if (reason === undefined) return;
    if (runningPidOf(component.name) === undefined) {
      throw new StackError(`${component.name} exited during start-up (${reason}); see ${logFileOf(component.name)}`);
    }
    await sleep(500);
  }
  throw new StackError(
    `${component.name} did not become healthy within ${component.startTimeoutSeconds} s (${reason}); see ${logFileOf(component.name)}`,
  );
}

/** Stops what `up` started, by pid; components that were already running before `up` are left alone. */
export async function down(components = stackComponents()): Promise<void> {
  for (const component of [...components].reverse()) {
    const outcome = await stopStarted(component.name);
    console.log(`${component.name}: ${outcome === 'stopped' ? 'stopped' : 'not started by the stack, left alone'}`);
  }
}

export interface ComponentStatus {
  name: string;
  address: string;
  healthy: boolean;
  detail: string;
  pid: number | undefined;
}

export async function status(components = stackComponents()): Promise<ComponentStatus[]> {
  return Promise.all(
    components.map(async (component) => {
      const reason = await component.checkHealth();
      // NOTE: pid files record the component name but not its address, so after an override such as
      // KAFKA_BROKERS=127.0.0.1:9192 this still shows the pid of the process `up` started on 9092.
      const pid = runningPidOf(component.name);
      return { name: component.name, address: component.address, healthy: reason === undefined, detail: reason ?? 'healthy', pid };
    }),
  );
}
