/** Output and environment of a command. Tests pass their own. */
export interface CliIo {
  /** Writes one line of normal output. */
  out(line: string): void;
  /** Writes one line of warnings and errors. */
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Directory that relative paths in options are resolved against. */
  cwd: string;
}

/** Exit codes of every `pnpm choreo` command. */
export const EXIT = {
  ok: 0,
  /** A breaking change was found, or a check or registration could not finish. */
  failed: 1,
  /** Unknown command or option, missing value, or an unknown git ref. */
  usage: 2,
} as const;

/** A mistake in the command line. The message states what to change, and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
