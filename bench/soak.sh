#!/usr/bin/env bash
# Soak (`make soak`): a 3-node cluster under mixed load for a long time, checking that memory and
# file descriptors stay flat. Load, all paced so the machine is not saturated:
#   - gRPC GetRateLimits (h2load, 2 connections) and Envoy ShouldRateLimit (h2load) on node 1;
#   - HTTP /v1/GetRateLimits and Envoy /json (wrk + bench/soak_http.lua) on nodes 2 and 3, keys
#     drawn from 200,000 so they churn far past --cache-size (5,000), one request in 25 bad input
#     (malformed JSON, an over-long key);
#   - the rules file rewritten every 30 s (the watcher reloads it).
# Every SAMPLE seconds it records each node's RSS and open file descriptors. It passes when, over
# the last 80 % of the run, neither grew by more than 5 % on any node (the median of the last
# three samples against the median of the three at the 20 % mark), no node died, and no load
# generator saw a failed call or a socket error.
#
#   bench/soak.sh                 10 minutes (DURATION=600), a sample every 10 s
#   bench/soak.sh --quick         60 s, a sample every 3 s
#   options: --duration S --sample S --sluice PATH --out DIR --port-base P
# Needs h2load and wrk (scripts/install-deps.sh) and protoc. Binds 127.0.0.1 only; every
# process started here is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=600
SAMPLE=10
SLUICE=""
OUT=""
PORT_BASE=$((33000 + RANDOM % 2000 * 10))
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) DURATION=60; SAMPLE=3; shift ;;
    --duration) DURATION=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --sluice) SLUICE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --port-base) PORT_BASE=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z $SLUICE ]]; then
  for candidate in "$ROOT/build/release/src/server/sluice" "$ROOT/build/asan/src/server/sluice"; do
    [[ -x $candidate ]] && { SLUICE=$candidate; break; }
  done
