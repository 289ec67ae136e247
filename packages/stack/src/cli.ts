import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

import { logFileOf } from './paths';
import { StackError, down, stackComponents, status, up } from './stack';

const USAGE = `Usage: pnpm stack <command>

Commands:
  up                 start Kafka, the schema registry and Redis; healthy components are left alone
  down               stop what "up" started
  status             print each component, its address and its health; exit code 1 if any is down
  logs <component>   print the last 100 lines of a component's log (kafka, registry, redis, maven)
  logs -f <component> follow a component's log

Addresses come from KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL, defaulting to 127.0.0.1.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;

  switch (command) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      return printStatus();
    case 'logs':
      return showLogs(rest);
    default:
      console.error(command === undefined ? USAGE : `Unknown command "${command}".\n\n${USAGE}`);
      return command === undefined || command === '--help' ? 0 : 2;
  }
}

async function printStatus(): Promise<number> {
  const rows = await status();
  for (const row of rows) {
    const owner = row.pid === undefined ? '' : ` (pid ${row.pid})`;
    console.log(`${row.name.padEnd(9)} ${row.address.padEnd(45)} ${row.healthy ? 'up' : 'down'}${owner}${row.healthy ? '' : `: ${row.detail}`}`);
  }
  return rows.every((row) => row.healthy) ? 0 : 1;
}

async function showLogs(args: string[]): Promise<number> {
  const follow = args.includes('-f');
  const name = args.find((arg) => arg !== '-f');
  const known = [...stackComponents().map((component) => component.name), 'maven'];
  if (name === undefined || !known.includes(name)) {
    console.error(`Name a component: ${known.join(', ')}`);
    return 2;
  }

  const file = logFileOf(name);
  if (!existsSync(file)) {
    console.error(`${name} has no log yet (${file})`);
    return 1;
  }
  const tail = spawn('tail', follow ? ['-n', '100', '-F', file] : ['-n', '100', file], { stdio: 'inherit' });
  return new Promise((resolve) => tail.on('close', (code) => resolve(code ?? 0)));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof StackError ? `stack: ${error.message}` : error);
    process.exit(1);
  },
);
