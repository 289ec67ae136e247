import { ContractRegistry, RegistryUnavailableError } from '@choreo/contracts';

import { type CliIo, EXIT } from '../io';
import { plural } from './report';
import { loadWorkingTree, registryUrlOf } from './working-tree';

/**
 * Registers every contract with ContractRegistry.register, which sets the subject's compatibility
 * level and then registers the schema, and prints subject, schema id and level per event. A
 * registration the registry rejects is reported and the others still run. Returns exit code 1 when
 * any registration failed.
 */
export async function registerContracts(contractsDir: string, io: CliIo): Promise<number> {
  const contracts = loadWorkingTree(contractsDir, io);
  if (contracts === undefined) return EXIT.failed;

  const registry = new ContractRegistry({ url: registryUrlOf(io), contracts });
  io.out(`Registering ${plural(contracts.length, 'contract')} in the schema registry at ${registry.url}`);
  const width = Math.max(...contracts.map((contract) => contract.subject.length));
  let failures = 0;

  for (const contract of contracts) {
    try {
      const id = await registry.register(contract);
      io.out(
        `${contract.subject.padEnd(width)}  schema id ${String(id).padEnd(6)}  ${contract.compatibility}`,
      );
    } catch (error) {
      failures++;
      io.err(`${contract.subject}: registration failed: ${describeError(error)}`);
      if (error instanceof RegistryUnavailableError) {
        io.err(
          'error: stopped, because the registry is unavailable. Start the local stack with "pnpm stack up" or set SCHEMA_REGISTRY_URL.',
        );
        return EXIT.failed;
      }
    }
  }

  io.out(
    failures === 0
      ? `registered ${plural(contracts.length, 'contract')}`
      : `${failures} of ${contracts.length} registrations failed`,
  );
  return failures === 0 ? EXIT.ok : EXIT.failed;
}

/** Describes a registration error. The registry client puts the registry's reason in the message. */
function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
