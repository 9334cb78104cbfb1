#!/usr/bin/env bash
# Fuzz the time parser or the CSV/line readers with libFuzzer (docs/reliability.md).
#
#   scripts/fuzz.sh time SECONDS [libFuzzer options…]
#   scripts/fuzz.sh csv  SECONDS [libFuzzer options…]
#
# Builds Fuzz/<Target>Fuzzer.swift together with the properties it checks
# (Tests/PolicyLedgerTests/FuzzProperties.swift, which the regression tests share) and the
# library sources it needs (they depend only on Foundation), using the Swift toolchain's own
# libFuzzer and AddressSanitizer, then runs it for SECONDS, starting from the seeds in
# Fuzz/corpus/<target>/ and the inputs earlier runs found in Fuzz/regressions/<target>/. New inputs go to
# .build-fuzz/corpus/<target>/ (the committed seeds are never changed); a crashing input is
# written to .build-fuzz/crashes/ and the script exits non-zero. Not run by `swift test` or CI.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh time|csv SECONDS [libFuzzer options…]" >&2; exit 64; }
[ $# -ge 2 ] || usage
target=$1 seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage

lib=Sources/PolicyLedger
properties=Tests/PolicyLedgerTests/FuzzProperties.swift
# The properties cover both targets, so both builds take the same library files.
case $target in
  time) harness=Fuzz/TimeFuzzer.swift ;;
  csv) harness=Fuzz/CSVFuzzer.swift ;;
  *) usage ;;
esac
sources=("$harness" "$properties" "$lib"/Formats/*.swift "$lib/Model/Instant.swift" "$lib/Model/LedgerError.swift")

out=.build-fuzz
mkdir -p "$out/corpus/$target" "$out/crashes"
binary=$out/$target-fuzzer
echo "building $binary" >&2
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name PolicyLedgerFuzz \
  "${sources[@]}" -o "$binary"

# Swift's own crash backtracer would fight AddressSanitizer's report.
export SWIFT_BACKTRACE=enable=no
echo "fuzzing $target for $seconds s (seeds: Fuzz/corpus/$target)" >&2
exec "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$out/crashes/$target-" "$@" "$out/corpus/$target" "Fuzz/corpus/$target" "Fuzz/regressions/$target"
