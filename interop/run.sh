#!/usr/bin/env bash
# `make interop`: the interop suites of the Go module in interop/ against real peers, ending
# with one line `interop: N passed, M failed` (interop/cmd/interopsum sums every package's Go
# tests, plus `suite NAME: N passed, M failed` lines from suites that are not Go tests).
#
#   interop/run.sh [--quick] [--sluice PATH] [-- go test flags...]
#     --quick        the form `make test` runs: INTEROP_QUICK=1 (20,000 fuzz requests)
#     --sluice PATH  the sluice binary (default build/release/src/server/sluice)
#   Environment: FUZZ_REQUESTS answers compared (default 200000), FUZZ_SEED (1), FUZZ_STREAM.
#
# Needs Go >= 1.22 and libfaketime (scripts/install-interop-deps.sh installs what is missing and
# downloads the Go modules). Every node is started on free 127.0.0.1 ports and stopped at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE_BIN=${SLUICE_BIN:-$ROOT/build/release/src/server/sluice}
GO_FLAGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) export INTEROP_QUICK=1; shift ;;
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
set +e
go test -json -count=1 -p 1 -timeout 0 "${GO_FLAGS[@]}" ./... 2>&1 | "$ROOT/build/interopsum"
status=${PIPESTATUS[1]}
set -e
exit "$status"
