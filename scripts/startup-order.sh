#!/usr/bin/env bash
# Writes Sources/policy-ledger/startup.order: the functions a query runs, which the README's
# install step hands the linker (`--symbol-ordering-file`) so that they sit together in the
# executable and a query faults in fewer pages of code (docs/performance.md, "Start-up: one
# CLI query", "The code a query runs, together").
#
#   scripts/startup-order.sh [BINARY]
#
#   BINARY  a release build of policy-ledger with its symbols (default
#           .build/release/policy-ledger, the README's install build)
#
# It records the demo's ledger, runs the usual questions under valgrind's callgrind (on a
# copy without debug information, which valgrind 3.19 cannot read for Swift 6.3), and lists
# every function that ran, most instructions first, the in-force question's before the
# others'. A name the linker no longer finds is skipped, so a stale list costs only speed;
# run this after a change to what a query runs, then remove the binary and build it again
# (SwiftPM does not link again for a changed list alone).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-.build/release/policy-ledger}
[[ -x $binary ]] || { echo "startup-order: no executable at $binary (build it first)" >&2; exit 64; }
command -v valgrind >/dev/null || { echo "startup-order: needs valgrind (apt-get install valgrind)" >&2; exit 69; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip --strip-debug -o "$work/policy-ledger" "$binary"
"$work/policy-ledger" demo --db "$work/demo.db" >/dev/null

# Appends the functions one question runs to $work/all; a question that fails, or a
# profile that lists too few functions, stops the script with what valgrind said.
profile() {
  if ! valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/cg" \
    "$work/policy-ledger" "$@" --db "$work/demo.db" >"$work/out" 2>"$work/valgrind"; then
    echo "startup-order: 'policy-ledger $*' failed under valgrind:" >&2
    cat "$work/valgrind" "$work/out" >&2
    exit 70
  fi
  # Each function's line: "  1,234 (..%)  ???:NAME [FILE]"; a name holding a quote is
  # valgrind's mark of a recursive call (NAME'2), the same function, and one in hex the
  # address of code without a symbol, which the linker could not place.
  callgrind_annotate --threshold=100 "$work/cg" >"$work/annotated"
  sed -nE 's/^ *[0-9,]+ +\([ 0-9.]+%\) +[^ ]*:([^ ]+) \[.*/\1/p' "$work/annotated" |
    { grep -v -e "'" -e '^0x' || [[ $? == 1 ]]; } >"$work/names"
  local found
  found=$(wc -l <"$work/names")
  (( found > 300 )) || { echo "startup-order: 'policy-ledger $*' listed $found functions; callgrind_annotate's format?" >&2; exit 70; }
  cat "$work/names" >>"$work/all"
}

: >"$work/all"
profile in-force mobile-devices --at 2020-07-10T12:00:00-07:00 --format csv
profile in-force mobile-devices --at 2020-07-10T12:00:00-07:00 --as-told-to E1004 --format csv
profile history mobile-devices --format csv
profile timeline --employee E1004 --format csv
profile show mobile-devices@2 --format csv
profile recipients R-2020-07-10-1400 --format csv
profile outstanding --format csv
awk '!seen[$0]++' "$work/all" >"$work/order"

count=$(wc -l <"$work/order")
(( count > 500 )) || { echo "startup-order: only $count functions listed; is $binary a release build with symbols?" >&2; exit 70; }
mv "$work/order" Sources/policy-ledger/startup.order
echo "startup-order: $count functions in Sources/policy-ledger/startup.order" >&2
# SwiftPM links again for changed sources, not for a changed list: say how to use it.
echo "startup-order: remove $binary and run the README's install step again to link with it" >&2
