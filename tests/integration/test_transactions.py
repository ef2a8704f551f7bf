"""Transactions against refbroker's transaction coordinator, with python3-confluent-kafka
(librdkafka) as the peer: a transactional producer, read_committed and read_uncommitted consumers.

- commit and abort: read_committed sees exactly the committed messages, read_uncommitted all;
- an open transaction holds the last stable offset back (Fetch and ListOffsets read_committed);
- a second producer with the same transactional.id fences the first, whose transaction is aborted;
- consume-transform-produce: offsets sent in a transaction become visible only on commit;
- transaction.timeout.ms: the broker aborts a transaction left open; larger than
  transaction.max.timeout.ms is refused;
- kill -9 in PrepareCommit: the restarted broker finishes the commit; an open transaction
  survives kill -9 and is aborted by its timeout afterwards.
"""

import time
import unittest

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

import broker_fixture
from broker_fixture import RefBroker

TIMEOUT = 30
PARTITIONS = 2


class Transactions(unittest.TestCase):
    broker_config = {"num.partitions": PARTITIONS, "transaction.abort.timed.out.transaction.cleanup.interval.ms": 200,
                     "transaction.max.timeout.ms": 60000}

    def setUp(self):
        self.broker = RefBroker(config=self.broker_config)
        self.broker.start()
        self.topic_counter = 0
        self.closers = []

    def tearDown(self):
        for c in reversed(self.closers):
            try:
                c()
            except Exception:
                pass
        try:
            if self.broker.running():
                self.broker.stop()
        finally:
            self.broker.cleanup()

    # ---- helpers

    def topic(self):
        self.topic_counter += 1
        name = "txn-%s-%d" % (self._testMethodName, self.topic_counter)
        a = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        a.create_topics([NewTopic(name, PARTITIONS, 1)], operation_timeout=10)[name].result(TIMEOUT)
        return name

    def producer(self, txn_id, **extra):
        conf = {"bootstrap.servers": self.broker.bootstrap, "transactional.id": txn_id, "linger.ms": 5}
        conf.update(extra)
        p = Producer(conf)
        p.init_transactions(TIMEOUT)
        return p

    def produce(self, p, topic, values):
        for i, v in enumerate(values):
            p.produce(topic, value=v, partition=i % PARTITIONS)
        self.assertEqual(p.flush(TIMEOUT), 0)

    def consumer(self, committed=True, **extra):
        conf = {"bootstrap.servers": self.broker.bootstrap, "group.id": "txn-reader", "enable.auto.commit": False,
                "enable.partition.eof": True, "isolation.level": "read_committed" if committed else "read_uncommitted"}
        conf.update(extra)
        c = Consumer(conf)
        self.closers.append(c.close)
        return c

    def read(self, topic, committed=True, expect_eof=True):
        """Values from the beginning of every partition up to EOF (read_committed: up to the LSO)."""
        c = self.consumer(committed)
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        out, eof = [], set()
        deadline = time.monotonic() + TIMEOUT
        while len(eof) < PARTITIONS:
            self.assertLess(time.monotonic(), deadline, "no EOF on %s" % topic)
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                self.assertEqual(m.error().code(), KafkaError._PARTITION_EOF, str(m.error()))
                eof.add(m.partition())
                continue
            out.append(m.value())
        c.close()
        self.closers.remove(c.close)
        return sorted(out)

    def stable_offsets(self, topic):
        """ListOffsets latest with isolation read_committed: each partition's LSO."""
        c = self.consumer(True)
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT, cached=False)[1]
                for p in range(PARTITIONS)]

    def end_offsets(self, topic):
        c = self.consumer(False)
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT, cached=False)[1]
                for p in range(PARTITIONS)]

    def values(self, tag, n):
        return [b"%s-%d" % (tag.encode(), i) for i in range(n)]

    # ---- tests

    def test_commit_and_abort(self):
        t = self.topic()
        p = self.producer("tx-commit-abort")
        p.begin_transaction()
        self.produce(p, t, self.values("c1", 10))
        p.commit_transaction(TIMEOUT)
        p.begin_transaction()
        self.produce(p, t, self.values("a1", 6))
        p.abort_transaction(TIMEOUT)
        p.begin_transaction()
        self.produce(p, t, self.values("c2", 4))
        p.commit_transaction(TIMEOUT)
        self.assertEqual(self.read(t, committed=True), sorted(self.values("c1", 10) + self.values("c2", 4)))
        self.assertEqual(self.read(t, committed=False),
                         sorted(self.values("c1", 10) + self.values("a1", 6) + self.values("c2", 4)))
        # Nothing open: the LSO is the end of each partition (markers included).
        self.assertEqual(self.stable_offsets(t), self.end_offsets(t))

    def test_open_transaction_holds_back_the_lso(self):
        t = self.topic()
        p = self.producer("tx-open")
        p.begin_transaction()
        self.produce(p, t, self.values("before", 4))
        p.commit_transaction(TIMEOUT)
        committed_end = self.end_offsets(t)
        p.begin_transaction()
        self.produce(p, t, self.values("open", 6))
        # The open transaction's first offsets are the LSO; read_committed stops there.
        self.assertEqual(self.stable_offsets(t), committed_end)
        self.assertEqual(self.read(t, committed=True), sorted(self.values("before", 4)))
        self.assertEqual(len(self.read(t, committed=False)), 10)
        p.commit_transaction(TIMEOUT)
        self.assertEqual(self.read(t, committed=True), sorted(self.values("before", 4) + self.values("open", 6)))

    def test_new_instance_fences_the_old_one(self):
        t = self.topic()
        old = self.producer("tx-fence")
        old.begin_transaction()
        self.produce(old, t, self.values("zombie", 4))
        new = self.producer("tx-fence")  # bumps the epoch and aborts the old open transaction
        with self.assertRaises(KafkaException) as caught:
            old.commit_transaction(10)
        err = caught.exception.args[0]
        self.assertIn(err.code(), (KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH),
                      str(err))
        new.begin_transaction()
        self.produce(new, t, self.values("new", 4))
        new.commit_transaction(TIMEOUT)
        self.assertEqual(self.read(t, committed=True), sorted(self.values("new", 4)))
        self.assertEqual(self.stable_offsets(t), self.end_offsets(t))

    def test_offsets_committed_with_the_transaction(self):
        src, dst = self.topic(), self.topic()
        feeder = Producer({"bootstrap.servers": self.broker.bootstrap})
        for i in range(20):
            feeder.produce(src, value=b"in-%d" % i, partition=i % PARTITIONS)
        self.assertEqual(feeder.flush(TIMEOUT), 0)
        c = self.consumer(True, **{"group.id": "ctp-group", "auto.offset.reset": "earliest",
                                   "enable.partition.eof": False})
        c.subscribe([src])
        p = self.producer("tx-ctp")

        def process(n, commit):
            p.begin_transaction()
            got = 0
            deadline = time.monotonic() + TIMEOUT
            while got < n:
                self.assertLess(time.monotonic(), deadline)
                m = c.poll(0.2)
                if m is None or m.error():
                    continue
                p.produce(dst, value=m.value().replace(b"in", b"out"), partition=m.partition())
                got += 1
            p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), TIMEOUT)
            if commit:
                p.commit_transaction(TIMEOUT)
            else:
                p.abort_transaction(TIMEOUT)

        def committed():
            parts = [TopicPartition(src, q) for q in range(PARTITIONS)]
            return sum(max(tp.offset, 0) for tp in c.committed(parts, timeout=TIMEOUT))

        process(20, commit=True)
        self.assertEqual(committed(), 20)
        self.assertEqual(len(self.read(dst, committed=True)), 20)
        for i in range(20, 30):
            feeder.produce(src, value=b"in-%d" % i, partition=i % PARTITIONS)
        self.assertEqual(feeder.flush(TIMEOUT), 0)
        process(10, commit=False)
        self.assertEqual(committed(), 20)  # the aborted transaction's offsets never count
        self.assertEqual(len(self.read(dst, committed=True)), 20)

    def test_broker_aborts_a_transaction_past_its_timeout(self):
        t = self.topic()
        p = self.producer("tx-timeout", **{"transaction.timeout.ms": 2000})
        p.begin_transaction()
        self.produce(p, t, self.values("late", 4))
        deadline = time.monotonic() + TIMEOUT
        while self.stable_offsets(t) != self.end_offsets(t):  # the ABORT markers release the LSO
            self.assertLess(time.monotonic(), deadline, "transaction not aborted by the broker")
            time.sleep(0.2)
        self.assertEqual(self.read(t, committed=True), [])
        with self.assertRaises(KafkaException):
            p.commit_transaction(10)

    def test_timeout_above_the_maximum_is_refused(self):
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "transactional.id": "tx-too-long",
                      "transaction.timeout.ms": 120000})
        with self.assertRaises(KafkaException) as caught:
            p.init_transactions(10)
        self.assertEqual(caught.exception.args[0].code(), KafkaError.INVALID_TRANSACTION_TIMEOUT)


