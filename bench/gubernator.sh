# The real Gubernator v2.13.0 beside Sluice (`bench/run.sh --only gubernator`; part of the full
# `make bench`). Sourced by bench/run.sh, whose helpers it uses (start, wait_http, h2load_run,
# wrk_run, bodies, check_bodies, summary, side_summary, record). Gubernator runs from its Go
# library through interop/cmd/gubernode (static peer lists, Gubernator's defaults), built here
# with the Go toolchain (modules from the Go module proxy).
#
# Scenarios, each measured round after round with the three sides alternating (Gubernator,
# Sluice, and bench's null gRPC/HTTP server as the transport's ceiling), same h2load bodies:
#   gub_grpc_1      gRPC GetRateLimits, 1 item          (h2load, 8 connections x 8 streams)
#   gub_grpc_100    gRPC GetRateLimits, 100 items
#   gub_http_1      HTTP POST /v1/GetRateLimits, 1 item (wrk, 16 connections)
#   gub_cluster_100 3-node cluster, 100 items to one node (about 2/3 forwarded, batched)
#   gub_cluster_1   3-node cluster, 1 item owned by another node (batched)
# plus forwarded-call latency (cluster_latency: local vs NO_BATCHING vs batched) on both clusters.
# Writes rows "gubernator ..." to results.tsv and the table to $OUT/gubernator.md.

GUBERNODE="$BUILD/bench/gubernode"
echo "== gubernator: building interop/cmd/gubernode (Gubernator v2.13.0)" >&2
(cd "$ROOT/interop" && GOFLAGS=${GOFLAGS:--mod=mod} go build -o "$GUBERNODE" ./cmd/gubernode) || {
  echo "run.sh: cannot build gubernode (needs Go >= 1.22 and the Go module proxy)" >&2; exit 1; }

G_GRPC=$LOCAL:$((P + 451)); G_HTTP=$LOCAL:$((P + 450))     # standalone Gubernator
G_PORTS=($((P + 551)) $((P + 561)) $((P + 571)))            # Gubernator 3-node cluster (HTTP = -1)
for port in $((P + 450)) $((P + 451)) "${G_PORTS[@]}" $((P + 549)) $((P + 559)) $((P + 569)); do
  port_free "$port" || { echo "run.sh: port $port is in use; try --port-base" >&2; exit 1; }
done
{ echo "gubernator: v2.13.0 (Go library via interop/cmd/gubernode, $(go version | cut -d' ' -f3))"; } \
  >>"$OUT/machine.txt"

# gcompare ROW DESCRIPTION KIND ITEMS PATH CLIENTS STREAMS
#   with TARGET_<side>, BODY_<side> (h2load body prefix) and PIDS_<side> set for the sides
#   gubernator, sluice and null. KIND h2load or wrk. Rounds rotate the order of the sides.
# Records "gubernator ROW DESC ITEMS <side summaries> <sluice/gubernator ratio> <sluice/null>
# <gubernator/null>".
gcompare() {
  local row=$1 desc=$2 kind=$3 items=$4 path=$5 clients=${6:-8} streams=${7:-8}
  local r side res target body orders
  orders=("gubernator sluice null" "sluice null gubernator" "null gubernator sluice")
  for side in gubernator sluice null; do : >"$OUT/logs/$row.$side.tsv"; done
  echo "== $row: $desc" >&2
  for r in $(seq "$RUNS"); do
    for side in ${orders[$(((r - 1) % 3))]}; do
      target=$(eval echo "\$TARGET_$side"); body=$(eval echo "\$BODY_$side")
      CPU_PIDS=$(eval echo "\$PIDS_$side")
      if [[ $kind == h2load ]]; then
        res=$(h2load_run "http://$target$path" "$body.$r.bin" "$clients" "$streams" \
              "$OUT/logs/$row.$side.$r.log")
      else
        res=$(wrk_run "http://$target$path" "$OUT/logs/$row.$side.$r.log")
      fi
      echo "$res" >>"$OUT/logs/$row.$side.tsv"
      echo "   run $r $side: req/s p50_us p99_us cpu_us/req = $res" >&2
    done
  done
  local ratio_sg ratio_sn ratio_gn
  ratio_sg=$(paste -d' ' "$OUT/logs/$row.sluice.tsv" "$OUT/logs/$row.gubernator.tsv" |
             awk '{printf "%.4f\n", $1 / $5}' | summary)
  ratio_sn=$(paste -d' ' "$OUT/logs/$row.sluice.tsv" "$OUT/logs/$row.null.tsv" |
             awk '{printf "%.4f\n", $1 / $5}' | summary)
  ratio_gn=$(paste -d' ' "$OUT/logs/$row.gubernator.tsv" "$OUT/logs/$row.null.tsv" |
             awk '{printf "%.4f\n", $1 / $5}' | summary)
  printf 'gubernator\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$desc" "$items" \
    "$(side_summary "$OUT/logs/$row.gubernator.tsv")" "$(side_summary "$OUT/logs/$row.sluice.tsv")" \
    "$(side_summary "$OUT/logs/$row.null.tsv")" "$ratio_sg" "$ratio_sn" "$ratio_gn" >>"$RESULTS"
}

