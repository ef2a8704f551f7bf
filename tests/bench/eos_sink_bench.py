#!/usr/bin/env python3
"""End-to-end throughput of the exactly-once sink: refbroker -> examples/eos_sink -> database.

  eos_sink_bench.py --refbroker PATH --eos-sink PATH [--backend mariadb|sqlite] [--records N]
                    [--partitions N] [--value-bytes N] [--batch-records N] [-- extra eos_sink args]

Produces the data set first, then starts the sink and measures from its first applied batch to
the last (rows/s, exactly once), then checks rows = records and duplicates = 0.
"""
import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from broker_fixture import RefBroker  # noqa: E402
from mariadb_server import MariaDBServer  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refbroker", required=True)
    parser.add_argument("--eos-sink", required=True)
    parser.add_argument("--backend", choices=["mariadb", "sqlite"], default="mariadb")
    parser.add_argument("--records", type=int, default=1000000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--value-bytes", type=int, default=64)
    parser.add_argument("--batch-records", type=int, default=20000)
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()

    import confluent_kafka
    workdir = tempfile.mkdtemp(prefix="eos-sink-bench-")
    broker = RefBroker(config={"num.partitions": str(args.partitions)}, binary=args.refbroker)
    broker.start()
    server = None
    try:
        if args.backend == "mariadb":
            server = MariaDBServer(os.path.join(workdir, "mariadb")).start()
            url = server.url
            count = lambda sql: int(server.sql(sql).split()[0])  # noqa: E731
        else:
            path = os.path.join(workdir, "sink.db")
            url = "sqlite:" + path

            def count(sql):
                with sqlite3.connect(path, timeout=30) as db:
                    return db.execute(sql).fetchone()[0] or 0

        started = time.monotonic()
        producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20,
                                             "batch.num.messages": 10000, "queue.buffering.max.messages": 500000})
        pad = "x" * args.value_bytes
        for i in range(args.records):
            value = ("value-%d-" % i + pad)[:args.value_bytes]
            while True:
                try:
                    producer.produce("bench", key=str(i), value=value)
                    break
                except BufferError:
                    producer.poll(0.05)
        assert producer.flush(120) == 0
        print("produced %d records (%d-byte values, %d partitions) in %.1f s" % (
            args.records, args.value_bytes, args.partitions, time.monotonic() - started), flush=True)

        log = open(os.path.join(workdir, "sink.log"), "wb")
        sink = subprocess.Popen([args.eos_sink, "--brokers", broker.bootstrap, "--topic", "bench", "--group", "bench",
                                 "--database", url, "--batch-records", str(args.batch_records),
                                 "--batch-bytes", str(64 << 20), "--batch-ms", "1000",
                                 "--metrics-interval", "1"] + args.extra, stdout=log, stderr=log)
        first = None
        applied_sql = "SELECT COALESCE(SUM(next_offset), 0) FROM eos_offsets WHERE group_id = 'bench'"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                applied = count(applied_sql)
            except Exception:  # noqa: BLE001 - table not there yet
                applied = 0
            now = time.monotonic()
            if applied and first is None:
                first = (now, applied)
            if applied >= args.records:
                break
            if sink.poll() is not None:
                raise SystemExit("eos_sink exited early: %s" % open(log.name).read()[-2000:])
            time.sleep(0.02)
        done = time.monotonic()
        sink.terminate()
        sink.wait(30)
        rows = count("SELECT COUNT(*) FROM sink_events")
        duplicates = count("SELECT COUNT(*) FROM (SELECT partition_id, record_offset FROM sink_events "
                           "GROUP BY partition_id, record_offset HAVING COUNT(*) > 1) d")
        seconds = done - first[0]
        print("eos_sink -> %s: %d rows in %.2f s after the first batch = %.0f rows/s; rows %d, duplicates %d" % (
            args.backend, args.records - first[1], seconds, (args.records - first[1]) / seconds, rows, duplicates))
        with open(log.name) as f:
            lines = [line for line in f.read().splitlines() if "records" in line]
        print("sink: " + (lines[-2] if len(lines) > 1 else "") + "\nsink: " + (lines[-1] if lines else ""))
        return 0 if rows == args.records and duplicates == 0 else 1
    finally:
        broker.stop()
        if server:
            server.cleanup()
        subprocess.run(["rm", "-rf", workdir])


if __name__ == "__main__":
    sys.exit(main())
