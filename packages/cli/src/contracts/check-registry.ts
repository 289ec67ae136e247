import {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type Contract,
  ContractError,
  ContractRegistry,
  RegistryUnavailableError,
  checkCompatibility,
} from '@choreo/contracts';

import { type CliIo, EXIT } from '../io';
import { RegistryHttpError, requestRegistry, unexpectedResponse } from './registry-http';
import { formatFindings, formatSummary, newTally, plural } from './report';
import { loadWorkingTree, registryUrlOf } from './working-tree';

/** Confluent error codes for "subject not found" and "version not found". Both mean nothing is registered yet. */
const NOTHING_REGISTERED = new Set([40401, 40402]);

interface SubjectResult {
  lines: string[];
  warnings: string[];
  breakingChanges: number;
  /** The registry returned an error, so compatibility is unknown. */
  errored: boolean;
}

/**
 * Checks every contract with the registry's compatibility endpoint, at the level the registry has for
 * the subject. A subject with nothing registered is new and passes. When the registry rejects a
 * schema, the offline checker runs against the registered versions to name the fields. Returns exit
 * code 1 on any breaking change or registry error.
 */
export async function checkAgainstRegistry(contractsDir: string, io: CliIo): Promise<number> {
  const contracts = loadWorkingTree(contractsDir, io);
  if (contracts === undefined) return EXIT.failed;

  const registry = new ContractRegistry({ url: registryUrlOf(io), contracts });
  io.out(`Checking ${plural(contracts.length, 'contract')} against the schema registry at ${registry.url}`);
  const tally = newTally(contracts.length);

  for (const contract of contracts) {
    let result: SubjectResult;
    try {
      result = await checkSubject(registry, contract);
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) throw error;
      io.err(
        `error: ${error.message}. Start the local stack with "pnpm stack up" or set SCHEMA_REGISTRY_URL.`,
      );
      return EXIT.failed;
    }

    for (const warning of result.warnings) io.err(`warning: ${warning}`);
    for (const line of result.lines) io.out(line);
    tally.breakingChanges += result.breakingChanges;
    if (result.breakingChanges > 0) tally.breakingSubjects++;
    if (result.errored) tally.uncheckedSubjects++;
  }

  io.out(formatSummary(tally));
  return tally.breakingChanges > 0 || tally.uncheckedSubjects > 0 ? EXIT.failed : EXIT.ok;
}

async function checkSubject(registry: ContractRegistry, contract: Contract): Promise<SubjectResult> {
  const { subject } = contract;
  const result: SubjectResult = { lines: [], warnings: [], breakingChanges: 0, errored: false };

  try {
    const level = await levelOf(registry, subject);
    // Apicurio 2.4.2 checks `versions/latest` against the latest version only, even when the subject's
    // level is transitive, and `versions` against every version even when it is not. Confluent's
    // registry applies the subject's level on `versions`. So each level gets the endpoint that checks
    // what it promises on both.
    const versionsPath = level.endsWith('_TRANSITIVE') ? 'versions' : 'versions/latest';
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/${versionsPath}?verbose=true`;
    const response = await requestRegistry(registry, 'POST', path, {
      schema: JSON.stringify(contract.schema),
      schemaType: 'AVRO',
    });

    if (
      response.status === 404 &&
      response.errorCode !== undefined &&
      NOTHING_REGISTERED.has(response.errorCode)
    ) {
      result.lines.push(`${subject}: new subject, nothing registered yet; nothing to check`);
      return result;
    }
    if (response.status !== 200) throw unexpectedResponse('POST', path, response);

    if (level !== contract.compatibility) {
      result.warnings.push(
        `${subject}: the registry checks at ${level}, but contracts.json sets ${contract.compatibility}; "pnpm choreo contracts register" applies it`,
      );
    }
    const verdict = response.body as { is_compatible?: boolean; reason?: string | null; messages?: string[] };
    if (verdict.is_compatible === true) {
      result.lines.push(`${subject}: compatible (${level}, registry)`);
      return result;
    }

    const findings = await explainRejection(registry, contract, level);
    const reason = verdict.reason ?? verdict.messages?.join('; ');
    result.lines.push(
      ...findings,
      `${subject}: registry: ${reason || 'incompatible, without details'} (${level})`,
    );
    result.breakingChanges = Math.max(1, findings.length);
  } catch (error) {
    if (!(error instanceof RegistryHttpError)) throw error;
    result.errored = true;
    result.lines.push(`${subject}: registry check failed: ${error.message}`);
  }
  return result;
}

/** Returns the subject's compatibility level, or the registry's global level when the subject has none. */
async function levelOf(registry: ContractRegistry, subject: string): Promise<CompatibilityLevel> {
  const subjectPath = `/config/${encodeURIComponent(subject)}`;
  let response = await requestRegistry(registry, 'GET', subjectPath);
  let path = subjectPath;
  if (response.status === 404) {
    path = '/config';
    response = await requestRegistry(registry, 'GET', path);
  }
  if (response.status !== 200) throw unexpectedResponse('GET', path, response);

  const level = (response.body as { compatibilityLevel?: string }).compatibilityLevel;
  if (!COMPATIBILITY_LEVELS.includes(level as CompatibilityLevel)) {
    throw new RegistryHttpError(
      `GET ${path} returned an unknown compatibility level: ${JSON.stringify(response.body)}`,
    );
  }
  return level as CompatibilityLevel;
}

/**
 * Runs the offline checker against the registered versions the level covers, so a rejection names
 * its fields. Returns no lines when the checker finds nothing the registry objected to, or when the
 * versions cannot be read. The caller prints the registry's own reason in every case.
 */
async function explainRejection(
  registry: ContractRegistry,
  contract: Contract,
  level: CompatibilityLevel,
): Promise<string[]> {
  const subject = encodeURIComponent(contract.subject);
  const listing = await requestRegistry(registry, 'GET', `/subjects/${subject}/versions`);
  if (listing.status !== 200 || !Array.isArray(listing.body)) return [];

  const numbers = (listing.body as number[]).slice(level.endsWith('_TRANSITIVE') ? 0 : -1);
  const versions: { schema: unknown; label: string }[] = [];
  for (const number of numbers) {
    const response = await requestRegistry(registry, 'GET', `/subjects/${subject}/versions/${number}`);
    const body = response.body as { schema?: string; schemaType?: string };
    if (response.status !== 200 || typeof body.schema !== 'string' || (body.schemaType ?? 'AVRO') !== 'AVRO')
      continue;
    try {
      versions.push({ schema: JSON.parse(body.schema), label: `registry version ${number}` });
    } catch {
      // A registered schema that is not JSON cannot be explained offline, but the registry's reason is still printed.
    }
  }

  try {
    const findings = checkCompatibility({
      level,
      previous: versions.map((version) => version.schema),
      next: contract.schema,
    });
    return formatFindings(
      contract.subject,
      findings,
      versions.map((version) => version.label),
    );
  } catch (error) {
    // A registered schema that avsc rejects cannot be explained offline, but the registry's reason is still printed.
    if (error instanceof ContractError) return [];
    throw error;
  }
}
