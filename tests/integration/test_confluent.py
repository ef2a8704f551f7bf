"""python3-confluent-kafka (librdkafka 2.x) against refbroker: AdminClient topic management,
Producer with delivery reports, a Consumer with manual assign(), offsets and watermarks.

The Consumer gets a group.id (confluent-kafka requires one) but only uses assign() and never
commits; consumer groups are tested in test_groups_peers.py.
"""

import time
import unittest

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

import broker_fixture
from broker_fixture import BrokerTestCase

TIMEOUT = 15


class Confluent(BrokerTestCase):
    broker_config = {"num.partitions": 1, "auto.create.topics.enable": "false"}

    # ---- helpers

    def conf(self, **extra):
        c = {"bootstrap.servers": self.broker.bootstrap, "socket.timeout.ms": 10000}
        c.update({k.replace("_", "."): v for k, v in extra.items()})
        return c

    def admin(self):
        return AdminClient(self.conf())

    def create(self, name, partitions, **config):
        a = self.admin()  # must outlive the futures: destroying the handle fails them with _DESTROY
        fs = a.create_topics([NewTopic(name, partitions, 1, config=config)], operation_timeout=10)
        fs[name].result(TIMEOUT)

    def producer(self, **extra):
        return Producer(self.conf(enable_idempotence=False, acks="all", linger_ms=5, **extra))

    def consumer(self, **extra):
        settings = dict(group_id="refbroker-it-unused", enable_auto_commit=False, enable_auto_offset_store=False,
                        enable_partition_eof=True)
        settings.update(extra)
        return Consumer(self.conf(**settings))

    def produce_all(self, topic, records, **producer_conf):
        """Produces (partition, key, value, headers) records; returns delivery reports in order of arrival."""
        reports = []

        def on_delivery(err, msg):
            reports.append((err, msg.partition(), msg.offset(), msg.key(), msg.value()))

        p = self.producer(**producer_conf)
        for part, key, value, headers in records:
            p.produce(topic, value=value, key=key, partition=part, headers=headers, on_delivery=on_delivery)
            p.poll(0)
        self.assertEqual(p.flush(TIMEOUT), 0, "messages left in the producer queue")
        return reports

    def consume_all(self, topic, partitions, start=0, expected=None):
        """Assigns the partitions from `start` and reads until every one reports EOF."""
        c = self.consumer()
        try:
            c.assign([TopicPartition(topic, p, start) for p in partitions])
            eof = set()
            out = []
            deadline = time.monotonic() + 30
            while len(eof) < len(partitions):
                self.assertLess(time.monotonic(), deadline, "consumer did not reach the end of %s" % topic)
                msg = c.poll(0.5)
                if msg is None:
                    continue
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        eof.add(msg.partition())
                        continue
                    self.fail("consumer error: %s" % msg.error())
                out.append(msg)
            return out
        finally:
            c.close()

    # ---- admin

    def test_create_topics_and_errors(self):
        a = self.admin()
        fs = a.create_topics([NewTopic("cf-admin-a", 3, 1), NewTopic("cf-admin-b", 1, 1, config={"retention.ms": "3600000"})],
                             operation_timeout=10)
        for f in fs.values():
            self.assertIsNone(f.result(TIMEOUT))
        md = a.list_topics(timeout=TIMEOUT)
        self.assertEqual(sorted(md.topics["cf-admin-a"].partitions), [0, 1, 2])
        self.assertEqual(list(md.brokers), [1])
        self.assertEqual((md.brokers[1].host, md.brokers[1].port), (self.broker.host, self.broker.port))
        for p in md.topics["cf-admin-a"].partitions.values():
            self.assertEqual((p.leader, p.replicas, p.isrs), (1, [1], [1]))

        # An existing topic.
        fs = a.create_topics([NewTopic("cf-admin-a", 3, 1)], operation_timeout=10)
        with self.assertRaises(KafkaException) as cm:
            fs["cf-admin-a"].result(TIMEOUT)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.TOPIC_ALREADY_EXISTS)

        # Invalid names: the broker refuses them (librdkafka does not check names itself).
        for bad in ("bad/name", "..", "x" * 250):
            fs = a.create_topics([NewTopic(bad, 1, 1)], operation_timeout=10)
            with self.assertRaises(KafkaException, msg=bad) as cm:
                fs[bad].result(TIMEOUT)
            self.assertEqual(cm.exception.args[0].code(), KafkaError.TOPIC_EXCEPTION, bad)

        # Replication factor 3 on a single broker.
        fs = a.create_topics([NewTopic("cf-admin-rf3", 1, 3)], operation_timeout=10)
        with self.assertRaises(KafkaException) as cm:
            fs["cf-admin-rf3"].result(TIMEOUT)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.INVALID_REPLICATION_FACTOR)

        # validate_only creates nothing.
        fs = a.create_topics([NewTopic("cf-admin-dry", 2, 1)], validate_only=True, operation_timeout=10)
        self.assertIsNone(fs["cf-admin-dry"].result(TIMEOUT))
        self.assertNotIn("cf-admin-dry", a.list_topics(timeout=TIMEOUT).topics)

    def test_describe_configs_and_create_partitions(self):
        self.create("cf-cfg", 2, **{"retention.ms": "7200000"})
        a = self.admin()
        res = ConfigResource(ConfigResource.Type.TOPIC, "cf-cfg")
        configs = a.describe_configs([res])[res].result(TIMEOUT)
        self.assertEqual(configs["retention.ms"].value, "7200000")
        self.assertIn("segment.bytes", configs)

        fs = a.create_partitions([NewPartitions("cf-cfg", 5)], operation_timeout=10)
        self.assertIsNone(fs["cf-cfg"].result(TIMEOUT))
        self.assertEqual(sorted(a.list_topics("cf-cfg", timeout=TIMEOUT).topics["cf-cfg"].partitions), list(range(5)))
        # Shrinking is refused.
        fs = a.create_partitions([NewPartitions("cf-cfg", 3)], operation_timeout=10)
        with self.assertRaises(KafkaException) as cm:
            fs["cf-cfg"].result(TIMEOUT)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.INVALID_PARTITIONS)
        # The new partitions take messages.
        reports = self.produce_all("cf-cfg", [(4, b"k", b"in the new partition", None)])
        self.assertEqual([(r[0], r[1], r[2]) for r in reports], [(None, 4, 0)])

    def test_delete_topics(self):
        self.create("cf-delete", 2)
        self.produce_all("cf-delete", [(0, b"k", b"v", None)])
        a = self.admin()
        fs = a.delete_topics(["cf-delete"], operation_timeout=10)
        self.assertIsNone(fs["cf-delete"].result(TIMEOUT))
        self.assertNotIn("cf-delete", a.list_topics(timeout=TIMEOUT).topics)
        # Deleting it again: unknown topic.
        fs = a.delete_topics(["cf-delete"], operation_timeout=10)
        with self.assertRaises(KafkaException) as cm:
            fs["cf-delete"].result(TIMEOUT)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.UNKNOWN_TOPIC_OR_PART)
        # And it can be created anew, empty.
        self.create("cf-delete", 1)
        c = self.consumer()
        try:
            self.assertEqual(c.get_watermark_offsets(TopicPartition("cf-delete", 0), timeout=TIMEOUT), (0, 0))
        finally:
            c.close()

    # ---- produce / consume

    def test_produce_with_delivery_reports_and_consume(self):
        topic, parts, per_part = "cf-data", 3, 2000
        self.create(topic, parts)
        records = []
        for i in range(per_part * parts):
            p = i % parts
            value = None if i % 97 == 0 else (b"" if i % 89 == 0 else bytes([i % 256]) * (i % 500) + b"#%d" % i)
            key = None if i % 13 == 0 else b"key-%d" % i
            # (No NULL header values: confluent-kafka 1.7 mis-counts references to None for them
            # and the interpreter aborts at exit.)
            headers = [("h1", b"x%d" % i), ("h2", b"")] if i % 5 == 0 else None
            records.append((p, key, value, headers))
        reports = self.produce_all(topic, records, compression_type="zstd")

        # Every message acknowledged, offsets contiguous per partition in produce order.
        self.assertEqual(len(reports), len(records))
        self.assertTrue(all(r[0] is None for r in reports), [r for r in reports if r[0]][:3])
        for p in range(parts):
            mine = [r for r in reports if r[1] == p]
            self.assertEqual([r[2] for r in mine], list(range(per_part)), "offsets of partition %d" % p)
            self.assertEqual([(r[3], r[4]) for r in mine], [(k, v) for pp, k, v, _ in records if pp == p])

        # Consume everything from offset 0 with assign().
        msgs = self.consume_all(topic, list(range(parts)))
        self.assertEqual(len(msgs), len(records))
        for p in range(parts):
            mine = [m for m in msgs if m.partition() == p]
            exp = [r for r in records if r[0] == p]
            self.assertEqual([m.offset() for m in mine], list(range(per_part)))
            self.assertEqual([(m.key(), m.value()) for m in mine], [(k, v) for _, k, v, _ in exp])
            for m, (_, _, _, headers) in zip(mine, exp):
                self.assertEqual(m.headers(), headers)

        # From an offset in the middle of one partition.
        msgs = self.consume_all(topic, [1], start=1500)
        self.assertEqual([m.offset() for m in msgs], list(range(1500, per_part)))

    def test_watermarks_and_offsets_for_times(self):
        topic = "cf-offsets"
        self.create(topic, 1)
        c = self.consumer()
        try:
            tp = TopicPartition(topic, 0)
            self.assertEqual(c.get_watermark_offsets(tp, timeout=TIMEOUT), (0, 0))
            base = 1_700_000_000_000
            p = self.producer()
            for i in range(100):
                p.produce(topic, value=b"v%d" % i, partition=0, timestamp=base + i * 1000)
            self.assertEqual(p.flush(TIMEOUT), 0)
            self.assertEqual(c.get_watermark_offsets(tp, timeout=TIMEOUT), (0, 100))
            self.assertEqual(c.get_watermark_offsets(tp, cached=False, timeout=TIMEOUT), (0, 100))

            def at(ts):
                r = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=TIMEOUT)
                self.assertEqual(r[0].error, None)
                return r[0].offset

            self.assertEqual(at(base), 0)
            self.assertEqual(at(base + 41_000), 41)
            self.assertEqual(at(base + 41_500), 42)  # first message at or after the timestamp
            self.assertEqual(at(base + 10_000_000), -1)  # after everything: no offset (end)
            # The timestamps come back on the consumed messages.
            msgs = self.consume_all(topic, [0])
            self.assertEqual([m.timestamp()[1] for m in msgs], [base + i * 1000 for i in range(100)])
        finally:
            c.close()

    def test_seek_and_position(self):
        topic = "cf-seek"
        self.create(topic, 1)
        self.produce_all(topic, [(0, None, b"m%d" % i, None) for i in range(50)])
        c = self.consumer(enable_partition_eof=False)
        try:
            c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
            got = []
            deadline = time.monotonic() + 20
            while len(got) < 10 and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    got.append(m.offset())
            self.assertEqual(got, list(range(10)))
            c.seek(TopicPartition(topic, 0, 45))
            got = []
            while len(got) < 5 and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    got.append((m.offset(), m.value()))
            self.assertEqual(got, [(i, b"m%d" % i) for i in range(45, 50)])
            self.assertEqual(c.position([TopicPartition(topic, 0)])[0].offset, 50)
        finally:
            c.close()

    def test_produce_to_missing_topic_fails(self):
        # auto.create.topics.enable=false: the delivery report carries the error.
        reports = []
        p = self.producer(message_timeout_ms=3000)
        p.produce("cf-missing", value=b"x", on_delivery=lambda err, msg: reports.append(err))
        p.flush(TIMEOUT)
        self.assertEqual(len(reports), 1)
        self.assertIsNotNone(reports[0])
        self.assertIn(reports[0].code(), (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC,
                                          KafkaError._MSG_TIMED_OUT))


if __name__ == "__main__":
    broker_fixture.main()
