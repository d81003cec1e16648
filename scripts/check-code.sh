#!/usr/bin/env bash
# The code checks `make test` runs after the asan build, beside the tests: clang's thread-safety
# analysis over every file (scripts/check_thread_safety.py) and clang-tidy over the files the
# change touches (scripts/tidy_changed.sh). Both read build/asan/compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/asan}
start=$SECONDS
python3 scripts/check_thread_safety.py "$build"
tidy_start=$SECONDS
bash scripts/tidy_changed.sh "$build"
echo "check-code: thread-safety $((tidy_start - start)) s, tidy $((SECONDS - tidy_start)) s"
