#!/usr/bin/env bash
# `npm run bench [section…]`: runs each benchmark section and prints what it measured.
# Sections: one folder under bench/ with a <section>.bench.ts (broadcast, gateway, lifecycle,
# raw, template; a folder without one, like bench/support, holds shared code). Each section
# bounds its own count and time (BENCH_* variables, see each section's bench.config.ts or
# header), stops by itself and cleans up after itself, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/ensure-services.sh
sections=("$@")
if [ ${#sections[@]} -eq 0 ]; then
  for d in bench/*/; do
    n="$(basename "$d")"
    if [ -f "bench/$n/$n.bench.ts" ]; then sections+=("$n"); fi
  done
fi
for s in "${sections[@]}"; do
  f="bench/$s/$s.bench.ts"
  [ -f "$f" ] || { echo "bench: no section '$s' ($f)" >&2; exit 2; }
  printf '\n==> bench: %s\n' "$s"
  node -r ./tools/runtime/swc-register.js "$f"
done
