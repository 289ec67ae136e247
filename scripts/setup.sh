#!/usr/bin/env bash
# Prepares a machine to run Choreo: pnpm, the workspace's dependencies, the local stack's Maven
# artifacts, and a running stack. Every step is skipped when already done, so it is cheap to repeat.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")

require() {
  command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not installed. $2" >&2; exit 1; }
}
require node "Install Node.js 20 or newer."
require java "Install a Java 17 runtime (the Kafka broker and the schema registry run on it)."
require mvn "Install Apache Maven (it downloads Kafka and the schema registry from Maven Central)."

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION from the npm registry"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION"
fi

if [ -n "${CI:-}" ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --prefer-offline --reporter=silent
fi

pnpm run --silent stack up
