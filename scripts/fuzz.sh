#!/usr/bin/env bash
# Runs each libFuzzer target of the fuzz preset (fuzz/README.md) for FUZZ_SECONDS (default 60) on
# its seed corpus fuzz/corpus/<target>, FUZZ_JOBS targets at a time (default 1). Fails on a crash,
# a failed check, a sanitizer report, a leak, more than FUZZ_RSS_MB of memory (default 2048) or
# an input that takes longer than FUZZ_TIMEOUT seconds (default 10); the input is saved under
# build/fuzz/artifacts/<target>/ and the log's end printed.
#   scripts/fuzz.sh [TARGET...]      (default: every directory under fuzz/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
rss_mb=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}
build=${FUZZ_BUILD_DIR:-build/fuzz}

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  targets=()
  for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

run_one() {
  local target=$1
  local binary=$build/fuzz/fuzz_$target
  local work=$build/corpus/$target  # new inputs land here, not in the tree's seeds
  local artifacts=$build/artifacts/$target/
  local log=$build/logs/$target.log
  if [[ ! -x $binary ]]; then
    echo "fuzz: $binary is missing; build it with: cmake --preset fuzz && cmake --build --preset fuzz"
    return 1
  fi
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  if ! "$binary" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout="$timeout" \
      -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "fuzz/corpus/$target" \
      >"$log" 2>&1; then
    echo "fuzz: $target FAILED after at most $seconds s; end of $log:"
    tail -n 40 "$log"
    echo "fuzz: the input is in $artifacts (rerun: $binary <file>)"
    return 1
  fi
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $target clean for $seconds s (${runs:-?} inputs; $(grep -o 'cov: [0-9]*' "$log" | tail -n 1))"
}

failed=0
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_one "$target" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
if ((failed)); then
  echo "fuzz: FAILED"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets clean for $seconds s each"
