#!/usr/bin/env bash
# Fuzz the time parser, the CSV/line readers or verify with libFuzzer (docs/reliability.md).
#
#   scripts/fuzz.sh time   SECONDS [libFuzzer options…]
#   scripts/fuzz.sh csv    SECONDS [libFuzzer options…]
#   scripts/fuzz.sh verify SECONDS [libFuzzer options…]
#
# Builds the harness Fuzz/Harnesses/Sources/<target>-fuzzer (a SwiftPM package of its own,
# over the whole library) in release, every Swift module with AddressSanitizer and libFuzzer's
# coverage (-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp, what
# -sanitize=fuzzer adds), linked with libFuzzer without its main (the harness calls
# LLVMFuzzerRunDriver), over the system's SQLite, which is not instrumented; the toolchain's
# own libFuzzer and AddressSanitizer, nothing from Debian. Then runs it for SECONDS, starting
# from the seeds in Fuzz/corpus/<target>/ and the inputs earlier runs found in
# Fuzz/regressions/<target>/. New inputs go to .build-fuzz/corpus/<target>/ (the committed
# seeds are never changed); a crashing input is written to .build-fuzz/crashes/ and the script
# exits non-zero. CI runs each target for 5 s so that none can rot; `swift test` runs none.
#
# The time and csv harnesses check the properties of Tests/PolicyLedgerTests/FuzzProperties.swift
# (each target links to that file; FuzzRegressionTests replays them in `swift test`), which
# reach the readers through `@testable import`, hence -enable-testing. verify's inputs are
# whole ledger files (the seeds use 512-byte pages to stay small); each is opened read-only
# and verified, and anything but an error at open or a verdict is a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh time|csv|verify SECONDS [libFuzzer options…]" >&2; exit 64; }
[ $# -ge 2 ] || usage
target=$1 seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage

out=.build-fuzz
case $target in
  time | csv) extra=() ;;
  # Whole files: room for the seeds and for libFuzzer to grow them a little.
  verify) extra=(-max_len=65536 -len_control=0) ;;
  *) usage ;;
esac
mkdir -p "$out/corpus/$target" "$out/crashes" "Fuzz/regressions/$target"
binary=$out/$target-fuzzer
echo "building $binary" >&2
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")
runtime=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a | head -1)
swift build -c release --package-path Fuzz/Harnesses --scratch-path "$out/build" --product "$target-fuzzer" \
  -Xswiftc -enable-testing \
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
  -Xlinker "$runtime"
cp "$out/build/release/$target-fuzzer" "$binary"

# Swift's own crash backtracer would fight AddressSanitizer's report.
export SWIFT_BACKTRACE=enable=no
echo "fuzzing $target for $seconds s (seeds: Fuzz/corpus/$target)" >&2
exec "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$out/crashes/$target-" "${extra[@]}" "$@" "$out/corpus/$target" "Fuzz/corpus/$target" "Fuzz/regressions/$target"
