import { type Contract, checkCompatibility, subjectOf, topicOf } from '@choreo/contracts';

import { type CliIo, EXIT, UsageError } from '../io';
import { GitRepository } from './git';
import { formatFindings, formatSummary, newTally, plural } from './report';
import { BaseVersionError, readEarlierVersions } from './schema-history';
import { loadWorkingTree } from './working-tree';

/**
 * Checks every contract in the working tree against its versions in git, without a registry. The
 * version at `against` (default: see GitRepository.defaultBase) is the latest earlier version. For
 * transitive levels every distinct version in that commit's history counts too, as the registry would
 * hold each of them. Returns exit code 1 when any change breaks its contract's level.
 */
export async function checkAgainstGit(
  contractsDir: string,
  against: string | undefined,
  io: CliIo,
): Promise<number> {
  const contracts = loadWorkingTree(contractsDir, io);
  if (contracts === undefined) return EXIT.failed;

  const repo = GitRepository.containing(contractsDir);
  const base =
    against === undefined ? repo.defaultBase() : { commit: resolveRef(repo, against), label: against };

  let earlier;
  try {
    earlier = readEarlierVersions(repo, repo.pathOf(contractsDir), {
      base,
      includeHistory: contracts.some((contract) => contract.compatibility.endsWith('_TRANSITIVE')),
      warn: (message) => io.err(`warning: ${message}; that version is skipped`),
    });
  } catch (error) {
    if (!(error instanceof BaseVersionError)) throw error;
    io.err(`error: ${error.message}`);
    return EXIT.failed;
  }

  io.out(`Checking ${plural(contracts.length, 'contract')} against ${base.label} (offline)`);
  const tally = newTally(contracts.length);

  for (const contract of contracts) {
    const lines = checkContract(contract, earlier.get(contract.eventType), base.label);
    const findings = lines.filter((line) => line.breaking);
    tally.breakingChanges += findings.length;
    if (findings.length > 0) tally.breakingSubjects++;
    for (const line of lines) io.out(line.text);
  }

  const current = new Set(contracts.map((contract) => contract.eventType));
  for (const eventType of earlier.keys()) {
    if (!current.has(eventType))
      io.out(`${subjectOf(topicOf(eventType))}: removed since ${base.label}; nothing to check`);
  }

  io.out(formatSummary(tally));
  return tally.breakingChanges > 0 ? EXIT.failed : EXIT.ok;
}

function checkContract(
  contract: Contract,
  versions: { schema: unknown; label: string }[] | undefined,
  baseLabel: string,
): { text: string; breaking: boolean }[] {
  const { subject, compatibility: level } = contract;
  if (versions === undefined || versions.length === 0) {
    return [
      { text: `${subject}: new event, not present at ${baseLabel}; nothing to check`, breaking: false },
    ];
  }
  if (level === 'NONE') return [{ text: `${subject}: compatibility is NONE; not checked`, breaking: false }];

  const findings = checkCompatibility({
    level,
    previous: versions.map((version) => version.schema),
    next: contract.schema,
  });
  if (findings.length === 0) {
    const checked = level.endsWith('_TRANSITIVE') ? plural(versions.length, 'earlier version') : baseLabel;
    return [{ text: `${subject}: compatible (${level}, against ${checked})`, breaking: false }];
  }

  const labels = versions.map((version) => version.label);
  return formatFindings(subject, findings, labels).map((text) => ({ text, breaking: true }));
}

function resolveRef(repo: GitRepository, ref: string): string {
  const commit = repo.commitOf(ref);
  if (commit === undefined)
    throw new UsageError(
      `--against ${ref} names no commit in ${repo.root}. Pass a branch, tag or commit id.`,
    );
  return commit;
}
