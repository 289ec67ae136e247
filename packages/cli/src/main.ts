import { runCli } from './cli';

// pnpm runs scripts from the workspace root and keeps the caller's directory in INIT_CWD, so
// relative paths such as `--contracts-dir ./contracts` mean what the caller typed.
const cwd = process.env.INIT_CWD ?? process.cwd();

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
