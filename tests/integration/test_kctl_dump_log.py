"""`kctl dump-log` on segments written by a real refbroker: compressed (gzip, snappy, lz4, zstd),
idempotent and transactional batches (commit and abort markers, partition.txnindex), the offset
and time indexes with their checks, and damaged copies (a corrupted index, a truncated log, a
flipped byte). Records are produced with python3-confluent-kafka; the broker is stopped cleanly
before its files are read.

kctl comes from $KCTL (CMake passes $<TARGET_FILE:kctl>)."""

import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

import broker_fixture
from broker_fixture import RefBroker

KCTL = os.environ.get("KCTL")
TIMEOUT = 30
CODECS = ("gzip", "snappy", "lz4", "zstd")
SEGMENT = "00000000000000000000"


def value(i):
    """Compressible, so that the producer keeps the compressed batch (it sends a batch
    uncompressed when compression would not make it smaller)."""
    return b"value-%d-" % i + b"abc" * 50


def kctl(*args):
    p = subprocess.run([KCTL, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def fields(line):
    """'a: 1 b: x' -> {'a': '1', 'b': 'x'} for the 'name: value' pairs of a dump-log line."""
    return dict(re.findall(r"(\w+): (\S+)", line))


def batch_lines(out):
    return [fields(l) for l in out.splitlines() if l.startswith("baseOffset:")]


def record_lines(out):
    return [l for l in out.splitlines() if l.startswith("| offset:")]


class DumpLog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Every batch after a segment's first gets an index entry (index.interval.bytes=1).
        cls.broker = RefBroker(config={"num.partitions": 1, "log.index.interval.bytes": 1,
                                       "refbroker.log.fsync": "false"})
        cls.broker.start()
        try:
            cls.produce_all()
        finally:
            cls.broker.stop()

    @classmethod
    def tearDownClass(cls):
        cls.broker.cleanup()

    @classmethod
    def produce_all(cls):
        b = cls.broker.bootstrap
        admin = AdminClient({"bootstrap.servers": b})
        topics = ["z-" + c for c in CODECS] + ["idem", "txn"]
        for name, fut in admin.create_topics([NewTopic(t, 1, 1) for t in topics], operation_timeout=10).items():
            fut.result(TIMEOUT)
        for codec in CODECS:
            p = Producer({"bootstrap.servers": b, "compression.type": codec, "linger.ms": 100})
            for i in range(20):
                p.produce("z-" + codec, key=b"k%d" % i, value=value(i),
                          headers=[("h1", b"x"), ("h2", None)] if i == 0 else None)
            assert p.flush(TIMEOUT) == 0
        # Idempotent: one batch per flush, sequences continue across batches.
        p = Producer({"bootstrap.servers": b, "enable.idempotence": True, "linger.ms": 0})
        for i in range(6):
            p.produce("idem", value=b"idem-%d" % i)
            if i % 2 == 1:
                assert p.flush(TIMEOUT) == 0
        # Transactional: 3 records committed, then 2 aborted.
        p = Producer({"bootstrap.servers": b, "transactional.id": "dump-log-txn", "linger.ms": 0})
        p.init_transactions(TIMEOUT)
        p.begin_transaction()
        for i in range(3):
            p.produce("txn", value=b"committed-%d" % i)
        p.commit_transaction(TIMEOUT)
        p.begin_transaction()
        for i in range(2):
            p.produce("txn", value=b"aborted-%d" % i)
        p.flush(TIMEOUT)
        p.abort_transaction(TIMEOUT)

    def seg(self, topic, ext):
        return os.path.join(self.broker.data_dir, topic + "-0", SEGMENT + ext)

    def copy_segment(self, topic):
        """The segment's files copied to a temporary directory, for damaging."""
        d = tempfile.mkdtemp(prefix="kctl-dump-")
        self.addCleanup(shutil.rmtree, d, True)
        for ext in (".log", ".index", ".timeindex"):
            shutil.copy(self.seg(topic, ext), d)
        return lambda ext: os.path.join(d, SEGMENT + ext)

    # ---- .log

    def test_compressed_batches(self):
        for codec in CODECS:
            with self.subTest(codec=codec):
                rc, out, err = kctl("dump-log", "--files", self.seg("z-" + codec, ".log"), "--print-data-log")
                self.assertEqual(rc, 0, err)
                self.assertIn("Log starting offset: 0", out)
                batches = batch_lines(out)
                self.assertGreaterEqual(len(batches), 1)
                for bl in batches:
                    self.assertEqual(bl["compresscodec"], codec)
                    self.assertEqual(bl["isvalid"], "true")
                    self.assertEqual(bl["magic"], "2")
                    self.assertEqual(bl["isTransactional"], "false")
                    self.assertIn("CreateTime", bl)
                self.assertEqual(sum(int(bl["count"]) for bl in batches), 20)
                self.assertEqual(batch_lines(out)[-1]["lastOffset"], "19")
                recs = record_lines(out)
                self.assertEqual(len(recs), 20)
                for i, line in enumerate(recs):
                    f = fields(line)
                    self.assertEqual(f["offset"], str(i))
                    self.assertEqual(f["keySize"], str(len("k%d" % i)))
                    self.assertEqual(f["valueSize"], str(len(value(i))))
                    self.assertEqual(f["key"], "k%d" % i)
                    self.assertEqual(f["payload"], value(i).decode())
                self.assertIn("headerKeys: [h1,h2]", recs[0])
                self.assertIn("headerKeys: []", recs[1])
                # Positions add up: each batch starts where the previous one ended.
                pos = 0
                for bl in batches:
                    self.assertEqual(int(bl["position"]), pos)
                    pos += int(bl["size"])
                self.assertEqual(pos, os.path.getsize(self.seg("z-" + codec, ".log")))

    def test_idempotent_batches(self):
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".log"), "--deep-iteration")
        self.assertEqual(rc, 0, err)
        batches = batch_lines(out)
        self.assertEqual(sum(int(b["count"]) for b in batches), 6)
        self.assertGreaterEqual(len(batches), 3)
        pid = batches[0]["producerId"]
        self.assertGreaterEqual(int(pid), 0)
        expected_seq = 0
        for b in batches:
            self.assertEqual(b["producerId"], pid)
            self.assertEqual(b["producerEpoch"], "0")
            self.assertEqual(int(b["baseSequence"]), expected_seq)
            self.assertEqual(int(b["lastSequence"]), expected_seq + int(b["count"]) - 1)
            expected_seq += int(b["count"])
        recs = [fields(l) for l in record_lines(out)]
        self.assertEqual([r["sequence"] for r in recs], [str(i) for i in range(6)])
        # --deep-iteration alone prints no keys or payloads.
        self.assertNotIn("payload:", out)

    def test_transactional_batches_and_markers(self):
        rc, out, err = kctl("dump-log", "--files", self.seg("txn", ".log"), "--print-data-log")
        self.assertEqual(rc, 0, err)
        batches = batch_lines(out)
        data = [b for b in batches if b["isControl"] == "false"]
        control = [b for b in batches if b["isControl"] == "true"]
        self.assertEqual(sum(int(b["count"]) for b in data), 5)
        self.assertEqual(len(control), 2)
        pid = data[0]["producerId"]
        for b in batches:
            self.assertEqual(b["isTransactional"], "true")
            self.assertEqual(b["producerId"], pid)
        for b in control:
            self.assertEqual(b["baseSequence"], "-1")
            self.assertEqual(b["count"], "1")
        markers = [l for l in record_lines(out) if "endTxnMarker" in l]
        self.assertEqual(len(markers), 2)
        self.assertIn("endTxnMarker: COMMIT coordinatorEpoch:", markers[0])
        self.assertIn("endTxnMarker: ABORT coordinatorEpoch:", markers[1])
        self.assertNotIn("payload:", markers[0])  # control records have no data to print
        self.assertEqual(fields(markers[0])["offset"], "3")
        self.assertEqual(fields(markers[1])["offset"], "6")
        self.assertIn("payload: aborted-1", out)

        # The aborted transaction in refbroker's partition.txnindex.
        txn_index = os.path.join(self.broker.data_dir, "txn-0", "partition.txnindex")
        rc, out, err = kctl("dump-log", "--files", txn_index)
        self.assertEqual(rc, 0, err)
        entries = [fields(l) for l in out.splitlines() if l.startswith("version:")]
        self.assertEqual(len(entries), 1, out)
        self.assertEqual(entries[0]["producerId"], pid)
        self.assertEqual(entries[0]["firstOffset"], "4")
        self.assertEqual(entries[0]["lastOffset"], "6")

    # ---- indexes

    def test_offset_and_time_index(self):
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".log"))
        positions = {int(b["position"]): int(b["lastOffset"]) for b in batch_lines(out)}
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".index"))
        self.assertEqual(rc, 0, err)
        entries = [fields(l) for l in out.splitlines() if l.startswith("offset:")]
        self.assertGreaterEqual(len(entries), 2, out)
        for e in entries:
            self.assertEqual(positions.get(int(e["position"])), int(e["offset"]), (e, positions))
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".index"), "--index-sanity-check")
        self.assertEqual(rc, 0, err)
        self.assertIn("passed sanity check.", out)
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".index"), "--verify-index-only")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("offset:", out)

        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".timeindex"))
        self.assertEqual(rc, 0, err + out)
        ts = [fields(l) for l in out.splitlines() if l.startswith("timestamp:")]
        self.assertGreaterEqual(len(ts), 1, out)
        # Each entry names the last offset of a batch (two batches in one millisecond share an
        # entry, so not every batch has one); timestamps increase.
        last_offsets = set(positions.values())
        for e in ts:
            self.assertIn(int(e["offset"]), last_offsets, out)
        stamps = [int(e["timestamp"]) for e in ts]
        self.assertEqual(stamps, sorted(set(stamps)))
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".timeindex"), "--index-sanity-check")
        self.assertEqual(rc, 0, err)
        self.assertIn("passed sanity check.", out)

    def test_corrupted_index(self):
        path = self.copy_segment("idem")
        with open(path(".index"), "r+b") as f:
            raw = f.read()
            self.assertGreaterEqual(len(raw), 16)
            rel, pos = struct.unpack(">ii", raw[8:16])
            f.seek(12)
            f.write(struct.pack(">i", pos + 1))  # the second entry now points inside a batch
        rc, out, err = kctl("dump-log", "--files", path(".index"))
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Mismatches in :", err)
        self.assertIn("Index offset: %d, log offset: -1" % rel, err)
        self.assertIn("offset: %d position: %d" % (rel, pos + 1), out)

        # Entries out of order fail the sanity check.
        with open(path(".index"), "r+b") as f:
            f.write(raw[8:16] + raw[0:8])
        rc, out, err = kctl("dump-log", "--files", path(".index"), "--index-sanity-check")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("failed sanity check", out)

        # A time index entry whose offset is no batch's last offset.
        with open(path(".timeindex"), "r+b") as f:
            ts_raw = f.read(12)
            ts, rel = struct.unpack(">qi", ts_raw)
            f.seek(8)
            f.write(struct.pack(">i", 1000))
        rc, out, err = kctl("dump-log", "--files", path(".timeindex"), "--verify-index-only")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Indexed offset: 1000, found log offset: -1", err)

    # ---- damaged logs

    def test_truncated_log(self):
        path = self.copy_segment("z-gzip")
        size = os.path.getsize(path(".log"))
        rc, out, err = kctl("dump-log", "--files", path(".log"))
        full = batch_lines(out)
        with open(path(".log"), "r+b") as f:
            f.truncate(size - 10)
        rc, out, err = kctl("dump-log", "--files", path(".log"), "--print-data-log")
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(len(batch_lines(out)), len(full) - 1)
        last = full[-1]
        self.assertIn("position: %s error: a truncated batch" % last["position"], out)
        self.assertIn("Found %d invalid bytes at the end of %s.log" % (int(last["size"]) - 10, SEGMENT), out)

        # A header cut short.
        with open(path(".log"), "r+b") as f:
            f.truncate(int(last["position"]) + 5)
        rc, out, err = kctl("dump-log", "--files", path(".log"))
        self.assertEqual(rc, 1)
        self.assertIn("Found 5 invalid bytes", out)

    def test_corrupt_byte_in_batch(self):
        path = self.copy_segment("z-lz4")
        rc, out, err = kctl("dump-log", "--files", path(".log"))
        first = batch_lines(out)[0]
        with open(path(".log"), "r+b") as f:
            f.seek(int(first["size"]) - 3)  # inside the first batch's compressed records
            b = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([b[0] ^ 0xFF]))
        rc, out, err = kctl("dump-log", "--files", path(".log"), "--print-data-log")
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(batch_lines(out)[0]["isvalid"], "false")
        self.assertIn("position: 0 error: CRC mismatch", out)

    # ---- bad input

    def test_bad_input(self):
        rc, out, err = kctl("dump-log")
        self.assertEqual(rc, 2)
        self.assertIn("--files is required", err)
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".log"), "--no-such-option")
        self.assertEqual(rc, 2)
        self.assertIn("unknown option --no-such-option", err)
        rc, out, err = kctl("dump-log", "--files", "/nonexistent/00000000000000000000.log")
        self.assertEqual(rc, 1)
        self.assertIn("cannot open /nonexistent/00000000000000000000.log", out)
        rc, out, err = kctl("dump-log", "--files", self.seg("idem", ".log"), "--max-bytes", "x")
        self.assertEqual(rc, 2)
        # A file that is no segment at all: garbage is reported, not trusted.
        junk = tempfile.NamedTemporaryFile(suffix=".log", delete=False)
        self.addCleanup(os.unlink, junk.name)
        junk.write(b"\x00" * 8 + b"\x7f\xff\xff\xff" + b"junk" * 20)
        junk.close()
        rc, out, err = kctl("dump-log", "--files", junk.name)
        self.assertEqual(rc, 1)
        self.assertIn("position: 0 error: a truncated batch", out)


if __name__ == "__main__":
    if not KCTL:
        raise SystemExit("set KCTL to the kctl binary")
    broker_fixture.main()
