"""Just enough of the Kafka wire protocol, by hand with struct, to talk to a broker over a plain
socket: request headers, a few requests in non-flexible versions, RecordBatch v2 with CRC-32C.

Used by the bad-input tests, which need to send frames no well-behaved client would send.
"""

import socket
import struct
import time

# ---- error codes used by the tests
NONE = 0
CORRUPT_MESSAGE = 2
UNKNOWN_TOPIC_OR_PARTITION = 3
MESSAGE_TOO_LARGE = 10
INVALID_TOPIC_EXCEPTION = 17
TOPIC_ALREADY_EXISTS = 36
UNSUPPORTED_VERSION = 35

# ---- API keys
PRODUCE, FETCH, LIST_OFFSETS, METADATA = 0, 1, 2, 3
OFFSET_COMMIT, OFFSET_FETCH, DESCRIBE_GROUPS = 8, 9, 15
API_VERSIONS, CREATE_TOPICS = 18, 19

# ---- CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, table-driven
_CRC32C_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard check value


# ---- primitive encoders

def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def nbytes(b):
    if b is None:
        return i32(-1)
    return i32(len(b)) + b


def array(items, enc=lambda x: x):
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(enc(x) for x in items)


def uvarint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint(v):  # zigzag
    return uvarint((v << 1) ^ (v >> 63))


def compact_string(s):
    if s is None:
        return uvarint(0)
    b = s.encode()
    return uvarint(len(b) + 1) + b


# ---- primitive decoder