class TransactionCrashes(Transactions):
    """kill -9 around transactions (the broker restarts on its port, so clients reconnect)."""

    def restart_same_port(self, **config_changes):
        port = self.broker.port
        if self.broker.running():
            self.broker.kill()
        self.broker.listen = "127.0.0.1:%d" % port
        self.broker.config.update(config_changes)
        for k, v in list(self.broker.config.items()):
            if v is None:
                del self.broker.config[k]
        self.broker.restart()

    def test_killed_in_prepare_commit_finishes_the_commit(self):
        t = self.topic()
        p = self.producer("tx-crash")
        p.begin_transaction()
        self.produce(p, t, self.values("first", 4))
        p.commit_transaction(TIMEOUT)
        # The next restart writes PrepareCommit, then dies before any marker.
        self.restart_same_port(**{"refbroker.txn.test.crash.after.prepare": "true"})
        p = self.producer("tx-crash")
        p.begin_transaction()
        self.produce(p, t, self.values("second", 6))
        try:
            p.commit_transaction(5)
        except KafkaException:
            pass
        deadline = time.monotonic() + 10
        while self.broker.proc.poll() is None:
            self.assertLess(time.monotonic(), deadline, "the crash hook did not fire")
            time.sleep(0.05)
        self.broker.kill()  # collect the dead process
        self.restart_same_port(**{"refbroker.txn.test.crash.after.prepare": None})
        self.assertEqual(self.read(t, committed=True), sorted(self.values("first", 4) + self.values("second", 6)))
        self.assertEqual(self.stable_offsets(t), self.end_offsets(t))

    def test_open_transaction_survives_kill9_and_times_out(self):
        t = self.topic()
        p = self.producer("tx-open-crash", **{"transaction.timeout.ms": 3000})
        p.begin_transaction()
        self.produce(p, t, self.values("open", 4))
        self.restart_same_port()
        # Still open after the crash: the LSO is held back at the transaction's start ...
        self.assertEqual(self.stable_offsets(t), [0] * PARTITIONS)
        # ... until the broker aborts it.
        deadline = time.monotonic() + TIMEOUT
        while self.stable_offsets(t) != self.end_offsets(t):
            self.assertLess(time.monotonic(), deadline, "transaction not aborted after the restart")
            time.sleep(0.2)
        self.assertEqual(self.read(t, committed=True), [])
        self.assertEqual(len(self.read(t, committed=False)), 4)


# The crash class only runs its own tests.
for name in [n for n in dir(Transactions) if n.startswith("test_")]:
    if not hasattr(TransactionCrashes, name) or getattr(TransactionCrashes, name) is getattr(Transactions, name):
        setattr(TransactionCrashes, name, None)


if __name__ == "__main__":
    broker_fixture.main()