# ---- one node each

start gubernode "$GUBERNODE" --grpc "$G_GRPC" --http "$G_HTTP"
PIDS_gubernator=${PIDS[-1]}
start sluice "$SLUICE" -a "$S_GRPC" --http-addr "$S_HTTP" --log-level warn
PIDS_sluice=${PIDS[-1]}
start null "$TOOLS/null_server" --addr "$N_GRPC" --http-addr "$N_HTTP"
PIDS_null=${PIDS[-1]}
wait_http "$G_HTTP"; wait_http "$S_HTTP"; wait_http "$N_HTTP"
TARGET_gubernator=$G_GRPC; TARGET_sluice=$S_GRPC; TARGET_null=$N_GRPC

bodies "$B/gg1" gubernator --items 1 --keys 10000
bodies "$B/gg100" gubernator --items 100 --keys 10000
for addr in "$G_GRPC" "$S_GRPC" "$N_GRPC"; do
  check_bodies "$addr" gubernator "$B/gg1"; check_bodies "$addr" gubernator "$B/gg100"
done
BODY_gubernator=$B/gg1; BODY_sluice=$B/gg1; BODY_null=$B/gg1
gcompare gub_grpc_1 "gRPC GetRateLimits, 1 item" h2load 1 "$GUB"
BODY_gubernator=$B/gg100; BODY_sluice=$B/gg100; BODY_null=$B/gg100
gcompare gub_grpc_100 "gRPC GetRateLimits, 100 items" h2load 100 "$GUB"
TARGET_gubernator=$G_HTTP; TARGET_sluice=$S_HTTP; TARGET_null=$N_HTTP
gcompare gub_http_1 "HTTP POST /v1/GetRateLimits, 1 item" wrk 1 /v1/GetRateLimits
cleanup

# ---- three nodes each, calls to the first

gpeers=$(printf "$LOCAL:%s," "${G_PORTS[@]}"); gpeers=${gpeers%,}
speers=$(printf "$LOCAL:%s," "${C_PORTS[@]}"); speers=${speers%,}
PIDS_gubernator=""; PIDS_sluice=""
for port in "${G_PORTS[@]}"; do
  start "gubernode-$port" "$GUBERNODE" --grpc "$LOCAL:$port" --http "$LOCAL:$((port - 1))" \
    --peers "$gpeers"
  PIDS_gubernator+=" ${PIDS[-1]}"
done
for port in "${C_PORTS[@]}"; do
  start "cluster-$port" "$SLUICE" -a "$LOCAL:$port" --http-addr "$LOCAL:$((port - 1))" \
    --peers "$speers" --log-level warn
  PIDS_sluice+=" ${PIDS[-1]}"
done
start null "$TOOLS/null_server" --addr "$N_GRPC" --http-addr "$N_HTTP"
PIDS_null=${PIDS[-1]}
for port in "${G_PORTS[@]}" "${C_PORTS[@]}"; do wait_http "$LOCAL:$((port - 1))"; done
wait_http "$N_HTTP"
GA=$LOCAL:${G_PORTS[0]}; SA=$LOCAL:${C_PORTS[0]}
TARGET_gubernator=$GA; TARGET_sluice=$SA; TARGET_null=$N_GRPC
sleep 1  # Gubernator's peer clients connect lazily; let the first calls not pay for it

for side in gubernator sluice; do
  target=$GA; [[ $side == sluice ]] && target=$SA
  echo "== gub_latency: forwarded-call latency, $side cluster" >&2
  lat=$("$TOOLS/cluster_latency" --target "$target" --baseline "$N_GRPC" --calls "$LAT_CALLS" --seed 7)
  echo "   $lat" >&2
  record gubernator "latency_$side" "$lat"
done

bodies "$B/gc100" gubernator --items 100 --keys 10000
check_bodies "$GA" gubernator "$B/gc100"; check_bodies "$SA" gubernator "$B/gc100"
BODY_gubernator=$B/gc100; BODY_sluice=$B/gc100; BODY_null=$B/gc100
gcompare gub_cluster_100 "3-node cluster, 100 items to one node (~2/3 forwarded, batched)" h2load 100 "$GUB"
# 1-item bodies whose key another node owns; ownership depends on the addresses, so each
# cluster gets its own.
for side in gubernator sluice; do
  target=$GA; [[ $side == sluice ]] && target=$SA
  for r in $(seq "$RUNS"); do
    for seed in $(seq $((r * 100)) $((r * 100 + 40))); do
      "$TOOLS/grpc_body" gubernator --items 1 --keys 10000 --seed "$seed" --out "$B/gcf_$side.$r.bin"
      "$TOOLS/grpc_body" check --addr "$target" --file "$B/gcf_$side.$r.bin" |
        grep -q owned_elsewhere=1 && break
    done
  done
