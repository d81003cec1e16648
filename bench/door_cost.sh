#!/usr/bin/env bash
# Instructions per call of each door_bench benchmark, counted by callgrind: unlike time, the
# count does not drift with the load of a shared machine. Each benchmark runs twice, with N and
# 11*N iterations; the difference over 10*N is the cost of one iteration, free of start-up.
#
#   bench/door_cost.sh [N]        (default N=2000; needs valgrind and the release build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-"$ROOT/build/release/bench/door_bench"}
n=${1:-2000}
fail() { echo "door_cost.sh: $*" >&2; exit 2; }
command -v valgrind >/dev/null || fail "needs valgrind (apt-get install valgrind)"
[[ -x $BIN ]] || fail "build it first: cmake --build --preset release --target door_bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

instructions() {  # benchmark iterations -> total instructions of the run
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$BIN" \
    --benchmark_filter="^$1(/|\$)" --iterations="$2" >/dev/null 2>"$work/log"
  sed -n 's/.*Collected : //p' "$work/log"
}

gubernator=""
printf '%-36s %14s %10s\n' benchmark "instr/call" "vs gub."
for bench in BM_GubernatorDoor_OneItem BM_EnvoyDoor_OneDescriptorExact \
             BM_GubernatorDoor_FourItems BM_EnvoyDoor_FourDescriptorsExact \
             BM_EnvoyDoor_OneDescriptorDefault BM_EnvoyRulesMatch \
             BM_ResponseShapeGubernator BM_ResponseShapeEnvoy BM_EnvoyCounterKey; do
  small=$(instructions "$bench" "$n")
  large=$(instructions "$bench" $((11 * n)))
  per=$(( (large - small) / (10 * n) ))
  [[ -z $gubernator ]] && gubernator=$per
  printf '%-36s %14d %9.2fx\n' "$bench" "$per" "$(echo "$per / $gubernator" | bc -l)"
done
