import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

export interface HealthSource {
  /** False once the process cannot recover by itself (the consumer crashed for good). */
  isLive(): boolean;
  /** Returns undefined when ready to process events, else the reason it is not. */
  notReadyReason(): string | undefined;
}

/**
 * Serves `/metrics` (Prometheus text format), `/healthz` (liveness: restart me when 503) and
 * `/readyz` (readiness: send me work when 200) on 127.0.0.1 unless another host is given.
 */
export async function startHttpServer(registry: Registry, health: HealthSource, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500).end(error.message),
      );
      return;
    }
    if (path === '/healthz') {
      const live = health.isLive();
      response.writeHead(live ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: live ? 'ok' : 'failed' }));
      return;
    }
    if (path === '/readyz') {
      const reason = health.notReadyReason();
      response
        .writeHead(reason === undefined ? 200 : 503, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(reason === undefined ? { status: 'ready' } : { status: 'not ready', reason }));
      return;
    }
    response.writeHead(404).end('not found: try /metrics, /healthz or /readyz\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
