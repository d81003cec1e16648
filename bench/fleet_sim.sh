#!/usr/bin/env bash
# bench/fleet_sim.sh: the mesh at fleet scale by simulation (issue 23, docs/mesh.md "At fleet
# scale", docs/BENCHMARKS.md "Fleet simulation"). Runs bench/fleet_sim for every node count and
# loss rate, then writes a table (fleet.tsv, fleet.md) and a plot (fleet_sim.png) to $OUT, and the
# cluster-mode ring figures (ring.txt).
#
#   bench/fleet_sim.sh [extra fleet_sim flags…]
#   NODES="10 50 100 500 1000" LOSSES="0 1 5" KEYS=10000 DURATION_MS=5000 OUT=build/fleet_sim
#   RING=1 (0: skip the ring) BUILD=build/release PLOT_ONLY=1 (no runs: table and plot of $OUT/fleet.tsv)
#   TIMEOUT_S=0 (>0: stop a run after that much wall time; its row then says "cut off" and where
#   the simulation had got to)
#
# Every row carries the run's wall and CPU time: on shared cores the wall time says as much about
# the neighbours as about the simulator, so both are printed; the threads it ran the nodes on
# (fleet_sim's --threads, by default the cores up to 8; pass --threads N to choose: the figures
# are the same for any count, only the times change); and the simulator's peak resident memory
# (all N nodes in one process), when /usr/bin/time is there to measure it.
#
# Needs the release build (cmake --preset release && cmake --build --preset release --target
# fleet_sim) and gnuplot (scripts/install-bench-deps.sh); with libjemalloc2 installed when it is
# built, fleet_sim links it (bench/fleet_sim/CMakeLists.txt: 2.4x faster than glibc's malloc).
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

tsv=$out/fleet.tsv
timeout_s=${TIMEOUT_S:-0}
# Peak RSS of each run, written to its log as "max_rss_kb=…" by GNU time (outside `timeout`, so a
# run cut off is not left behind; its rusage covers the simulator it waited for); none without it.
measure=()
[[ -x /usr/bin/time ]] && measure=(/usr/bin/time -f 'max_rss_kb=%M')
if [[ -z ${PLOT_ONLY:-} ]]; then
# Columns 1-13 as before (the plot reads 2 and 5-8); 14-21 added later, so an older fleet.tsv
# still plots.
printf 'loss_pct\tnodes\tkeys\tconverge_p50_ms\tconverge_p99_ms\tbytes_per_node_s\tstate_bytes_per_node\tovershoot_max\tunconverged\tprobes\twarmup_ms\twall_s\tcpu_s\tpush_bytes_per_node_s\tsyn_bytes_per_node_s\treply_bytes_per_node_s\tfalse_suspects\tfalse_deaths\tnote\tmax_rss_mb\tthreads\n' >"$tsv"
get() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
for loss in $losses; do
  for n in $nodes; do
    log=$out/run_n${n}_loss${loss}.log
    started=$(date +%s.%N)
    status=0
    # Progress lines (stderr) go to the log too: a run cut off by TIMEOUT_S shows how far it got.
    if (( timeout_s > 0 )); then
      "${measure[@]}" timeout "$timeout_s" "$sim" --nodes "$n" --keys "$keys" --duration-ms "$duration" \
        --loss-pct "$loss" --progress 1 "$@" >"$log" 2>&1 || status=$?
    else
      "${measure[@]}" "$sim" --nodes "$n" --keys "$keys" --duration-ms "$duration" --loss-pct "$loss" \
        --progress 1 "$@" >"$log" 2>&1 || status=$?
    fi
    wall=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    detail=$(grep '^formed=' "$log" || true)
    line=$(grep '^nodes=' "$log" || true)
    if [[ -z $line ]]; then
      if (( status == 124 )); then
        where=$(grep '^fleet_sim: t=' "$log" | tail -1 | sed 's/^fleet_sim: //; s/\t/ /g')
        echo "loss=${loss}% nodes=$n: cut off after ${timeout_s} s of wall time (last: $where)"
        printf '%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t%s\t-\t-\t-\t-\t-\t-\tcut off after %s s (%s)\t-\t-\n' \
          "$loss" "$n" "$keys" "$wall" "$timeout_s" "$where" >>"$tsv"
        continue
      fi
      echo "fleet_sim.sh: no result for nodes=$n loss=$loss (see $log)" >&2
      exit 1
    fi
    echo "loss=${loss}% $line  [$detail] wall ${wall} s"
    note=""
    [[ $(get formed "$detail") == 1 ]] || note="mesh not formed in --max-warmup-ms"
    rss_kb=$(sed -n 's/^max_rss_kb=//p' "$log")
    rss_mb=$([[ -n $rss_kb ]] && awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k / 1024 }' || echo -)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$loss" "$n" "$keys" \
      "$(get converge_p50_ms "$line")" "$(get converge_p99_ms "$line")" "$(get bytes_per_node_s "$line")" \
      "$(get state_bytes_per_node "$line")" "$(get overshoot_max "$line")" "$(get unconverged "$detail")" \
      "$(get probes "$detail")" "$(get warmup_ms "$detail")" "$wall" \
      "$(get cpu_s "$detail")" "$(get push_bytes_per_node_s "$detail")" "$(get syn_bytes_per_node_s "$detail")" \
      "$(get reply_bytes_per_node_s "$detail")" "$(get false_suspects "$detail")" \
      "$(get false_deaths "$detail")" "$note" "$rss_mb" "$(get threads "$detail")" >>"$tsv"
  done
