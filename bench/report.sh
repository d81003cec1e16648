#!/usr/bin/env bash
# Formats the results of one bench/run.sh invocation as Markdown tables (the "latest table" of
# docs/BENCHMARKS.md). Usage: bench/report.sh RESULT_DIR  (reads machine.txt and results.tsv)
set -euo pipefail
dir=$1

echo "### Run of $(sed -n 's/^date: //p' "$dir/machine.txt")"
echo
echo '```'
cat "$dir/machine.txt"
echo '```'

awk -F'\t' '
function kv(s, k,    v) {
  if (!match(s, "(^| )" k "=[^ ]*")) return ""
  v = substr(s, RSTART, RLENGTH); sub(/^ /, "", v); sub(/^[^=]*=/, "", v); return v
}
function median(list,    n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
    t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
  }
  if (n == 0) return 0
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function range(s,    f) { split(s, f, " "); return sprintf("%d (%d–%d)", f[1], f[2], f[3]) }
function ratio(s,    f) { split(s, f, " "); return sprintf("**%.2f** (%.2f–%.2f)", f[1], f[2], f[3]) }
function lat(s,    f) { split(s, f, " "); return sprintf("%d / %d", f[4], f[5]) }
function cpu(s, t,    f, g) {
  split(s, f, " "); split(t, g, " ")
  return sprintf("%.1f / %.1f (%.2f×)", f[6], g[6], g[6] > 0 ? f[6] / g[6] : 0)
}
function verdict(row, r,    f, t) {
  t = (row == "grpc_1" || row == "envoy_1") ? 0.85 : (row == "http_1") ? 0.70 : 0
  if (t == 0) return ""
  split(r, f, " ")
  return sprintf("≥ %.2f: %s", t, f[1] >= t ? "met" : "**missed**")
}
$1 == "transport" {
  trows[++nt] = sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |", $3, range($4), range($5),
                        ratio($6), lat($4), lat($5), cpu($4, $5), verdict($2, $6))
  split($4, f, " "); sluice_rps[$2] = f[1]; split($5, f, " "); null_rps[$2] = f[1]
}
$1 == "cluster" && $2 == "latency" { cl = $3 }
$1 == "cluster" && $2 == "forwarded" { fwd = kv($3, "owned_elsewhere_per_100") }
$1 == "mesh" && $2 == "latency_standalone" {
  ls50 = ls50 " " kv($3, "rtt_p50_us"); ls99 = ls99 " " kv($3, "rtt_p99_us")
}
$1 == "mesh" && $2 == "latency_mesh" {
  lm50 = lm50 " " kv($3, "rtt_p50_us"); lm99 = lm99 " " kv($3, "rtt_p99_us")
}
$1 == "mesh" && $2 == "convergence" { conv[++nc] = $3 }
$1 == "mesh" && $2 == "gossip" { gossip[++ng] = $3 }
$1 == "redis" { redis = $3; redis50 = $4; redis99 = $5 }
END {
  if (nt) {
    print "\n#### Throughput and latency, Sluice beside the null server (same run, alternating)\n"
    print "h2load (gRPC, 1 thread, 8 connections × 8 streams unless noted) and wrk (HTTP, 1 thread,"
    print "16 connections). req/s: median (min–max) over the runs; Sluice / null: median of the"
    print "per-run ratios (min–max); p50 / p99: medians over the runs, µs; server CPU: user + system"
    print "time of the server process(es) per call, medians over the runs (all three nodes for the"
    print "cluster and mesh rows).\n"
    print "| Scenario | Sluice req/s | null req/s | Sluice / null | Sluice p50 / p99 µs | null p50 / p99 µs | server CPU µs per call, Sluice / null | Target |"
    print "|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nt; i++) print trows[i]
  }
  if (cl != "") {
    print "\n#### Forwarded request latency, 3-node loopback cluster (1 call in flight, to node A)\n"
    print "| Call | p50 µs | p99 µs | over local: p50 / p99 µs |"
    print "|---|---|---|---|"
    if (kv(cl, "null_n") != "")
      printf "| null server (bare loopback gRPC round trip) | %d | %d | — |\n", kv(cl, "null_p50_us"), kv(cl, "null_p99_us")
    printf "| local key (one round trip to a Sluice node) | %d | %d | — |\n", kv(cl, "local_p50_us"), kv(cl, "local_p99_us")
    printf "| forwarded, NO_BATCHING | %d | %d | +%d / %+d |\n", kv(cl, "nobatch_p50_us"),
           kv(cl, "nobatch_p99_us"), kv(cl, "extra_nobatch_p50_us"), kv(cl, "extra_nobatch_p99_us")
    printf "| forwarded, batching (500 µs batch wait) | %d | %d | +%d / %+d |\n", kv(cl, "batch_p50_us"),
           kv(cl, "batch_p99_us"), kv(cl, "extra_batch_p50_us"), kv(cl, "extra_batch_p99_us")
    extra = kv(cl, "extra_nobatch_p50_us"); one = kv(cl, "local_p50_us"); bare = kv(cl, "null_p50_us")
    printf "\nTarget (forwarded, NO_BATCHING, costs at most one extra loopback round trip): extra p50 %d µs vs one round trip to a Sluice node %d µs: %s",
           extra, one, (extra + 0 <= one + 0) ? "met" : "**missed**"
    if (bare != "")
      printf "; vs the bare transport round trip %d µs: %s", bare, (extra + 0 <= bare + 0) ? "met" : "**missed**"
    printf ". Samples: %d per row, interleaved.\n", kv(cl, "local_n")
    if (fwd != "") printf "In the cluster throughput rows, %s of every 100 items were owned by another node.\n", fwd
  }
  if (lm50 != "") {
    print "\n#### Mesh mode\n"
    print "Local decision latency, 1 call in flight (medians over the runs, µs):\n"
    print "| Node | p50 | p99 |"
    print "|---|---|---|"
    printf "| standalone | %d | %d |\n", median(ls50), median(ls99)
    printf "| mesh (3 nodes) | %d | %d |\n", median(lm50), median(lm99)
  }
  if (nc) {
    print "\nConvergence: from sending a hit to one node until every other node reports it (read every 500 µs):\n"
    print "| Nodes | samples | all nodes p50 / p99 ms | single node p50 / p99 ms | timeouts |"
    print "|---|---|---|---|---|"
    for (i = 1; i <= nc; i++)
      printf "| %d | %d | %.1f / %.1f | %.1f / %.1f | %d |\n", kv(conv[i], "nodes"), kv(conv[i], "all_n"),
             kv(conv[i], "all_p50_us") / 1000, kv(conv[i], "all_p99_us") / 1000,
             kv(conv[i], "each_p50_us") / 1000, kv(conv[i], "each_p99_us") / 1000, kv(conv[i], "timeouts")
  }
  if (ng) {
    print "\nGossip bytes sent per node (UDP payload, `sluice_gossip_bytes_total{direction=\"sent\"}`):\n"
    print "| Nodes | active keys | hits/s (all nodes) | bytes/s per node under load: mean (min–max) | bytes per hit (all nodes) | idle bytes/s per node | windows per node |"
    print "|---|---|---|---|---|---|---|"
    for (i = 1; i <= ng; i++)
      printf "| %d | %d | %d | %d (%d–%d) | %.0f | %d | %s |\n", kv(gossip[i], "nodes"), kv(gossip[i], "keys"),
             kv(gossip[i], "hit_rate"), kv(gossip[i], "load_bytes_per_s"), kv(gossip[i], "load_min"),
             kv(gossip[i], "load_max"), kv(gossip[i], "bytes_per_hit"), kv(gossip[i], "idle_bytes_per_s"),
             kv(gossip[i], "windows")
  }
  if (redis != "") {
    split(redis, r, " ")
    print "\n#### Redis baseline (token-bucket Lua script, redis-benchmark -c 16, 10,000 random keys)\n"
    print "| | req/s | p50 / p99 µs |"
    print "|---|---|---|"
    printf "| Redis EVALSHA token bucket | %d (%d–%d) | %d / %d |\n", r[1], r[2], r[3], redis50, redis99
    if ("grpc_1" in sluice_rps) printf "| Sluice gRPC, 1 item (above) | %d (%.2f× Redis) | |\n", sluice_rps["grpc_1"], sluice_rps["grpc_1"] / r[1]
    if ("http_1" in sluice_rps) printf "| Sluice HTTP, 1 item (above) | %d (%.2f× Redis) | |\n", sluice_rps["http_1"], sluice_rps["http_1"] / r[1]
  }
}' "$dir/results.tsv"

# bench/gubernator.sh writes its own table (Sluice beside Gubernator v2.13.0).
if [[ -f "$dir/gubernator.md" ]]; then cat "$dir/gubernator.md"; fi
