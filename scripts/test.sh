#!/usr/bin/env bash
# The test command: sets up a fresh Debian 12 machine, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
# `swift build` also builds the skiff binary that tests run as a child process.
swift build
# Every suite has a time limit; the outer timeout only guards against a hang outside a test.
timeout --kill-after=60 45m swift test
# End-to-end: the real kubectl and Python client against `skiff server`, on both backends.
SKIFF_BIN="$(swift build --show-bin-path)/skiff" python3 -m pytest -q --timeout 300 tests/e2e --datastore sqlite --datastore etcd
echo "all tests passed"
