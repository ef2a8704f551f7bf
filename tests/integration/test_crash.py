"""Durability across restarts: a clean stop (SIGTERM) and a crash (SIGKILL) on the same data dir.

After a clean restart everything produced is there, byte for byte. After kill -9, every message
whose delivery report said "acknowledged" is there at the offset the report gave, each partition
holds a prefix of what was sent to it (nothing invented, nothing reordered), and new produces
continue at the next offset. A torn tail (a partial batch appended to the active segment, as a
power cut could leave) is cut off on restart.

Consumer groups: committed offsets (with their metadata strings) and the group's metadata survive
kill -9; a member alive through the crash keeps its membership (same generation) afterwards.

Clients: confluent-kafka (librdkafka) with acks=all and idempotence off; kafka_wire for raw
OffsetCommit/OffsetFetch/DescribeGroups.
"""

import glob
import os
import random
import time
import unittest

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import broker_fixture
import kafka_wire
from broker_fixture import RefBroker

PARTITIONS = 3
TIMEOUT = 20
# Small segments, so the logs span several segments (recovery walks more than one file).
BROKER_CONFIG = {"log.segment.bytes": 512 * 1024, "num.partitions": PARTITIONS}


def make_messages(seed, n):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        key = b"key-%d" % rng.randrange(1000)
        size = rng.choice((0, 10, 100, 300, 1000))
        value = bytes(rng.getrandbits(8) for _ in range(size // 4)) + (b"%08d" % i) * (size // 8)
        out.append((i % PARTITIONS, key, value))
    return out


class Crash(unittest.TestCase):
    def setUp(self):
        self.broker = RefBroker(config=BROKER_CONFIG)
        self.broker.start()
        a = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        a.create_topics([NewTopic("durable", PARTITIONS, 1)], operation_timeout=10)["durable"].result(TIMEOUT)

    def tearDown(self):
        try:
            if self.broker.running():
                self.broker.stop()
        finally:
            self.broker.cleanup()

    # ---- helpers

    def producer(self, **extra):
        conf = {"bootstrap.servers": self.broker.bootstrap, "enable.idempotence": False, "acks": "all",
                "linger.ms": 5, "compression.type": "lz4",
                # Batches must fit in a segment (else RECORD_LIST_TOO_LARGE, as from Kafka).
                "batch.size": 128 * 1024}
        conf.update(extra)
        return Producer(conf)

    def produce(self, messages, producer=None):
        """Produces and flushes; returns {(partition, offset): (key, value)} from the delivery reports."""
        acked = {}
        errors = []

        def on_delivery(err, msg):
            if err:
                errors.append(err)
            else:
                acked[(msg.partition(), msg.offset())] = (msg.key(), msg.value())

        p = producer or self.producer()
        for part, key, value in messages:
            p.produce("durable", value=value, key=key, partition=part, on_delivery=on_delivery)
            p.poll(0)
        self.assertEqual(p.flush(TIMEOUT), 0)
        self.assertEqual(errors, [])
        self.assertEqual(len(acked), len(messages))
        return acked

    def consume(self):
        """{partition: [(offset, key, value)]} of everything in the topic."""
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "unused", "enable.auto.commit": False,
                      "enable.partition.eof": True, "fetch.message.max.bytes": 4 * 1024 * 1024})
        try:
            c.assign([TopicPartition("durable", p, 0) for p in range(PARTITIONS)])
            out = {p: [] for p in range(PARTITIONS)}
            eof = set()
            deadline = time.monotonic() + 60
            while len(eof) < PARTITIONS:
                self.assertLess(time.monotonic(), deadline, "consumer did not reach the end")
                m = c.poll(0.5)
                if m is None:
                    continue
                if m.error():
                    self.assertEqual(m.error().code(), KafkaError._PARTITION_EOF, str(m.error()))
                    eof.add(m.partition())
                    continue
                out[m.partition()].append((m.offset(), m.key(), m.value()))
            return out
        finally:
            c.close()

    def high_watermarks(self):
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "unused"})
        try:
            return [c.get_watermark_offsets(TopicPartition("durable", p), timeout=TIMEOUT, cached=False)[1]
                    for p in range(PARTITIONS)]
        finally:
            c.close()

    def assert_log_equals(self, acked):
        """The whole topic is exactly the acknowledged messages, offsets contiguous from 0."""
        log = self.consume()
        for p in range(PARTITIONS):
            expected = sorted((o, k, v) for (pp, o), (k, v) in acked.items() if pp == p)
            self.assertEqual([o for o, _, _ in log[p]], list(range(len(log[p]))), "offsets of partition %d" % p)
            self.assertEqual(log[p], expected, "content of partition %d" % p)

    def assert_continues(self, acked_before):
        """New messages get the next offsets, and the old ones are still there."""
        hw = self.high_watermarks()
        more = [(p, b"after-restart", b"v%d" % p) for p in range(PARTITIONS)]
        acked = self.produce(more)
        self.assertEqual(sorted(acked), [(p, hw[p]) for p in range(PARTITIONS)])
        acked_before = dict(acked_before)
        acked_before.update(acked)
        return acked_before

    def restart(self, what):
        seconds = self.broker.restart()
        segments = len(glob.glob(os.path.join(self.broker.data_dir, "durable-*", "*.log")))
        print("\nrestart after %s: 'listening on' in %.1f ms (%d segments)" % (what, seconds * 1000, segments),
              flush=True)
        return seconds

    # ---- tests

    def test_restart_after_sigterm(self):
        acked = self.produce(make_messages(1, 20000))
        self.broker.stop()  # asserts exit status 0
        self.restart("SIGTERM")
        self.assertGreater(len(glob.glob(os.path.join(self.broker.data_dir, "durable-0", "*.log"))), 1,
                           "expected several segments")
        self.assert_log_equals(acked)
        acked = self.assert_continues(acked)
        # And once more, with the new messages.
        self.broker.stop()
        self.restart("second SIGTERM")
        self.assert_log_equals(acked)

    def test_kill9_after_acks(self):
        # Phase 1: acknowledged and flushed.
        acked = self.produce(make_messages(2, 10000))
        # Phase 2: a stream still in flight when the broker dies.
        stream = make_messages(3, 40000)
        late_acks = {}
        sent_per_partition = {p: [] for p in range(PARTITIONS)}

        def on_delivery(err, msg):
            if not err:
                late_acks[(msg.partition(), msg.offset())] = (msg.key(), msg.value())

        p = self.producer(**{"retries": 0, "message.timeout.ms": 10000})
        killed = False
        for i, (part, key, value) in enumerate(stream):
            p.produce("durable", value=value, key=key, partition=part, on_delivery=on_delivery)
            sent_per_partition[part].append((key, value))
            p.poll(0)
            if not killed and len(late_acks) >= 5000:
                self.broker.kill()  # SIGKILL: no flush, no clean shutdown
                killed = True
                break
        if not killed:
            self.assertGreater(p.flush(TIMEOUT), -1)
            self.broker.kill()
        # Collect the delivery reports for acks that arrived before the kill, then drop the rest.
        p.poll(1.0)
        p.purge()
        p.flush(5)
        del p
        self.assertGreater(len(late_acks), 0)
        acked_total = dict(acked)
        acked_total.update(late_acks)

        self.restart("kill -9")
        log = self.consume()
        for part in range(PARTITIONS):
            offsets = [o for o, _, _ in log[part]]
            self.assertEqual(offsets, list(range(len(offsets))), "offsets of partition %d" % part)
            # Every acknowledged message is there, identical, at its acknowledged offset.
            got = {o: (k, v) for o, k, v in log[part]}
            for (pp, o), kv in acked_total.items():
                if pp == part:
                    self.assertIn(o, got, "acknowledged message %d:%d lost" % (pp, o))
                    self.assertEqual(got[o], kv, "acknowledged message %d:%d changed" % (pp, o))
            # Past the acknowledged ones: a prefix of what was sent, nothing else.
            phase1 = sum(1 for (pp, _) in acked if pp == part)
            sent = sent_per_partition[part]
            tail = [(k, v) for _, k, v in log[part][phase1:]]
            self.assertLessEqual(len(tail), len(sent))
            self.assertEqual(tail, sent[:len(tail)], "partition %d holds something that was not sent" % part)
        print("kill -9: %d acknowledged before the kill, %d in the log after restart"
              % (len(acked_total), sum(len(v) for v in log.values())), flush=True)

        # The log is consumable past the crash point and takes new messages at the next offsets.
        hw = self.high_watermarks()
        self.assertEqual(hw, [len(log[p]) for p in range(PARTITIONS)])
        more = self.produce([(p, b"after-crash", b"x" * 100) for p in range(PARTITIONS)])
        self.assertEqual(sorted(more), [(p, hw[p]) for p in range(PARTITIONS)])
        # A clean restart keeps it all.
        self.broker.stop()
        self.restart("SIGTERM after the crash recovery")
        log2 = self.consume()
        for part in range(PARTITIONS):
            self.assertEqual(log2[part][:len(log[part])], log[part])
            self.assertEqual([(o, k, v) for o, k, v in log2[part][len(log[part]):]],
                             [(hw[part], b"after-crash", b"x" * 100)])

    def test_torn_tail_is_truncated(self):
        acked = self.produce(make_messages(4, 3000))
        self.broker.kill()
        # Simulate a torn write: half a batch at the end of partition 0's active segment.
        segments = sorted(glob.glob(os.path.join(self.broker.data_dir, "durable-0", "*.log")))
        self.assertTrue(segments)
        with open(segments[-1], "rb") as f:
            head = f.read(200)
        with open(segments[-1], "ab") as f:
            f.write(head[:8])  # a base offset ...
            f.write((5000).to_bytes(4, "big"))  # ... a batch length pointing past the end of the file ...
            f.write(head[12:120])  # ... and a partial body
        # And garbage (not even a plausible header) at the end of partition 1.
        segments1 = sorted(glob.glob(os.path.join(self.broker.data_dir, "durable-1", "*.log")))
        with open(segments1[-1], "ab") as f:
            f.write(os.urandom(37))
        self.restart("kill -9 and a torn tail")
        self.assert_log_equals(acked)
        self.assert_continues(acked)

    def test_kill9_while_fetching(self):
        # A consumer long-polling when the broker dies; after restart it reads everything.
        acked = self.produce(make_messages(5, 2000))
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "unused", "enable.auto.commit": False,
                      "fetch.wait.max.ms": 5000})
        c.assign([TopicPartition("durable", p, 0) for p in range(PARTITIONS)])
        seen = 0
        deadline = time.monotonic() + 30
        while seen < 2000 and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                seen += 1
        self.assertEqual(seen, 2000)
        self.broker.kill()
        c.close()
        self.restart("kill -9 during a long poll")
        self.assert_log_equals(acked)

    def test_kill9_keeps_committed_offsets_and_group(self):
        self.produce(make_messages(6, 300))
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "crash-group",
                      "enable.auto.commit": False, "auto.offset.reset": "earliest",
                      "session.timeout.ms": 10000, "heartbeat.interval.ms": 300})
        try:
            c.subscribe(["durable"])

            def consume(n):
                got = 0
                deadline = time.monotonic() + 60
                while got < n:
                    self.assertLess(time.monotonic(), deadline, "consumed %d of %d" % (got, n))
                    m = c.poll(0.2)
                    if m is not None and not m.error():
                        got += 1
                return got

            consume(300)
            c.commit(asynchronous=False)
            parts = [TopicPartition("durable", p) for p in range(PARTITIONS)]
            before = {tp.partition: tp.offset for tp in c.committed(parts, timeout=TIMEOUT)}
            self.assertEqual(sum(before.values()), 300)
            simple = [("durable", p, 10 + p, "checkpoint %d \u2713" % p) for p in range(PARTITIONS)]
            with kafka_wire.Connection(self.broker.host, self.broker.port) as conn:
                self.assertEqual(set(kafka_wire.offset_commit(conn, "crash-simple", simple).values()), {0})
                err, state, ptype, proto, members = kafka_wire.describe_group(conn, "crash-group")
                self.assertEqual((err, state, ptype), (0, "Stable", "consumer"))
                self.assertEqual(len(members), 1)

            self.broker.kill()  # SIGKILL: no clean shutdown
            # Same port, so the consumer's connections come back to the restarted broker.
            self.broker.listen = "127.0.0.1:%d" % self.broker.port
            self.restart("kill -9 with committed offsets")

            with kafka_wire.Connection(self.broker.host, self.broker.port) as conn:
                fetched = kafka_wire.offset_fetch(conn, "crash-simple", "durable", range(PARTITIONS))
                self.assertEqual(fetched, {p: (10 + p, "checkpoint %d \u2713" % p, 0) for p in range(PARTITIONS)})
                fetched = kafka_wire.offset_fetch(conn, "crash-group", "durable", range(PARTITIONS))
                self.assertEqual({p: o for p, (o, _, _) in fetched.items()}, before)
                after = kafka_wire.describe_group(conn, "crash-group")
                self.assertEqual(after, (err, state, ptype, proto, members), "group metadata changed")

            # The consumer lived through the crash: it carries on in its generation and commits.
            self.produce([(p, b"after", b"v") for p in range(PARTITIONS)])
            consume(PARTITIONS)
            c.commit(asynchronous=False)
            now = {tp.partition: tp.offset for tp in c.committed(parts, timeout=TIMEOUT)}
            self.assertEqual(now, {p: before[p] + 1 for p in range(PARTITIONS)})
        finally:
            c.close()


if __name__ == "__main__":
    broker_fixture.main()
