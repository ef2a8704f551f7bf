#!/usr/bin/env python3
"""The three ways of issue 6's benchmark side by side, in one run, into one private MariaDB:

  (a) naive      one transaction per record: SELECT the offset FOR UPDATE, INSERT, UPDATE, COMMIT
                 (eos_db_bench --modes naive)
  (b) framework  end to end: refbroker -> examples/eos_sink -> MariaDB, exactly once, checked
                 (rows = records, duplicates 0, gaps 0, stored next offsets = last offset + 1);
                 once per --methods entry (insert: multi-row INSERTs, load_data: LOAD DATA LOCAL
                 streamed from memory inside the batch transaction)
  (c) LOAD DATA  the raw ceiling: LOAD DATA INFILE of the same rows from a server-side file,
                 no offsets (eos_db_bench --modes load_data)
  and, for the ratio end to end / from memory, the framework fed from memory (eos_db_bench
  --modes framework) with the same batch size and method.

  eos_sink_bench.py --refbroker PATH --eos-sink PATH [--db-bench PATH] [--records N] [--rounds N]
                    [--naive-records N] [--partitions N] [--value-bytes N] [--batch-records N]
                    [--methods insert,load_data] [--backend mariadb|sqlite] [-- extra eos_sink args]

Every way writes the same row shape (topic, partition, offset, key, 64-byte value, timestamp)
into the same server with the same durable settings (printed: innodb_flush_log_at_trx_commit=1,
...). Prints rows/s per way, the ratios, and the load average before and after (the machine is
shared: compare ratios; --rounds N repeats every way N times, interleaved, and reports the best).
Exit status 1 if an end-to-end run is not exactly once.
"""
import argparse
import os
import re
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


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def db_bench(binary, url, modes, records, extra=()):
    """Runs eos_db_bench; returns {mode label: rows/s} and prints its output."""
    out = subprocess.run([binary, "--database", url, "--modes", modes, "--records", str(records)] + list(extra),
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    rates = {}
    for line in out.splitlines():
        print("  " + line, flush=True)
        m = re.match(r"(.+?)\s+\d+ rows\s+[\d.]+ s\s+(\d+) rows/s", line)
        if m:
            rates[m.group(1).strip()] = float(m.group(2))
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refbroker", required=True)
    parser.add_argument("--eos-sink", required=True)
    parser.add_argument("--db-bench", help="eos_db_bench binary (default: next to eos_sink's build)")
    parser.add_argument("--backend", choices=["mariadb", "sqlite"], default="mariadb")
    parser.add_argument("--records", type=int, default=500000)
    parser.add_argument("--naive-records", type=int, default=5000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--value-bytes", type=int, default=64)
    parser.add_argument("--batch-records", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=1, help="run every way this often, report the best")
    parser.add_argument("--methods", default="insert,load_data",
                        help="comma-separated eos_sink --insert-method values, one end-to-end run each")
    parser.add_argument("extra", nargs="*", help="more eos_sink arguments")
    args = parser.parse_args()
    db_bench_binary = args.db_bench or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.eos_sink))),
                                                    "tests", "eos_db_bench")

    import confluent_kafka
    workdir = tempfile.mkdtemp(prefix="eos-sink-bench-")
    broker = RefBroker(config={"num.partitions": str(args.partitions)}, binary=args.refbroker)
    broker.start()
    server = None
    load_before = loadavg()
    results = {}  # label -> best rows/s, in insertion order

    def record(label, rate):
        results[label] = max(rate, results.get(label, 0))

    exactly_once = True
    try:
        if args.backend == "mariadb":
            server = MariaDBServer(os.path.join(workdir, "mariadb")).start()
            url = server.url
            count = lambda sql: int(server.sql(sql).split()[0])  # noqa: E731
            settings = server.sql("SELECT @@version, @@innodb_flush_log_at_trx_commit, @@sync_binlog, @@log_bin, "
                                  "@@innodb_doublewrite, @@innodb_flush_method, @@innodb_buffer_pool_size").split()
            print("MariaDB %s: innodb_flush_log_at_trx_commit=%s sync_binlog=%s log_bin=%s innodb_doublewrite=%s "
                  "innodb_flush_method=%s buffer pool %d MiB (the same for every way)" % (
                      settings[0], settings[1], settings[2], settings[3], settings[4], settings[5],
                      int(settings[6]) >> 20), flush=True)
        else:
            path = os.path.join(workdir, "sink.db")
            url = "sqlite:" + path

            def count(sql):
                with sqlite3.connect(path, timeout=30) as db:
                    return db.execute(sql).fetchone()[0] or 0

        print("load average before: %s" % loadavg(), flush=True)
        extra_bench = ["--value-bytes", str(args.value_bytes), "--batch", str(args.batch_records)]
        print("(a) naive, %d records:" % args.naive_records, flush=True)
        rates = db_bench(db_bench_binary, url, "naive", args.records, extra_bench + ["--naive-records",
                                                                                       str(args.naive_records)])
        record("(a) naive (per record: SELECT FOR UPDATE, INSERT, UPDATE, COMMIT)", rates.get("naive", 0))

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
        del producer
        print("produced %d records (%d-byte values, %d partitions) in %.1f s" % (
            args.records, args.value_bytes, args.partitions, time.monotonic() - started), flush=True)

        # Each round runs every way once, one after the other, so that a change in the machine's
        # load hits all of them alike; the best round of each way is reported.
        methods = [m for m in args.methods.split(",") if m]
        for round_number in range(args.rounds):
            print("-- round %d of %d (load average %s)" % (round_number + 1, args.rounds, loadavg()), flush=True)
            if args.backend == "mariadb":
                print("(c) LOAD DATA INFILE, %d records:" % args.records, flush=True)
                rates = db_bench(db_bench_binary, url, "load_data", args.records, extra_bench)
                record("(c) LOAD DATA INFILE (server-side file, no offsets)", rates.get("load_data", 0))
            for method in methods:
                print("framework from memory (%s), %d records:" % (method, args.records), flush=True)
                rates = db_bench(db_bench_binary, url, "framework", args.records,
                                 extra_bench + ["--insert-method", method])
                record("framework from memory, %s" % method, max(rates.values()) if rates else 0)
                rate, ok = end_to_end(args, broker, url, count, workdir, method, round_number)
                exactly_once = exactly_once and ok
                record("(b) framework end to end from refbroker, %s" % method, rate if ok else 0)
    finally:
        broker.stop()
        if server:
            server.cleanup()
        subprocess.run(["rm", "-rf", workdir])

    print("\n%-72s %10s" % ("way (%d-byte values, best of %d rounds)" % (args.value_bytes, args.rounds), "rows/s"))
    for label, rate in results.items():
        print("%-72s %10.0f" % (label, rate))
    ceiling = next((r for label, r in results.items() if label.startswith("(c)")), 0)
    naive = next((r for label, r in results.items() if label.startswith("(a)")), 0)
    for method in args.methods.split(","):
        e2e = results.get("(b) framework end to end from refbroker, %s" % method, 0)
        memory = results.get("framework from memory, %s" % method, 0)
        parts = []
        if ceiling:
            parts.append("end to end / LOAD DATA %.2f" % (e2e / ceiling))
        if memory:
            parts.append("end to end / from memory %.2f" % (e2e / memory))
        if naive:
            parts.append("end to end / naive %.0fx" % (e2e / naive))
        print("ratios (%s): %s" % (method, ", ".join(parts)))
    print("load average before %s, after %s" % (load_before, loadavg()))
    return 0 if exactly_once else 1


