"""Consumer groups of third-party clients against refbroker's group coordinator: kcat in balanced
consumer mode (-G), python3-kafka KafkaConsumer, python3-confluent-kafka Consumer, and a MIXED
group of all three plus our own consumer (client_group_member) on one 6-partition topic.

Every member uses the range assignor (the one protocol all of them implement, so a mixed group
can agree on it) and auto-commits every 500 ms. The checks:
- steady state: once DescribeGroups shows the group Stable with every member, messages produced
  are consumed exactly once across the group, each by the member the assignment names;
- a member leaving (it commits and sends LeaveGroup on close): its partitions are taken over and
  newer messages are again consumed exactly once;
- commits: after everyone closed, OffsetFetch (raw, kafka_wire) gives the end of every partition;
- static membership (confluent, group.instance.id): a restarted instance gets its partitions back
  without a rebalance of the other member.
"""

import os
import signal
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaConsumer
from kafka.coordinator.assignors.range import RangePartitionAssignor

import broker_fixture
import kafka_wire
from broker_fixture import BrokerTestCase

PARTITIONS = 6
TIMEOUT = 60
SESSION_MS = 10000


def parse_assignment(data):
    """ConsumerProtocolAssignment (v0+): version, [(topic, [partitions])], user data -> {topic: set}."""
    if not data:
        return {}
    pos = 2
    (n,) = struct.unpack_from(">i", data, pos)
    pos += 4
    out = {}
    for _ in range(n):
        (ln,) = struct.unpack_from(">h", data, pos)
        topic = data[pos + 2:pos + 2 + ln].decode()
        pos += 2 + ln
        (count,) = struct.unpack_from(">i", data, pos)
        pos += 4
        out[topic] = set(struct.unpack_from(">%di" % count, data, pos))
        pos += 4 * count
    return out


class Member:
    """One group member running in the background; `records` collects (partition, offset, value)."""

    kind = "?"

    def __init__(self, bootstrap, group, topic, name):
        self.bootstrap, self.group, self.topic, self.name = bootstrap, group, topic, name
        self.records = []
        self.lock = threading.Lock()
        self.error = None

    def add(self, partition, offset, value):
        with self.lock:
            self.records.append((partition, offset, value))

    def snapshot(self):
        with self.lock:
            return list(self.records)


class ThreadMember(Member):
    """A Python client polled by a thread of its own; close() commits and leaves the group."""

    def start(self):
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.run()
        except Exception as e:  # reported by the test through check()
            self.error = e

    def stop(self):
        self.stopping.set()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "%s did not stop" % self.name
        self.check()

    def check(self):
        if self.error:
            raise AssertionError("%s failed: %r" % (self.name, self.error))


class ConfluentMember(ThreadMember):
    kind = "confluent"
    instance_id = None  # group.instance.id for a static member
    assigns = 0         # on_assign callbacks seen (rebalances this member took part in)

    def run(self):
        conf = {"bootstrap.servers": self.bootstrap, "group.id": self.group, "client.id": self.name,
                "partition.assignment.strategy": "range", "auto.offset.reset": "earliest",
                "enable.auto.commit": True, "auto.commit.interval.ms": 500,
                "session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500}
        if self.instance_id:
            conf["group.instance.id"] = self.instance_id
        c = Consumer(conf)

        def on_assign(consumer, partitions):
            self.assigns += 1

        try:
            c.subscribe([self.topic], on_assign=on_assign)
            while not self.stopping.is_set():
                m = c.poll(0.1)
                if m is not None and not m.error():
                    self.add(m.partition(), m.offset(), m.value())
        finally:
            c.close()  # commits the consumed offsets, leaves the group


class KafkaPythonMember(ThreadMember):
    kind = "kafka-python"

    def run(self):
        c = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group, client_id=self.name,
                          partition_assignment_strategy=[RangePartitionAssignor], auto_offset_reset="earliest",
                          enable_auto_commit=True, auto_commit_interval_ms=500, session_timeout_ms=SESSION_MS,
                          heartbeat_interval_ms=500, request_timeout_ms=30000)
        try:
            c.subscribe([self.topic])
            while not self.stopping.is_set():
                for tp, messages in c.poll(timeout_ms=100).items():
                    for m in messages:
                        self.add(tp.partition, m.offset, m.value)
        finally:
            c.close()  # autocommit=True: commits, then LeaveGroup


