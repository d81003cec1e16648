#!/usr/bin/env bash
# The transport-level benchmark suite (`make bench`): Sluice beside a null server built the same
# way, driven by packaged load generators (h2load for gRPC, wrk for HTTP), plus the cluster,
# mesh and Redis figures. Every ratio is measured in the same invocation, runs alternating
# between Sluice and the baseline, because the machine is shared and absolute numbers drift.
# Results and raw logs go to --out; the tables are printed at the end. docs/BENCHMARKS.md
# explains each number.
#
#   bench/run.sh                     full suite: 5 runs of 3 s (+1 s warm-up) per side (~7 min)
#   bench/run.sh --quick             1 run of 2 s per side, fewer samples (~2 min)
#   bench/run.sh --only transport,tracing,cluster,mesh,redis,gubernator,envoy-reference   a subset
#   options: --runs N --duration S --warmup S --out DIR --build DIR --port-base P
#
# Needs: h2load (nghttp2-client), wrk, redis-server, redis-benchmark (scripts/install-bench-deps.sh)
# and a release build with the bench tools (cmake --build --preset release --target bench_tools);
# envoy-reference also Go (scripts/envoy-ratelimit.sh installs envoyproxy/ratelimit).
# Binds 127.0.0.1 only; every process started here is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build/release"
RUNS=5
DURATION=3
WARMUP=1
ONLY="transport,tracing,cluster,mesh,redis,gubernator,envoy-reference"
PORT_BASE=31000
LAT_CALLS=3000      # cluster_latency rounds (each: local, nobatch, batch, null)
CONV_SAMPLES=100    # mesh convergence samples per mesh size
REDIS_REQUESTS=80000
OUT=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) RUNS=1; DURATION=2; LAT_CALLS=500; CONV_SAMPLES=30; REDIS_REQUESTS=40000; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --port-base) PORT_BASE=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

SLUICE="$BUILD/src/server/sluice"
TOOLS="$BUILD/bench"
for bin in "$SLUICE" "$TOOLS/null_server" "$TOOLS/grpc_body" "$TOOLS/cluster_latency" \
           "$TOOLS/mesh_bench"; do
  [[ -x "$bin" ]] || { echo "run.sh: $bin is missing; build the release preset first" >&2; exit 1; }
done
for tool in h2load wrk redis-server redis-benchmark redis-cli curl; do
  command -v "$tool" >/dev/null || {
    echo "run.sh: $tool is missing; run scripts/install-bench-deps.sh" >&2; exit 1; }
done

OUT=${OUT:-"$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$OUT/logs" "$OUT/bodies"
RESULTS="$OUT/results.tsv"   # section <tab> row <tab> values (bench/report.sh formats it)
: >"$RESULTS"
REPORT="$OUT/report.md"
LOCAL=127.0.0.1

# ---------------------------------------------------------------- processes

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: runs CMD in the background, logging to $OUT/logs/NAME.log.
start() {
  local name=$1; shift
  "$@" >"$OUT/logs/$name.log" 2>&1 &
  PIDS+=($!)
}

# wait_http HOST:PORT: until GET /v1/HealthCheck answers (any HTTP status), up to 10 s.
wait_http() {
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$1/v1/HealthCheck" && return 0
    sleep 0.1
  done
  echo "run.sh: nothing answers on $1 (see $OUT/logs)" >&2
  exit 1
}

port_free() { ! (exec 3<>"/dev/tcp/$LOCAL/$1") 2>/dev/null; }

# ---------------------------------------------------------------- statistics

# Reads numbers, one a line; prints "median min max".
summary() {
  sort -g | awk '{v[NR] = $1} END {
    if (NR == 0) { print "0 0 0"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[1], v[NR] }'
}

# Nearest-rank percentiles p50 and p99 (in µs) of column 3 of an h2load log file.
log_percentiles() {
  cut -f3 "$1" | sort -n | awk '{v[NR] = $1} END {
    if (NR == 0) { print "0 0"; exit }
    i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
    print v[i50], v[i99] }'
}

# record SECTION ROW KEY=VALUE...: one tab-separated line of results.tsv.
record() {
  local section=$1 row=$2; shift 2
  printf '%s\t%s\t%s\n' "$section" "$row" "$*" >>"$RESULTS"
}

# ---------------------------------------------------------------- drivers

