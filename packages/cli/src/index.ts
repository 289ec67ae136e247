export { USAGE, runCli } from './cli';
export { CONTRACTS_USAGE } from './contracts/command';
export { EXIT, UsageError, type CliIo } from './io';
export { MAP_USAGE } from './map/command';