def end_to_end(args, broker, url, count, workdir, method, round_number):
    table = "sink_events_%s_%d" % (method, round_number)
    group = "bench-%s-%d" % (method, round_number)
    log = open(os.path.join(workdir, "sink-%s-%d.log" % (method, round_number)), "wb")
    sink = subprocess.Popen([args.eos_sink, "--brokers", broker.bootstrap, "--topic", "bench", "--group", group,
                             "--table", table, "--database", url, "--batch-records", str(args.batch_records),
                             "--batch-bytes", str(64 << 20), "--batch-ms", "1000", "--insert-method", method,
                             "--metrics-interval", "1"] + args.extra, stdout=log, stderr=log)
    first = None
    applied_sql = "SELECT COALESCE(SUM(next_offset), 0) FROM eos_offsets WHERE group_id = '%s'" % group
    deadline = time.monotonic() + 900
    applied = 0
    try:
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
    finally:
        sink.terminate()
        sink.wait(60)
    if first is None or applied < args.records:
        raise SystemExit("eos_sink applied %d of %d records in time" % (applied, args.records))
    rows = count("SELECT COUNT(*) FROM %s" % table)
    duplicates = count("SELECT COUNT(*) FROM (SELECT partition_id, record_offset FROM %s "
                       "GROUP BY partition_id, record_offset HAVING COUNT(*) > 1) d" % table)
    # Gaps: per partition the offsets must be 0..n-1 (n distinct), and the stored next offset n.
    gaps = count("SELECT COUNT(*) FROM (SELECT partition_id, MIN(record_offset) lo, MAX(record_offset) hi, "
                 "COUNT(DISTINCT record_offset) n FROM %s GROUP BY partition_id) p "
                 "WHERE lo <> 0 OR hi <> n - 1" % table)
    offsets_off = count("SELECT COUNT(*) FROM eos_offsets o JOIN (SELECT partition_id, MAX(record_offset) hi FROM %s "
                        "GROUP BY partition_id) p ON p.partition_id = o.partition_id "
                        "WHERE o.group_id = '%s' AND o.next_offset <> p.hi + 1" % (table, group))
    seconds = done - first[0]
    rate = (args.records - first[1]) / seconds
    ok = rows == args.records and duplicates == 0 and gaps == 0 and offsets_off == 0
    print("(b) eos_sink %s -> %s: %d rows in %.2f s after the first batch = %.0f rows/s; rows %d of %d, "
          "duplicates %d, gaps %d, offset rows off %d: %s" % (
              method, args.backend, args.records - first[1], seconds, rate, rows, args.records, duplicates, gaps,
              offsets_off, "exactly once" if ok else "NOT EXACTLY ONCE"), flush=True)
    with open(log.name) as f:
        lines = [line for line in f.read().splitlines() if "records" in line]
    for line in lines[-3:-1]:
        print("    sink: " + line)
    return rate, ok


if __name__ == "__main__":
    sys.exit(main())