CLK_TCK=$(getconf CLK_TCK)
CPU_PIDS=""   # the server processes of the side being measured (all nodes of a cluster)

# CPU time (user + system, all threads) used so far by the processes in CPU_PIDS, in ticks.
cpu_ticks() {
  local pid total=0
  for pid in $CPU_PIDS; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$total"
}

# Server CPU µs per request from a tick delta and a request count.
cpu_per_request() {
  awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN {printf "%.1f", (n > 0) ? t * 1e6 / hz / n : 0}'
}

# h2load_run URL BODY CLIENTS STREAMS LOG: prints "rps p50_us p99_us cpu_us_per_request" of one
# measured run (server CPU sampled from the end of the warm-up to the end of the run).
h2load_run() {
  local url=$1 body=$2 clients=$3 streams=$4 log=$5 out pid cpu0 cpu1
  rm -f "$log.req"
  h2load -t1 -c"$clients" -m"$streams" -D "$DURATION" --warm-up-time "$WARMUP" \
    -d "$body" -H 'content-type: application/grpc' -H 'te: trailers' \
    --log-file="$log.req" "$url" >"$log" 2>&1 &
  pid=$!
  sleep "$WARMUP"
  cpu0=$(cpu_ticks)
  wait "$pid" || true
  cpu1=$(cpu_ticks)
  out=$(cat "$log")
  local done_ok
  done_ok=$(echo "$out" | awk '/^requests:/ {print ($8 == $2 && $10 == 0) ? 1 : 0}')
  if [[ "$done_ok" != 1 ]] || ! echo "$out" | grep -q "0 4xx, 0 5xx"; then
    echo "run.sh: h2load reported failures, see $log" >&2
    exit 1
  fi
  local rps requests
  rps=$(echo "$out" | awk '/^finished in/ {print $4}')
  requests=$(awk -v r="$rps" -v d="$DURATION" 'BEGIN {print r * d}')
  echo "$rps $(log_percentiles "$log.req") $(cpu_per_request $((cpu1 - cpu0)) "$requests")"
  rm -f "$log.req"
}

# wrk_run URL LOG: prints "rps p50_us p99_us cpu_us_per_request" of one measured run (after a
# warm-up run).
wrk_run() {
  local url=$1 log=$2 out cpu0 cpu1
  wrk -t1 -c16 -d"${WARMUP}s" -s "$ROOT/bench/wrk_post.lua" "$url" >/dev/null 2>&1
  cpu0=$(cpu_ticks)
  out=$(wrk -t1 -c16 -d"${DURATION}s" -s "$ROOT/bench/wrk_post.lua" "$url" 2>&1)
  cpu1=$(cpu_ticks)
  echo "$out" >"$log"
  local line
  line=$(echo "$out" | grep '^WRK ')
  if ! echo "$line" | grep -q ' errors=0$'; then
    echo "run.sh: wrk reported errors, see $log" >&2
    exit 1
  fi
  echo "$(echo "$line" | sed -E 's/.*rps=([0-9.]+) p50_us=([0-9]+) p99_us=([0-9]+).*/\1 \2 \3/')" \
    "$(cpu_per_request $((cpu1 - cpu0)) "$(echo "$line" | sed -E 's/.*requests=([0-9]+).*/\1/')")"
}

