#!/usr/bin/env bash
# Installs what `make bench` needs beyond the build and test packages: the load generators
# (h2load from nghttp2-client, wrk) and Redis for the baseline. Used by `make bench` only.
# Idempotent and silent when everything is present (scripts/install-deps.sh does the work).
# bench/profile.sh additionally needs perf (Debian: linux-perf), not installed here.
set -euo pipefail
SLUICE_EXTRA_PACKAGES="nghttp2-client wrk redis-server redis-tools" \
  exec bash "$(dirname "${BASH_SOURCE[0]}")/install-deps.sh"
