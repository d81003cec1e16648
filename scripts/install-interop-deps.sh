#!/usr/bin/env bash
# Installs what `make interop` needs beyond the build: libfaketime (the suites freeze sluice's
# wall clock with it) and the Go modules of interop/ (Gubernator v2.13.0 and its dependencies,
# from the Go module proxy, and the OpenTelemetry Collector's OTLP receiver for interop/otlp). Go itself (>= 1.22) must be on PATH. Idempotent and quiet.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE_EXTRA_PACKAGES="libfaketime" bash "$ROOT/scripts/install-deps.sh"
if ! command -v go >/dev/null; then
  echo "install-interop-deps: Go >= 1.22 is needed on PATH (the interop suites are a Go module)" >&2
  exit 1
fi
cd "$ROOT/interop"
GOFLAGS=${GOFLAGS:--mod=mod} go mod download
# The tracing suite's module: the OpenTelemetry Collector's OTLP receiver (needs Go >= 1.26).
(cd otlp && GOFLAGS=${GOFLAGS:--mod=mod} go mod download)