# compare ROW DESCRIPTION KIND SLUICE_TARGET NULL_TARGET ARGS...
#   KIND h2load: ARGS = path body-prefix clients streams (body files <prefix>.<run>.bin)
#   KIND wrk:    ARGS = path
# SLUICE_PIDS and NULL_PIDS name the server processes whose CPU is counted.
# Runs RUNS rounds, each measuring both servers back to back (order alternating), and records
# medians and ranges of throughput, p50, p99, server CPU per call and the per-round ratio
# Sluice/null.
compare() {
  local row=$1 desc=$2 kind=$3 sluice=$4 null=$5; shift 5
  local r side target res
  : >"$OUT/logs/$row.sluice.tsv"; : >"$OUT/logs/$row.null.tsv"
  echo "== $row: $desc" >&2
  for r in $(seq "$RUNS"); do
    local order="null sluice"
    (( r % 2 == 0 )) && order="sluice null"
    for side in $order; do
      target=$sluice; CPU_PIDS=$SLUICE_PIDS
      [[ $side == null ]] && { target=$null; CPU_PIDS=$NULL_PIDS; }
      if [[ $kind == h2load ]]; then
        res=$(h2load_run "http://$target$1" "$2.$r.bin" "$3" "$4" "$OUT/logs/$row.$side.$r.log")
      else
        res=$(wrk_run "http://$target$1" "$OUT/logs/$row.$side.$r.log")
      fi
      echo "$res" >>"$OUT/logs/$row.$side.tsv"
      echo "   run $r $side: req/s p50_us p99_us cpu_us/req = $res" >&2
    done
  done
  local s n ratio
  s=$(side_summary "$OUT/logs/$row.sluice.tsv")
  n=$(side_summary "$OUT/logs/$row.null.tsv")
  ratio=$(paste -d' ' "$OUT/logs/$row.sluice.tsv" "$OUT/logs/$row.null.tsv" |
          awk '{printf "%.4f\n", $1 / $5}' | summary)
  # transport <row> <description> <sluice: rps median min max, p50, p99, cpu> <null: same> <ratio>
  printf 'transport\t%s\t%s\t%s\t%s\t%s\n' "$row" "$desc" "$s" "$n" "$ratio" >>"$RESULTS"
}

# side_summary FILE: "rps_median rps_min rps_max p50_median p99_median cpu_median" of one side.
side_summary() {
  echo "$(cut -d' ' -f1 "$1" | summary) $(cut -d' ' -f2 "$1" | summary | cut -d' ' -f1)" \
       "$(cut -d' ' -f3 "$1" | summary | cut -d' ' -f1) $(cut -d' ' -f4 "$1" | summary | cut -d' ' -f1)"
}

# bodies PREFIX ARGS...: writes PREFIX.<run>.bin for each run (seed = run) with grpc_body ARGS.
bodies() {
  local prefix=$1; shift
  local r
  for r in $(seq "$RUNS"); do "$TOOLS/grpc_body" "$@" --seed "$r" --out "$prefix.$r.bin"; done
}

# check_bodies ADDR SERVICE PREFIX: each body answered correctly by the server at ADDR.
check_bodies() {
  local r
  for r in $(seq "$RUNS"); do
    "$TOOLS/grpc_body" check --addr "$1" --service "$2" --file "$3.$r.bin" >>"$OUT/logs/checks.log"
  done
}

# ---------------------------------------------------------------- addresses

P=$PORT_BASE
S_GRPC=$LOCAL:$((P + 51)); S_HTTP=$LOCAL:$((P + 50))       # standalone Sluice
N_GRPC=$LOCAL:$((P + 151)); N_HTTP=$LOCAL:$((P + 150))     # null server
T_GRPC=$LOCAL:$((P + 451)); T_HTTP=$LOCAL:$((P + 450))     # tracing rows: the traced node
C_PORTS=($((P + 251)) $((P + 261)) $((P + 271)))            # 3-node cluster (gRPC; HTTP = -1)
M_PORTS=($((P + 351)) $((P + 361)) $((P + 371)) $((P + 381)) $((P + 391)))  # mesh (UDP = +2)
REDIS_PORT=$((P + 379))
for port in $((P + 50)) $((P + 51)) $((P + 150)) $((P + 151)) $((P + 450)) $((P + 451)) \
            "${C_PORTS[@]}" "${M_PORTS[@]}" \
            "$REDIS_PORT"; do
  port_free "$port" || { echo "run.sh: port $port is in use; try --port-base" >&2; exit 1; }
done

has() { [[ ",$ONLY," == *",$1,"* ]]; }
B="$OUT/bodies"
GUB=/pb.gubernator.V1/GetRateLimits
ENVOY=/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit

# ---------------------------------------------------------------- machine

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "sluice: $("$SLUICE" --version 2>/dev/null | head -1), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown) (binary built $(date -u -r "$SLUICE" +%H:%M:%SZ))"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "runs: $RUNS x ${DURATION}s (+${WARMUP}s warm-up) per side"
  echo "tools: $(h2load --version | head -1), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(redis-server --version | cut -d' ' -f1-3)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------- transport: one node vs null

