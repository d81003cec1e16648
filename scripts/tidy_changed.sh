#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy at the root) on the C++ files a change touches; any finding fails.
#   scripts/tidy_changed.sh [BUILD_DIR]    (default build/asan: its compile_commands.json)
# The change is everything since the base, uncommitted edits included. The base is TIDY_BASE if
# set, else the merge-base with origin/main (or main) when behind HEAD (a branch), else HEAD's parent
# (main itself: the last commit); a one-commit or shallow clone has nothing to compare and skips.
# A changed header brings in the .cc of the same name. TIDY_JOBS (default: CPUs) files at a time;
# at most TIDY_MAX_FILES (default 25) files, TIDY_ALL=1 for every file of the build.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/asan}
db=$build/compile_commands.json
if [[ ! -f $db ]]; then
  echo "tidy: $db not found; configure that build first (cmake --preset asan)"
  exit 1
fi
if ! git rev-parse -q --verify HEAD >/dev/null 2>&1; then
  echo "tidy: not a git checkout with a commit; nothing to compare, skipped"
  exit 0
fi

base=${TIDY_BASE:-}
if [[ -z $base ]]; then
  head=$(git rev-parse HEAD)
  merge_base=""
  for main in origin/main main; do  # a clone has origin/main; a worktree beside main, main
    if git rev-parse -q --verify "$main" >/dev/null; then
      merge_base=$(git merge-base HEAD "$main" 2>/dev/null || true)
      break
    fi
  done
  if [[ -n $merge_base && $merge_base != "$head" ]]; then
    base=$merge_base
  elif git rev-parse -q --verify 'HEAD~1' >/dev/null; then
    base='HEAD~1'
  fi
fi

if [[ -n $base ]]; then
  changed=$(git diff --name-only --diff-filter=d "$base" --)
  what="since $(git rev-parse --short "$base")"
elif [[ ${TIDY_ALL:-0} != 1 ]]; then
  echo "tidy: HEAD has no parent here (a one-commit or shallow clone): nothing to compare, skipped"
  exit 0
fi

files=()
add() {
  local file=$1
  [[ -f $file ]] || return 0
  grep -qF "\"file\": \"$PWD/$file\"" "$db" || return 0
  for have in "${files[@]}"; do [[ $have == "$file" ]] && return 0; done
  files+=("$file")
}
if [[ ${TIDY_ALL:-0} == 1 ]]; then  # every file of the build, to check a new .clang-tidy
  changed=$(git ls-files 'src/*.cc' 'tests/*.cc' 'bench/*.cc' 'fuzz/*.cc')
  what="(TIDY_ALL=1: every file)"
fi
while IFS= read -r file; do
  case $file in
    src/*.cc | tests/*.cc | bench/*.cc | fuzz/*.cc) add "$file" ;;
    src/*.h | tests/*.h | bench/*.h | fuzz/*.h) add "${file%.h}.cc" ;;
  esac
done <<<"$changed"

if [[ ${#files[@]} -eq 0 ]]; then
  echo "tidy: no C++ file of the build changed $what"
  exit 0
fi
# A large merge on main would cost minutes a file on CI's two cores; its branch was checked file
# by file before it landed.
max=${TIDY_MAX_FILES:-25}
if [[ ${TIDY_ALL:-0} != 1 && ${#files[@]} -gt $max ]]; then
  echo "tidy: ${#files[@]} files changed $what; checking the first $max (TIDY_MAX_FILES)"
  files=("${files[@]:0:$max}")
else
  echo "tidy: ${#files[@]} files changed $what"
fi
start=$SECONDS
status=0
output=$(printf '%s\n' "${files[@]}" |
  xargs -P "${TIDY_JOBS:-$(nproc)}" -n 1 clang-tidy -p "$build" --quiet 2>&1) || status=$?
grep -v -e '^[0-9]* warnings\? generated' -e '^Suppressed [0-9]* warnings' <<<"$output" || true
if [[ $status -ne 0 ]]; then
  echo "tidy: FAILED (findings above; fix them, or turn the check off in .clang-tidy with a reason)"
  exit 1
fi
echo "tidy: ${#files[@]} files clean ($((SECONDS - start)) s)"
