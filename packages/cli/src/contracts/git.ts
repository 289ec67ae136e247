import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';

import { UsageError } from '../io';

/** A git command failed; `stderr` contains git's own message. */
export class GitError extends Error {
  override name = 'GitError';
}

/** A git repository, addressed by its top-level directory. */
export class GitRepository {
  private readonly blobs = new Map<string, string>();

  private constructor(readonly root: string) {}

  /** Opens the repository containing `dir`, or throws a UsageError when `dir` is not inside one. */
  static containing(dir: string): GitRepository {
    let root: string;
    try {
      root = runGit(dir, ['rev-parse', '--show-toplevel']).trim();
    } catch (error) {
      throw new UsageError(
        `${dir} is not inside a git repository, so there is no earlier version to compare with. Use --registry instead. (${(error as Error).message})`,
      );
    }
    return new GitRepository(realpathSync(root));
  }

  /** Returns `path` relative to the repository root with forward slashes, as git expects in `<rev>:<path>`. */
  pathOf(path: string): string {
    return relative(this.root, realpathSync(path)).split(sep).join('/');
  }

  /** Resolves a ref to a commit id, or returns undefined when it names no commit. */
  commitOf(ref: string): string | undefined {
    try {
      return runGit(this.root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();
    } catch {
      // `rev-parse --verify --quiet` exits with 1 and no message when the ref does not exist.
      return undefined;
    }
  }

  /**
   * Picks the default ref to compare with: the merge base of HEAD and `main` (`origin/main` when there
   * is no local `main`), or HEAD when there is neither or the merge base is HEAD itself.
   */
  defaultBase(): { commit: string; label: string } {
    const head = this.commitOf('HEAD');
    if (head === undefined)
      throw new UsageError(
        'the repository has no commits yet. Commit the contracts or pass --against <ref>.',
      );

    for (const branch of ['main', 'origin/main']) {
      if (this.commitOf(branch) === undefined) continue;
      const base = runGit(this.root, ['merge-base', 'HEAD', branch]).trim();
      if (base !== head) return { commit: base, label: `merge-base(HEAD, ${branch}) ${base.slice(0, 10)}` };
      break;
    }
    return { commit: head, label: `HEAD ${head.slice(0, 10)}` };
  }

  /** Lists the files under `dir` at a commit, mapped to their blob ids. */
  filesAt(commit: string, dir: string): Map<string, string> {
    const files = new Map<string, string>();
    const listing = runGit(this.root, ['ls-tree', '-r', '-z', commit, '--', dir]);
    for (const entry of listing.split('\0')) {
      // Each entry is "<mode> blob <id>\t<path>".
      const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
      if (match) files.set(match[2]!, match[1]!);
    }
    return files;
  }

  /**
   * Reads a file at a commit with `git show <commit>:<path>`. Texts are cached by `blobId`, so a version
   * shared by many commits is read once.
   */
  show(commit: string, path: string, blobId: string): string {
    let text = this.blobs.get(blobId);
    if (text === undefined) {
      text = runGit(this.root, ['show', `${commit}:${path}`]);
      this.blobs.set(blobId, text);
    }
    return text;
  }

  /** Lists the commits reachable from `commit` that changed anything under `dir`, newest first. */
  commitsTouching(commit: string, dir: string): string[] {
    return runGit(this.root, ['rev-list', commit, '--', dir])
      .split('\n')
      .filter((line) => line !== '');
  }
}

function runGit(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new GitError(`git ${args.join(' ')} failed${stderr === '' ? '' : `: ${stderr}`}`, { cause: error });
  }
}
