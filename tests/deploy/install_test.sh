#!/usr/bin/env bash
# `make install DESTDIR=...` lays out the binary, a hardened systemd unit, the sysusers.d entry
# that creates the `sluice` user, and the example rules; the unit passes `systemd-analyze verify`
# (when systemd-analyze exists) and the installed binary validates the installed rules.
# Usage: install_test.sh SLUICE_BINARY
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
binary="$1"
stage="$(mktemp -d /tmp/sluice-install-XXXXXX)"
trap 'rm -rf "$stage"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

make -s -C "$root" install DESTDIR="$stage" SLUICE_BIN="$binary" >/dev/null

unit="$stage/lib/systemd/system/sluice.service"
for f in usr/local/bin/sluice lib/systemd/system/sluice.service usr/lib/sysusers.d/sluice.conf \
         etc/sluice/rules/ratelimit.yaml; do
  [[ -f "$stage/$f" ]] || fail "missing $f"
done
[[ -x "$stage/usr/local/bin/sluice" ]] || fail "the binary is not executable"
[[ "$(stat -c %a "$unit")" == 644 ]] || fail "unit mode $(stat -c %a "$unit")"
grep -qx 'ExecStart=/usr/local/bin/sluice --config /etc/sluice/rules' "$unit" || fail "ExecStart path"
grep -q '@BINDIR@' "$unit" && fail "unsubstituted @BINDIR@"
for directive in User=sluice NoNewPrivileges=true ProtectSystem=strict ProtectHome=true \
                 PrivateTmp=true ReadOnlyPaths=/etc/sluice ReadWritePaths=/var/lib/sluice \
                 CapabilityBoundingSet= RestrictAddressFamilies=; do
  grep -q "^$directive" "$unit" || fail "unit lacks $directive"
done
grep -qE '^u sluice ' "$stage/usr/lib/sysusers.d/sluice.conf" || fail "sysusers entry"

if command -v systemd-analyze >/dev/null; then
  # verify checks that ExecStart exists, so point it at the staged binary.
  check="$stage/sluice.service"
  sed "s|/usr/local/bin/sluice|$stage/usr/local/bin/sluice|g" "$unit" > "$check"
  systemd-analyze verify "$check" || fail "systemd-analyze verify"
  echo "systemd-analyze verify: ok"
else
  echo "systemd-analyze not installed: unit not verified"
fi

"$stage/usr/local/bin/sluice" --validate --config "$stage/etc/sluice/rules" >/dev/null \
  || fail "the installed binary rejects the installed rules"
echo "install: ok"
