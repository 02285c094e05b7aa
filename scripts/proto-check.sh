#!/usr/bin/env bash
# Contract checks for CI (offline: no BSR, no remote plugins):
#   1. buf lint (STANDARD, buf.yaml)
#   2. buf breaking against the git main branch, when main already has protos
#      (skipped with a note otherwise: the first contract commit has nothing to break)
#   3. drift: regenerate into a temp dir and fail, showing the diff, when the committed
#      libs/proto/src/gen differs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source scripts/env.sh

echo "proto-check: buf lint"
buf lint

base="${PROTO_BREAKING_AGAINST:-main}"
if git rev-parse --verify --quiet "$base^{commit}" >/dev/null \
  && [ -n "$(git ls-tree -r --name-only "$base" -- proto | grep '\.proto$' || true)" ]; then
  echo "proto-check: buf breaking against git branch $base"
  buf breaking --against ".git#branch=$base"
else
  echo "proto-check: buf breaking skipped (no protos on $base yet)"
fi

echo "proto-check: generated code drift"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash scripts/proto-generate.sh "$tmp/gen" >/dev/null
if ! diff -ru libs/proto/src/gen "$tmp/gen"; then
  echo "proto-check: libs/proto/src/gen is stale; run scripts/proto-generate.sh and commit" >&2
  exit 1
fi
echo "proto-check: ok"
