export { kafkaComponent } from './components/kafka';
export { redisComponent } from './components/redis';
export { registryComponent } from './components/registry';
export type { Component } from './components/types';
export { runningPidOf, stopStarted } from './processes';
export { down, stackComponents, status, up } from './stack';
