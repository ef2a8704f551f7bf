#!/usr/bin/python3
"""Records the raw request frames a real Kafka client sends, for golden tests.

Listens on 127.0.0.1:PORT, answers ApiVersions with a minimal table (ApiVersions 0-3,
Metadata 0-MAX_METADATA) so the client goes on to send Metadata, and prints every request frame
body (without the 4-byte size) as hex, one line per frame. Nothing else is answered.

  /usr/bin/python3 tests/tools/capture_frames.py 19092 3 &   # stop after 3 frames
  kcat -b 127.0.0.1:19092 -L -m 3
"""
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 19092
MAX_FRAMES = int(sys.argv[2]) if len(sys.argv) > 2 else 3
MAX_METADATA = 12


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def api_versions_response(version, correlation_id):
    keys = [(18, 0, 3), (3, 0, MAX_METADATA)]
    body = struct.pack(">h", 0)  # error_code
    if version >= 3:  # flexible: compact array, per-entry tags, throttle, tags
        body += uvarint(len(keys) + 1)
        for k in keys:
            body += struct.pack(">hhh", *k) + b"\x00"
        body += struct.pack(">i", 0) + b"\x00"
    else:
        body += struct.pack(">i", len(keys))
        for k in keys:
            body += struct.pack(">hhh", *k)
        if version >= 1:
            body += struct.pack(">i", 0)
    payload = struct.pack(">i", correlation_id) + body  # ApiVersions responses use header v0
    return struct.pack(">i", len(payload)) + payload


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", PORT))
    srv.listen(4)
    frames = 0
    while frames < MAX_FRAMES:
        conn, _ = srv.accept()
        try:
            while frames < MAX_FRAMES:
                (size,) = struct.unpack(">i", read_exact(conn, 4))
                frame = read_exact(conn, size)
                key, version, corr = struct.unpack(">hhi", frame[:8])
                print(f"key={key} version={version} corr={corr} {frame.hex()}", flush=True)
                frames += 1
                if key == 18:
                    conn.sendall(api_versions_response(version, corr))
        except EOFError:
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
