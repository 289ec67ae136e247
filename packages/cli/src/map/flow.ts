import type { EventMap } from './model';

/**
 * A box in the diagram: a service, or a placeholder that shows an event with no declared producer,
 * no declared consumer, or neither.
 */
export interface FlowNode {
  /** Identifier made of letters, digits and underscores, unique in the diagram and stable across runs. */
  id: string;
  kind: 'service' | 'no-producer' | 'no-consumer' | 'unused-event';
  title: string;
  subtitle: string;
}

/** One event travelling from `from` to `to`. Edges that touch a placeholder are drawn dashed. */
export interface FlowEdge {
  from: string;
  to: string;
  eventType: string;
  /** True when both ends are services, false when one end is a placeholder. */
  declared: boolean;
}

/** The diagram both the Markdown (Mermaid) and the HTML (SVG) files draw. */
export interface Flow {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** Lays the map out as a graph: services as nodes, and one edge per event, producer and consumer. */
export function buildFlow(map: EventMap): Flow {
  const ids = new IdAllocator();
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const serviceIds = new Map<string, string>();

  for (const service of map.services) {
    const id = ids.allocate(`service_${service.name}`);
    serviceIds.set(service.name, id);
    nodes.push({ id, kind: 'service', title: service.name, subtitle: service.owner });
  }
  const serviceId = (name: string) => serviceIds.get(name) as string;

  for (const [eventType, event] of Object.entries(map.events)) {
    const producers = event.producers.map((producer) => serviceId(producer.service));
    const consumers = event.consumers.map((consumer) => serviceId(consumer.service));

    if (producers.length === 0 && consumers.length === 0) {
      const id = ids.allocate(`event_${eventType}`);
      nodes.push({
        id,
        kind: 'unused-event',
        title: eventType,
        subtitle: 'no producer or consumer declared',
      });
      continue;
    }
    if (producers.length === 0) {
      const id = ids.allocate(`no_producer_${eventType}`);
      nodes.push({
        id,
        kind: 'no-producer',
        title: 'no declared producer',
        subtitle: `owner: ${event.owner}`,
      });
      producers.push(id);
    }
    if (consumers.length === 0) {
      const id = ids.allocate(`no_consumer_${eventType}`);
      nodes.push({
        id,
        kind: 'no-consumer',
        title: 'no declared consumer',
        subtitle: `owner: ${event.owner}`,
      });
      consumers.push(id);
    }

    const declared = event.producers.length > 0 && event.consumers.length > 0;
    for (const from of producers) {
      for (const to of consumers) edges.push({ from, to, eventType, declared });
    }
  }
  return { nodes, edges };
}

/** Turns names into identifiers Mermaid and SVG accept, adding `_2`, `_3` where two names collide. */
class IdAllocator {
  private readonly used = new Set<string>();

  allocate(name: string): string {
    const base = name.replace(/[^A-Za-z0-9]/g, '_');
    let id = base;
    for (let suffix = 2; this.used.has(id); suffix++) id = `${base}_${suffix}`;
    this.used.add(id);
    return id;
  }
}