done
fi  # PLOT_ONLY=1: table and plot from an existing $out/fleet.tsv (runs merged by hand)

# Wall time: the whole process as the script timed it (the simulator's own wall_s leaves out
# start-up and exit); CPU: the simulator's.
# Rows by loss, then nodes, whatever order they ran (or were merged) in.
{ head -1 "$tsv"; tail -n +2 "$tsv" | sort -t$'\t' -k1,1n -k2,2n; } >"$tsv.sorted" && mv "$tsv.sorted" "$tsv"
awk -F'\t' 'NR == 1 { print "| loss | nodes | converge p50 / p99 (ms) | bytes/node/s | of which push / syn / reply | state bytes/node | overshoot max | unconverged probes | warm-up (ms) | wall (s) | CPU (s) | threads | RSS (MB) | note |"; print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"; next }
  { split_ = ($14 == "" ? "" : $14 " / " $15 " / " $16)
    printf "| %s %% | %s | %s / %s | %s | %s | %s | %s | %s of %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $4, $5, $6, split_, $7, $8, $9, $10, $11, $12, $13, ($21 == "" ? "1" : $21), ($20 == "" ? "-" : $20), $19 }' "$tsv" >"$out/fleet.md"
cat "$out/fleet.md"

if command -v gnuplot >/dev/null; then
  plot=""
  for loss in $losses; do
    # Rows of runs that were cut off have no figures: left out of the plot.
    awk -F'\t' -v l="$loss" 'NR > 1 && $1 == l && $5 != "-"' "$tsv" >"$out/loss$loss.dat"
  done
  series() {  # column title
    local s="" sep=""
    for loss in $losses; do
      [[ -s $out/loss$loss.dat ]] || continue
      s+="$sep'$out/loss$loss.dat' using 2:$1 with linespoints title '$loss % loss'"
      sep=", "
    done
    echo "$s"
  }
  if [[ -z $(series 5) ]]; then
    echo "fleet_sim.sh: no completed run, no plot" >&2
  else
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
  fi
else
  echo "fleet_sim.sh: gnuplot missing, no plot (scripts/install-bench-deps.sh)" >&2
fi

if [[ ${RING:-1} != 0 ]]; then
  { "$sim" ring --nodes 100,1000 --keys 100000
    "$sim" ring --nodes 100,1000 --keys 100000 --key-ids random; } | tee "$out/ring.txt"
fi