class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return v

    def i8(self):
        return self._take(">b")

    def i16(self):
        return self._take(">h")

    def i32(self):
        return self._take(">i")

    def u32(self):
        return self._take(">I")

    def i64(self):
        return self._take(">q")

    def bool(self):
        return self.i8() != 0

    def raw(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated: want %d bytes at %d of %d" % (n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def string(self):
        n = self.i16()
        return None if n < 0 else self.raw(n).decode()

    def bytes(self):
        n = self.i32()
        return None if n < 0 else self.raw(n)

    def array(self, fn):
        n = self.i32()
        return None if n < 0 else [fn(self) for _ in range(n)]

    def uvarint(self):
        shift = result = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def varint(self):
        v = self.uvarint()
        return (v >> 1) ^ -(v & 1)

    def remaining(self):
        return len(self.data) - self.pos


# ---- framing

def request_header(api_key, api_version, correlation_id, client_id="kafka-wire", flexible=False):
    h = i16(api_key) + i16(api_version) + i32(correlation_id) + string(client_id)
    if flexible:
        h += uvarint(0)  # no tagged fields
    return h


def frame(payload):
    return i32(len(payload)) + payload


class Connection:
    """A blocking socket that sends requests and reads size-prefixed responses."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.correlation = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by the broker after %d of %d bytes" % (len(buf), n))
            buf += chunk
        return buf

    def recv_frame(self):
        size = struct.unpack(">i", self._recv_exact(4))[0]
        return self._recv_exact(size)

    def request(self, api_key, api_version, body, flexible=False):
        """Sends one request; returns a Reader positioned after the correlation id."""
        self.correlation += 1
        corr = self.correlation
        self.send_raw(frame(request_header(api_key, api_version, corr, flexible=flexible) + body))
        r = Reader(self.recv_frame())
        got = r.i32()
        if got != corr:
            raise AssertionError("correlation id %d, expected %d" % (got, corr))
        return r

    def closed_by_peer(self, timeout=5.0):
        """True once the broker has closed the connection (EOF or reset) within `timeout`."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        try:
            while time.monotonic() < deadline:
                try:
                    if self.sock.recv(65536) == b"":
                        return True
                except socket.timeout:
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    return True
            return False
        finally:
            self.sock.settimeout(10.0)


# ---- RecordBatch v2

def record(offset_delta, key, value, timestamp_delta=0, headers=()):
    body = i8(0) + varint(timestamp_delta) + varint(offset_delta)
    body += varint(-1) if key is None else varint(len(key)) + key
    body += varint(-1) if value is None else varint(len(value)) + value
    body += varint(len(headers))
    for hk, hv in headers:
        hk = hk.encode()
        body += varint(len(hk)) + hk + (varint(-1) if hv is None else varint(len(hv)) + hv)
    return varint(len(body)) + body


def record_batch(records, base_offset=0, timestamp_ms=None, attributes=0):
    """An uncompressed RecordBatch v2 of (key, value) pairs, with a correct CRC-32C."""
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    recs = b"".join(record(i, k, v) for i, (k, v) in enumerate(records))
    after_crc = (i16(attributes) + i32(len(records) - 1) + i64(ts) + i64(ts) + i64(-1) + i16(-1) + i32(-1)
                 + i32(len(records)) + recs)
    crc = struct.pack(">I", crc32c(after_crc))
    after_length = i32(0) + i8(2) + crc + after_crc  # partition leader epoch, magic, crc
    return i64(base_offset) + i32(len(after_length)) + after_length


def parse_record_batches(data):
    """(offset, key, value) of every record in uncompressed v2 batches; verifies each CRC."""
    out = []
    r = Reader(data)
    while r.remaining() >= 61:
        base = r.i64()
        length = r.i32()
        if r.remaining() < length:
            break  # a partial batch at the end of a fetch response
        body = Reader(r.raw(length))
        body.i32()  # partition leader epoch
        magic = body.i8()
        assert magic == 2, "magic %d" % magic
        crc = body.u32()
        assert crc32c(body.data[body.pos:]) == crc, "CRC mismatch in batch at offset %d" % base
        attributes = body.i16()
        assert attributes & 7 == 0, "compressed batch: not supported by this helper"
        body.i32()  # last offset delta
        body.i64()
        body.i64()
        body.i64()
        body.i16()
        body.i32()
        count = body.i32()
        for _ in range(count):
            body.varint()  # record length
            body.i8()
            body.varint()
            delta = body.varint()
            kl = body.varint()
            key = None if kl < 0 else body.raw(kl)
            vl = body.varint()
            value = None if vl < 0 else body.raw(vl)
            for _ in range(body.varint()):
                body.raw(body.varint())
                hl = body.varint()
                if hl >= 0:
                    body.raw(hl)
            out.append((base + delta, key, value))
    return out


# ---- requests and responses (non-flexible versions unless stated)

def api_versions(conn, version=0):
    """Returns (error_code, {api_key: (min, max)}). Versions above 2 are sent with a v2 header;
    the response is parsed as v0 (what a broker answers an unsupported version with)."""
    flexible = version >= 3
    body = (compact_string("kafka-wire") + compact_string("1.0") + uvarint(0)) if flexible else b""
    r = conn.request(API_VERSIONS, version, body, flexible=flexible)
    error = r.i16()
    if version >= 3 and error == NONE:
        raise AssertionError("flexible ApiVersions parsing is not implemented here")
    table = {}
    for key, lo, hi in r.array(lambda x: (x.i16(), x.i16(), x.i16())):
        table[key] = (lo, hi)
    return error, table


def metadata(conn, topics=None, allow_auto_create=True):
    """Metadata v4. Returns {"brokers": [...], "topics": {name: (error_code, [partition ids])}}."""
    body = array(topics, string) + i8(1 if allow_auto_create else 0)
    r = conn.request(METADATA, 4, body)
    r.i32()  # throttle
    brokers = r.array(lambda x: (x.i32(), x.string(), x.i32(), x.string()))
    r.string()  # cluster id
    r.i32()  # controller
    out = {}

    def partition(x):
        x.i16()
        pid = x.i32()
        x.i32()
        x.array(lambda y: y.i32())
        x.array(lambda y: y.i32())
        return pid

    for _ in range(r.i32()):
        err = r.i16()
        name = r.string()
        r.bool()
        out[name] = (err, r.array(partition))
    return {"brokers": brokers, "topics": out}


def create_topics(conn, topics, validate_only=False):
    """CreateTopics v2 of [(name, partitions)]. Returns {name: (error_code, error_message)}."""

    def topic(t):
        name, parts = t
        return string(name) + i32(parts) + i16(-1) + array([]) + array([])

    r = conn.request(CREATE_TOPICS, 2, array(topics, topic) + i32(10000) + i8(1 if validate_only else 0))
    r.i32()
    return {name: (err, msg) for name, err, msg in r.array(lambda x: (x.string(), x.i16(), x.string()))}


def produce(conn, topic, partition, records_bytes, acks=1, version=8):
    """Produce (v3..v8) of one partition's raw record bytes. Returns (error_code, base_offset, error_message)."""
    body = string(None) + i16(acks) + i32(10000)
    body += array([string(topic) + array([i32(partition) + nbytes(records_bytes)])])
    r = conn.request(PRODUCE, version, body)
    result = None
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            r.i32()
            err = r.i16()
            base = r.i64()
            r.i64()  # log append time
            if version >= 5:
                r.i64()  # log start offset
            message = None
            if version >= 8:
                r.array(lambda x: (x.i32(), x.string()))
                message = r.string()
            result = (err, base, message)
    return result


def list_offsets(conn, topic, partition, timestamp):
    """ListOffsets v1 (timestamp -1 latest, -2 earliest). Returns (error_code, offset)."""
    body = i32(-1) + array([string(topic) + array([i32(partition) + i64(timestamp)])])
    r = conn.request(LIST_OFFSETS, 1, body)
    r.i32()
    r.string()
    r.i32()
    r.i32()
    err = r.i16()
    r.i64()
    return err, r.i64()


def fetch(conn, topic, partition, offset, max_bytes=1 << 20, max_wait_ms=0):
    """Fetch v4 of one partition. Returns (error_code, high_watermark, records bytes)."""
    body = i32(-1) + i32(max_wait_ms) + i32(1) + i32(max_bytes) + i8(0)
    body += array([string(topic) + array([i32(partition) + i64(offset) + i32(max_bytes)])])
    r = conn.request(FETCH, 4, body)
    r.i32()
    r.i32()
    r.string()
    r.i32()
    r.i32()
    err = r.i16()
    hw = r.i64()
    r.i64()
    r.array(lambda x: (x.i64(), x.i64()))
    return err, hw, r.bytes() or b""


# ---- consumer groups (offsets and admin views, non-flexible versions)

def offset_commit(conn, group, offsets, generation=-1, member_id=""):
    """OffsetCommit v2 of [(topic, partition, offset, metadata)]. Returns {(topic, partition): error}."""
    topics = {}
    for topic, partition, offset, metadata in offsets:
        topics.setdefault(topic, []).append(i32(partition) + i64(offset) + string(metadata))
    body = string(group) + i32(generation) + string(member_id) + i64(-1)
    body += array([string(t) + array(parts) for t, parts in topics.items()])
    r = conn.request(OFFSET_COMMIT, 2, body)
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            partition = r.i32()
            out[(topic, partition)] = r.i16()
    return out


def offset_fetch(conn, group, topic, partitions):
    """OffsetFetch v1. Returns {partition: (offset, metadata, error)}."""
    body = string(group) + array([string(topic) + array([i32(p) for p in partitions])])
    r = conn.request(OFFSET_FETCH, 1, body)
    out = {}
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            partition = r.i32()
            offset = r.i64()
            metadata = r.string()
            out[partition] = (offset, metadata, r.i16())
    return out


def describe_group(conn, group):
    """DescribeGroups v0 of one group: (error, state, protocol_type, protocol, [(member_id, client_id, metadata, assignment)])."""
    r = conn.request(DESCRIBE_GROUPS, 0, array([string(group)]))
    r.i32()
    err = r.i16()
    r.string()
    state, protocol_type, protocol = r.string(), r.string(), r.string()
    members = []
    for _ in range(r.i32()):
        member_id, client_id = r.string(), r.string()
        r.string()
        members.append((member_id, client_id, r.bytes(), r.bytes()))
    return err, state, protocol_type, protocol, members
