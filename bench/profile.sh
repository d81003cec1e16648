#!/usr/bin/env bash
# Where a standalone Sluice node spends its CPU under one of bench/run.sh's loads: samples the
# node with `perf record` (flat, no call graphs: the release build has no frame pointers) while
# h2load or wrk drives it, then prints the hottest symbols and libraries.
#
#   bench/profile.sh grpc_1|grpc_100|envoy_1|http_1 [SECONDS] [--null]
#
# --null profiles bench's null_server instead, for the same load. Needs perf (linux-perf) and
# root or kernel.perf_event_paranoid <= 1. Binds 127.0.0.1; everything started is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-"$ROOT/build/release"}
scenario=${1:?usage: bench/profile.sh grpc_1|grpc_100|envoy_1|http_1 [SECONDS] [--null]}
seconds=${2:-5}
target=sluice
[[ "${3:-}" == "--null" ]] && target=null

GRPC=127.0.0.1:32051
HTTP=127.0.0.1:32050
work=$(mktemp -d)
pid=""
cleanup() {
  [[ -n "$pid" ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

if [[ $target == sluice ]]; then
  "$BUILD/src/server/sluice" -a "$GRPC" --http-addr "$HTTP" -c "$ROOT/bench/rules.yaml" \
    --log-level warn >"$work/server.log" 2>&1 &
else
  "$BUILD/bench/null_server" --addr "$GRPC" --http-addr "$HTTP" >"$work/server.log" 2>&1 &
fi
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://$HTTP/v1/HealthCheck" && break; sleep 0.1; done

h2() {  # h2load PATH BODY
  h2load -t1 -c8 -m8 -D "$((seconds + 2))" -d "$2" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://$GRPC$1" >"$work/load.log" 2>&1 &
}
case "$scenario" in
  grpc_1) "$BUILD/bench/grpc_body" gubernator --items 1 --out "$work/b.bin"
          h2 /pb.gubernator.V1/GetRateLimits "$work/b.bin" ;;
  grpc_100) "$BUILD/bench/grpc_body" gubernator --items 100 --out "$work/b.bin"
            h2 /pb.gubernator.V1/GetRateLimits "$work/b.bin" ;;
  envoy_1) "$BUILD/bench/grpc_body" envoy --descriptors 1 --out "$work/b.bin"
           h2 /envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit "$work/b.bin" ;;
  http_1) wrk -t1 -c16 -d"$((seconds + 2))s" -s "$ROOT/bench/wrk_post.lua" \
            "http://$HTTP/v1/GetRateLimits" >"$work/load.log" 2>&1 & ;;
  *) echo "profile.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac
load=$!
sleep 1
perf record -F 2000 -p "$pid" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
wait "$load"
grep -E "finished in|Requests/sec|WRK" "$work/load.log" || true
echo "--- hottest symbols (self time, % of $target's samples)"
perf report -i "$work/perf.data" --no-children --sort symbol --percent-limit 0.8 --stdio 2>/dev/null |
  grep -v "^#" | cut -c1-140 | sed -E "s/[[:space:]]+$//" | grep -v "^$" | head -40
echo "--- by library"
perf report -i "$work/perf.data" --no-children --sort dso --stdio 2>/dev/null |
  grep -v "^#" | sed -E "s/[[:space:]]+$//" | grep -v "^$" | head -15
