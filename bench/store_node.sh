#!/usr/bin/env bash
# Decisions per second of one node with and without --store-dir (docs/persistence.md), at the
# node level the way bench/run.sh measures gRPC: h2load posting one GetRateLimits body (1 item,
# 1 hit, limit 1e9 per hour: a long key, written through on every decision when the store is on)
# to a release `sluice`. Runs alternate between the two sides (the machine is shared and absolute
# numbers drift); prints each run and the median ratio.
#
#   bench/store_node.sh [--build DIR] [--runs N] [--duration S] [--clients C] [--streams M]
#                       [--port-base P]
# Needs h2load (nghttp2-client) and python3. Binds 127.0.0.1 only; kills what it starts.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build/release"
RUNS=5
DURATION=3
CLIENTS=8
STREAMS=8
PORT_BASE=32100
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --streams) STREAMS=$2; shift 2 ;;
    --port-base) PORT_BASE=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "store_node.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
SLUICE="$BUILD/src/server/sluice"
[[ -x "$SLUICE" ]] || { echo "store_node.sh: $SLUICE is missing; build the release preset" >&2; exit 1; }
command -v h2load >/dev/null || { echo "store_node.sh: h2load is missing (nghttp2-client)" >&2; exit 1; }

WORK=$(mktemp -d)
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The gRPC message: GetRateLimitsReq{requests: [{name: "bench", unique_key: "store-bench",
# hits: 1, limit: 1e9, duration: 3600000}]}, framed (flag byte, 4-byte length).
python3 - "$WORK/body.bin" <<'PY'
import struct, sys
def varint(n):
    out = b""
    while True:
        b = n & 0x7F; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
def field(num, wire, payload):
    return varint(num << 3 | wire) + payload
def string(num, s):
    return field(num, 2, varint(len(s)) + s)
item = string(1, b"bench") + string(2, b"store-bench") + field(3, 0, varint(1)) \
     + field(4, 0, varint(1_000_000_000)) + field(5, 0, varint(3_600_000))
msg = string(1, item)
open(sys.argv[1], "wb").write(b"\0" + struct.pack(">I", len(msg)) + msg)
PY

PORT=$PORT_BASE
# run SIDE: one measured run; prints "rps p99_us" (p99 from h2load's per-request log).
run() {
  local side=$1 args=()
  PORT=$((PORT + 2))
  [[ "$side" == store ]] && args=(--store-dir "$WORK/store")
  "$SLUICE" -a "127.0.0.1:$PORT" --http-addr "127.0.0.1:$((PORT + 1))" "${args[@]}" \
    >"$WORK/$side.log" 2>&1 &
  PID=$!
  for _ in $(seq 300); do grep -q " ready" "$WORK/$side.log" && break; sleep 0.1; done
  grep -q " ready" "$WORK/$side.log" || { echo "store_node.sh: $side node not ready" >&2; cat "$WORK/$side.log" >&2; exit 1; }
  rm -f "$WORK/$side.req"
  local out
  out=$(h2load -t1 -c"$CLIENTS" -m"$STREAMS" -D "$DURATION" --warm-up-time 1 -d "$WORK/body.bin" \
          -H 'content-type: application/grpc' -H 'te: trailers' --log-file="$WORK/$side.req" \
          "http://127.0.0.1:$PORT/pb.gubernator.V1/GetRateLimits" 2>&1)
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  echo "$out" | awk '/^requests:/ {exit !($8 == $2 && $2 > 0 && $10 == 0)}' ||
    { echo "store_node.sh: h2load failed: $out" >&2; exit 1; }
  local rps p99
  rps=$(echo "$out" | awk '/^finished in/ {print $4}')
  p99=$(awk '{print $3}' "$WORK/$side.req" | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.99)]}')
  echo "$rps $p99"
}

echo "machine: $(nproc) cores, $(uname -r); $("$SLUICE" -V); load: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -a mem store mem_p99 store_p99
for r in $(seq "$RUNS"); do
  read -r m mp <<<"$(run memory)"; read -r s sp <<<"$(run store)"
  mem+=("$m"); store+=("$s"); mem_p99+=("$mp"); store_p99+=("$sp")
  echo "run $r: memory $m req/s (p99 $mp µs), --store-dir $s req/s (p99 $sp µs)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
M=$(median "${mem[@]}"); S=$(median "${store[@]}")
MP=$(median "${mem_p99[@]}"); SP=$(median "${store_p99[@]}")
awk -v m="$M" -v s="$S" -v mp="$MP" -v sp="$SP" 'BEGIN {
  printf "median: memory %.0f req/s (p99 %d µs), --store-dir %.0f req/s (p99 %d µs), ratio %.2fx\n",
         m, mp, s, sp, s / m}'
