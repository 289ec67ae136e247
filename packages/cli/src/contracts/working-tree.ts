import { type Contract, ContractError, loadContracts } from '@choreo/contracts';
import { ConfigError, loadConfig } from '@choreo/config';

import { type CliIo, UsageError } from '../io';

/** Loads the contracts in a directory, or reports why they are invalid and returns undefined. */
export function loadWorkingTree(contractsDir: string, io: CliIo): Contract[] | undefined {
  try {
    return loadContracts(contractsDir);
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    io.err(`error: the contracts in ${contractsDir} are invalid: ${error.message}`);
    return undefined;
  }
}

/** Returns the registry URL from SCHEMA_REGISTRY_URL, default the local stack. An invalid URL is a usage error. */
export function registryUrlOf(io: CliIo): string {
  try {
    return loadConfig(io.env).schemaRegistryUrl;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}
