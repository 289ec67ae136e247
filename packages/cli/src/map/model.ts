import { dltTopicOf, retryTopicOf } from '@choreo/consumer-kit';
import type { Contract } from '@choreo/contracts';

import { type DeclaredService, compareText } from './declarations';

/** The command that writes the map; the generated files name it. */
export const MAP_COMMAND = 'pnpm choreo map';

export interface ProducerEntry {
  service: string;
  /** Team that owns the producing service. */
  owner: string;
}

export interface ConsumerEntry {
  service: string;
  /** Team that owns the consuming service and its dead letters. */
  owner: string;
  group: string;
  /** This group's retry topics for the event, level 1 first. */
  retryTopics: string[];
  /** This group's dead-letter topic for the event. */
  dltTopic: string;
}

export interface EventEntry {
  topic: string;
  /** Payload schema version from contracts.json. */
  version: number;
  /** Team that owns the event and its schema. */
  owner: string;
  /** Sorted by service name. */
  producers: ProducerEntry[];
  /** Sorted by service name. */
  consumers: ConsumerEntry[];
}

export interface ServiceEntry {
  name: string;
  owner: string;
  /** npm package that declares the service. */
  package: string;
  /** Consumer group; null for a service that only produces. */
  group: string | null;
  consumes: string[];
  produces: string[];
}

/** Producers and consumers of every event: the content of docs/event-map.json. */
export interface EventMap {
  /** Every contract's event type, including events no service produces or consumes. */
  events: Record<string, EventEntry>;
  /** Sorted by name. */
  services: ServiceEntry[];
}

/** Builds the map with every key and list in a fixed order, so regenerating it changes nothing. */
export function buildEventMap(
  contracts: readonly Contract[],
  services: readonly DeclaredService[],
): EventMap {
  const events: Record<string, EventEntry> = {};
  const sortedContracts = [...contracts].sort((a, b) => compareText(a.eventType, b.eventType));
  const sortedServices = [...services].sort((a, b) => compareText(a.name, b.name));

  for (const contract of sortedContracts) {
    events[contract.eventType] = {
      topic: contract.topic,
      version: contract.version,
      owner: contract.owner,
      producers: sortedServices
        .filter((service) => service.produces.includes(contract.eventType))
        .map((service) => ({ service: service.name, owner: service.owner })),
      consumers: sortedServices
        .filter((service) => service.consumes.includes(contract.eventType))
        .map((service) => consumerEntry(contract.topic, service)),
    };
  }

  return {
    events,
    services: sortedServices.map((service) => ({
      name: service.name,
      owner: service.owner,
      package: service.packageName,
      group: service.groupId ?? null,
      consumes: [...service.consumes],
      produces: [...service.produces],
    })),
  };
}

function consumerEntry(topic: string, service: DeclaredService): ConsumerEntry {
  // Validation rejects a consuming service without a group, so groupId is set here.
  const group = service.groupId as string;
  return {
    service: service.name,
    owner: service.owner,
    group,
    retryTopics: Array.from({ length: service.retryLevels }, (_, index) =>
      retryTopicOf(topic, group, index + 1),
    ),
    dltTopic: dltTopicOf(topic, group),
  };
}

/** Returns the topics a declared consumer group subscribes to: each consumed topic and its retry topics. */
export function subscribedTopicsOf(map: EventMap, group: string): string[] {
  return Object.values(map.events).flatMap((event) =>
    event.consumers
      .filter((consumer) => consumer.group === group)
      .flatMap((consumer) => [event.topic, ...consumer.retryTopics]),
  );
}
