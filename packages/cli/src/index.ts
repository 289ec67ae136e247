export { USAGE, runCli } from './cli';
export { CONTRACTS_USAGE } from './contracts/command';
export { EXIT, UsageError, type CliIo } from './io';
