#!/usr/bin/env bash
# The consumer_offsets_store example resumes from its own offset files: run by with_refbroker.sh,
#   offsets_store_test.sh HOST:PORT TOPIC PRODUCER EXAMPLE
# produces 200 messages with PRODUCER (compat_producer_c), runs EXAMPLE for 120 messages, then
# again until idle, and checks that together they processed every message exactly once and
# that the offset files end at the partitions' ends.
set -euo pipefail
addr=$1
topic=$2
producer=$3
example=$4
total=200
first=120
work=$(mktemp -d "${TMPDIR:-/tmp}/kafkaplus-offsets-store.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$producer" "$addr" "$topic" "$total" || fail "producing $total messages"
mkdir "$work/store"

"$example" "$addr" "$topic" "$work/store" "$first" 10 >"$work/run1.out" || fail "first run"
n1=$(wc -l <"$work/run1.out")
[[ "$n1" -eq "$first" ]] || fail "first run processed $n1 messages, expected $first"
ls "$work/store" | grep -q . || fail "first run stored no offsets"

"$example" "$addr" "$topic" "$work/store" 0 4 >"$work/run2.out" || fail "second run"
n2=$(wc -l <"$work/run2.out")
[[ "$n2" -eq $((total - first)) ]] || fail "second run processed $n2 messages, expected $((total - first))"

# No partition/offset twice, and every message value once.
dups=$(cat "$work/run1.out" "$work/run2.out" | awk '{print $1, $2}' | sort | uniq -d | wc -l)
[[ "$dups" -eq 0 ]] || fail "$dups message(s) processed twice"
values=$(cat "$work/run1.out" "$work/run2.out" | cut -d' ' -f3- | sort -u | wc -l)
[[ "$values" -eq "$total" ]] || fail "$values distinct values, expected $total"
# The second run started each partition where the first stopped.
for f in "$work"/store/*; do
  p=${f##*.}
  last1=$(awk -v p="$p" '$1 == p {o = $2} END {print (o == "" ? -1 : o)}' "$work/run1.out")
  first2=$(awk -v p="$p" '$1 == p {print $2; exit}' "$work/run2.out")
  [[ -z "$first2" || "$first2" -eq $((last1 + 1)) ]] || fail "partition $p: run 2 started at $first2 after $last1"
done
stored=$(cat "$work"/store/* | awk '{s += $1} END {print s}')
[[ "$stored" -eq "$total" ]] || fail "stored offsets add up to $stored, expected $total"
echo "offsets store example: $n1 + $n2 messages, resumed from the stored offsets"
