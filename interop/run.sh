#!/usr/bin/env bash
# `make interop`: the interop suites of the Go module in interop/ against real peers, ending
# with one line `interop: N passed, M failed` (interop/cmd/interopsum sums every package's Go
# tests, plus `suite NAME: N passed, M failed` lines from suites that are not Go tests).
#
#   interop/run.sh [--quick] [--sluice PATH] [--no-envoy] [-- go test flags...]
#     --quick        the form `make test` runs: INTEROP_QUICK=1 (20,000 fuzz requests, 2,000 calls per
#                    broken-receiver case in interop/otlp), and the
#                    envoyproxy/ratelimit suite on 20 generated rules files and 10,000 calls
#     --sluice PATH  the sluice binary (default build/release/src/server/sluice)
#     --no-envoy     only the Gubernator suites (the envoyproxy/ratelimit one is interop/cmd/envoyref,
#                    `make interop-envoy`; it installs the reference with scripts/envoy-ratelimit.sh)
#   Environment: FUZZ_REQUESTS answers compared (default 200000), FUZZ_SEED (1), FUZZ_STREAM.
#
# Needs Go >= 1.22 and libfaketime (scripts/install-interop-deps.sh installs what is missing and
# downloads the Go modules). Every node is started on free 127.0.0.1 ports and stopped at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE_BIN=${SLUICE_BIN:-$ROOT/build/release/src/server/sluice}
GO_FLAGS=()
ENVOY=1
ENVOY_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) export INTEROP_QUICK=1; ENVOY_ARGS=(--valid 20 --calls 10000); shift ;;
    --no-envoy) ENVOY=0; shift ;;
    --sluice) SLUICE_BIN=$2; shift 2 ;;
    --) shift; GO_FLAGS=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "interop/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$SLUICE_BIN" ]] || { echo "interop/run.sh: $SLUICE_BIN is missing; build sluice first" >&2; exit 1; }
export SLUICE_BIN=$(cd "$(dirname "$SLUICE_BIN")" && pwd)/$(basename "$SLUICE_BIN")
export GOFLAGS=${GOFLAGS:--mod=mod}
export TZ=UTC
cd "$ROOT/interop"
echo "interop: sluice $SLUICE_BIN; $(go version)"
go build -o "$ROOT/build/interopsum" ./cmd/interopsum
# Packages one at a time (-p 1): the suites time real processes on a 2-core machine.
# interop/otlp is a module of its own (the OpenTelemetry Collector's OTLP receiver needs newer
# gRPC and OpenTelemetry modules than Gubernator v2.13.0 builds with): its tests run after the
# main module's, into the same summary.
# The envoyproxy/ratelimit suite is a command, not a Go test: its last line
# `envoyref: N passed, M failed` becomes a `suite envoyref: ...` line that interopsum adds in.
envoy_suite() {
  [[ $ENVOY == 1 ]] || return 0
  go run ./cmd/envoyref --root "$ROOT" --sluice "$SLUICE_BIN" "${ENVOY_ARGS[@]}" 2>&1 |
    sed -E 's/^envoyref: ([0-9]+ passed, [0-9]+ failed)$/suite envoyref: \1/'
}
set +e
otlp_suite() {
  (cd otlp && go test -json -count=1 -p 1 -timeout 0 "${GO_FLAGS[@]}" ./... 2>&1)
}
{ go test -json -count=1 -p 1 -timeout 0 "${GO_FLAGS[@]}" ./... 2>&1; otlp_suite; envoy_suite; } |
  "$ROOT/build/interopsum"
status=${PIPESTATUS[1]}
set -e
exit "$status"
