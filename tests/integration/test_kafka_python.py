"""python3-kafka (kafka-python 2.0.x, a pure-Python client) against refbroker: KafkaAdminClient,
KafkaProducer send().get(), KafkaConsumer with assign() + seek_to_beginning(), and the offset
lookups end_offsets / beginning_offsets / offsets_for_times.

kafka-python guesses the broker version from the ApiVersions table (api_version=None); the guess
is printed and checked, and the whole suite also runs with the version pinned to 0.11.
"""

import time
import unittest

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewPartitions, NewTopic
from kafka.errors import InvalidTopicError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

import broker_fixture
from broker_fixture import BrokerTestCase

# What kafka-python 2.0.2 infers from refbroker's ApiVersions table: Produce v8 is the newest
# marker it finds (there is no DescribeAcls), i.e. "2.4".
EXPECTED_GUESS = (2, 4, 0)


class KafkaPython(BrokerTestCase):
    broker_config = {"num.partitions": 1, "auto.create.topics.enable": "false"}
    api_version = None  # auto-detect

    def common(self):
        c = {"bootstrap_servers": self.broker.bootstrap, "request_timeout_ms": 15000,
             "client_id": "kafka-python-it"}
        if self.api_version:
            c["api_version"] = self.api_version
        return c

    def setUp(self):
        self.closers = []

    def tearDown(self):
        for c in reversed(self.closers):
            c.close()

    def admin(self):
        a = KafkaAdminClient(**self.common())
        self.closers.append(a)
        return a

    def producer(self, **extra):
        p = KafkaProducer(acks="all", linger_ms=5, retries=0, **self.common(), **extra)
        self.closers.append(p)
        return p

    def consumer(self, **extra):
        c = KafkaConsumer(group_id=None, enable_auto_commit=False, **self.common(), **extra)
        self.closers.append(c)
        return c

    def create(self, name, partitions):
        self.admin().create_topics([NewTopic(name, partitions, 1)])

    def read_all(self, consumer, count, timeout=20):
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            for _, records in consumer.poll(timeout_ms=500).items():
                out.extend(records)
        return out

    def test_api_version_detection(self):
        p = self.producer()
        detected = p.config["api_version"]
        print("\nkafka-python api_version: %s (%s)" % (detected, "pinned" if self.api_version else "auto-detected"),
              flush=True)
        self.assertEqual(detected, self.api_version or EXPECTED_GUESS)

    def test_admin_create_list_delete(self):
        a = self.admin()
        a.create_topics([NewTopic("kp-admin", 3, 1), NewTopic("kp-admin-2", 1, 1)])
        self.assertTrue({"kp-admin", "kp-admin-2"} <= set(a.list_topics()))
        meta = {t["topic"]: t for t in a.describe_topics(["kp-admin"])}
        self.assertEqual(sorted(p["partition"] for p in meta["kp-admin"]["partitions"]), [0, 1, 2])
        cluster = a.describe_cluster()
        self.assertEqual([(b["node_id"], b["host"], b["port"]) for b in cluster["brokers"]],
                         [(1, self.broker.host, self.broker.port)])

        with self.assertRaises(TopicAlreadyExistsError):
            a.create_topics([NewTopic("kp-admin", 3, 1)])
        with self.assertRaises(InvalidTopicError):
            a.create_topics([NewTopic("bad/name", 1, 1)])

        a.create_partitions({"kp-admin-2": NewPartitions(4)})
        meta = {t["topic"]: t for t in a.describe_topics(["kp-admin-2"])}
        self.assertEqual(len(meta["kp-admin-2"]["partitions"]), 4)

        a.delete_topics(["kp-admin-2"])
        self.assertNotIn("kp-admin-2", a.list_topics())
        with self.assertRaises(UnknownTopicOrPartitionError):
            a.delete_topics(["kp-admin-2"])

    def test_produce_get_and_consume(self):
        topic = "kp-data"
        self.create(topic, 2)
        p = self.producer(compression_type="gzip")
        sent = []
        for i in range(600):
            part = i % 2
            key = None if i % 11 == 0 and i % 50 != 0 else b"k%d" % i  # kafka-python needs a key or a value
            value = None if i % 50 == 0 else bytes([(i * 7) % 256]) * (i % 300) + b"|%d" % i
            headers = [("n", b"%d" % i)] if i % 3 == 0 else []
            md = p.send(topic, value=value, key=key, partition=part, headers=headers).get(timeout=15)
            self.assertEqual((md.topic, md.partition), (topic, part))
            sent.append((part, md.offset, key, value, headers))
        for part in (0, 1):
            self.assertEqual([o for pp, o, _, _, _ in sent if pp == part], list(range(300)))

        c = self.consumer()
        tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
        c.assign(tps)
        c.seek_to_beginning()
        got = self.read_all(c, len(sent))
        self.assertEqual(len(got), len(sent))
        for part in (0, 1):
            mine = [(r.offset, r.key, r.value, list(r.headers)) for r in got if r.partition == part]
            self.assertEqual(mine, [(o, k, v, h) for pp, o, k, v, h in sent if pp == part])

        # seek to an offset in the middle of partition 1
        c.seek(tps[1], 250)
        c.pause(tps[0])
        got = self.read_all(c, 50)
        self.assertEqual([r.offset for r in got], list(range(250, 300)))
        self.assertTrue(all(r.partition == 1 for r in got))

    def test_offsets(self):
        topic = "kp-offsets"
        self.create(topic, 1)
        tp = TopicPartition(topic, 0)
        c = self.consumer()
        self.assertEqual(c.end_offsets([tp]), {tp: 0})
        self.assertEqual(c.beginning_offsets([tp]), {tp: 0})
        base = 1_700_000_000_000
        p = self.producer()
        for i in range(40):
            p.send(topic, value=b"v%d" % i, partition=0, timestamp_ms=base + i * 1000)
        p.flush(timeout=15)
        self.assertEqual(c.end_offsets([tp]), {tp: 40})
        self.assertEqual(c.beginning_offsets([tp]), {tp: 0})
        r = c.offsets_for_times({tp: base + 10_000})
        self.assertEqual((r[tp].offset, r[tp].timestamp), (10, base + 10_000))
        r = c.offsets_for_times({tp: base + 10_500})
        self.assertEqual((r[tp].offset, r[tp].timestamp), (11, base + 11_000))
        r = c.offsets_for_times({tp: base + 1_000_000})
        self.assertIsNone(r[tp])

        c.assign([tp])
        c.seek_to_beginning(tp)
        got = self.read_all(c, 40)
        self.assertEqual([(r.offset, r.value, r.timestamp) for r in got],
                         [(i, b"v%d" % i, base + i * 1000) for i in range(40)])
        c.seek_to_end(tp)
        self.assertEqual(c.position(tp), 40)


class KafkaPythonPinned011(KafkaPython):
    """The same tests with api_version pinned to 0.11 (detection skipped): kafka-python then sends
    Produce v3 (v7 when detected as 2.4), the oldest message-format-v2 version refbroker accepts;
    Fetch v4 and ListOffsets v1 are what kafka-python 2.0 uses either way."""
    api_version = (0, 11, 0)


if __name__ == "__main__":
    broker_fixture.main()
