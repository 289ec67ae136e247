import { type Contract, assembleEventSchema, parseSchema } from '@choreo/contracts';

import type { GitRepository } from './git';

/** One earlier version of an event's registered schema, read from git. */
export interface EarlierVersion {
  schema: Contract['schema'];
  /** Source of the version, for messages: the ref's label or `commit <id>`. */
  label: string;
}

export interface HistoryOptions {
  /** Commit the working tree is compared with, and its label for messages. */
  base: { commit: string; label: string };
  /** Also read every version in the base's history, for the transitive levels. */
  includeHistory: boolean;
  /** Receives a message for each historical version that cannot be read and is skipped. */
  warn: (message: string) => void;
}

/** A schema at the base commit cannot be read, so the working tree cannot be compared with it. */
export class BaseVersionError extends Error {
  override name = 'BaseVersionError';
}

/**
 * Reads the assembled schema of every event at the base commit and, when asked, every distinct
 * earlier version from the commits before it that changed the schemas. Returns each event's
 * versions oldest first; the last one is the version at the base. An event missing at the base is
 * absent from the result, even if an older commit had it.
 * NOTE: git history only approximates the registered versions. A commit that was never registered
 * still counts, and a version registered from another branch is missing; `check --registry` uses the
 * registry's own list.
 */
export function readEarlierVersions(
  repo: GitRepository,
  contractsPath: string,
  options: HistoryOptions,
): Map<string, EarlierVersion[]> {
  const schemasDir = contractsPath === '' ? 'schemas' : `${contractsPath}/schemas`;
  const history = options.includeHistory
    ? repo.commitsTouching(options.base.commit, schemasDir).reverse()
    : [];
  const versions = new Map<string, Map<string, EarlierVersion>>();

  for (const commit of history) {
    readVersionsAt(repo, schemasDir, commit, `commit ${commit.slice(0, 10)}`, versions, options.warn);
  }
  const atBase = readVersionsAt(
    repo,
    schemasDir,
    options.base.commit,
    options.base.label,
    versions,
    (message) => {
      throw new BaseVersionError(message);
    },
  );

  const result = new Map<string, EarlierVersion[]>();
  for (const eventType of atBase) result.set(eventType, [...(versions.get(eventType)?.values() ?? [])]);
  return result;
}

/**
 * Adds the version of each event at one commit to `versions`, keyed by the blob ids of the envelope
 * and the payload file, so an unchanged version is read once. A version seen before moves to the end,
 * which keeps the list in the order of the newest commit that has it. Returns the event types found.
 */
function readVersionsAt(
  repo: GitRepository,
  schemasDir: string,
  commit: string,
  label: string,
  versions: Map<string, Map<string, EarlierVersion>>,
  fail: (message: string) => void,
): string[] {
  const files = repo.filesAt(commit, schemasDir);
  const envelopePath = `${schemasDir}/envelope.avsc`;
  const envelopeBlob = files.get(envelopePath);
  if (envelopeBlob === undefined) return [];

  const eventTypes: string[] = [];
  for (const [path, blob] of files) {
    const match = /\/events\/([^/]+)\.avsc$/.exec(path);
    if (match === null) continue;
    const eventType = match[1]!;

    const key = `${envelopeBlob}:${blob}`;
    const eventVersions = versions.get(eventType) ?? new Map<string, EarlierVersion>();
    versions.set(eventType, eventVersions);
    const known = eventVersions.get(key);
    if (known !== undefined) {
      eventVersions.delete(key);
      eventVersions.set(key, { ...known, label });
      eventTypes.push(eventType);
      continue;
    }

    try {
      const envelope = JSON.parse(repo.show(commit, envelopePath, envelopeBlob)) as Contract['schema'];
      const payload = JSON.parse(repo.show(commit, path, blob)) as Contract['schema'];
      const schema = assembleEventSchema(envelope, payload);
      parseSchema(schema, `${path} at ${label}`);
      eventVersions.set(key, { schema, label });
      eventTypes.push(eventType);
    } catch (error) {
      fail(`cannot read ${path} at ${label}: ${(error as Error).message}`);
    }
  }
  return eventTypes;
}
