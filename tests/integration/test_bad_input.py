"""Bad input over plain sockets: broken frames, unknown APIs and versions, and requests a broker
must refuse with a precise error code. Raw frames are built by hand (kafka_wire.py)."""

import socket
import struct

import broker_fixture
import kafka_wire as kw
from broker_fixture import BrokerTestCase

MAX_REQUEST = 200000      # socket.request.max.bytes for this broker
MAX_MESSAGE = 4096        # message.max.bytes for this broker


class BadInput(BrokerTestCase):
    broker_config = {
        "socket.request.max.bytes": MAX_REQUEST,
        "message.max.bytes": MAX_MESSAGE,
        "auto.create.topics.enable": "true",
        "num.partitions": 2,
    }

    def connect(self):
        return kw.Connection(self.broker.host, self.broker.port)

    def assert_serving(self):
        """A fresh connection still gets answers: the broker survived whatever came before."""
        self.broker_alive()
        with self.connect() as c:
            err, table = kw.api_versions(c, 0)
            self.assertEqual(err, kw.NONE)
            self.assertIn(kw.PRODUCE, table)

    def ensure_topic(self, name, partitions=1):
        with self.connect() as c:
            res = kw.create_topics(c, [(name, partitions)])
            self.assertIn(res[name][0], (kw.NONE, kw.TOPIC_ALREADY_EXISTS), res)

    # ---- framing

    def test_negative_frame_size_closes_connection(self):
        bystander = self.connect()  # an established connection that must not be affected
        with self.connect() as c:
            c.send_raw(struct.pack(">i", -1) + b"\x00" * 16)
            self.assertTrue(c.closed_by_peer(), "broker kept a connection with a negative frame size open")
        with self.connect() as c:
            c.send_raw(struct.pack(">i", -2147483648))
            self.assertTrue(c.closed_by_peer())
        err, _ = kw.api_versions(bystander, 0)
        self.assertEqual(err, kw.NONE)
        bystander.close()
        self.assert_serving()

    def test_oversized_frame_closes_connection(self):
        bystander = self.connect()
        with self.connect() as c:
            # Only the size prefix: the broker must not wait for (or allocate) the announced bytes.
            c.send_raw(struct.pack(">i", MAX_REQUEST + 1))
            self.assertTrue(c.closed_by_peer(), "broker kept a connection with an oversized frame open")
        with self.connect() as c:
            c.send_raw(struct.pack(">i", 0x7FFFFFFF) + b"\x00" * 1024)
            self.assertTrue(c.closed_by_peer())
        err, _ = kw.api_versions(bystander, 0)
        self.assertEqual(err, kw.NONE)
        bystander.close()
        self.assert_serving()

    def test_frame_at_the_limit_is_read(self):
        # A frame of exactly socket.request.max.bytes is allowed: a Produce whose one record makes
        # the frame that size is read in full and answered (MESSAGE_TOO_LARGE, as it is far above
        # message.max.bytes), and the connection stays usable.
        self.ensure_topic("wire-limit")

        def request(value_len):
            batch = kw.record_batch([(b"k", b"x" * value_len)])
            body = kw.string(None) + kw.i16(1) + kw.i32(10000)
            body += kw.array([kw.string("wire-limit") + kw.array([kw.i32(0) + kw.nbytes(batch)])])
            return kw.request_header(kw.PRODUCE, 7, 7) + body

        n = MAX_REQUEST - 200
        while len(request(n)) != MAX_REQUEST:
            n += MAX_REQUEST - len(request(n))
        with self.connect() as c:
            c.send_raw(kw.frame(request(n)))
            r = kw.Reader(c.recv_frame())
            self.assertEqual(r.i32(), 7)
            self.assertEqual(r.i32(), 1)
            self.assertEqual(r.string(), "wire-limit")
            self.assertEqual(r.i32(), 1)
            self.assertEqual(r.i32(), 0)
            self.assertEqual(r.i16(), kw.MESSAGE_TOO_LARGE)
            err, _ = kw.api_versions(c, 0)
            self.assertEqual(err, kw.NONE)
        self.assert_serving()

    def test_truncated_header_closes_connection(self):
        with self.connect() as c:
            c.send_raw(kw.frame(b"\x00\x12\x00"))  # 3 bytes: not even an api key + version
            self.assertTrue(c.closed_by_peer())
        self.assert_serving()

    def test_half_frame_then_disconnect(self):
        c = self.connect()
        c.send_raw(struct.pack(">i", 1000) + b"\x00" * 10)
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
        self.assert_serving()

    # ---- unknown APIs and versions

    def test_unknown_api_key(self):
        with self.connect() as c:
            r = c.request(9999, 0, b"")
            self.assertEqual(r.i16(), kw.UNSUPPORTED_VERSION)
            # The connection stays usable.
            err, _ = kw.api_versions(c, 0)
            self.assertEqual(err, kw.NONE)

    def test_unsupported_version_of_known_api(self):
        with self.connect() as c:
            # Metadata v9+ is flexible: a request header v2 (with tagged fields).
            r = c.request(kw.METADATA, 999, kw.uvarint(0), flexible=True)
            self.assertEqual(r.i16(), kw.UNSUPPORTED_VERSION)
            err, _ = kw.api_versions(c, 0)
            self.assertEqual(err, kw.NONE)

    def test_api_versions_v99_answers_v0_with_table(self):
        with self.connect() as c:
            err, table = kw.api_versions(c, 99)
            self.assertEqual(err, kw.UNSUPPORTED_VERSION)
            self.assertIn(kw.API_VERSIONS, table)
            lo, hi = table[kw.API_VERSIONS]
            self.assertEqual(lo, 0)
            self.assertGreaterEqual(hi, 3)
            for key in (kw.PRODUCE, kw.FETCH, kw.LIST_OFFSETS, kw.METADATA, kw.CREATE_TOPICS):
                self.assertIn(key, table)
            # The client can now retry with a version from the table, on the same connection.
            err, table0 = kw.api_versions(c, 0)
            self.assertEqual(err, kw.NONE)
            self.assertEqual(table, table0)

    # ---- topic names

    def test_illegal_topic_name_metadata(self):
        bad = ["bad/name", "..", "spaces are bad", "x" * 250]
        with self.connect() as c:
            md = kw.metadata(c, bad, allow_auto_create=True)
            for name in bad:
                self.assertIn(name, md["topics"])
                self.assertEqual(md["topics"][name][0], kw.INVALID_TOPIC_EXCEPTION, name)
            self.assertEqual(kw.metadata(c, None)["topics"].keys() & set(bad), set())

    def test_illegal_topic_name_create_topics(self):
        with self.connect() as c:
            res = kw.create_topics(c, [("bad/name", 1), (".", 1), ("y" * 250, 1), ("fine-name_1.x", 1)])
            self.assertEqual(res["bad/name"][0], kw.INVALID_TOPIC_EXCEPTION, res)
            self.assertEqual(res["."][0], kw.INVALID_TOPIC_EXCEPTION, res)
            self.assertEqual(res["y" * 250][0], kw.INVALID_TOPIC_EXCEPTION, res)
            self.assertEqual(res["fine-name_1.x"][0], kw.NONE, res)

    # ---- produce validation

    def test_valid_produce_roundtrip(self):
        # Baseline for the negative cases below: the hand-built batch is accepted and reads back.
        self.ensure_topic("wire-ok")
        recs = [(b"k%d" % i, bytes(range(i, i + 40))) for i in range(5)] + [(None, None), (b"", b"")]
        with self.connect() as c:
            err, base, msg = kw.produce(c, "wire-ok", 0, kw.record_batch(recs))
            self.assertEqual(err, kw.NONE, msg)
            self.assertEqual(base, 0)
            err, base, msg = kw.produce(c, "wire-ok", 0, kw.record_batch(recs[:2]))
            self.assertEqual((err, base), (kw.NONE, len(recs)), msg)
            self.assertEqual(kw.list_offsets(c, "wire-ok", 0, -1), (kw.NONE, len(recs) + 2))
            err, hw, data = kw.fetch(c, "wire-ok", 0, 0)
            self.assertEqual((err, hw), (kw.NONE, len(recs) + 2))
            got = kw.parse_record_batches(data)
            self.assertEqual(got, [(i, k, v) for i, (k, v) in enumerate(recs + recs[:2])])

    def test_corrupt_crc(self):
        self.ensure_topic("wire-crc")
        batch = bytearray(kw.record_batch([(b"key", b"value-" * 20)]))
        batch[-10] ^= 0x55  # a byte of the record value: the CRC no longer matches
        with self.connect() as c:
            err, base, msg = kw.produce(c, "wire-crc", 0, bytes(batch))
            self.assertEqual(err, kw.CORRUPT_MESSAGE, msg)
            self.assertEqual(base, -1)
            # Nothing was appended, and the connection still works.
            self.assertEqual(kw.list_offsets(c, "wire-crc", 0, -1), (kw.NONE, 0))
        # A wrong CRC field (records intact) is caught too.
        batch = bytearray(kw.record_batch([(b"key", b"value")]))
        batch[17] ^= 0xFF  # first byte of the CRC (8 offset + 4 length + 4 epoch + 1 magic)
        with self.connect() as c:
            err, _, msg = kw.produce(c, "wire-crc", 0, bytes(batch))
            self.assertEqual(err, kw.CORRUPT_MESSAGE, msg)
        self.assert_serving()

    def test_message_too_large(self):
        self.ensure_topic("wire-large")
        with self.connect() as c:
            err, _, msg = kw.produce(c, "wire-large", 0, kw.record_batch([(b"k", b"v" * (MAX_MESSAGE // 2))]))
            self.assertEqual(err, kw.NONE, msg)
            err, base, msg = kw.produce(c, "wire-large", 0, kw.record_batch([(b"k", b"v" * (MAX_MESSAGE * 2))]))
            self.assertEqual(err, kw.MESSAGE_TOO_LARGE, msg)
            self.assertEqual(base, -1)
            self.assertEqual(kw.list_offsets(c, "wire-large", 0, -1), (kw.NONE, 1))
        self.assert_serving()

    def test_produce_unknown_partition(self):
        self.ensure_topic("wire-parts", 2)
        with self.connect() as c:
            err, _, msg = kw.produce(c, "wire-parts", 7, kw.record_batch([(b"k", b"v")]))
            self.assertEqual(err, kw.UNKNOWN_TOPIC_OR_PARTITION, msg)


class Pipelining(BrokerTestCase):
    """Requests sent back to back without waiting (as librdkafka does) are all answered, in order.
    A Fetch (which may long-poll) behind other requests in the same read is the interesting case."""

    def test_pipelined_requests_answered_in_order(self):
        with kw.Connection(self.broker.host, self.broker.port) as c:
            self.assertEqual(kw.create_topics(c, [("pipe", 1)])["pipe"][0], kw.NONE)
            self.assertEqual(kw.produce(c, "pipe", 0, kw.record_batch([(b"k", b"v")]))[0], kw.NONE)
            list_offsets = kw.i32(-1) + kw.array([kw.string("pipe") + kw.array([kw.i32(0) + kw.i64(-1)])])
            fetch = (kw.i32(-1) + kw.i32(500) + kw.i32(1) + kw.i32(1 << 20) + kw.i8(0)
                     + kw.array([kw.string("pipe") + kw.array([kw.i32(0) + kw.i64(0) + kw.i32(1 << 20)])]))
            frames = [(101, kw.LIST_OFFSETS, 1, list_offsets), (102, kw.LIST_OFFSETS, 1, list_offsets),
                      (103, kw.FETCH, 4, fetch), (104, kw.API_VERSIONS, 0, b""), (105, kw.FETCH, 4, fetch)]
            c.send_raw(b"".join(kw.frame(kw.request_header(api, v, corr) + body) for corr, api, v, body in frames))
            c.sock.settimeout(5)
            for corr, api, _, _ in frames:
                try:
                    frame = c.recv_frame()
                except socket.timeout:
                    self.fail("no response to pipelined request %d (api %d): the broker lost it" % (corr, api))
                r = kw.Reader(frame)
                self.assertEqual(r.i32(), corr, "expected the response to pipelined request %d (api %d) next: "
                                 "it was lost or reordered" % (corr, api))
                if api == kw.FETCH:
                    r.i32()
                    r.i32()
                    r.string()
                    r.i32()
                    self.assertEqual(r.i32(), 0)
                    self.assertEqual(r.i16(), kw.NONE)
                    self.assertEqual(r.i64(), 1)  # high watermark
                    r.i64()
                    r.array(lambda x: (x.i64(), x.i64()))
                    self.assertEqual(kw.parse_record_batches(r.bytes()), [(0, b"k", b"v")])

    def test_many_pipelined_produces(self):
        with kw.Connection(self.broker.host, self.broker.port) as c:
            self.assertEqual(kw.create_topics(c, [("pipe-many", 1)])["pipe-many"][0], kw.NONE)
            n = 200
            reqs = []
            for i in range(n):
                body = kw.string(None) + kw.i16(1) + kw.i32(10000)
                body += kw.array([kw.string("pipe-many") + kw.array(
                    [kw.i32(0) + kw.nbytes(kw.record_batch([(b"k%d" % i, b"v" * 100)]))])])
                reqs.append(kw.frame(kw.request_header(kw.PRODUCE, 7, 1000 + i) + body))
            c.send_raw(b"".join(reqs))
            for i in range(n):
                r = kw.Reader(c.recv_frame())
                self.assertEqual(r.i32(), 1000 + i)
                r.i32()
                r.string()
                r.i32()
                r.i32()
                self.assertEqual(r.i16(), kw.NONE)
                self.assertEqual(r.i64(), i)  # base offsets in request order


class NoAutoCreate(BrokerTestCase):
    broker_config = {"auto.create.topics.enable": "false"}

    def test_produce_to_unknown_topic(self):
        with kw.Connection(self.broker.host, self.broker.port) as c:
            err, base, msg = kw.produce(c, "does-not-exist", 0, kw.record_batch([(b"k", b"v")]))
            self.assertEqual(err, kw.UNKNOWN_TOPIC_OR_PARTITION, msg)
            self.assertEqual(base, -1)
            # Metadata must not have created it either.
            md = kw.metadata(c, ["does-not-exist"], allow_auto_create=True)
            self.assertEqual(md["topics"]["does-not-exist"][0], kw.UNKNOWN_TOPIC_OR_PARTITION)
            self.assertNotIn("does-not-exist", kw.metadata(c, None)["topics"])


if __name__ == "__main__":
    broker_fixture.main()
