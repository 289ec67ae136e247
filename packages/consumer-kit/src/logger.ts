import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON-lines logger of a consumer service; handlers get a child bound to the event's ids. */
export function createServiceLogger(service: string, groupId: string): Logger {
  return pino({ base: { service, group: groupId }, level: process.env.LOG_LEVEL ?? 'info', timestamp: pino.stdTimeFunctions.isoTime });
}