done
BODY_gubernator=$B/gcf_gubernator; BODY_sluice=$B/gcf_sluice; BODY_null=$B/gcf_sluice
gcompare gub_cluster_1 "3-node cluster, 1 item owned by another node (batched)" h2load 1 "$GUB"
cleanup

# ---- the table

awk -F'\t' -v runs="$RUNS" '
function kv(s, k,    v) {
  if (!match(s, "(^| )" k "=[^ ]*")) return ""
  v = substr(s, RSTART, RLENGTH); sub(/^ /, "", v); sub(/^[^=]*=/, "", v); return v
}
function f(s, i,    a) { split(s, a, " "); return a[i] }
function target(row, sg, sn,    t) {
  if (row == "gub_grpc_1" || row == "gub_http_1")
    return sprintf("ahead of Gubernator: %s", sg >= 1 ? "met" : "**missed**")
  if (row == "gub_grpc_100") return sprintf("≥ 2× Gubernator: %s", sg >= 2 ? "met" : "**missed**")
  if (row ~ /^gub_cluster/) return sprintf("≥ 2× Gubernator: %s", sg >= 2 ? "met" : "**missed**")
  return ""
}
$1 == "gubernator" && $2 ~ /^gub_/ {
  items = $4
  printf "| %s | %d (%d–%d) | %d (%d–%d) | %d | **%.2f** (%.2f–%.2f) | %.2f / %.2f | %d / %d | %d / %d | %.1f / %.1f | %s |\n",
    $3, f($6, 1) * items, f($6, 2) * items, f($6, 3) * items,
    f($5, 1) * items, f($5, 2) * items, f($5, 3) * items, f($7, 1),
    f($8, 1), f($8, 2), f($8, 3), f($9, 1), f($10, 1),
    f($5, 4), f($5, 5), f($6, 4), f($6, 5), f($5, 6), f($6, 6), target($2, f($8, 1), f($9, 1))
}
$1 == "gubernator" && $2 ~ /^latency_/ { lat[substr($2, 9)] = $3 }
END {
  print ""
  print "| Forwarded call, 1 in flight (cluster_latency) | Gubernator p50 / p99 µs | Sluice p50 / p99 µs |"
  print "|---|---|---|"
  g = lat["gubernator"]; s = lat["sluice"]
  printf "| null server (bare loopback gRPC round trip) | %d / %d | %d / %d |\n", kv(g, "null_p50_us"), kv(g, "null_p99_us"), kv(s, "null_p50_us"), kv(s, "null_p99_us")
  printf "| local key | %d / %d | %d / %d |\n", kv(g, "local_p50_us"), kv(g, "local_p99_us"), kv(s, "local_p50_us"), kv(s, "local_p99_us")
  printf "| forwarded, NO_BATCHING | %d / %d | %d / %d |\n", kv(g, "nobatch_p50_us"), kv(g, "nobatch_p99_us"), kv(s, "nobatch_p50_us"), kv(s, "nobatch_p99_us")
  printf "| forwarded, batching | %d / %d | %d / %d |\n", kv(g, "batch_p50_us"), kv(g, "batch_p99_us"), kv(s, "batch_p50_us"), kv(s, "batch_p99_us")
  printf "\nTarget (Sluice, forwarded NO_BATCHING costs at most one extra loopback round trip): extra p50 %d µs vs one round trip to a Sluice node %d µs: %s\n",
    kv(s, "extra_nobatch_p50_us"), kv(s, "local_p50_us"), (kv(s, "extra_nobatch_p50_us") + 0 <= kv(s, "local_p50_us") + 0) ? "met" : "**missed**"
}' "$RESULTS" >"$OUT/gubernator.rows"
{
  echo
  echo "#### Sluice beside Gubernator v2.13.0 (same run, sides alternating)"
  echo
  echo "Decisions/s = calls/s × items per call: median (min–max) over the runs. Sluice / Gubernator and"
  echo "Sluice / null: medians of the per-run ratios of calls/s (min–max for the first). p50 / p99 in µs"
  echo "and server CPU per call in µs (all nodes of a cluster): medians, Gubernator / Sluice."
  echo
  echo "| Scenario | Sluice decisions/s | Gubernator decisions/s | null calls/s | Sluice / Gubernator | Sluice / null, Gubernator / null | Gubernator p50 / p99 | Sluice p50 / p99 | CPU µs per call, Gubernator / Sluice | Target |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  cat "$OUT/gubernator.rows"
} >"$OUT/gubernator.md"
cat "$OUT/gubernator.md" >&2
