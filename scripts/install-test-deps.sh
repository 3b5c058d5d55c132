#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, from Debian's packages:
# Python grpcio (the independent gRPC implementation the transparency tests use)
# and chromium (the HTML report test).
# Idempotent: does nothing when everything is present. Needs root (or sudo) to install.
set -euo pipefail

PY=/usr/bin/python3
need=()
"$PY" -c 'import grpc' 2>/dev/null || need+=(python3-grpcio)
"$PY" -c 'import google.protobuf' 2>/dev/null || need+=(python3-protobuf)
"$PY" -c 'import grpc_tools.protoc' 2>/dev/null || need+=(python3-grpc-tools)
# Debian's chromium: the bench HTML report is opened headless by test/bench-html.test.ts.
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "install-test-deps: installing ${need[*]} from Debian's packages" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
