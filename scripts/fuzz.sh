#!/usr/bin/env bash
# Fuzz the time parser, the CSV/line readers or verify with libFuzzer (docs/reliability.md).
#
#   scripts/fuzz.sh time   SECONDS [libFuzzer options…]
#   scripts/fuzz.sh csv    SECONDS [libFuzzer options…]
#   scripts/fuzz.sh verify SECONDS [libFuzzer options…]
#
# Builds Fuzz/<Target>Fuzzer.swift together with the properties it checks
# (Tests/PolicyLedgerTests/FuzzProperties.swift, which the regression tests share) and the
# library sources it needs (they depend only on Foundation), using the Swift toolchain's own
# libFuzzer and AddressSanitizer, then runs it for SECONDS, starting from the seeds in
# Fuzz/corpus/<target>/ and the inputs earlier runs found in Fuzz/regressions/<target>/. New inputs go to
# .build-fuzz/corpus/<target>/ (the committed seeds are never changed); a crashing input is
# written to .build-fuzz/crashes/ and the script exits non-zero. Not run by `swift test` or CI.
#
# verify is different: its harness (Fuzz/VerifyFuzzer, a package of its own) needs the whole
# library, so SwiftPM builds it in release, every Swift module with AddressSanitizer and
# libFuzzer's coverage (-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp, what
# -sanitize=fuzzer adds), linked with libFuzzer without its main (the harness's main.swift
# calls LLVMFuzzerRunDriver), over the system's SQLite, which is not instrumented. Its inputs
# are whole ledger files (the seeds use 512-byte pages to stay small); each is opened
# read-only and verified, and anything but an error at open or a verdict is a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh time|csv|verify SECONDS [libFuzzer options…]" >&2; exit 64; }
[ $# -ge 2 ] || usage
target=$1 seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage

lib=Sources/PolicyLedger
properties=Tests/PolicyLedgerTests/FuzzProperties.swift
# The properties cover both targets, so both builds take the same library files.
out=.build-fuzz
mkdir -p "$out/corpus/$target" "$out/crashes" "Fuzz/regressions/$target"
binary=$out/$target-fuzzer
extra=()
case $target in
  time) harness=Fuzz/TimeFuzzer.swift ;;
  csv) harness=Fuzz/CSVFuzzer.swift ;;
  verify)
    echo "building $binary" >&2
    toolchain=$(dirname "$(dirname "$(command -v swiftc)")")
    runtime=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)
    swift build -c release --package-path Fuzz/VerifyFuzzer --scratch-path "$out/verify-build" \
      -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
      -Xlinker "$runtime"
    cp "$out/verify-build/release/verify-fuzzer" "$binary"
    # Whole files: room for the seeds and for libFuzzer to grow them a little.
    extra=(-max_len=65536 -len_control=0)
    ;;
  *) usage ;;
esac
if [ "$target" != verify ]; then
  sources=("$harness" "$properties" "$lib"/Formats/*.swift "$lib/Model/Instant.swift" "$lib/Model/LedgerError.swift")
  echo "building $binary" >&2
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name PolicyLedgerFuzz \
    "${sources[@]}" -o "$binary"
fi

# Swift's own crash backtracer would fight AddressSanitizer's report.
export SWIFT_BACKTRACE=enable=no
echo "fuzzing $target for $seconds s (seeds: Fuzz/corpus/$target)" >&2
exec "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$out/crashes/$target-" "${extra[@]}" "$@" "$out/corpus/$target" "Fuzz/corpus/$target" "Fuzz/regressions/$target"
