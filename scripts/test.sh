#!/usr/bin/env bash
# The test command (README "Test it"): `npm test`.
#   1. Postgres and NATS JetStream up on loopback (installed/started if needed)
#   2. lint (ESLint with Nx module boundaries)
#   3. typecheck (tsc --noEmit, strict)
#   4. proto: buf lint + generated-code drift check
#   5. unit, integration and end-to-end tests (Jest; integration and e2e use the real
#      Postgres and NATS), closing with one "N passed, N failed" line
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

step "backing services"
bash scripts/ensure-services.sh

step "lint"
nx show projects >/dev/null   # builds the project graph the module-boundary rule reads
eslint . --max-warnings=0

step "typecheck"
tsc -p tsconfig.json --noEmit

step "proto lint and drift check"
bash scripts/proto-check.sh

step "tests"
mkdir -p tmp
set +e
jest --ci --selectProjects unit integration e2e --runInBand --json --outputFile=tmp/jest-results.json "$@"
status=$?
set -e
node -e '
  const r = require("./tmp/jest-results.json");
  console.log(`\njest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' || status=1
exit $status
