#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, from Debian's packages:
# Python grpcio (the independent gRPC implementation the transparency tests use)
# chromium (the HTML report test) and postgresql (the fleet tests).
# Idempotent: does nothing when everything is present. Needs root (or sudo) to install.
set -euo pipefail

PY=/usr/bin/python3
need=()
"$PY" -c 'import grpc' 2>/dev/null || need+=(python3-grpcio)
"$PY" -c 'import google.protobuf' 2>/dev/null || need+=(python3-protobuf)
# The compiler itself: grpc_tools.protoc would also need pkg_resources, which the package lacks.
"$PY" -c 'from grpc_tools import _protoc_compiler' 2>/dev/null || need+=(python3-grpc-tools)
# Debian's chromium: the bench HTML report is opened headless by test/bench-html.test.ts.
[ -x /usr/bin/chromium ] || need+=(chromium)
# Debian's PostgreSQL server: the fleet tests (test/fleet-*.test.ts) start their own in a temporary
# directory (test/helpers/pg-server.ts); psql is the bench's reference for COPY.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "install-test-deps: installing ${need[*]} from Debian's packages" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-test-deps: need root or sudo to install ${need[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

if ! "$PY" -c 'import grpc, google.protobuf; from grpc_tools import _protoc_compiler' 2>/dev/null; then
  echo "install-test-deps: $PY still cannot import grpc, google.protobuf and grpc_tools after installing ${need[*]}" >&2
  exit 1
fi
