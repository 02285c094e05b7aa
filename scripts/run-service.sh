#!/usr/bin/env bash
# Runs one service from its TypeScript sources (development): `npm run svc -- ticket`.
# Same code path as the built image (instrumentation first, CommonJS), compiled on require
# by @swc/core (tools/runtime/swc-register.js). Configuration from the environment
# (.env.example lists every variable).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
name="${1:?usage: npm run svc -- <ticket|customer|template|scheduler|gateway>}"
[ -f "services/$name/src/main.ts" ] || { echo "run-service: no service '$name'" >&2; exit 2; }
exec node -r ./tools/runtime/swc-register.js "services/$name/src/main.ts"
