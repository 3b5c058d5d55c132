#!/usr/bin/env bash
# Runs the test suite again on Node.js 24 (the current LTS), beside the machine's Node 20
# run that `npm test` does first. Run after `npm run build` (`npm test` does both).
#
# Where everything comes from (the npm registry only):
# - Node 24: the npm package node-linux-<arch> (the binary, and its headers in
#   include/node). The `node` package's preinstall does nothing but install this same
#   package; installing it directly runs no install script.
# - better-sqlite3 for Node 24: its install script tries a prebuilt addon from GitHub
#   (unreachable here) and then compiles with node-gyp, which would fetch Node's headers from
#   nodejs.org (also unreachable): --nodedir points node-gyp at the package's include/node.
#   A compile takes ~2 minutes, so its addon is kept as a prebuild tarball in
#   ${XDG_CACHE_HOME:-~/.cache}/functape/prebuilds, which prebuild-install then unpacks
#   (npm_config_better_sqlite3_local_prebuilds); a bad or missing one means a compile again.
#
# The Node 20 build in node_modules/ is never touched: the suite runs in a copy of the
# checkout, .node24/tree/, whose node_modules/ are hard links to this one's except a copy of
# better-sqlite3 rebuilt for Node 24. Node resolves packages from the test files' own
# folder up, so the copy's tests load the copy's better-sqlite3.
# test/package-install runs in the Node 20 run only (the suite packs and installs once).
# Arguments, if any, are the test files to run instead of the whole suite
# (`bash scripts/test-node24.sh dist/test/record-relay.test.js`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE24_VERSION=24.22.3
WORK=$ROOT/.node24
TREE=$WORK/tree
PREBUILDS=${XDG_CACHE_HOME:-$HOME/.cache}/functape/prebuilds

say() { echo "test-node24: $*" >&2; }
[ -f dist/bundle/cli/main.js ] || { say "dist/ is not built; run npm run build first"; exit 2; }

arch=$(node -p process.arch)
NODE24=$WORK/toolchain/node_modules/node-linux-$arch
if [ "$("$NODE24/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  say "installing node-linux-$arch@$NODE24_VERSION from the npm registry"
  npm install --prefix "$WORK/toolchain" --no-save --no-package-lock --no-audit --no-fund --prefer-offline \
    "node-linux-$arch@$NODE24_VERSION" >/dev/null
fi
[ -f "$NODE24/include/node/node.h" ] || { say "$NODE24 has no include/node/node.h"; exit 1; }

# The copy: every top-level entry but node_modules (dot-folders such as .git and .node24
# stay out), node_modules as hard links, better-sqlite3 as real files without the Node 20 build.
rm -rf "$TREE"
mkdir -p "$TREE"
for entry in *; do
  [ "$entry" = node_modules ] || cp -a "$entry" "$TREE/"
done
cp -al node_modules "$TREE/node_modules"
rm -rf "$TREE/node_modules/better-sqlite3"
cp -a node_modules/better-sqlite3 "$TREE/node_modules/better-sqlite3"
rm -rf "$TREE/node_modules/better-sqlite3/build"

export PATH="$NODE24/bin:$PATH"
abi=$(node -p process.versions.modules)
sqlite_version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
prebuild=$PREBUILDS/better-sqlite3-v$sqlite_version-node-v$abi-linux-$arch.tar.gz
mkdir -p "$PREBUILDS"
say "building better-sqlite3 $sqlite_version for Node $(node --version) (ABI $abi)"
(cd "$TREE" && npm_config_better_sqlite3_local_prebuilds="$PREBUILDS" \
  npm rebuild better-sqlite3 --nodedir="$NODE24" --no-audit --no-fund >/dev/null)
addon=$TREE/node_modules/better-sqlite3/build/Release/better_sqlite3.node
node -e "require(process.argv[1])" "$addon"
if [ ! -f "$prebuild" ]; then
  tar -czf "$prebuild.$$" -C "$TREE/node_modules/better-sqlite3" build/Release/better_sqlite3.node
  mv "$prebuild.$$" "$prebuild"
fi

cd "$TREE"
if [ $# -gt 0 ]; then
  tests=("$@")
elif [ "${FUNCTAPE_NODE24_ALL:-}" = 1 ]; then
  mapfile -t tests < <(find dist -name '*.test.js' ! -name package-install.test.js | sort)
else
  # The Node 24 run covers every unit test and the end-to-end tests of what a Node upgrade
  # can break (node:http2 relaying, signals, child processes, the SQLite addon, grpc-js and
  # the independent Python stack), so that npm test stays well under 10 minutes; the rest
  # (bench figures, soak-like and timing-heavy runs) is Node 20's alone.
  # FUNCTAPE_NODE24_ALL=1 runs everything.
  mapfile -t tests < <(
    find dist/src -name '*.test.js' | sort
    for t in architecture record-relay record-e2e record-cli record-backpressure recording-files recording-store \
      recording-sigkill faults-signal faults-kill faults-store import-failed replay-cli replay-library \
      python-peers python-replay peers-host-worker demo cli-views-commands security-record wrap-args; do
      echo "dist/test/$t.test.js"
    done
  )
fi
say "running ${#tests[@]} test files on Node $(node --version)"
node --test --test-concurrency=2 --test-timeout=180000 --test-force-exit "${tests[@]}"
