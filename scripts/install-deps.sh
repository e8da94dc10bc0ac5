#!/usr/bin/env bash
# Installs the Debian packages proctap needs, only those missing (quick when all are present).
set -euo pipefail
PKGS=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libssl-dev iproute2 nftables cmake ninja-build
      pkg-config make g++ python3 curl openssl protobuf-compiler
      libmodsecurity3 libmodsecurity-dev modsecurity-crs libhyperscan-dev wrk)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
