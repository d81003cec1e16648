#!/usr/bin/env bash
# Installs what `make bench` needs beyond the build and test packages: the load generators
# (h2load from nghttp2-client, wrk), Redis for the baseline, gnuplot and jemalloc for
# bench/fleet_sim.sh. Used by `make bench` only.
# Idempotent and silent when everything is present (scripts/install-deps.sh does the work).
# bench/profile.sh additionally needs perf (Debian: linux-perf), not installed here.
set -euo pipefail
SLUICE_EXTRA_PACKAGES="nghttp2-client wrk redis-server redis-tools gnuplot-nox libjemalloc2" \
  exec bash "$(dirname "${BASH_SOURCE[0]}")/install-deps.sh"
