#!/usr/bin/env bash
# The reference Envoy rate limit service, envoyproxy/ratelimit, beside Sluice: installed from the
# Go module proxy and run on loopback with its own Debian redis-server. The differential suite
# (make interop-envoy) and the side-by-side benchmark (bench/envoy_reference.sh) both use it.
#
#   scripts/envoy-ratelimit.sh install
#       Installs redis-server (Debian) and the reference's main package src/service_cmd (Go module
#       proxy) if missing; prints the binary's path. The binary is kept under
#       build/envoy-ratelimit/<version>/, so later runs start at once.
#   scripts/envoy-ratelimit.sh run --rules PATH --grpc-port P --http-port P --debug-port P
#                                  --redis-port P [--runtime DIR] [--pids FILE] [--log FILE]
#       Starts redis-server on 127.0.0.1:<redis-port>, then the reference with the rules at PATH
#       (a file or a directory, copied into the runtime directory DIR, default a new temporary
#       one) and stays in the foreground until SIGTERM/SIGINT, when it stops both and removes a
#       temporary runtime directory. The rules the service watches are DIR/ratelimit/config/:
#       write there to reload. --pids FILE receives "<reference pid> <redis pid>" once both run.
#       The service's own settings pass through the environment, e.g.
#       STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=true, LIMIT_RESPONSE_HEADERS_ENABLED=true,
#       LOG_LEVEL=info. Ready when GET http://127.0.0.1:<http-port>/healthcheck answers 200.
#
# Version: ENVOY_RATELIMIT_VERSION, default the newest the Go module proxy serves for the main
# branch (its @latest; it refuses @main and every tag but v1.4.0 of 2020, which predates the v3
# API). The proxy needs Go >= 1.25.6 for this version (go.mod of the module).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=github.com/envoyproxy/ratelimit
VERSION=${ENVOY_RATELIMIT_VERSION:-v1.4.1-0.20260122083618-3fb702589d36}
BIN_DIR="$ROOT/build/envoy-ratelimit/$VERSION"
BIN="$BIN_DIR/service_cmd"

die() { echo "envoy-ratelimit.sh: $*" >&2; exit 1; }

install_reference() {
  command -v redis-server >/dev/null ||
    SLUICE_EXTRA_PACKAGES="redis-server redis-tools" bash "$ROOT/scripts/install-deps.sh" >&2
  [[ -x "$BIN" ]] && { echo "$BIN"; return 0; }
  command -v go >/dev/null || die "go is not on PATH (needs Go >= 1.25.6 with the module proxy)"
  mkdir -p "$BIN_DIR"
  echo "envoy-ratelimit.sh: installing $MODULE/src/service_cmd@$VERSION (about a minute)" >&2
  local log="$BIN_DIR/install.log"
  if ! GOBIN="$BIN_DIR" GOFLAGS=-buildvcs=false go install "$MODULE/src/service_cmd@$VERSION" \
       >"$log" 2>&1; then
    cat "$log" >&2
    die "go install $MODULE/src/service_cmd@$VERSION failed (output above)"
  fi
  echo "$BIN"
}

run_reference() {
  local rules="" runtime="" pids="" log="" grpc="" http="" debug="" redis=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --rules) rules=$2; shift 2 ;;
      --runtime) runtime=$2; shift 2 ;;
      --pids) pids=$2; shift 2 ;;
      --log) log=$2; shift 2 ;;
      --grpc-port) grpc=$2; shift 2 ;;
      --http-port) http=$2; shift 2 ;;
      --debug-port) debug=$2; shift 2 ;;
      --redis-port) redis=$2; shift 2 ;;
      *) die "run: unknown option $1" ;;
    esac
  done
  [[ -n "$rules" && -n "$grpc" && -n "$http" && -n "$debug" && -n "$redis" ]] ||
    die "run needs --rules, --grpc-port, --http-port, --debug-port and --redis-port"
  [[ -e "$rules" ]] || die "run: no rules at $rules"
  local bin
  bin=$(install_reference)

  local temporary=0
  if [[ -z "$runtime" ]]; then runtime=$(mktemp -d /tmp/envoy-ratelimit.XXXXXX); temporary=1; fi
  local config="$runtime/ratelimit/config"
  mkdir -p "$config"
  if [[ -d "$rules" ]]; then
    find "$rules" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' \) -exec cp {} "$config/" \;
  else
    cp "$rules" "$config/"
  fi
  [[ -n "$log" ]] || log=/dev/stderr

  local redis_pid="" ref_pid=""
  stop() {
    [[ -n "$ref_pid" ]] && kill "$ref_pid" 2>/dev/null || true
    [[ -n "$ref_pid" ]] && wait "$ref_pid" 2>/dev/null || true
    [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null || true
    [[ -n "$redis_pid" ]] && wait "$redis_pid" 2>/dev/null || true
    [[ $temporary == 1 ]] && rm -rf "$runtime"
    return 0
  }
  trap stop EXIT
  trap 'exit 0' TERM INT

  redis-server --port "$redis" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
    >>"$log" 2>&1 &
  redis_pid=$!
  local i
  for i in $(seq 100); do
    redis-cli -p "$redis" ping >/dev/null 2>&1 && break
    kill -0 "$redis_pid" 2>/dev/null || die "redis-server on port $redis did not start"
    sleep 0.05
  done

  # RUNTIME_WATCH_ROOT=false: watch the config directory itself (writes, renames, removals), as
  # for a Kubernetes ConfigMap, instead of waiting for RUNTIME_ROOT's symlink to be swapped.
  env USE_STATSD=false \
    RUNTIME_ROOT="$runtime" RUNTIME_SUBDIRECTORY=ratelimit RUNTIME_APPDIRECTORY=config \
    RUNTIME_WATCH_ROOT=false RUNTIME_IGNOREDOTFILES=true \
    REDIS_SOCKET_TYPE=tcp REDIS_URL="127.0.0.1:$redis" \
    HOST=127.0.0.1 PORT="$http" GRPC_HOST=127.0.0.1 GRPC_PORT="$grpc" \
    DEBUG_HOST=127.0.0.1 DEBUG_PORT="$debug" \
    "$bin" >>"$log" 2>&1 &
  ref_pid=$!
  [[ -n "$pids" ]] && echo "$ref_pid $redis_pid" >"$pids"
  # Ends when the service exits by itself (then with its status) or on SIGTERM/SIGINT.
  local status=0
  wait "$ref_pid" || status=$?
  ref_pid=""
  exit "$status"
}

case "${1:-}" in
  install) install_reference ;;
  run) shift; run_reference "$@" ;;
  *) sed -n '2,24p' "$0" >&2; exit 2 ;;
esac
