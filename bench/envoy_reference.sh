# Sourced by bench/run.sh for `--only envoy-reference` (part of the full `make bench`): Sluice
# beside the real envoyproxy/ratelimit with its Redis (scripts/envoy-ratelimit.sh), all on this
# machine's cores. ShouldRateLimit with 1 and 3 descriptors, the same h2load bodies for every
# side, rounds alternated: the reference + Redis, Sluice standalone, Sluice as a 3-node mesh (the
# calls go to one node; the CPU of all three counts). CPU per call of the reference side is the
# service's and Redis's together. Writes $OUT/envoy_reference.md (appended to the report) and
# "envoy_reference" rows of results.tsv.
#
# Uses run.sh's helpers (start, wait_http, bodies, check_bodies, h2load_run, start_mesh, cleanup,
# summary, record) and its variables (ROOT, OUT, RUNS, P, LOCAL, S_GRPC, S_HTTP, SLUICE, B, ENVOY).

envoy_reference_section() {
  local ref_grpc=$((P + 451)) ref_http=$((P + 450)) ref_debug=$((P + 452)) ref_redis=$((P + 453))
  local port
  for port in $ref_grpc $ref_http $ref_debug $ref_redis; do
    port_free "$port" || { echo "run.sh: port $port is in use; try --port-base" >&2; exit 1; }
  done
  bash "$ROOT/scripts/envoy-ratelimit.sh" install >/dev/null

  # The reference with the benchmark's rules (LOG_LEVEL=warn: no per-request logging).
  start reference env LOG_LEVEL=warn bash "$ROOT/scripts/envoy-ratelimit.sh" run \
    --rules "$ROOT/bench/rules.yaml" --grpc-port "$ref_grpc" --http-port "$ref_http" \
    --debug-port "$ref_debug" --redis-port "$ref_redis" --pids "$OUT/logs/reference.pids"
  start sluice "$SLUICE" -a "$S_GRPC" --http-addr "$S_HTTP" -c "$ROOT/bench/rules.yaml" \
    --log-level warn
  local sluice_pids=${PIDS[-1]}
  start_mesh 3
  local mesh_pids=$MESH_PIDS
  wait_http "$S_HTTP"; wait_http "$LOCAL:$ref_http"
  local i ref_pids=""
  for i in $(seq 100); do
    [[ -s "$OUT/logs/reference.pids" ]] && ref_pids=$(cat "$OUT/logs/reference.pids") && break
    sleep 0.1
  done
  [[ -n "$ref_pids" ]] || { echo "run.sh: the reference did not start (logs/reference.log)" >&2; exit 1; }

  local -A target=([reference]="$LOCAL:$ref_grpc" [sluice]="$S_GRPC"
                   [mesh]="$LOCAL:${M_PORTS[0]}")
  local -A cpu_of=([reference]="$ref_pids" [sluice]="$sluice_pids" [mesh]="$mesh_pids")
  local d side
  for d in 1 3; do
    bodies "$B/r$d" envoy --descriptors "$d" --keys 10000
    for side in reference sluice mesh; do check_bodies "${target[$side]}" envoy "$B/r$d"; done
  done

  local table="$OUT/envoy_reference.md"
  {
    echo
    echo "#### Sluice vs envoyproxy/ratelimit + Redis ($(bash "$ROOT/scripts/envoy-ratelimit.sh" \
      install | sed -E 's|.*/envoy-ratelimit/([^/]+)/.*|\1|'))"
    echo
    echo "h2load, 8 connections x 8 streams, $RUNS rounds of ${DURATION}s alternated; medians (range)."
    echo "CPU µs per call: the side's server processes (reference: the service and Redis)."
    echo
    echo "| ShouldRateLimit | side | req/s | p50 / p99 µs | CPU µs/call | ×reference req/s |"
    echo "|---|---|---|---|---|---|"
  } >"$table"
  for d in 1 3; do
    echo "== envoy_reference_$d: ShouldRateLimit, $d descriptor(s)" >&2
    for side in reference sluice mesh; do : >"$OUT/logs/envref_$d.$side.tsv"; done
    local r order res
    for r in $(seq "$RUNS"); do
      case $((r % 3)) in
        1) order="reference sluice mesh" ;;
        2) order="sluice mesh reference" ;;
        0) order="mesh reference sluice" ;;
      esac
      for side in $order; do
        CPU_PIDS=${cpu_of[$side]}
        res=$(h2load_run "http://${target[$side]}$ENVOY" "$B/r$d.$r.bin" 8 8 \
          "$OUT/logs/envref_$d.$side.$r.log")
        echo "$res" >>"$OUT/logs/envref_$d.$side.tsv"
        echo "   run $r $side: req/s p50_us p99_us cpu_us/req = $res" >&2
      done
    done
    for side in reference sluice mesh; do
      local s ratio
      s=$(side_summary "$OUT/logs/envref_$d.$side.tsv")
      ratio=$(paste -d' ' "$OUT/logs/envref_$d.$side.tsv" "$OUT/logs/envref_$d.reference.tsv" |
              awk '{printf "%.4f\n", $1 / $5}' | summary)
      record envoy_reference "${d}_$side" "rps=$(echo "$s" | cut -d' ' -f1)" \
        "p50_us=$(echo "$s" | cut -d' ' -f4)" "p99_us=$(echo "$s" | cut -d' ' -f5)" \
        "cpu_us=$(echo "$s" | cut -d' ' -f6)" "ratio=$(echo "$ratio" | cut -d' ' -f1)"
      local label="Sluice 3-node mesh"
      [[ $side == reference ]] && label="reference + Redis"
      [[ $side == sluice ]] && label="Sluice standalone"
      echo "$d $s $ratio" | awk -v label="$label" '{
        printf "| %s | %s | %d (%d–%d) | %d / %d | %.1f | **%.2f** (%.2f–%.2f) |\n", $1, label, $2,
          $3, $4, $5, $6, $7, $8, $9, $10 }' >>"$table"
    done
  done
  # The target (issue 16): Sluice standalone >= 3x the reference + Redis, p99 below it.
  awk -F'\t' '$1 == "envoy_reference" {
      split($3, kv, " "); for (i in kv) { split(kv[i], p, "="); v[$2, p[1]] = p[2] } }
    END {
      ok = 1
      for (d = 1; d <= 3; d += 2) {
        if (v[d "_sluice", "ratio"] < 3 || v[d "_sluice", "p99_us"] >= v[d "_reference", "p99_us"]) ok = 0
      }
      printf "\nTarget (Sluice standalone ≥ 3× the reference + Redis, p99 below it): %s\n",
        ok ? "met" : "**missed**" }' "$RESULTS" >>"$table"
  cleanup
}

envoy_reference_section
