"""kcat (librdkafka 2.x) against refbroker: metadata listing, keyed produce with every compression
codec, consume from the beginning / an offset / relative to the end, per partition.

Messages go in through kcat's multi-byte delimiters (-K key delimiter, -D message delimiter) and
come back through a length-prefixed -f format, so binary keys and values survive byte for byte.
"""

import glob
import json
import os
import random
import struct
import subprocess
import zlib

import broker_fixture
import kafka_wire
from broker_fixture import BrokerTestCase

PARTITIONS = 4
MESSAGES = 10000
FIND_COORDINATOR = 10
CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}

# Delimiters for kcat -P: multi-byte, and no generated key or value contains them.
MSG_DELIM = b"\x1e\xfe\xfd\xfc\x1e"
KEY_DELIM = b"\x1f\xfb\xfa\xf9\x1f"
# Output format: a text header with the lengths, then exactly that many key and value bytes.
OUT_FORMAT = r"%p %o %K %S\n%k%s\n"


def kcat_escape(delim):
    return "".join("\\x%02x" % b for b in delim)


def expected_partition(key, partitions=PARTITIONS):
    # librdkafka's default partitioner (consistent_random): CRC-32 of the key modulo the count.
    return zlib.crc32(key) % partitions


def generate_messages(seed, n=MESSAGES):
    """(key, value) pairs: text and binary keys (reused, to check key -> partition), values that are
    empty, short text, compressible text, random binary, and a few large ones."""
    rng = random.Random(seed)

    def clean(b):
        return MSG_DELIM not in b and KEY_DELIM not in b

    keys = ["user-%d" % i for i in range(200)]
    keys = [k.encode() for k in keys]
    while len(keys) < 400:
        k = bytes(rng.randrange(256) for _ in range(rng.randint(1, 24)))
        if clean(k) and k not in keys:
            keys.append(k)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"kafka", b"broker", b"\xc3\xa9t\xc3\xa9", b"\xe2\x82\xac"]
    out = []
    for i in range(n):
        key = keys[rng.randrange(len(keys))]
        kind = i % 10
        if kind == 0:
            value = b""
        elif kind in (1, 2):
            value = bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
        elif kind == 3 and i % 1000 == 3:
            value = b"".join(rng.choice(words) for _ in range(40000))  # ~250 KB
        else:
            value = (b"msg-%d|" % i) + b" ".join(rng.choice(words) for _ in range(rng.randint(1, 80)))
        record = key + KEY_DELIM + value + MSG_DELIM
        if record.find(MSG_DELIM) != len(record) - len(MSG_DELIM) or not clean(key) or KEY_DELIM in value:
            value = b"replaced-%d" % i
        out.append((key, value))
    return out


def parse_output(data):
    """[(partition, offset, key, value)] from kcat -f OUT_FORMAT output (key None when NULL)."""
    out = []
    pos = 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        p, o, klen, vlen = (int(x) for x in data[pos:nl].split(b" "))
        pos = nl + 1
        key = None if klen < 0 else data[pos:pos + klen]
        pos += max(klen, 0)
        value = None if vlen < 0 else data[pos:pos + vlen]
        pos += max(vlen, 0)
        if data[pos:pos + 1] != b"\n":
            raise AssertionError("kcat output out of sync at byte %d" % pos)
        pos += 1
        out.append((p, o, key, value))
    return out


def batch_codecs(data_dir, topic):
    """Compression codec of every RecordBatch stored in the topic's segment files."""
    codecs = []
    for path in glob.glob(os.path.join(data_dir, "%s-*" % topic, "*.log")):
        with open(path, "rb") as f:
            data = f.read()
        pos = 0
        while pos + 61 <= len(data):
            length = struct.unpack_from(">i", data, pos + 8)[0]
            magic = data[pos + 16]
            attributes = struct.unpack_from(">h", data, pos + 21)[0]
            assert magic == 2, "%s: magic %d at %d" % (path, magic, pos)
            codecs.append(attributes & 7)
            pos += 12 + length
    return codecs


