#!/usr/bin/env bash
# bench/fleet_sim.sh: the mesh at fleet scale by simulation (issue 23, docs/mesh.md "At fleet
# scale", docs/BENCHMARKS.md "Fleet simulation"). Runs bench/fleet_sim for every node count and
# loss rate, then writes a table (fleet.tsv, fleet.md) and a plot (fleet_sim.png) to $OUT, and the
# cluster-mode ring figures (ring.txt).
#
#   bench/fleet_sim.sh [extra fleet_sim flags…]
#   NODES="10 50 100 500 1000" LOSSES="0 1 5" KEYS=10000 DURATION_MS=5000 OUT=build/fleet_sim
#   RING=1 (0: skip the ring) BUILD=build/release PLOT_ONLY=1 (no runs: table and plot of $OUT/fleet.tsv)
#
# Needs the release build (cmake --preset release && cmake --build --preset release --target
# fleet_sim) and gnuplot (scripts/install-bench-deps.sh); libjemalloc2, when present, is preloaded
# (it halves the simulator's time: glibc malloc fragments under millions of small packets).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$root/build/release}
out=${OUT:-$root/build/fleet_sim}
nodes=${NODES:-"10 50 100 500 1000"}
losses=${LOSSES:-"0 1 5"}
keys=${KEYS:-10000}
duration=${DURATION_MS:-5000}
sim=$build/bench/fleet_sim/fleet_sim
[[ -x $sim ]] || { echo "fleet_sim.sh: $sim not built (cmake --build --preset release --target fleet_sim)" >&2; exit 2; }
mkdir -p "$out"
preload=""
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2; do
  [[ -f $lib ]] && preload=$lib && break
done

tsv=$out/fleet.tsv
if [[ -z ${PLOT_ONLY:-} ]]; then
printf 'loss_pct\tnodes\tkeys\tconverge_p50_ms\tconverge_p99_ms\tbytes_per_node_s\tstate_bytes_per_node\tovershoot_max\tunconverged\tprobes\twarmup_ms\twall_s\tcpu_s\n' >"$tsv"
for loss in $losses; do
  for n in $nodes; do
    log=$out/run_n${n}_loss${loss}.log
    LD_PRELOAD=$preload "$sim" --nodes "$n" --keys "$keys" --duration-ms "$duration" --loss-pct "$loss" "$@" >"$log" || true
    detail=$(grep '^formed=' "$log" || true)
    line=$(grep '^nodes=' "$log" || true)
    [[ -n $line ]] || { echo "fleet_sim.sh: no result for nodes=$n loss=$loss (see $log)" >&2; exit 1; }
    echo "loss=${loss}% $line  [$detail]"
    get() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$loss" "$n" "$keys" \
      "$(get converge_p50_ms "$line")" "$(get converge_p99_ms "$line")" "$(get bytes_per_node_s "$line")" \
      "$(get state_bytes_per_node "$line")" "$(get overshoot_max "$line")" "$(get unconverged "$detail")" \
      "$(get probes "$detail")" "$(get warmup_ms "$detail")" "$(get wall_s "$detail")" \
      "$(get cpu_s "$detail")" >>"$tsv"
  done
done
fi  # PLOT_ONLY=1: table and plot from an existing $out/fleet.tsv (runs merged by hand)

awk -F'\t' 'NR == 1 { print "| loss | nodes | converge p50 / p99 (ms) | bytes/node/s | state bytes/node | overshoot max | unconverged probes | simulator CPU (s) |"; print "|---|---|---|---|---|---|---|---|"; next }
  { printf "| %s %% | %s | %s / %s | %s | %s | %s | %s of %s | %s |\n", $1, $2, $4, $5, $6, $7, $8, $9, $10, $13 }' "$tsv" >"$out/fleet.md"
cat "$out/fleet.md"

if command -v gnuplot >/dev/null; then
  plot=""
  for loss in $losses; do
    awk -F'\t' -v l="$loss" 'NR > 1 && $1 == l' "$tsv" >"$out/loss$loss.dat"
  done
  series() {  # column title
    local s="" sep=""
    for loss in $losses; do
      s+="$sep'$out/loss$loss.dat' using 2:$1 with linespoints title '$loss % loss'"
      sep=", "
    done
    echo "$s"
  }
  gnuplot <<GP
set terminal pngcairo size 1200,900 font ",10" noenhanced
set output '$out/fleet_sim.png'
set multiplot layout 2,2 title "Sluice mesh at fleet scale (bench/fleet_sim, $keys keys, default gossip)"
set logscale x
set xlabel "nodes"
set key top left
set grid
set title "convergence p99 (ms)"
plot $(series 5)
set title "gossip bytes sent per node per second"
set logscale y
plot $(series 6)
set title "mesh state per node (bytes, estimated)"
plot $(series 7)
unset logscale y
set title "worst overshoot in a window (hits over the limit)"
plot $(series 8)
unset multiplot
GP
  echo "plot: $out/fleet_sim.png"
else
  echo "fleet_sim.sh: gnuplot missing, no plot (scripts/install-bench-deps.sh)" >&2
fi

if [[ ${RING:-1} != 0 ]]; then
  { LD_PRELOAD=$preload "$sim" ring --nodes 100,1000 --keys 100000
    LD_PRELOAD=$preload "$sim" ring --nodes 100,1000 --keys 100000 --key-ids random; } | tee "$out/ring.txt"
fi
