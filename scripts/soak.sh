#!/usr/bin/env bash
# Crash soak (docs/reliability.md): the two crash tests of Tests/CLITests/ReliabilityTests.swift
# with larger counts. Each kill is a SIGKILL at a seeded random moment; after each one the
# ledger must open, pass verify, hold the notice whole or not at all, and take the next append.
# Then the byte-flip test of Tests/PolicyLedgerTests/ByteFlipTests.swift with FLIPS changed
# copies (default 20,000, from the same seed): verify ends with a verdict on each and catches
# every change that alters an answer.
#
#   scripts/soak.sh [KILLS [RECIPIENTS [APPENDS [SEED]]]]
#
#   KILLS       notice sends killed (default 25)
#   RECIPIENTS  recipients of each notice (default 300000)
#   APPENDS     `policy add` runs in the stream, about two in three killed (default 300)
#   SEED        the random seed (default: a new one, printed, so that a failure can be replayed)
#   FLIPS       (environment) byte flips, default 20000; 0 skips them
set -euo pipefail
cd "$(dirname "$0")/.."

kills=${1:-25} recipients=${2:-300000} appends=${3:-300} seed=${4:-$((RANDOM * 32768 + RANDOM))}
for n in "$kills" "$recipients" "$appends" "$seed"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "usage: scripts/soak.sh [KILLS [RECIPIENTS [APPENDS [SEED]]]]" >&2; exit 64; }
done
(( kills >= 1 && recipients >= 1 && appends >= 1 )) || { echo "soak: counts must be at least 1" >&2; exit 64; }

echo "soak: $kills kills of a $recipients-recipient notice send, $appends appends, seed $seed" >&2
swift build --build-tests
POLICY_LEDGER_SOAK_KILLS=$kills POLICY_LEDGER_SOAK_RECIPIENTS=$recipients \
POLICY_LEDGER_SOAK_APPENDS=$appends POLICY_LEDGER_SOAK_SEED=$seed \
  swift test --skip-build --filter 'ReliabilityTests/killing'

flips=${FLIPS:-20000}
[[ $flips =~ ^[0-9]+$ ]] || { echo "soak: FLIPS must be a number" >&2; exit 64; }
if (( flips > 0 )); then
  echo "soak: $flips byte flips, seed $seed" >&2
  POLICY_LEDGER_FLIPS=$flips POLICY_LEDGER_FLIP_SEED=$seed \
    swift test --skip-build --filter 'ByteFlipTests'
fi
