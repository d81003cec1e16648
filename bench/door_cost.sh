#!/usr/bin/env bash
# Instructions per call of each door_bench benchmark, counted by callgrind: unlike time, the
# count does not drift with the load of a shared machine. Each benchmark runs twice, with N and
# 11*N iterations; the difference over 10*N is the cost of one iteration, free of start-up.
#
# Three columns per benchmark:
#   instr/call  everything, glibc's allocator included;
#   w/o alloc   the same without the allocator (malloc, free and operator new/delete, with
#               everything they call). glibc's cost per allocation depends on the heap's
#               history (a free that finds its tcache bin full goes to a fastbin, and the next
#               large malloc then consolidates), so a change elsewhere can move the first column
#               by hundreds of instructions per call; this column does not move with it;
#   allocs      heap allocations per call (calls to malloc): the allocator's share, counted.
#
#   bench/door_cost.sh [N]        (default N=2000; needs valgrind and the release build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-"$ROOT/build/release/bench/door_bench"}
n=${1:-2000}
fail() { echo "door_cost.sh: $*" >&2; exit 2; }
command -v valgrind >/dev/null || fail "needs valgrind (apt-get install valgrind)"
command -v callgrind_annotate >/dev/null || fail "needs callgrind_annotate (package valgrind)"
[[ -x $BIN ]] || fail "build it first: cmake --build --preset release --target door_bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints "total allocator mallocs" for one run of `benchmark` with `iterations`.
measure() {
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$BIN" \
    --benchmark_filter="^$1(/|\$)" --iterations="$2" >/dev/null 2>"$work/log"
  local total allocator mallocs
  total=$(sed -n 's/.*Collected : //p' "$work/log")
  # Inclusive cost of the allocator's entry points; operator new/delete only for their own
  # instructions (they call malloc/free, already counted).
  allocator=$(callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$work/out" 2>/dev/null |
    awk '$0 ~ /[:]((malloc|free|realloc|calloc) \[|operator (new|delete))/ {
           gsub(",", "", $1);
           if ($0 ~ /operator (new|delete)/) next;
           sum += $1
         } END { printf "%d", sum }')
  own=$(callgrind_annotate --auto=no --inclusive=no --threshold=100 "$work/out" 2>/dev/null |
    awk '$0 ~ /operator (new|delete)/ && $0 !~ /=>/ { gsub(",", "", $1); sum += $1 }
         END { printf "%d", sum }')
  # Calls to malloc, from the raw profile: "fn=(id) name" or "cfn=(id) name" names a function
  # once, later lines refer to it by id alone; the "calls=" line after a cfn counts the calls.
  mallocs=$(awk '
    /^fn=/ { id = $1; sub(/^fn=/, "", id); if (NF > 1) name[id] = $2; next }
    /^cfn=/ { id = $1; sub(/^cfn=/, "", id); if (NF > 1) name[id] = $2; callee = name[id]; next }
    /^calls=/ { if (callee == "malloc") { split($1, c, "="); sum += c[2] } callee = "" }
    END { printf "%d", sum }' "$work/out")
  echo "$total $((allocator + own)) $mallocs"
}

gubernator=""
printf '%-36s %12s %10s %12s %10s %8s\n' benchmark "instr/call" "vs gub." "w/o alloc" "vs gub." \
  allocs
default_benches="BM_GubernatorDoor_OneItem BM_EnvoyDoor_OneDescriptorExact
  BM_GubernatorDoor_FourItems BM_EnvoyDoor_FourDescriptorsExact
  BM_GubernatorDoor_SixteenItems BM_EnvoyDoor_SixteenDescriptorsExact
  BM_EnvoyDoor_OneDescriptorDefault BM_EnvoyDoorViaProto_OneDescriptor
  BM_EnvoyDoorViaProto_SixteenDescriptors BM_EnvoyRulesMatch BM_HashMapLookup
  BM_ResponseShapeGubernator BM_ResponseShapeEnvoy BM_EnvoyCounterKey"
# BENCHES="..." measures only those; the first one is the "vs gub." baseline.
for bench in ${BENCHES:-$default_benches}; do
  read -r small_total small_alloc small_mallocs < <(measure "$bench" "$n")
  read -r large_total large_alloc large_mallocs < <(measure "$bench" $((11 * n)))
  per=$(( (large_total - small_total) / (10 * n) ))
  own=$(( (large_total - large_alloc - small_total + small_alloc) / (10 * n) ))
  allocs=$(echo "($large_mallocs - $small_mallocs) / (10 * $n)" | bc -l)
  if [[ -z $gubernator ]]; then gubernator=$per; gubernator_own=$own; fi
  printf '%-36s %12d %9.2fx %12d %9.2fx %8.2f\n' "$bench" "$per" \
    "$(echo "$per / $gubernator" | bc -l)" "$own" "$(echo "$own / $gubernator_own" | bc -l)" \
    "$allocs"
done
