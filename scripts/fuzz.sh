#!/usr/bin/env bash
# Coverage-guided fuzzing of one decoder with libFuzzer (ships with the Swift toolchain).
#
#   scripts/fuzz.sh list                 the targets
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags…]   (default 60 s)
#
# Builds skiff-fuzz with `-sanitize=fuzzer` plus AddressSanitizer (FUZZ_SANITIZE=none for
# libFuzzer alone) in its own scratch directory (.build-fuzz), so the normal build is untouched.
# Runs on a working copy of fuzz/corpus/TARGET (new inputs libFuzzer finds stay in
# .build-fuzz/corpus/TARGET; the committed corpus only gets seeds and crashers). A crash, a
# hang (10 s per input) or a failed invariant leaves the input in .build-fuzz/crashers/TARGET/:
# commit it as fuzz/corpus/TARGET/crash-<what> (the test suite replays it) and add a unit test
# next to the decoder's tests. The test suite's bounded pass is SkiffFuzzTests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

target="${1:-}"
if [[ -z "$target" ]]; then
    echo "usage: scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags…] (scripts/fuzz.sh list)" >&2
    exit 2
fi
# The plain build of skiff-fuzz lists targets and writes their dictionaries.
swift build --product skiff-fuzz >/dev/null
plain="$(swift build --show-bin-path)/skiff-fuzz"
if [[ "$target" == list ]]; then
    "$plain" list
    exit 0
fi
"$plain" list | cut -f1 | grep -qx "$target" || { echo "unknown target $target; scripts/fuzz.sh list" >&2; exit 2; }
seconds="${2:-60}"
shift $(( $# >= 2 ? 2 : 1 ))

sanitize=(--sanitize=fuzzer)
case "${FUZZ_SANITIZE:-address}" in
    none) ;;
    *) sanitize+=(--sanitize="${FUZZ_SANITIZE:-address}") ;;
esac
swift build --scratch-path .build-fuzz "${sanitize[@]}" -Xswiftc -DSKIFF_LIBFUZZER --product skiff-fuzz
binary="$(swift build --scratch-path .build-fuzz "${sanitize[@]}" -Xswiftc -DSKIFF_LIBFUZZER --show-bin-path)/skiff-fuzz"

work=".build-fuzz/corpus/$target"
crashers=".build-fuzz/crashers/$target"
mkdir -p "$work" "$crashers"
cp -n fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
"$plain" dict "$target" >".build-fuzz/$target.dict"

# libFuzzer reports crashes itself; Swift's backtracer would only slow each one down.
export SWIFT_BACKTRACE=enable=no
export SKIFF_FUZZ_TARGET="$target"
exec "$binary" "$work" \
    -dict=".build-fuzz/$target.dict" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -artifact_prefix="$crashers/" -print_final_stats=1 "$@"