if has transport; then
  start sluice "$SLUICE" -a "$S_GRPC" --http-addr "$S_HTTP" -c "$ROOT/bench/rules.yaml" \
    --log-level warn
  SLUICE_PIDS=${PIDS[-1]}
  start null "$TOOLS/null_server" --addr "$N_GRPC" --http-addr "$N_HTTP"
  NULL_PIDS=${PIDS[-1]}
  wait_http "$S_HTTP"; wait_http "$N_HTTP"

  bodies "$B/g1" gubernator --items 1 --keys 10000
  bodies "$B/g100" gubernator --items 100 --keys 10000
  bodies "$B/e1" envoy --descriptors 1 --keys 10000
  bodies "$B/e3" envoy --descriptors 3 --keys 10000
  for addr in "$S_GRPC" "$N_GRPC"; do
    check_bodies "$addr" gubernator "$B/g1"; check_bodies "$addr" gubernator "$B/g100"
    check_bodies "$addr" envoy "$B/e1"; check_bodies "$addr" envoy "$B/e3"
  done

  compare grpc_1 "gRPC GetRateLimits, 1 item" h2load "$S_GRPC" "$N_GRPC" "$GUB" "$B/g1" 8 8
  compare grpc_100 "gRPC GetRateLimits, 100 items" h2load "$S_GRPC" "$N_GRPC" "$GUB" "$B/g100" 8 8
  compare envoy_1 "gRPC ShouldRateLimit, 1 descriptor" h2load "$S_GRPC" "$N_GRPC" "$ENVOY" "$B/e1" 8 8
  compare envoy_3 "gRPC ShouldRateLimit, 3 descriptors" h2load "$S_GRPC" "$N_GRPC" "$ENVOY" "$B/e3" 8 8
  compare http_1 "HTTP POST /v1/GetRateLimits, 1 item" wrk "$S_HTTP" "$N_HTTP" /v1/GetRateLimits
  compare rtt_1 "gRPC GetRateLimits, 1 item, 1 connection, 1 in flight" h2load "$S_GRPC" "$N_GRPC" \
    "$GUB" "$B/g1" 1 1
  cleanup
fi

# ---------------------------------------------------------------- tracing: what spans cost

# The same standalone node with tracing on (ratio 0.01, then 1.0) against one with tracing off,
# 1-item gRPC calls without a traceparent (each call a new trace, sampled at the ratio). The
# "null" column of these rows is the untraced node, so the ratio is traced/untraced (docs/
# BENCHMARKS.md "Tracing"). Spans go to null_server's /v1/traces, which answers 200.
if has tracing; then
  start null "$TOOLS/null_server" --addr "$N_GRPC" --http-addr "$N_HTTP"
  wait_http "$N_HTTP"
  start sluice-untraced "$SLUICE" -a "$S_GRPC" --http-addr "$S_HTTP" --log-level warn
  NULL_PIDS=${PIDS[-1]}
  wait_http "$S_HTTP"
  bodies "$B/t1" gubernator --items 1 --keys 10000
  for ratio in 0.01 1.0; do
    start "sluice-traced-$ratio" "$SLUICE" -a "$T_GRPC" --http-addr "$T_HTTP" --log-level warn \
      --otlp-endpoint "http://$N_HTTP" --trace-sampler parentbased_traceidratio \
      --trace-sampler-arg "$ratio"
    traced=${PIDS[-1]}
    SLUICE_PIDS=$traced
    wait_http "$T_HTTP"
    check_bodies "$T_GRPC" gubernator "$B/t1"
    compare "trace_$ratio" "gRPC GetRateLimits, 1 item, traced at $ratio vs untraced" h2load \
      "$T_GRPC" "$S_GRPC" "$GUB" "$B/t1" 8 8
    curl -s "http://$T_HTTP/metrics" | grep '^sluice_trace_' >"$OUT/logs/trace_$ratio.metrics" || true
    kill "$traced"; wait "$traced" 2>/dev/null || true
    PIDS=("${PIDS[@]/$traced}")
  done
  cleanup
fi

# ---------------------------------------------------------------- cluster: 3 nodes, batching on