class KcatMember(Member):
    """kcat -G (balanced consumer); SIGTERM makes it close the consumer (commit + leave)."""

    kind = "kcat"

    def start(self):
        self.stderr = tempfile.TemporaryFile()
        cmd = ["kcat", "-b", self.bootstrap, "-G", self.group, "-u", "-q", "-f", "%p %o %s\\n",
               "-X", "client.id=" + self.name, "-X", "partition.assignment.strategy=range",
               "-X", "auto.offset.reset=earliest", "-X", "auto.commit.interval.ms=500",
               "-X", "session.timeout.ms=%d" % SESSION_MS, "-X", "heartbeat.interval.ms=500", self.topic]
        if os.environ.get("KCAT_DEBUG"):
            cmd[1:1] = ["-d", os.environ["KCAT_DEBUG"]]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.rstrip(b"\n").split(b" ", 2)
            if len(parts) == 3:
                self.add(int(parts[0]), int(parts[1]), parts[2])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("kcat did not exit after SIGTERM\n" + self.stderr_text())
        self.reader.join(10)
        self.check()
        self.close()

    def close(self):
        self.proc.stdout.close()
        self.stderr.close()

    def check(self):
        if self.proc.poll() not in (None, 0, -signal.SIGTERM):
            raise AssertionError("kcat exited with %s\n%s" % (self.proc.returncode, self.stderr_text()))

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-3000:]


class KafkaplusMember(Member):
    """Our own consumer (client/, ConsumerCore) as a process: tests/integration/client_group_member,
    whose path comes in as KAFKAPLUS_GROUP_MEMBER. It prints one line per event ("msg P O HEXVALUE",
    "error ..."); "close" on stdin makes it commit what it consumed, leave the group and exit."""

    kind = "kafkaplus"

    def start(self):
        self.stderr = tempfile.TemporaryFile()
        self.errors = []
        cmd = [os.environ["KAFKAPLUS_GROUP_MEMBER"], "--broker", self.bootstrap, "--group", self.group,
               "--topic", self.topic, "--strategy", "range", "--session-timeout-ms", str(SESSION_MS),
               "--commit-every", "20", "--print-values", "1", "--client-id", self.name]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.decode().split()
            if parts[:1] == ["msg"] and len(parts) == 4:
                self.add(int(parts[1]), int(parts[2]), b"" if parts[3] == "-" else bytes.fromhex(parts[3]))
            elif parts[:1] == ["error"]:
                with self.lock:
                    self.errors.append(" ".join(parts[1:]))

    def stop(self):
        try:
            self.proc.stdin.write(b"close\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("%s did not exit after close\n%s" % (self.name, self.stderr_text()))
        self.reader.join(10)
        self.check()
        self.close()

    def close(self):
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.stderr.close()

    def check(self):
        if self.proc.poll() not in (None, 0):
            raise AssertionError("%s exited with %s\n%s" % (self.name, self.proc.returncode, self.stderr_text()))
        with self.lock:
            # Commits refused during a rebalance are expected (the records are consumed again by
            # the next owner, which the exactly-once check would catch); other errors are not.
            unexpected = [e for e in self.errors if "REBALANCE_IN_PROGRESS" not in e]
        if unexpected:
            raise AssertionError("%s reported errors: %r" % (self.name, unexpected))

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-3000:]


MEMBER_KINDS = {"kcat": KcatMember, "confluent": ConfluentMember, "kafka-python": KafkaPythonMember,
                "kafkaplus": KafkaplusMember}
# Our consumer takes part when the build provides its member program.
MIXED_GROUP = ["kcat", "confluent", "kafka-python"] + (["kafkaplus"] if os.environ.get("KAFKAPLUS_GROUP_MEMBER") else [])


