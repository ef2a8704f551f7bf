#!/usr/bin/env bash
# The transform_cpp example end to end, run by with_refbroker.sh:
#   transform_example_test.sh HOST:PORT TOPIC PRODUCER EXAMPLE
# produces 500 messages with PRODUCER (compat_producer_c), runs EXAMPLE until idle and checks it
# transformed every message once; a second run (same group) has nothing left to do.
set -euo pipefail
addr=$1
topic=$2
producer=$3
example=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
"$producer" "$addr" "$topic" 500 >/dev/null || fail "producing"
out=$("$example" "$addr" "$topic" "$topic-out" "$topic-group" "$topic-txn" 3)
[[ "$out" == "transformed 500" ]] || fail "first run: $out"
out=$("$example" "$addr" "$topic" "$topic-out" "$topic-group" "$topic-txn" 2)
[[ "$out" == "transformed 0" ]] || fail "second run: $out"
echo OK
