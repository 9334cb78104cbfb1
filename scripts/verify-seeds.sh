#!/usr/bin/env bash
# Writes the verify fuzzer's seeds (docs/reliability.md, "Fuzzing"): small ledgers of the
# current schema, made by the CLI and stored with 512-byte pages so that an input is a few
# tens of KB, into Fuzz/corpus/verify/current-*. Run it when a migration is added:
# FuzzRegressionTests.verifySeedsAreLedgersOfTheCurrentSchema fails until it is.
#
#   scripts/verify-seeds.sh [BINARY]      (default: the debug build, built first)
#
#   current-demo       the worked example (policy-ledger demo)
#   current-workforce  every other entry kind: a roster import, joins and a leave, versions
#                      with audiences, a notice announcing two versions, resends, an
#                      amendment, a retraction delivered again to those it missed, an
#                      acknowledgement; and a checkpoint's origin
set -euo pipefail
binary=${1:+$(realpath "$1")}
cd "$(dirname "$0")/.."

if [ -n "$binary" ]; then
  cli=$binary
else
  swift build --product policy-ledger
  cli=$(swift build --show-bin-path)/policy-ledger
fi
out=$PWD/Fuzz/corpus/verify
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export POLICY_LEDGER_ACTOR=seed POLICY_LEDGER_TZ=UTC

"$cli" demo --db demo.db > /dev/null

export POLICY_LEDGER_DB=$work/workforce.db
printf 'employee,at,event,groups,by\nE1,2020-01-01T00:00:00Z,join,staff,hr\nE2,2020-01-01T00:00:00Z,join,staff;it,hr\nE3,2020-01-01T00:00:00Z,join,it,hr\n' > employees.csv
"$cli" import employees employees.csv
"$cli" employee join E4 --at 2020-03-01 --groups staff > /dev/null
"$cli" employee leave E3 --at 2020-06-30 > /dev/null
"$cli" policy add mobile --title "Mobile devices" --body "No restriction on apps." --effective-from 2020-01-01 > /dev/null
"$cli" policy add mobile --title "Mobile devices" --body "No TikTok on phones with company mail." \
  --effective-from 2020-07-10T16:00:00Z --applies-to staff > /dev/null
"$cli" policy add remote --title "Remote work" --body "Two days a week." --effective-from 2020-08-01 --applies-to it > /dev/null
"$cli" notice send --id N1 --subject "Delete TikTok" --body "By 16:00." --sent-at 2020-07-10T15:00:00Z \
  --sender it-security --announces mobile@2 --announces remote@1 --to E1,E2 > /dev/null
"$cli" notice resend N1 --sent-at 2020-07-10T15:30:00Z --to E4 > /dev/null
"$cli" ack --notice N1 --employee E1 --at 2020-07-10T15:40:00Z
"$cli" correct amend --version remote@1 --issued-at 2020-08-02T09:00:00Z --effective-from 2020-09-01 \
  --reason "wrong date" --statement "Remote work starts in September." --to E2 > /dev/null
"$cli" correct retract --id C1 --notice N1 --issued-at 2020-07-10T20:00:00Z --reason "sent in error" \
  --statement "There is no change to our policies." --to E1 > /dev/null
"$cli" correct resend C1 --sent-at 2020-07-11T09:00:00Z --outstanding > /dev/null
"$cli" keygen --name seed --out seed.key > /dev/null
"$cli" export journal --output journal.csv --manifest manifest.json --sign-key seed.key --origin seed.example/ledger

for name in demo workforce; do
  sqlite3 "$name.db" 'PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;' > /dev/null
  "$cli" verify --db "$name.db" > /dev/null
  cp "$name.db" "$out/current-$name"
  echo "$out/current-$name: $(stat -c %s "$name.db") bytes, $(sqlite3 "$name.db" 'SELECT count(*) FROM journal') entries"
done
