#!/usr/bin/env python3
"""The exactly-once demo: refbroker -> eos_sink -> SQLite (default) or MariaDB/MySQL, with a
kill -9 of the sink mid-way and a restart, then the proof.

  demo.py --refbroker PATH --eos-sink PATH [--database mariadb | mysql://user:pw@host:port/db]
          [--records N]

--database mariadb starts a private MariaDB server for the demo; a mysql:// URL uses yours (the
`mariadb` command-line client reads the proof from it).
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "eos"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))
import sink_crash_test  # noqa: E402  (Trial: data set, sink processes and the oracle)
from broker_fixture import RefBroker  # noqa: E402
from mariadb_server import MariaDBServer  # noqa: E402


class ExternalMysql:
    """A user's MySQL/MariaDB server, reached with the mariadb client (for the proof)."""

    def __init__(self, url):
        import urllib.parse
        u = urllib.parse.urlparse(url)
        self.port = u.port or 3306
        self.args = ["mariadb", "--batch", "--skip-column-names", "-h", u.hostname or "127.0.0.1",
                     "-P", str(self.port), "-u", u.username or "root"]
        if u.password:
            self.args.append("-p" + u.password)
        self.base_url = url.rsplit("/", 1)[0]

    def sql(self, statement, database=None):
        args = self.args + ([database] if database else []) + ["-e", statement]
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())
        return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refbroker", required=True)
    parser.add_argument("--eos-sink", required=True)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--records", type=int, default=200000)
    args = parser.parse_args()

    say = lambda text: print(text, flush=True)  # noqa: E731
    broker = RefBroker(config={"num.partitions": str(sink_crash_test.PARTITIONS)}, binary=args.refbroker)
    broker.start()
    say("==> refbroker listening on %s" % broker.bootstrap)
    server = None
    backend = "sqlite" if args.database == "sqlite" else "mariadb"
    if args.database == "mariadb":
        server = MariaDBServer().start()
        say("==> private MariaDB on 127.0.0.1:%d" % server.port)
    elif backend == "mariadb":
        server = ExternalMysql(args.database)
        server.sql("SELECT 1")
    trial_args = argparse.Namespace(backend=backend, eos_sink=args.eos_sink, connector=False, scope="per_poll",
                                    assignor="range")
    t = sink_crash_test.Trial(trial_args, broker, server, "demo", 0)
    if isinstance(server, ExternalMysql):
        t.db.url = "%s/%s" % (server.base_url, t.db.name)
    t.note = ""
    try:
        started = time.monotonic()
        t.produce(args.records)
        say("==> produced %d records to topic %s (%d partitions) in %.1f s" % (
            args.records, t.topic, sink_crash_test.PARTITIONS, time.monotonic() - started))
        say("==> eos_sink into %s" % t.db.url)
        sink = t.start_sink("first-run", batch_records=5000, delay_ms=20)
        t.wait_applied(int(args.records * random.uniform(0.3, 0.6)), watch=[sink])
        sink.send_signal(signal.SIGKILL)
        sink.wait()
        say("==> kill -9 of the sink with %d of %d records applied" % (t.applied(), args.records))
        started = time.monotonic()
        second = t.start_sink("restarted", batch_records=10000, delay_ms=0)
        say("==> sink restarted; it resumes from the offsets stored in the database")
        t.wait_applied(args.records, watch=[second])
        say("==> all applied %.1f s after the restart" % (time.monotonic() - started))
        t.stop_all()
        proof = t.check()
        say("==> proof: " + proof)
        say("demo: OK (exactly once)")
        return 0
    except sink_crash_test.TrialFailed as e:
        say("demo: FAILED: %s" % e)
        for p in t.processes:
            say("---- %s ----\n%s" % (p.name, t.log_text(p)[-2000:]))
        return 1
    finally:
        t.cleanup()
        broker.stop()
        if isinstance(server, MariaDBServer):
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
