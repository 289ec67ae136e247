#!/usr/bin/env bash
# Runs the failure drills, packages/drills/test/*.drill.ts, with Node's test runner, one file at a time,
# against the local stack, which must be up (`pnpm stack up`). Some drills stop and restart the stack's
# Kafka broker or registry. Pass drill files as arguments to run only those.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find packages/drills/test -name '*.drill.ts' | sort)
fi

exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
