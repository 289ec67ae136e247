#!/usr/bin/env bash
# Type-checks and lints the workspace, then runs every test file with Node's test runner, one file at a time,
# because the integration tests share one Kafka broker, one registry and one Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(find packages services test -path '*/node_modules' -prune -o -name '*.test.ts' -print 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "test: no test files found" >&2
  exit 1
fi

echo "test: type-checking and linting the workspace"
node_modules/.bin/tsc -p tsconfig.json
node_modules/.bin/eslint .

exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" "${files[@]}"