class GroupPeers(BrokerTestCase):
    broker_config = {"num.partitions": PARTITIONS, "group.min.session.timeout.ms": 1000}

    def setUp(self):
        self.members = []
        self.counter = 0

    def tearDown(self):
        for m in self.members:
            try:
                if isinstance(m, (KcatMember, KafkaplusMember)):
                    if m.proc.poll() is None:
                        m.proc.kill()
                        m.proc.wait()
                    if not m.stderr.closed:
                        m.close()
                elif m.thread.is_alive():
                    m.stopping.set()
                    m.thread.join(TIMEOUT)
            except Exception:
                pass
        self.broker_alive()

    # ---- helpers

    def create_topic(self, name):
        a = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        a.create_topics([NewTopic(name, PARTITIONS, 1)], operation_timeout=10)[name].result(TIMEOUT)

    def produce(self, topic, n, tag):
        """n messages spread over every partition; returns their values."""
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "linger.ms": 5})
        values = []
        for i in range(n):
            v = b"%s-%d" % (tag.encode(), i)
            p.produce(topic, value=v, partition=i % PARTITIONS)
            values.append(v)
        self.assertEqual(p.flush(TIMEOUT), 0)
        return values

    def start(self, kind, group, topic):
        self.counter += 1
        m = MEMBER_KINDS[kind](self.broker.bootstrap, group, topic, "%s-%d" % (kind, self.counter))
        m.start()
        self.members.append(m)
        return m

    def describe(self, group):
        with kafka_wire.Connection(self.broker.host, self.broker.port) as conn:
            return kafka_wire.describe_group(conn, group)

    def wait_stable(self, group, members, topic):
        """Waits until the group is Stable with exactly `members` (by client id), every partition
        assigned once; returns {member name: set(partitions)}."""
        names = sorted(m.name for m in members)
        deadline = time.monotonic() + TIMEOUT
        last = None
        while time.monotonic() < deadline:
            for m in members:
                m.check()
            err, state, ptype, protocol, described = self.describe(group)
            last = (state, protocol, [(d[1], parse_assignment(d[3])) for d in described])
            if state == "Stable" and sorted(d[1] for d in described) == names:
                assignment = {d[1]: parse_assignment(d[3]).get(topic, set()) for d in described}
                every = sorted(p for ps in assignment.values() for p in ps)
                if every == list(range(PARTITIONS)):
                    self.assertEqual((ptype, protocol), ("consumer", "range"))
                    return assignment
            time.sleep(0.1)
        self.fail("group %s not Stable with %s: %r" % (group, names, last))

    def wait_consumed(self, members, values, since):
        """Waits until `values` were all consumed (records after index since[m]); asserts each was
        consumed exactly once across the group. Returns {value: member name}."""
        wanted = set(values)
        deadline = time.monotonic() + TIMEOUT
        while True:
            for m in members:
                m.check()
            got = [(r[2], m.name, r[0]) for m in members for r in m.snapshot()[since.get(m.name, 0):]
                   if r[2] in wanted]
            if len({v for v, _, _ in got}) == len(wanted):
                break
            self.assertLess(time.monotonic(), deadline,
                            "consumed %d of %d" % (len({v for v, _, _ in got}), len(wanted)))
            time.sleep(0.1)
        time.sleep(1.0)  # a duplicate would show up now
        got = [(r[2], m.name, r[0]) for m in members for r in m.snapshot()[since.get(m.name, 0):] if r[2] in wanted]
        counts = {}
        for v, _, _ in got:
            counts[v] = counts.get(v, 0) + 1
        dupes = {v: c for v, c in counts.items() if c > 1}
        self.assertEqual(dupes, {}, "consumed more than once")
        return {v: (name, partition) for v, name, partition in got}

    def marks(self, members):
        return {m.name: len(m.snapshot()) for m in members}

    def committed(self, group, topic):
        with kafka_wire.Connection(self.broker.host, self.broker.port) as conn:
            return {p: o for p, (o, _, err) in kafka_wire.offset_fetch(conn, group, topic, range(PARTITIONS)).items()}

    def run_group(self, kinds, group):
        """The whole scenario for a group made of `kinds`; the last member leaves midway."""
        topic = "peers-" + group
        self.create_topic(topic)
        members = [self.start(k, group, topic) for k in kinds]
        assignment = self.wait_stable(group, members, topic)
        print("\n%s: %s" % (group, {n: sorted(p) for n, p in sorted(assignment.items())}), flush=True)
        # Range over 6 partitions: contiguous shares differing by at most one.
        for name, parts in assignment.items():
            self.assertIn(len(parts), (PARTITIONS // len(members), -(-PARTITIONS // len(members))), name)
            self.assertEqual(sorted(parts), list(range(min(parts), max(parts) + 1)), name)

        first = self.produce(topic, 600, "first")
        who = self.wait_consumed(members, first, {})
        for value, (name, partition) in who.items():
            self.assertIn(partition, assignment[name], "%s consumed partition %d" % (name, partition))
        for m in members:
            self.assertTrue(any(name == m.name for name, _ in who.values()), "%s consumed nothing" % m.name)

        # The last member leaves; the others take over its partitions.
        leaving = members[-1]
        leaving.stop()
        rest = members[:-1]
        assignment = self.wait_stable(group, rest, topic)
        print("%s after %s left: %s" % (group, leaving.name, {n: sorted(p) for n, p in sorted(assignment.items())}),
              flush=True)
        since = self.marks(rest)
        second = self.produce(topic, 120, "second")
        who = self.wait_consumed(rest, second, since)
        for value, (name, partition) in who.items():
            self.assertIn(partition, assignment[name])

        # Everyone closes (committing); OffsetFetch shows the end of every partition.
        for m in rest:
            m.stop()
        self.assertEqual(self.committed(group, topic), {p: 120 for p in range(PARTITIONS)})
        err, state, _, _, described = self.describe(group)
        self.assertEqual((state, described), ("Empty", []))

    # ---- tests

    def test_kcat_balanced_consumers(self):
        self.run_group(["kcat", "kcat"], "kcat-group")

    def test_kafka_python_consumers(self):
        self.run_group(["kafka-python", "kafka-python"], "kafka-python-group")

    def test_confluent_consumers(self):
        self.run_group(["confluent", "confluent"], "confluent-group")

    def test_mixed_group(self):
        self.run_group(MIXED_GROUP, "mixed-group")

    def test_static_member_restart_without_rebalance(self):
        """librdkafka static members (group.instance.id): a restarted instance takes its place
        back without a rebalance (KIP-345); the other member is not disturbed."""
        group, topic = "static-group", "peers-static"
        self.create_topic(topic)

        def static(instance):
            self.counter += 1
            m = ConfluentMember(self.broker.bootstrap, group, topic, "static-%d" % self.counter)
            m.instance_id = instance
            m.start()
            self.members.append(m)
            return m

        a, b = static("instance-a"), static("instance-b")
        before = self.wait_stable(group, [a, b], topic)
        self.produce(topic, 60, "warmup")
        self.wait_consumed([a, b], self.values_of("warmup", 60), {})
        assigns_a = a.assigns
        b.stop()  # a static member does not leave the group when it closes
        _, state, _, _, described = self.describe(group)
        self.assertEqual((state, len(described)), ("Stable", 2))
        b2 = static("instance-b")
        after = self.wait_stable(group, [a, b2], topic)
        self.assertEqual(after[b2.name], before[b.name])  # the same partitions came back
        self.assertEqual(after[a.name], before[a.name])
        self.assertEqual(a.assigns, assigns_a, "the running member was rebalanced")
        since = self.marks([a, b2])
        self.wait_consumed([a, b2], self.produce(topic, 60, "after"), since)
        for m in (a, b2):
            m.stop()

    @staticmethod
    def values_of(tag, n):
        return [b"%s-%d" % (tag.encode(), i) for i in range(n)]


if __name__ == "__main__":
    broker_fixture.main()
