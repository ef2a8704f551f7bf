#!/usr/bin/env bash
# A smoke test of refbroker with third-party clients. Installs the dependencies (quietly), builds refbroker, starts it on an
# ephemeral port in a temporary data dir, creates a topic, produces 5,000 keyed messages, consumes
# them back, prints a short summary and stops the broker. Exits non-zero if anything mismatched.
#
# The client side is third-party on purpose: kcat (librdkafka) and, for CreateTopics,
# confluent-kafka's AdminClient.
#
# Every client call has a timeout, so a broker that stops answering fails the demo instead of hanging it.
# Environment: BUILD_DIR (default build), DEMO_MESSAGES (default 5000), DEMO_PARTITIONS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
messages=${DEMO_MESSAGES:-5000}
partitions=${DEMO_PARTITIONS:-3}
topic=demo
py=/usr/bin/python3  # Debian's Python, which has python3-confluent-kafka

now_ms() { date +%s%3N; }
say() { printf '%s\n' "$*"; }
trap 'say "demo: FAILED (line $LINENO)" >&2' ERR

bash .ci/deps >/dev/null

say "==> building refbroker ($build/)"
t_build=$(now_ms)
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target refbroker >/dev/null
build_s=$(( ($(now_ms) - t_build) / 1000 ))

tmp=$(mktemp -d /tmp/refbroker-demo-XXXXXX)
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  exec 3<&- 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Start the broker; its stdout goes through a FIFO so we can wait for the `listening on` line.
mkfifo "$tmp/stdout"
t0=$(now_ms)
"$build/broker/refbroker" --listen 127.0.0.1:0 --data-dir "$tmp/data" "num.partitions=$partitions" \
  >"$tmp/stdout" 2>"$tmp/stderr" &
broker_pid=$!
exec 3<"$tmp/stdout"
if ! IFS= read -r -t 20 -u 3 line || [[ $line != "listening on "* ]]; then
  say "demo: refbroker did not become ready" >&2
  cat "$tmp/stderr" >&2
  exit 1
fi
startup_ms=$(( $(now_ms) - t0 ))
bootstrap=${line#listening on }
say "==> refbroker (pid $broker_pid) listening on $bootstrap after $startup_ms ms"

# Create the topic.
$py - "$bootstrap" "$topic" "$partitions" <<'EOF'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=10)[topic].result(15)
print("==> created topic %r with %d partitions" % (topic, partitions))
EOF

# Produce: "key<TAB>value" lines; keys repeat, so each key's messages share a partition.
for ((i = 0; i < messages; i++)); do
  printf 'user-%d\tmessage %d: the quick brown fox jumps over the lazy dog\n' $((i % 97)) "$i"
done >"$tmp/produced.txt"
t_produce=$(now_ms)
timeout 60 kcat -b "$bootstrap" -P -t "$topic" -K '\t' -X acks=all -X enable.idempotence=false -X linger.ms=5 \
  -X compression.codec=zstd <"$tmp/produced.txt"
produce_ms=$(( $(now_ms) - t_produce ))
say "==> produced $messages messages in $produce_ms ms (kcat, acks=all, zstd)"

# Consume everything back from the beginning, then read the partition end offsets.
t_consume=$(now_ms)
timeout 60 kcat -b "$bootstrap" -C -t "$topic" -o beginning -e -q -f '%p\t%o\t%k\t%s\n' >"$tmp/consumed.txt"
consume_ms=$(( $(now_ms) - t_consume ))
say "==> consumed $(wc -l <"$tmp/consumed.txt") messages in $consume_ms ms (kcat -o beginning -e)"
query=()
for ((p = 0; p < partitions; p++)); do query+=(-t "$topic:$p:-1"); done
timeout 60 kcat -b "$bootstrap" -Q "${query[@]}" >"$tmp/end_offsets.txt"

# Compare and summarise.
status=0
$py - "$tmp/produced.txt" "$tmp/consumed.txt" "$tmp/end_offsets.txt" "$partitions" <<'EOF' || status=1
import re, sys
produced_path, consumed_path, ends_path, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
produced = [tuple(l.rstrip("\n").split("\t", 1)) for l in open(produced_path)]
consumed = [l.rstrip("\n").split("\t", 3) for l in open(consumed_path)]
ends = {int(p): int(o) for p, o in re.findall(r"\[(\d+)\]\s+offset (-?\d+)", open(ends_path).read())}
problems = []
by_part = {p: [] for p in range(partitions)}
for p, o, k, v in consumed:
    by_part[int(p)].append((int(o), k, v))
key_part = {}
print("\n  partition  messages  offsets        end offset")
for p in range(partitions):
    recs = by_part[p]
    offsets = [o for o, _, _ in recs]
    span = "%d..%d" % (offsets[0], offsets[-1]) if offsets else "-"
    print("  %9d  %8d  %-13s  %10s" % (p, len(recs), span, ends.get(p, "?")))
    if offsets != list(range(len(recs))):
        problems.append("partition %d: offsets are not 0..%d in order" % (p, len(recs) - 1))
    if ends.get(p) != len(recs):
        problems.append("partition %d: end offset %s but %d messages" % (p, ends.get(p), len(recs)))
    for _, k, _ in recs:
        if key_part.setdefault(k, p) != p:
            problems.append("key %s is in partitions %d and %d" % (k, key_part[k], p))
    # Per partition, the messages come back in the order they were produced.
    expected = [(k, v) for k, v in produced if key_part.get(k) == p]
    if [(k, v) for _, k, v in recs] != expected:
        problems.append("partition %d: content or order differs from what was produced" % p)
total = sum(len(r) for r in by_part.values())
if total != len(produced):
    problems.append("produced %d messages, consumed %d" % (len(produced), total))
if sorted(produced) != sorted((k, v) for _, _, k, v in consumed):
    problems.append("the consumed messages are not the produced ones")
print("  %9s  %8d\n" % ("total", total))
for p in problems:
    print("MISMATCH: " + p)
sys.exit(1 if problems else 0)
EOF

# Stop the broker: SIGTERM, and it must exit with status 0.
kill -TERM "$broker_pid"
broker_rc=0
wait "$broker_pid" || broker_rc=$?
broker_pid=""
if [ "$broker_rc" -ne 0 ]; then
  say "MISMATCH: refbroker exited with status $broker_rc after SIGTERM" >&2
  cat "$tmp/stderr" >&2
  status=1
fi

total_ms=$(( $(now_ms) - t0 ))
say "refbroker startup ${startup_ms} ms | produce ${produce_ms} ms | consume ${consume_ms} ms | broker up ${total_ms} ms | build ${build_s} s"
if [ "$status" -eq 0 ]; then
  say "demo: OK - $messages messages round-tripped through refbroker, byte for byte, in order per partition"
else
  say "demo: FAILED" >&2
fi
exit "$status"
