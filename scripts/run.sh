#!/usr/bin/env bash
# The main job: sets up a fresh Debian 12 machine, builds Skiff and runs a single-node cluster
# on the embedded store. Extra arguments go to `skiff server`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product skiff
exec "$(swift build -c release --show-bin-path)/skiff" server --data-dir "${SKIFF_DATA_DIR:-/var/lib/skiff}" "$@"
