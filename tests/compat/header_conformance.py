#!/usr/bin/env python3
"""Our <librdkafka/rdkafka.h> declares what librdkafka's does: every rd_kafka_* function we
declare has the same prototype as in the reference header (as normalized by gcc -aux-info), and
the public structs and constants have the same layout and values.

    header_conformance.py OUR_INCLUDE_DIR [REFERENCE_INCLUDE_DIR=/usr/include] [CC=cc]
"""
import os
import re
import subprocess
import sys
import tempfile

# Declared by us from librdkafka 2.1's API on top of 2.0.2 (not in the reference header).
LATER_API = {
    "rd_kafka_message_leader_epoch",
    "rd_kafka_topic_partition_get_leader_epoch",
    "rd_kafka_topic_partition_set_leader_epoch",
}

LAYOUT_PROBE = r"""
#include <stddef.h>
#include <stdio.h>
#include <librdkafka/rdkafka.h>
#define S(T) printf(#T " size %zu\n", sizeof(T))
#define O(T, F) printf(#T "." #F " %zu\n", offsetof(T, F))
#define V(X) printf(#X " %lld\n", (long long)(X))
int main(void) {
  S(rd_kafka_message_t); O(rd_kafka_message_t, err); O(rd_kafka_message_t, rkt);
  O(rd_kafka_message_t, partition); O(rd_kafka_message_t, payload); O(rd_kafka_message_t, len);
  O(rd_kafka_message_t, key); O(rd_kafka_message_t, key_len); O(rd_kafka_message_t, offset);
  O(rd_kafka_message_t, _private);
  S(rd_kafka_topic_partition_t); O(rd_kafka_topic_partition_t, topic);
  O(rd_kafka_topic_partition_t, partition); O(rd_kafka_topic_partition_t, offset);
  O(rd_kafka_topic_partition_t, metadata); O(rd_kafka_topic_partition_t, metadata_size);
  O(rd_kafka_topic_partition_t, opaque); O(rd_kafka_topic_partition_t, err);
  O(rd_kafka_topic_partition_t, _private);
  S(rd_kafka_topic_partition_list_t); O(rd_kafka_topic_partition_list_t, cnt);
  O(rd_kafka_topic_partition_list_t, size); O(rd_kafka_topic_partition_list_t, elems);
  S(rd_kafka_metadata_t); S(rd_kafka_metadata_topic_t); S(rd_kafka_metadata_partition_t);
  S(rd_kafka_metadata_broker_t); S(rd_kafka_vu_t); S(struct rd_kafka_err_desc);
  V(RD_KAFKA_PARTITION_UA); V(RD_KAFKA_OFFSET_BEGINNING); V(RD_KAFKA_OFFSET_END);
  V(RD_KAFKA_OFFSET_STORED); V(RD_KAFKA_OFFSET_INVALID); V(RD_KAFKA_OFFSET_TAIL(5));
  V(RD_KAFKA_CONSUMER); V(RD_KAFKA_PRODUCER); V(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  V(RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS); V(RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS);
  V(RD_KAFKA_RESP_ERR__PARTITION_EOF); V(RD_KAFKA_RESP_ERR__NO_OFFSET);
  V(RD_KAFKA_RESP_ERR__UNKNOWN_GROUP); V(RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED);
  V(RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST); V(RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET);
  V(RD_KAFKA_RESP_ERR_END_ALL); V(RD_KAFKA_MSG_STATUS_PERSISTED);
  V(RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME); V(RD_KAFKA_VERSION);
  return 0;
}
"""


def prototypes(cc, include_dir, work):
    src = os.path.join(work, "decls.c")
    aux = os.path.join(work, "decls.aux")
    with open(src, "w") as f:
        f.write("#include <librdkafka/rdkafka.h>\n")
    subprocess.run([cc, "-std=c99", "-fsyntax-only", "-aux-info", aux, "-I", include_dir, src], check=True)
    header = os.path.realpath(os.path.join(include_dir, "librdkafka", "rdkafka.h"))
    out = {}
    for line in open(aux):
        m = re.match(r"/\* (\S+):\d+:\S+ \*/\s*(.*);$", line.strip())
        if not m or os.path.realpath(m.group(1)) != header:
            continue
        name = re.search(r"(rd_kafka_\w+)\s*\(", m.group(2))
        if name:
            out[name.group(1)] = m.group(2)
    return out


def layout(cc, include_dir, work, tag):
    src = os.path.join(work, "layout.c")
    exe = os.path.join(work, "layout-" + tag)
    with open(src, "w") as f:
        f.write(LAYOUT_PROBE)
    subprocess.run([cc, "-std=c99", "-I", include_dir, src, "-o", exe], check=True)
    return subprocess.run([exe], check=True, capture_output=True, text=True).stdout.splitlines()


def main():
    ours_dir = sys.argv[1]
    ref_dir = sys.argv[2] if len(sys.argv) > 2 else "/usr/include"
    cc = sys.argv[3] if len(sys.argv) > 3 else "cc"
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        ours = prototypes(cc, ours_dir, work)
        ref = prototypes(cc, ref_dir, work)
        for name, decl in sorted(ours.items()):
            if name in LATER_API:
                continue
            if name not in ref:
                print(f"not in the reference header: {name}")
                failures += 1
            elif decl != ref[name]:
                print(f"{name}:\n  ours      {decl}\n  reference {ref[name]}")
                failures += 1
        for a, b in zip(layout(cc, ours_dir, work, "ours"), layout(cc, ref_dir, work, "ref")):
            if a != b:
                print(f"layout/value differs: ours '{a}', reference '{b}'")
                failures += 1
        print(f"{len(ours)} functions compared, {failures} difference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