if has cluster; then
  peers=$(printf "$LOCAL:%s," "${C_PORTS[@]}"); peers=${peers%,}
  SLUICE_PIDS=""
  for port in "${C_PORTS[@]}"; do
    start "cluster-$port" "$SLUICE" -a "$LOCAL:$port" --http-addr "$LOCAL:$((port - 1))" \
      --peers "$peers" -c "$ROOT/bench/rules.yaml" --log-level warn
    SLUICE_PIDS+=" ${PIDS[-1]}"
  done
  start null "$TOOLS/null_server" --addr "$N_GRPC" --http-addr "$N_HTTP"
  NULL_PIDS=${PIDS[-1]}
  for port in "${C_PORTS[@]}"; do wait_http "$LOCAL:$((port - 1))"; done
  wait_http "$N_HTTP"
  A=$LOCAL:${C_PORTS[0]}

  # Forwarded-request latency: one call in flight, local vs forwarded (NO_BATCHING and batching),
  # beside the bare transport round trip to the null server.
  echo "== cluster latency: local vs forwarded" >&2
  lat=$("$TOOLS/cluster_latency" --target "$A" --baseline "$N_GRPC" --calls "$LAT_CALLS" --seed 7)
  echo "   $lat" >&2
  record cluster latency "$lat"

  # Throughput: 100 random keys per call to node A, about two thirds owned by B and C.
  bodies "$B/c100" gubernator --items 100 --keys 10000
  check_bodies "$A" gubernator "$B/c100"
  owned=$(tail -n "$RUNS" "$OUT/logs/checks.log" | sed -E 's/.*owned_elsewhere=([0-9]+)/\1/' |
          summary | cut -d' ' -f1)
  record cluster forwarded "owned_elsewhere_per_100=$owned"
  compare cluster_100 "3-node cluster, 100 items to one node (~2/3 forwarded, batched)" h2load \
    "$A" "$N_GRPC" "$GUB" "$B/c100" 8 8
  # Throughput: 1 item per call, the key owned by another node (concurrent calls share batches).
  for r in $(seq "$RUNS"); do
    for seed in $(seq $((r * 100)) $((r * 100 + 30))); do
      "$TOOLS/grpc_body" gubernator --items 1 --keys 10000 --seed "$seed" --out "$B/cf.$r.bin"
      "$TOOLS/grpc_body" check --addr "$A" --file "$B/cf.$r.bin" | grep -q owned_elsewhere=1 && break
    done
  done
  compare cluster_1_fwd "3-node cluster, 1 item owned by another node (batched)" h2load \
    "$A" "$N_GRPC" "$GUB" "$B/cf" 8 8
  cleanup
fi

# ---------------------------------------------------------------- mesh

