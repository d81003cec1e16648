#!/usr/bin/env bash
# Installs the Debian 12 packages Sluice needs to build, test and benchmark.
# Idempotent: asks apt only for what is missing, and prints nothing when all is present.
set -euo pipefail

packages=(
  g++ cmake ninja-build make pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev
  libboost-dev libboost-system-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libssl-dev libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev rapidjson-dev
  librocksdb-dev zlib1g-dev
  openssl curl
  clang clang-tidy libclang-rt-14-dev python3
  etcd-server
  python3-yaml systemd iproute2 util-linux
)
if [[ "${SLUICE_EXTRA_PACKAGES:-}" != "" ]]; then
  read -r -a extra <<<"${SLUICE_EXTRA_PACKAGES}"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
