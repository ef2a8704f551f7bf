#!/usr/bin/env bash
# Starts a refbroker on an ephemeral loopback port with a fresh data dir, runs
#   PROGRAM HOST:PORT TOPIC ARGS...
# against it and stops the broker. Exit status: the program's.
#   with_refbroker.sh REFBROKER PROGRAM [ARGS...]
set -u
refbroker=$1
program=$2
shift 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/kafkaplus-compat.XXXXXX")
cleanup() {
  [[ -n "${bpid:-}" ]] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

"$refbroker" --listen 127.0.0.1:0 --data-dir "$dir/data" num.partitions=3 >"$dir/broker.out" 2>"$dir/broker.err" &
bpid=$!
addr=""
for _ in $(seq 1 100); do
  addr=$(sed -n 's/^listening on //p' "$dir/broker.out" | head -n1)
  [[ -n "$addr" ]] && break
  if ! kill -0 "$bpid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z "$addr" ]]; then
  echo "refbroker did not start:" >&2
  cat "$dir/broker.err" >&2
  exit 1
fi
topic="compat-$(basename "$program")-$$"
"$program" "$addr" "$topic" "$@"
