#!/usr/bin/env bash
# Runs the Swift test suite under AddressSanitizer and then ThreadSanitizer, each in its own
# scratch directory (.build-address, .build-thread) so the normal build is untouched, and prints how
# long each took. Arguments go to `swift test` (e.g. `--filter SkiffAPITests`).
#
#   scripts/sanitizers.sh [swift test arguments…]
#   SANITIZERS=address scripts/sanitizers.sh      one of them only
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
status=0
for sanitizer in ${SANITIZERS:-address thread}; do
    scratch=".build-$sanitizer"
    start=$(date +%s)
    # Tests spawn the skiff binary as a child: build it with the same sanitizer first.
    swift build --scratch-path "$scratch" --sanitize="$sanitizer" --product skiff || status=1
    # halt_on_error: the first report fails the run, so none is lost in a passing log.
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}" \
    TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}" \
    SWIFT_BACKTRACE=enable=no \
        timeout --kill-after=60 90m swift test --scratch-path "$scratch" --sanitize="$sanitizer" "$@" || status=1
    echo "== $sanitizer sanitizer: $(( $(date +%s) - start )) s (build and tests), status so far $status"
done
exit $status
