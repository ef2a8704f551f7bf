#!/usr/bin/env python3
"""Crash matrix of the exactly-once sink (examples/eos_sink) against refbroker, into SQLite or a
private MariaDB server.

Each trial produces a fresh topic, runs eos_sink processes into a fresh database while doing
something nasty to them, lets a clean instance finish, and checks the oracle: every input record's
row is present exactly once (duplicates 0, gaps 0), dead letters only for poison records, and
each partition's stored next offset equals its last applied offset plus one.

  sink_crash_test.py --refbroker PATH --eos-sink PATH --backend sqlite|mariadb
                     [--scenarios a,b,...] [--trials N] [--records N] [--seed N]

--trials N repeats the scenario list N times with random kill points (the soak).
"""
import argparse
import os
import random
import signal
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

PARTITIONS = 4
SCENARIOS_COMMON = ["clean", "crash_before_commit", "crash_after_commit", "crash_mid_batch", "kill9_random",
                    "rebalance_three_instances", "zombie", "poison", "below_log_start"]
SCENARIOS_MARIADB = ["mariadb_restart", "mariadb_outage", "mariadb_down_at_assignment", "lock_conflict"]


class TrialFailed(AssertionError):
    pass


class Database:
    """One trial's database: SQLite file or a fresh MariaDB database."""

    def __init__(self, backend, workdir, name, mariadb=None):
        self.backend = backend
        self.mariadb = mariadb
        if backend == "sqlite":
            self.path = os.path.join(workdir, name + ".db")
            self.url = "sqlite:" + self.path
        else:
            mariadb.sql("CREATE DATABASE `%s`" % name, database=None)
            self.name = name
            self.url = "mysql://root@127.0.0.1:%d/%s" % (mariadb.port, name)

    def query(self, sql):
        if self.backend == "sqlite":
            if not os.path.exists(self.path):
                return []
            with sqlite3.connect(self.path, timeout=30) as db:
                try:
                    return [tuple(r) for r in db.execute(sql).fetchall()]
                except sqlite3.OperationalError as e:
                    if "no such table" in str(e):
                        return []
                    raise
        for attempt in range(100):
            try:
                out = self.mariadb.sql(sql, database=self.name)
                break
            except RuntimeError as e:
                if "doesn't exist" in str(e):
                    return []
                if attempt == 99:
                    raise
                time.sleep(0.1)  # server restarting
        rows = []
        for line in out.splitlines():
            rows.append(tuple(None if v == "NULL" else v for v in line.split("\t")))
        return rows


