#!/usr/bin/env bash
# The test command: sets up a fresh Debian 12 machine, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="/opt/swift/usr/bin:$PATH"
swift build --build-tests
swift test --skip-build --parallel --num-workers 1
if [ -d tests/e2e ]; then
  SKIFF_BIN="$(swift build --show-bin-path)/skiff" python3 -m pytest -q tests/e2e
fi
echo "all tests passed"
