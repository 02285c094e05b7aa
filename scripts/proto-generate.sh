#!/usr/bin/env bash
# Regenerates the TypeScript contracts (libs/proto/src/gen) from proto/ with ts-proto,
# run by buf from npm. Offline: no BSR, no remote plugins.
#   scripts/proto-generate.sh            # into libs/proto/src/gen (committed)
#   scripts/proto-generate.sh <out dir>  # into another directory (drift check)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source scripts/env.sh
out="${1:-libs/proto/src/gen}"
plugin="$root/node_modules/.bin/protoc-gen-ts_proto"
[ -x "$plugin" ] || { echo "proto-generate: $plugin missing; run npm ci" >&2; exit 1; }
# buf.gen.yaml holds the options; the output directory and plugin path are overridden here
# so the same options serve both the committed output and the drift check.
template="$(node -e '
  const yaml = require("yaml"); const fs = require("fs");
  const cfg = yaml.parse(fs.readFileSync("buf.gen.yaml", "utf8"));
  cfg.plugins[0].local = process.argv[1]; cfg.plugins[0].out = process.argv[2];
  process.stdout.write(JSON.stringify(cfg));
' "$plugin" "$out")"
buf generate --template "$template"
node tools/proto/generate-rpc-roles.js "$out"
echo "proto-generate: wrote $out"