class Kcat(BrokerTestCase):
    broker_config = {"num.partitions": PARTITIONS, "auto.create.topics.enable": "true"}

    def kcat(self, args, stdin=None, timeout=30):
        cmd = ["kcat", "-b", self.broker.bootstrap, "-m", "15", "-X", "enable.idempotence=false"] + args
        if os.environ.get("KCAT_DEBUG"):
            cmd += ["-d", os.environ["KCAT_DEBUG"]]
        try:
            proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = e.stdout or b""
            self.fail("%s timed out after %ds with %d bytes of output; stderr:\n%s\n%s"
                      % (" ".join(cmd), timeout, len(out), (e.stderr or b"").decode(errors="replace")[-6000:],
                         self.broker.stderr_text()))
        if proc.returncode != 0:
            self.fail("%s failed (%d): %s\n%s" % (" ".join(cmd), proc.returncode,
                                                   proc.stderr.decode(errors="replace")[-3000:],
                                                   self.broker.stderr_text()))
        return proc.stdout

    def produce(self, topic, messages, codec="none", extra=()):
        stream = b"".join(k + KEY_DELIM + v + MSG_DELIM for k, v in messages)
        self.kcat(["-P", "-t", topic, "-K", kcat_escape(KEY_DELIM), "-D", kcat_escape(MSG_DELIM),
                   "-X", "compression.codec=" + codec, "-X", "acks=all", "-X", "linger.ms=5"] + list(extra),
                  stdin=stream)

    def consume(self, topic, partition=None, offset="beginning", extra=()):
        args = ["-C", "-t", topic, "-o", str(offset), "-e", "-f", OUT_FORMAT] + list(extra)
        if partition is not None:
            args += ["-p", str(partition)]
        return parse_output(self.kcat(args))

    def check_topic(self, topic, messages, codec):
        # Expected content of each partition: messages in input order, by key hash.
        expected = {p: [] for p in range(PARTITIONS)}
        for k, v in messages:
            expected[expected_partition(k)].append((k, v))

        # 1. Everything, all partitions at once, from the beginning.
        got = self.consume(topic)
        self.assertEqual(len(got), len(messages), "message count for %s" % topic)
        by_partition = {p: [] for p in range(PARTITIONS)}
        for p, o, k, v in got:
            by_partition[p].append((o, k, v))
        key_partition = {}
        for p, recs in by_partition.items():
            recs.sort()  # kcat interleaves partitions; order within one is checked by offset
            self.assertEqual([o for o, _, _ in recs], list(range(len(recs))), "offsets of %s[%d]" % (topic, p))
            for o, k, v in recs:
                self.assertEqual(key_partition.setdefault(k, p), p, "key %r in two partitions" % k)
            # Empty values: kcat without -Z sends an empty (not NULL) value.
            self.assertEqual([(k, v) for _, k, v in recs], expected[p], "content of %s[%d]" % (topic, p))

        for p in range(PARTITIONS):
            exp = [(o, k, v) for o, (k, v) in enumerate(expected[p])]
            # 2. One partition from the beginning: in order, byte-identical.
            got = self.consume(topic, p)
            self.assertEqual([(o, k, v) for pp, o, k, v in got if pp == p], exp)
            self.assertTrue(all(pp == p for pp, _, _, _ in got))
            # 3. From an absolute offset in the middle.
            mid = len(exp) // 3 + p
            got = self.consume(topic, p, mid)
            self.assertEqual([(o, k, v) for _, o, k, v in got], exp[mid:], "%s[%d] from offset %d" % (topic, p, mid))
            # 4. Relative to the end, and with a count limit.
            got = self.consume(topic, p, -7)
            self.assertEqual([(o, k, v) for _, o, k, v in got], exp[-7:])
            got = self.consume(topic, p, 5, extra=["-c", "3"])
            self.assertEqual([(o, k, v) for _, o, k, v in got], exp[5:8])

        # The broker stores what the producer sent: batches compressed with the codec (librdkafka
        # sends a batch uncompressed when compression would not make it smaller).
        codecs = batch_codecs(self.broker.data_dir, topic)
        self.assertTrue(codecs, "no segment files found for %s" % topic)
        self.assertEqual(set(codecs) - {0, CODECS[codec]}, set(), "batch codecs in %s" % topic)
        if codec == "lz4" and not self.broker_advertises(FIND_COORDINATOR):
            # librdkafka enables its LZ4 feature only if the broker advertises FindCoordinator
            # (a proxy for Kafka >= 0.9); without it, it sends lz4 batches uncompressed.
            print("\nNOTE: refbroker does not advertise FindCoordinator, so librdkafka disabled LZ4 and sent "
                  "%d uncompressed batches" % len(codecs), flush=True)
        elif codec != "none":
            self.assertIn(CODECS[codec], codecs, "no %s batch stored in %s" % (codec, topic))

    def broker_advertises(self, api_key):
        with kafka_wire.Connection(self.broker.host, self.broker.port) as c:
            return api_key in kafka_wire.api_versions(c, 0)[1]

    def run_codec(self, codec):
        topic = "kcat-" + codec
        messages = generate_messages(seed=zlib.crc32(codec.encode()))
        self.produce(topic, messages, codec)
        self.check_topic(topic, messages, codec)

    def test_codec_none(self):
        self.run_codec("none")

    def test_codec_gzip(self):
        self.run_codec("gzip")

    def test_codec_snappy(self):
        self.run_codec("snappy")

    def test_codec_lz4(self):
        self.run_codec("lz4")

    def test_codec_zstd(self):
        self.run_codec("zstd")

    def test_same_key_same_partition_across_topics(self):
        # Two topics with the same partition count: a key lands in the same partition in both.
        msgs = [(b"key-%d" % (i % 50), b"v%d" % i) for i in range(500)]
        for t in ("kcat-keys-a", "kcat-keys-b"):
            self.produce(t, msgs, "lz4")
        placement = {}
        for t in ("kcat-keys-a", "kcat-keys-b"):
            for p, _, k, _ in self.consume(t):
                self.assertEqual(placement.setdefault(k, p), p, "key %r moved partition in %s" % (k, t))
                self.assertEqual(p, expected_partition(k))
        self.assertEqual(len(placement), 50)

    def test_full_binary_values_from_files(self):
        # Whole files are single messages: values with every byte value, delimiters included.
        import tempfile
        rng = random.Random(7)
        values = [bytes(range(256)) * 3, MSG_DELIM + KEY_DELIM + b"\n\x00",
                  bytes(rng.randrange(256) for _ in range(100000))]
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for i, v in enumerate(values):
                paths.append(os.path.join(tmp, "m%d" % i))
                with open(paths[-1], "wb") as f:
                    f.write(v)
            self.kcat(["-P", "-t", "kcat-binary", "-p", "1", "-k", "bin\x01key", "-X", "compression.codec=zstd"] + paths)
        got = self.consume("kcat-binary", 1)
        self.assertEqual([(o, k, v) for _, o, k, v in got], [(i, b"bin\x01key", v) for i, v in enumerate(values)])

    def test_metadata_listing(self):
        self.produce("kcat-meta", [(b"k", b"v")])
        text = self.kcat(["-L"]).decode()
        self.assertIn("1 brokers:", text)
        self.assertRegex(text, r"broker 1 at %s:%d" % (self.broker.host.replace(".", r"\."), self.broker.port))
        self.assertIn('topic "kcat-meta" with %d partitions:' % PARTITIONS, text)
        for p in range(PARTITIONS):
            self.assertRegex(text, r"partition %d, leader 1, replicas: 1, isrs: 1" % p)

        md = json.loads(self.kcat(["-L", "-J", "-t", "kcat-meta"]))
        self.assertEqual([(b["id"], b["name"]) for b in md["brokers"]], [(1, self.broker.bootstrap)])
        self.assertEqual(len(md["topics"]), 1)
        topic = md["topics"][0]
        self.assertEqual(topic["topic"], "kcat-meta")
        self.assertNotIn("error", topic)
        self.assertEqual(sorted(p["partition"] for p in topic["partitions"]), list(range(PARTITIONS)))
        for p in topic["partitions"]:
            self.assertEqual(p["leader"], 1)
            self.assertEqual([r["id"] for r in p["replicas"]], [1])
            self.assertEqual([r["id"] for r in p["isrs"]], [1])

    def test_query_offsets_by_timestamp(self):
        # kcat -Q: ListOffsets by timestamp. Timestamp 0 is before everything: offset 0.
        self.produce("kcat-query", [(b"k", b"v%d" % i) for i in range(10)])
        part = expected_partition(b"k")
        out = self.kcat(["-Q", "-t", "kcat-query:%d:0" % part]).decode()
        self.assertRegex(out, r"kcat-query \[%d\]\s+offset 0" % part)


if __name__ == "__main__":
    broker_fixture.main()
