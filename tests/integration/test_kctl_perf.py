"""`kctl perf produce` and `kctl perf consume` against a real refbroker: the summary lines parse in
Kafka's formats and their counts match what was produced; --throughput paces; delivery errors
are counted and fail the run; too few messages within the timeout fail the consumer; bad input
exits 2 and an unreachable broker fails within --timeout-ms.

kctl comes from $KCTL (CMake passes $<TARGET_FILE:kctl>)."""

import datetime
import os
import re
import socket
import subprocess
import tempfile
import time
import unittest

from confluent_kafka.admin import AdminClient, NewTopic

import broker_fixture
from broker_fixture import BrokerTestCase

KCTL = os.environ.get("KCTL")
TIMEOUT = 30

PRODUCE_SUMMARY = re.compile(
    r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$", re.M)
PROGRESS = re.compile(r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
                      r"([\d.]+) ms max latency\.$", re.M)
CONSUME_HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
                  "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
CONSUME_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}), (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}), ([\d.]+), ([\d.]+), "
    r"(\d+), ([\d.]+), (\d+), (-?\d+), ([\d.]+), ([\d.]+)$", re.M)


def kctl(*args, timeout=90):
    p = subprocess.run([KCTL, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class Perf(BrokerTestCase):
    broker_config = {"refbroker.log.fsync": "false"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = AdminClient({"bootstrap.servers": cls.broker.bootstrap})
        topics = [NewTopic("perf", 3, 1), NewTopic("paced", 1, 1), NewTopic("payloads", 1, 1), NewTopic("txn", 1, 1),
                  NewTopic("small", 1, 1, config={"max.message.bytes": "1000"})]
        for _, fut in admin.create_topics(topics, operation_timeout=10).items():
            fut.result(TIMEOUT)

    def produce(self, *args):
        return kctl("perf", "produce", "--bootstrap-server", self.broker.bootstrap, *args)

    def consume(self, *args):
        return kctl("perf", "consume", "--bootstrap-server", self.broker.bootstrap, *args)

    def summary(self, out):
        m = PRODUCE_SUMMARY.search(out)
        self.assertIsNotNone(m, "no summary line in:\n" + out)
        n, rps, mbps, avg, mx, p50, p95, p99, p999 = m.groups()
        self.assertEqual(float(rps) > 0, int(n) > 0, m.group(0))
        self.assertLessEqual(float(avg), float(mx))
        self.assertTrue(int(p50) <= int(p95) <= int(p99) <= int(p999) <= float(mx), m.group(0))
        return int(n), float(rps), float(mbps)

    def consumed(self, out):
        self.assertIn(CONSUME_HEADER, out)
        m = CONSUME_LINE.search(out)
        self.assertIsNotNone(m, "no summary line in:\n" + out)
        g = m.groups()
        start, end = (datetime.datetime.strptime(t, "%Y-%m-%d %H:%M:%S:%f") for t in g[:2])
        elapsed_ms = round((end - start).total_seconds() * 1000)
        # The run's time is the group join plus the fetching.
        self.assertEqual(int(g[6]) + int(g[7]), elapsed_ms, m.group(0))
        return {"mb": float(g[2]), "n": int(g[4]), "rebalance_ms": int(g[6]), "fetch_ms": int(g[7])}

    def test_1_produce_then_consume(self):
        rc, out, err = self.produce("--topic", "perf", "--num-records", "20000", "--record-size", "100",
                                    "--throughput", "-1", "--producer-props", "acks=all", "linger.ms=5",
                                    "--producer-props", "compression.type=lz4")
        self.assertEqual(rc, 0, out + err)
        n, rps, mbps = self.summary(out)
        self.assertEqual(n, 20000)
        self.assertGreater(mbps, 0)

        rc, out, err = self.consume("--topic", "perf", "--messages", "20000", "--group", "perf-g1")
        self.assertEqual(rc, 0, out + err)
        c = self.consumed(out)
        self.assertEqual(c["n"], 20000)
        self.assertAlmostEqual(c["mb"], 20000 * 100 / 1048576, places=3)

        # Without a group: every partition from the beginning.
        rc, out, err = self.consume("--topic", "perf", "--messages", "20000", "--assign")
        self.assertEqual(rc, 0, out + err)
        c = self.consumed(out)
        self.assertEqual(c["n"], 20000)
        self.assertEqual(c["rebalance_ms"], 0)

        # More than there are: the run ends after --timeout-ms without records, and fails.
        rc, out, err = self.consume("--topic", "perf", "--messages", "20001", "--assign", "--timeout-ms", "1500",
                                    "--hide-header")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("WARNING: Exiting before consuming the expected number of messages", out)
        self.assertNotIn(CONSUME_HEADER, out)
        self.assertEqual(int(CONSUME_LINE.search(out).group(5)), 20000)
        self.assertIn("20000 of 20001 messages", err)

    def test_throughput_is_paced(self):
        t0 = time.monotonic()
        rc, out, err = self.produce("--topic", "paced", "--num-records", "400", "--record-size", "10",
                                    "--throughput", "1000")
        elapsed = time.monotonic() - t0
        self.assertEqual(rc, 0, out + err)
        n, rps, _ = self.summary(out)
        self.assertEqual(n, 400)
        self.assertLess(rps, 1000 * 1.15, out)
        self.assertGreater(elapsed, 0.35)

    def test_progress_line(self):
        # ~5.5 s at 2000 records/s: one 5-second window is reported before the summary.
        rc, out, err = self.produce("--topic", "paced", "--num-records", "11000", "--record-size", "10",
                                    "--throughput", "2000", "--print-progress")
        self.assertEqual(rc, 0, out + err)
        windows = PROGRESS.findall(out)
        self.assertGreaterEqual(len(windows), 1, out)
        n, rps, mbps, avg, mx = windows[0]
        self.assertGreater(int(n), 8000)
        self.assertLess(float(rps), 2000 * 1.15)
        self.assertLessEqual(float(avg), float(mx))
        self.assertEqual(self.summary(out)[0], 11000)
        # Not on a terminal and without --print-progress: the summary only.
        rc, out, err = self.produce("--topic", "paced", "--num-records", "10", "--record-size", "10")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(len(out.strip().splitlines()), 1, out)

    def test_payload_file_and_config_file(self):
        with tempfile.TemporaryDirectory() as d:
            payloads = os.path.join(d, "payloads.txt")
            with open(payloads, "w") as f:
                f.write("alpha|beta|gamma")
            config = os.path.join(d, "producer.properties")
            with open(config, "w") as f:
                f.write("# producer settings\nenable.idempotence=true\nlinger.ms: 2\n")
            rc, out, err = self.produce("--topic", "payloads", "--num-records", "300", "--payload-file", payloads,
                                        "--payload-delimiter", "|", "--producer.config", config)
            self.assertEqual(rc, 0, out + err)
            self.assertIn("Number of messages read: 3", out)
            n, _, _ = self.summary(out)
            self.assertEqual(n, 300)
            consumer_config = os.path.join(d, "consumer.properties")
            with open(consumer_config, "w") as f:
                f.write("fetch.wait.max.ms=50\n")
            rc, out, err = self.consume("--topic", "payloads", "--messages", "300", "--consumer.config",
                                        consumer_config)
            self.assertEqual(rc, 0, out + err)
            c = self.consumed(out)
            self.assertEqual(c["n"], 300)
            self.assertGreater(c["mb"], 300 * 4 / 1048576)
            self.assertLess(c["mb"], 300 * 5 / 1048576 + 1e-6)

    def test_transactions(self):
        rc, out, err = self.produce("--topic", "txn", "--num-records", "2000", "--record-size", "20",
                                    "--throughput", "8000", "--transaction-duration-ms", "100")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.summary(out)[0], 2000)
        with tempfile.NamedTemporaryFile("w", suffix=".properties") as f:
            f.write("isolation.level=read_committed\n")
            f.flush()
            rc, out, err = self.consume("--topic", "txn", "--messages", "2000", "--assign", "--consumer.config", f.name)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.consumed(out)["n"], 2000)
        # The live broker's active segment: a COMMIT marker per transaction (~0.25 s of 0.1 s transactions).
        log = os.path.join(self.broker.data_dir, "txn-0", "00000000000000000000.log")
        rc, out, err = kctl("dump-log", "--files", log, "--deep-iteration")
        self.assertEqual(rc, 0, out + err)
        commits = out.count("endTxnMarker: COMMIT")
        self.assertGreaterEqual(commits, 2, out[-2000:])
        self.assertEqual(len([l for l in out.splitlines() if l.startswith("| offset:")]), 2000 + commits)
        self.assertNotIn("isTransactional: false", out)

    def test_delivery_errors_fail_the_run(self):
        # The topic takes at most 1000-byte batches: every record is refused.
        rc, out, err = self.produce("--topic", "small", "--num-records", "5", "--record-size", "2000")
        self.assertEqual(rc, 1, out + err)
        n, _, _ = self.summary(out)
        self.assertEqual(n, 0)
        self.assertIn("delivery failed:", err)
        self.assertIn("5 of 5 records failed delivery", err)

    def test_bad_input(self):
        cases = [
            ("produce", "--num-records", "1", "--record-size", "1"),                       # no --topic
            ("produce", "--topic", "perf", "--record-size", "1"),                          # no --num-records
            ("produce", "--topic", "perf", "--num-records", "1"),                          # no payload
            ("produce", "--topic", "perf", "--num-records", "0", "--record-size", "1"),
            ("produce", "--topic", "perf", "--num-records", "1", "--record-size", "1", "--payload-file", "x"),
            ("produce", "--topic", "perf", "--num-records", "1", "--record-size", "1", "--throughput", "0"),
            ("produce", "--topic", "perf", "--num-records", "1", "--record-size", "1", "--throughput", "fast"),
            ("produce", "--topic", "perf", "--num-records", "1", "--record-size", "1", "--producer-props", "acks"),
            ("produce", "--topic", "perf", "--num-records", "1", "--record-size", "1", "--producer-props",
             "no.such.property=1"),
            ("produce", "--topic", "perf", "--num-records", "1", "--record-size", "1", "stray"),
            ("consume", "--topic", "perf"),                                                # no --messages
            ("consume", "--topic", "perf", "--messages", "x"),
            ("consume", "--topic", "perf", "--messages", "1", "--assign", "--group", "g"),
        ]
        for case in cases:
            with self.subTest(case=case):
                rc, out, err = kctl("perf", case[0], "--bootstrap-server", self.broker.bootstrap, *case[1:],
                                    timeout=20)
                self.assertEqual(rc, 2, out + err)
                self.assertIn("usage: kctl perf " + case[0], err)
        rc, out, err = kctl("perf", "produce", "--topic", "perf", "--num-records", "1", "--record-size", "1")
        self.assertEqual(rc, 2)
        self.assertIn("--bootstrap-server is required", err)

    def test_unreachable_broker(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        for args in (("produce", "--num-records", "10", "--record-size", "10"), ("consume", "--messages", "10")):
            with self.subTest(cmd=args[0]):
                t0 = time.monotonic()
                rc, out, err = kctl("perf", args[0], "--bootstrap-server", "127.0.0.1:%d" % port, "--topic", "perf",
                                    "--timeout-ms", "1500", *args[1:], timeout=30)
                self.assertEqual(rc, 1, out + err)
                self.assertLess(time.monotonic() - t0, 10)


if __name__ == "__main__":
    if not KCTL:
        raise SystemExit("set KCTL to the kctl binary")
    broker_fixture.main()