fi
[[ -x $SLUICE ]] || { echo "soak.sh: no sluice binary; build a preset or pass --sluice" >&2; exit 1; }
for tool in h2load wrk protoc curl; do
  command -v "$tool" >/dev/null || { echo "soak.sh: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
OUT=${OUT:-$(mktemp -d /tmp/sluice-soak-XXXXXX)}
mkdir -p "$OUT"
# ASan builds: no leak report at exit and a small quarantine, so RSS measures Sluice, not ASan.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:quarantine_size_mb=16}

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Request bodies: one gRPC message frame each (a 0 byte, the length big-endian, the message).
frame() {  # frame TYPE TEXT OUT
  printf '%s' "$2" | protoc --encode="$1" -I "$ROOT/proto" \
      "$ROOT/proto/gubernator.proto" "$ROOT/proto/envoy/service/ratelimit/v3/rls.proto" > "$3.msg"
  python3 -c 'import struct,sys; m=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(b"\0"+struct.pack(">I",len(m))+m)' \
      "$3.msg" > "$3"
}
frame pb.gubernator.GetRateLimitsReq \
    'requests { name: "soak" unique_key: "grpc" hits: 1 limit: 1000000000 duration: 3600000 }' \
    "$OUT/gub.bin"
frame envoy.service.ratelimit.v3.RateLimitRequest \
    'domain: "bench" descriptors { entries { key: "tenant" value: "t1" } }' "$OUT/envoy.bin"

RULES="$OUT/rules.yaml"
cp "$ROOT/bench/rules.yaml" "$RULES"

GRPC=() HTTP=()
peers=""
for i in 0 1 2; do
  GRPC[$i]=$((PORT_BASE + 2 * i)); HTTP[$i]=$((PORT_BASE + 2 * i + 1))
  peers+="${peers:+,}127.0.0.1:${GRPC[$i]}"
done
NODE_PIDS=()
for i in 0 1 2; do
  "$SLUICE" --addr "127.0.0.1:${GRPC[$i]}" --http-addr "127.0.0.1:${HTTP[$i]}" --peers "$peers" \
      --cache-size 5000 --http-threads 2 --rules "$RULES" --log-level warn \
      > "$OUT/node$i.log" 2>&1 &
  NODE_PIDS[$i]=$!; PIDS+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:${HTTP[$i]}/v1/HealthCheck" 2>/dev/null | grep -q '"peer_count":3' && break
    sleep 0.1
  done
done

echo "soak: ${DURATION}s, 3 nodes ($SLUICE), samples every ${SAMPLE}s, output in $OUT"
H2=(-D "$DURATION" -H 'content-type: application/grpc' -H 'te: trailers')
h2load "${H2[@]}" -c 2 -m 4 --rps 100 -d "$OUT/gub.bin" \
    "http://127.0.0.1:${GRPC[0]}/pb.gubernator.V1/GetRateLimits" > "$OUT/h2load-gub.log" 2>&1 &
PIDS+=($!); LOADS=($!)
h2load "${H2[@]}" -c 1 -m 4 --rps 100 -d "$OUT/envoy.bin" \
    "http://127.0.0.1:${GRPC[0]}/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit" \
    > "$OUT/h2load-envoy.log" 2>&1 &
PIDS+=($!); LOADS+=($!)
for i in 1 2; do
  DELAY_MS=4 wrk -t1 -c2 -d"${DURATION}s" --timeout 10s -s "$ROOT/bench/soak_http.lua" \
      "http://127.0.0.1:${HTTP[$i]}" > "$OUT/wrk$i.log" 2>&1 &
  PIDS+=($!); LOADS+=($!)
done

SAMPLES="$OUT/samples.tsv"
echo -e "second\tnode\trss_kb\tfds" > "$SAMPLES"
start=$(date +%s)
next=$start
rewrite=0
dead=""
while (( $(date +%s) - start < DURATION )); do
  now=$(date +%s)
  if (( now >= next )); then
    for i in 0 1 2; do
      pid=${NODE_PIDS[$i]}
      if [[ ! -d /proc/$pid ]]; then dead+=" node$i"; continue; fi
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
      fds=$(ls "/proc/$pid/fd" | wc -l)
      echo -e "$((now - start))\t$i\t$rss\t$fds" >> "$SAMPLES"
    done
    next=$((next + SAMPLE))
  fi
  if (( now - start >= rewrite + 30 )); then  # a rules rewrite: same limits, new comment
    rewrite=$((now - start))
    { cat "$ROOT/bench/rules.yaml"; echo "# rewritten at ${rewrite}s"; } > "$RULES.tmp"
    mv "$RULES.tmp" "$RULES"
  fi
  sleep 1
done
for pid in "${LOADS[@]}"; do wait "$pid" || true; done

failed=0
for log in "$OUT"/h2load-*.log; do
  line=$(grep '^requests:' "$log" || echo "requests: missing")
  echo "soak: $(basename "$log" .log): $line"
  if ! grep -Eq ' 0 failed, 0 errored, 0 timeout' <<<"$line"; then failed=1; fi
  if ! grep -Eq '[1-9][0-9]* succeeded' <<<"$line"; then failed=1; fi
done
for i in 1 2; do
  line=$(grep '^SOAK_HTTP' "$OUT/wrk$i.log" || echo "SOAK_HTTP missing")
  echo "soak: wrk$i: $line"
  if ! grep -q 'socket_errors=0' <<<"$line"; then failed=1; fi
done
[[ -n $dead ]] && { echo "soak: FAIL: died:$dead"; failed=1; }

# Growth over the last 80 %: median of the last three samples against the median of the three
# from the 20 % mark on.
python3 - "$SAMPLES" "$DURATION" <<'PY' || failed=1
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
duration = int(sys.argv[2])
ok = True
for node in "012":
    mine = [r for r in rows if r["node"] == node]
    after = [r for r in mine if int(r["second"]) >= duration * 0.2]
    if len(after) < 6:
        print(f"soak: node{node}: too few samples ({len(after)})"); ok = False; continue
    for field in ("rss_kb", "fds"):
        base = statistics.median(int(r[field]) for r in after[:3])
        last = statistics.median(int(r[field]) for r in after[-3:])
        growth = (last - base) / base * 100
        peak = max(int(r[field]) for r in mine)
        verdict = "ok" if growth <= 5 else "FAIL"
        if growth > 5: ok = False
        print(f"soak: node{node} {field}: {base:.0f} at 20% -> {last:.0f} at the end "
              f"({growth:+.1f}%, peak {peak}) {verdict}")
sys.exit(0 if ok else 1)
PY
if (( failed )); then echo "soak: FAIL (logs in $OUT)"; exit 1; fi
echo "soak: PASS"
