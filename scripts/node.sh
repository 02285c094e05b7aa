#!/usr/bin/env bash
# Runs node with Node 24 first on PATH (scripts/env.sh fetches it where the machine's node is
# older): the npm scripts that start something (start, start:services, demo, sim, notifyctl)
# go through here, so `npm ci && npm start` works on a machine whose node is older than 24.
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec node "$@"