class Trial:
    def __init__(self, args, broker, mariadb, scenario, index):
        self.args = args
        self.broker = broker
        self.mariadb = mariadb
        self.scenario = scenario
        self.topic = "eos_%s_%d_%d" % (scenario, index, random.randrange(1 << 30))
        self.group = "group_" + self.topic
        self.workdir = tempfile.mkdtemp(prefix="eos-crash-")
        self.db = Database(args.backend, self.workdir, self.topic, mariadb)
        self.processes = []
        self.poison = set()
        self.deleted = set()  # (partition, offset) removed by DeleteRecords before being applied
        self.per_partition = [0] * PARTITIONS
        # Varied per trial: one transaction per poll-batch or per partition, eager or cooperative.
        self.scope = args.scope or random.choice(["per_poll", "per_partition"])
        self.assignor = args.assignor or random.choice(["range", "cooperative-sticky"])

    # -- data -------------------------------------------------------------------------------------
    def delete_records(self, partition, before_offset):
        """DeleteRecords v0: raises the partition's log start offset to before_offset."""
        import kafka_wire as w
        host, port = self.broker.bootstrap.rsplit(":", 1)
        with w.Connection(host, int(port)) as c:
            body = w.array([self.topic], lambda t: w.string(t) + w.array(
                [partition], lambda p: w.i32(p) + w.i64(before_offset))) + w.i32(10000)
            r = c.request(21, 0, body)
            r.i32()  # throttle
            r.i32()  # topics
            r.string()
            r.i32()  # partitions
            r.i32()
            low = r.i64()
            error = r.i16()
            if error != 0 or low != before_offset:
                raise TrialFailed("DeleteRecords: error %d, low watermark %d" % (error, low))

    def produce(self, n, poison_index=None):
        import confluent_kafka
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap, "linger.ms": 10,
                                             "enable.idempotence": True})
        for i in range(n):
            partition = i % PARTITIONS
            value = b"POISON" if i == poison_index else ("value-%d" % i).encode()
            if i == poison_index:
                self.poison.add((partition, self.per_partition[partition]))
            self.per_partition[partition] += 1
            while True:
                try:
                    producer.produce(self.topic, key=str(i).encode(), value=value, partition=partition)
                    break
                except BufferError:
                    producer.poll(0.05)
        if producer.flush(60) != 0:
            raise TrialFailed("produce did not complete")
        self.total = n

    # -- sink processes -----------------------------------------------------------------------------
    def start_sink(self, name, extra=(), env=None, batch_records=500, delay_ms=2):
        log = open(os.path.join(self.workdir, name + ".log"), "ab")
        args = [self.args.eos_sink, "--brokers", self.broker.bootstrap, "--topic", self.topic, "--group", self.group,
                "--database", self.db.url, "--instance-id", name, "--batch-records", str(batch_records),
                "--batch-ms", "50", "--handler-delay-ms", str(delay_ms), "--scope", self.scope,
                "-X", "partition.assignment.strategy=" + self.assignor,
                "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"] + list(extra) + \
            self.args.sink_args.split()
        if self.args.connector and self.args.backend == "mariadb":
            args.append("--connector")
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=full_env)
        p.name = name
        p.log_path = log.name
        self.processes.append(p)
        return p

    def log_text(self, p):
        with open(p.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def applied(self):
        """Sum of stored next offsets (records applied or dead-lettered)."""
        rows = self.db.query("SELECT SUM(next_offset) FROM eos_offsets WHERE group_id = '%s'" % self.group)
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def wait_applied(self, at_least, timeout=120, watch=()):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.applied() >= at_least:
                return
            for p in watch:
                if p.poll() is not None and p.returncode not in (0, -9):
                    raise TrialFailed("%s exited with %s:\n%s" % (p.name, p.returncode, self.log_text(p)[-3000:]))
            time.sleep(0.05)
        raise TrialFailed("applied %d of %d (wanted %d) after %ss" % (self.applied(), self.total, at_least, timeout))

    def stop_all(self):
        for p in self.processes:
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                p.send_signal(signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise TrialFailed("%s did not stop on SIGTERM:\n%s" % (p.name, self.log_text(p)[-3000:]))
            if p.returncode not in (0, -9):
                raise TrialFailed("%s exited with %s:\n%s" % (p.name, p.returncode, self.log_text(p)[-3000:]))

    def finish(self, name="finisher"):
        """A clean instance completes the work; then everything stops."""
        p = self.start_sink(name, delay_ms=0, batch_records=2000)
        self.wait_applied(self.total, watch=[p])
        self.stop_all()

    # -- oracle ---------------------------------------------------------------------------------------
    def check(self):
        rows = self.db.query("SELECT partition_id, record_offset, COUNT(*) FROM sink_events WHERE topic = '%s' "
                             "GROUP BY partition_id, record_offset" % self.topic)
        present = {(int(p), int(o)): int(c) for p, o, c in rows}
        dead = {(int(p), int(o)) for p, o in self.db.query(
            "SELECT partition_id, record_offset FROM eos_dead_letters WHERE topic = '%s'" % self.topic)}
        expected = {(p, o) for p in range(PARTITIONS) for o in range(self.per_partition[p])} - self.poison - self.deleted
        duplicates = sum(1 for c in present.values() if c > 1)
        gaps = len(expected - set(present))
        extra = len(set(present) - expected)
        stored = {int(p): (None if n is None else int(n)) for p, n in self.db.query(
            "SELECT partition_id, next_offset FROM eos_offsets WHERE group_id = '%s' AND topic = '%s'"
            % (self.group, self.topic))}
        bad_offsets = {p: stored.get(p) for p in range(PARTITIONS) if stored.get(p) != self.per_partition[p]}
        line = ("rows expected %d, present %d, duplicates %d, gaps %d, extra %d, dead letters %d (poison %d), "
                "offsets %s" % (len(expected), sum(present.values()), duplicates, gaps, extra, len(dead),
                                len(self.poison), "ok" if not bad_offsets else "WRONG %s" % bad_offsets))
        if duplicates or gaps or extra or dead != self.poison or bad_offsets:
            raise TrialFailed(line)
        return line

    def cleanup(self):
        for p in self.processes:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.args.backend == "mariadb":
            try:
                self.mariadb.sql("DROP DATABASE IF EXISTS `%s`" % self.db.name, database=None)
            except RuntimeError:
                pass
        subprocess.run(["rm", "-rf", self.workdir])


# -- scenarios ---------------------------------------------------------------------------------------

def scenario_clean(t):
    t.finish()


def crash_at(point):
    def run(t):
        p = t.start_sink("crasher", env={"EOS_SINK_CRASH": "%s:%d" % (point, random.randint(2, 6))})
        p.wait(120)
        if p.returncode != -signal.SIGKILL:
            raise TrialFailed("expected SIGKILL at %s, got %s:\n%s" % (point, p.returncode, t.log_text(p)[-2000:]))
        t.finish()
    return run


def scenario_kill9_random(t):
    p = t.start_sink("victim")
    t.wait_applied(int(t.total * random.uniform(0.1, 0.7)), watch=[p])
    p.kill()
    p.wait()
    t.finish()


def scenario_rebalance_three_instances(t):
    a = t.start_sink("a", delay_ms=40, batch_records=200)
    t.wait_applied(t.total // 10, watch=[a])
    b = t.start_sink("b", delay_ms=40, batch_records=200)  # joins while a is mid-batch: a finishes it on revoke
    c = t.start_sink("c", delay_ms=40, batch_records=200)
    t.wait_applied(t.total // 2, watch=[a, b, c])
    b.kill()  # and one dies: its partitions move after the session timeout
    b.wait()
    t.wait_applied(t.total, watch=[a, c])
    t.stop_all()


def scenario_zombie(t):
    a = t.start_sink("zombie", delay_ms=100, batch_records=200)
    t.wait_applied(t.total // 5, watch=[a])
    os.kill(a.pid, signal.SIGSTOP)  # past the session timeout: the group moves on without it
    stopped_at = t.applied()
    b = t.start_sink("successor", delay_ms=5)
    if t.args.backend == "mariadb":
        # The successor claims and makes progress while the zombie sleeps mid-batch.
        t.wait_applied(stopped_at + 2000, watch=[b], timeout=60)
    else:
        # SQLite has one writer: a zombie stopped inside its transaction holds the write lock, so
        # the successor's claim waits (paused) and the zombie's batch may still commit when it
        # wakes up; stopped between batches, its next commit is refused. Either is exactly once.
        time.sleep(9)
    os.kill(a.pid, signal.SIGCONT)  # the zombie wakes up: a commit after the claim must be refused
    t.wait_applied(t.total, watch=[b])
    time.sleep(1)
    t.stop_all()
    t.note = "zombie log: " + ("fenced" if "fenced" in t.log_text(a) else "no batch in flight")


def scenario_poison(t):
    t.finish_args = None
    p = t.start_sink("poisoned", extra=["--poison-value", "POISON"])
    t.wait_applied(t.total, watch=[p])
    t.stop_all()


def scenario_below_log_start(t):
    """Retention deleted records the group never applied: the default policy stops the sink with
    an explicit error; reset_to_log_start continues from the log start and logs the gap."""
    first = t.total
    t.finish("first")
    t.produce(first)  # a second half, never applied ...
    t.total = 2 * first
    stored = t.per_partition[0] - first // PARTITIONS
    t.delete_records(0, stored + 100)  # ... of which partition 0 loses 100 records to "retention"
    t.deleted = {(0, o) for o in range(stored, stored + 100)}
    t.processes = []
    stopper = t.start_sink("policy-stop")
    stopper.wait(60)
    if stopper.returncode != 1 or "below the log start offset" not in t.log_text(stopper):
        raise TrialFailed("policy stop: exit %s\n%s" % (stopper.returncode, t.log_text(stopper)[-2000:]))
    t.processes = []
    p = t.start_sink("policy-reset", extra=["--below-log-start", "reset"])
    t.wait_applied(t.total, watch=[p])
    t.stop_all()
    if "continuing from the log start" not in t.log_text(p):
        raise TrialFailed("no gap logged:\n" + t.log_text(p)[-2000:])


def scenario_mariadb_restart(t):
    p = t.start_sink("survivor", delay_ms=5)
    t.wait_applied(t.total // 3, watch=[p])
    if random.random() < 0.5:
        t.mariadb.restart()
    else:
        t.mariadb.kill()  # crash; InnoDB recovery on start
        time.sleep(0.5)
        t.mariadb.start()
    t.wait_applied(t.total, watch=[p])
    t.stop_all()
    if "database unavailable" not in t.log_text(p):
        t.note = "restart happened between batches"


def scenario_mariadb_outage(t):
    """Down longer than the executor's reconnect window: the sink pauses, keeps its batch, polls."""
    p = t.start_sink("patient", delay_ms=5)
    t.wait_applied(t.total // 3, watch=[p])
    t.mariadb.stop()
    time.sleep(random.uniform(4, 7))
    t.mariadb.start()
    t.wait_applied(t.total, watch=[p])
    t.stop_all()
    if "pausing consumption" not in t.log_text(p):
        raise TrialFailed("the sink did not pause while the database was down:\n" + t.log_text(p)[-2000:])


def scenario_mariadb_down_at_assignment(t):
    """A rebalance while the database is down: the revoked batch cannot finish (dropped, not
    committed), the new assignment cannot be claimed (held paused); all resume when it is back."""
    a = t.start_sink("a", delay_ms=20, batch_records=200)
    b = t.start_sink("b", delay_ms=20, batch_records=200)
    t.wait_applied(t.total // 4, watch=[a, b])
    t.mariadb.stop()
    b.send_signal(signal.SIGTERM)  # b leaves: a is assigned b's partitions while the database is down
    b.wait(60)
    deadline = time.monotonic() + 30
    while "database unavailable at assignment" not in t.log_text(a) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(random.uniform(0, 2))
    t.mariadb.start()
    t.wait_applied(t.total, watch=[a])
    t.stop_all()
    if "database unavailable at assignment" not in t.log_text(a):
        t.note = "(the rebalance came after the restart)"


def scenario_lock_conflict(t):
    p = t.start_sink("contended", extra=["--lock-wait-timeout", "1"], delay_ms=5)
    t.wait_applied(t.total // 4, watch=[p])
    holder = t.mariadb.hold_locks("SELECT * FROM `%s`.eos_offsets FOR UPDATE" % t.db.name, 3)
    holder.wait(30)
    t.wait_applied(t.total, watch=[p])
    t.stop_all()
    out = t.log_text(p)
    retries = int(out.rsplit("retries ", 1)[1].split()[0]) if "retries " in out else 0
    if retries < 1:
        raise TrialFailed("no lock wait retry observed:\n" + out[-2000:])


SCENARIOS = {
    "clean": scenario_clean,
    "crash_before_commit": crash_at("before_commit"),
    "crash_after_commit": crash_at("after_commit"),
    "crash_mid_batch": crash_at("mid_batch"),
    "kill9_random": scenario_kill9_random,
    "rebalance_three_instances": scenario_rebalance_three_instances,
    "zombie": scenario_zombie,
    "poison": scenario_poison,
    "below_log_start": scenario_below_log_start,
    "mariadb_restart": scenario_mariadb_restart,
    "mariadb_outage": scenario_mariadb_outage,
    "mariadb_down_at_assignment": scenario_mariadb_down_at_assignment,
    "lock_conflict": scenario_lock_conflict,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refbroker", required=True)
    parser.add_argument("--eos-sink", required=True)
    parser.add_argument("--backend", choices=["sqlite", "mariadb"], default="sqlite")
    parser.add_argument("--connector", action="store_true", help="MariaDB through Connector/C++")
    parser.add_argument("--scenarios", default="")
    parser.add_argument("--sink-args", default="", help="more eos_sink arguments, e.g. '--pipeline false'")
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--scope", choices=["per_poll", "per_partition"], help="default: random per trial")
    parser.add_argument("--assignor", choices=["range", "roundrobin", "cooperative-sticky"],
                        help="default: random per trial")
    args = parser.parse_args()
    random.seed(args.seed)
    names = [s for s in args.scenarios.split(",") if s] or (
        SCENARIOS_COMMON + (SCENARIOS_MARIADB if args.backend == "mariadb" else []))
    print("seed %d, backend %s%s, %d records, %d partitions" % (
        args.seed, args.backend, " (Connector/C++)" if args.connector else "", args.records, PARTITIONS), flush=True)
    broker = RefBroker(config={"num.partitions": str(PARTITIONS)}, binary=args.refbroker)
    broker.start()
    mariadb = MariaDBServer() if args.backend == "mariadb" else None
    if mariadb:
        mariadb.start()
    passed = failed = 0
    try:
        for trial in range(args.trials):
            for name in names:
                t = Trial(args, broker, mariadb, name, trial)
                t.note = ""
                started = time.monotonic()
                try:
                    t.produce(args.records, poison_index=args.records // 2 if name == "poison" else None)
                    SCENARIOS[name](t)
                    line = t.check()
                    passed += 1
                    print("PASS %-28s %5.1fs  %s [%s, %s] %s" % (name, time.monotonic() - started, line, t.scope,
                                                                t.assignor, t.note), flush=True)
                except Exception as e:  # noqa: BLE001 - report and go on with the next trial
                    failed += 1
                    print("FAIL %-28s %5.1fs  %s [%s, %s]" % (name, time.monotonic() - started, e, t.scope, t.assignor),
                          flush=True)
                    for p in t.processes:
                        print("---- %s (exit %s) ----\n%s" % (p.name, p.returncode, t.log_text(p)[-1500:]))
                finally:
                    t.cleanup()
    finally:
        broker.stop()
        if mariadb:
            mariadb.cleanup()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