# start_mesh N: N mesh nodes on M_PORTS, all seeded with the first; sets MESH_GRPC, MESH_HTTP,
# MESH_PIDS.
start_mesh() {
  local n=$1 i port
  MESH_GRPC=""; MESH_HTTP=""; MESH_PIDS=""
  for ((i = 0; i < n; i++)); do
    port=${M_PORTS[$i]}
    start "mesh$n-$i" "$SLUICE" --mesh --node-id "bench-$i" -a "$LOCAL:$port" \
      --http-addr "$LOCAL:$((port - 1))" --mesh-addr "$LOCAL:$((port + 2))" \
      --peers "$LOCAL:$((M_PORTS[0] + 2))" --cache-size 400000 -c "$ROOT/bench/rules.yaml" \
      --log-level warn
    MESH_PIDS+=" ${PIDS[-1]}"
    MESH_GRPC+=${MESH_GRPC:+,}$LOCAL:$port
    MESH_HTTP+=${MESH_HTTP:+,}$LOCAL:$((port - 1))
  done
  for ((i = 0; i < n; i++)); do wait_http "$LOCAL:$((M_PORTS[i] - 1))"; done
  # Until every node counts n members.
  for i in $(seq 100); do
    local all=1 h
    for h in ${MESH_HTTP//,/ }; do
      curl -s "http://$h/v1/mesh/stats" | grep -q "\"members\":$n," || all=0
    done
    [[ $all == 1 ]] && return 0
    sleep 0.1
  done
  echo "run.sh: the $n-node mesh did not form (see $OUT/logs/mesh$n-*.log)" >&2
  exit 1
}

if has mesh; then
  start_mesh 3
  SLUICE_PIDS=${MESH_PIDS}
  start null "$TOOLS/null_server" --addr "$N_GRPC" --http-addr "$N_HTTP"
  NULL_PIDS=${PIDS[-1]}
  wait_http "$N_HTTP"
  M=$LOCAL:${M_PORTS[0]}
  bodies "$B/m1" gubernator --items 1 --keys 10000
  check_bodies "$M" gubernator "$B/m1"
  compare mesh_1 "3-node mesh, GetRateLimits 1 item (decided locally)" h2load "$M" "$N_GRPC" \
    "$GUB" "$B/m1" 8 8
  cleanup
  start sluice "$SLUICE" -a "$S_GRPC" --http-addr "$S_HTTP" --log-level warn
  start_mesh 3
  wait_http "$S_HTTP"
  echo "== mesh: local decision latency (1 in flight) beside a standalone node" >&2
  for r in $(seq "$RUNS"); do
    record mesh latency_standalone "$("$TOOLS/mesh_bench" latency --addr "$S_GRPC" --calls 2000)"
    record mesh latency_mesh "$("$TOOLS/mesh_bench" latency --addr "$LOCAL:${M_PORTS[0]}" \
      --calls 2000)"
  done
  echo "== mesh: convergence, 3 nodes" >&2
  record mesh convergence \
    "$("$TOOLS/mesh_bench" convergence --grpc "$MESH_GRPC" --samples "$CONV_SAMPLES")"
  # At 20,000 hits/s, 5 s touch all 100,000 keys at least once.
  gossip_seconds=$(( DURATION > 5 ? DURATION : 5 ))
  for keys in 1000 100000; do
    echo "== mesh: gossip bytes, 3 nodes, $keys keys" >&2
    record mesh gossip "$("$TOOLS/mesh_bench" gossip --grpc "$MESH_GRPC" --http "$MESH_HTTP" \
      --keys "$keys" --rate 20000 --seconds "$gossip_seconds" --idle-seconds 3)"
  done
  cleanup
  start_mesh 5
  echo "== mesh: convergence, 5 nodes" >&2
  record mesh convergence \
    "$("$TOOLS/mesh_bench" convergence --grpc "$MESH_GRPC" --samples "$CONV_SAMPLES")"
  cleanup
fi

# ---------------------------------------------------------------- the real Gubernator

if has gubernator; then source "$ROOT/bench/gubernator.sh"; fi

# ---------------------------------------------------------------- Redis baseline

if has redis; then
  start redis redis-server --port "$REDIS_PORT" --bind "$LOCAL" --save '' --appendonly no \
    --loglevel warning
  for i in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  sha=$(redis-cli -p "$REDIS_PORT" SCRIPT LOAD "$(cat "$ROOT/bench/redis_token_bucket.lua")")
  : >"$OUT/logs/redis.tsv"
  echo "== redis: token bucket script, 10,000 keys" >&2
  for r in $(seq "$RUNS"); do
    redis-benchmark -p "$REDIS_PORT" -c 16 -n "$REDIS_REQUESTS" -r 10000 --csv \
      EVALSHA "$sha" 1 bench:key___rand_int__ 1000000000 3600000 1 >"$OUT/logs/redis.$r.csv"
    # "test","rps","avg","min","p50","p95","p99","max" (ms)
    tail -1 "$OUT/logs/redis.$r.csv" | tr -d '"' |
      awk -F, '{printf "%s %d %d\n", $2, $5 * 1000, $7 * 1000}' >>"$OUT/logs/redis.tsv"
    echo "   run $r: $(tail -1 "$OUT/logs/redis.tsv")" >&2
  done
  # redis token_bucket <rps median min max> <p50 median> <p99 median>
  printf 'redis\ttoken_bucket\t%s\t%s\t%s\n' "$(cut -d' ' -f1 "$OUT/logs/redis.tsv" | summary)" \
    "$(cut -d' ' -f2 "$OUT/logs/redis.tsv" | summary | cut -d' ' -f1)" \
    "$(cut -d' ' -f3 "$OUT/logs/redis.tsv" | summary | cut -d' ' -f1)" >>"$RESULTS"
  cleanup
fi

# ---------------------------------------------------------------- envoyproxy/ratelimit + Redis

if has envoy-reference; then source "$ROOT/bench/envoy_reference.sh"; fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
bash "$ROOT/bench/report.sh" "$OUT" >"$REPORT"
if [[ -f "$OUT/envoy_reference.md" ]]; then cat "$OUT/envoy_reference.md" >>"$REPORT"; fi
cat "$REPORT"
echo "(raw results: $RESULTS, logs: $OUT/logs)" >&2
