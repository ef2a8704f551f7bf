"""kctl's cluster subcommands (topics, produce, consume, groups, offsets, delete-records, configs)
against a real refbroker process: their output, exit codes (0 ok, 1 cluster error, 2 usage) and
bad input, including an unreachable broker with a short --timeout-ms.

The kctl binary comes from $KCTL (CMake passes $<TARGET_FILE:kctl>).
"""

import json
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time

import broker_fixture
from broker_fixture import BrokerTestCase, TlsBrokerTestCase

KCTL = os.environ.get("KCTL") or os.path.join(broker_fixture._REPO, "build", "client", "tools", "kctl", "kctl")


def closed_port():
    """A local port nobody listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class KctlClusterTest(BrokerTestCase):
    broker_config = {"num.partitions": "1"}

    def kctl(self, *args, stdin=None, bootstrap=True, timeout=30):
        cmd = [KCTL] + list(args)
        if bootstrap:
            cmd += ["--bootstrap-server", self.broker.bootstrap, "--timeout-ms", "10000"]
        p = subprocess.run(cmd, input=stdin.encode() if stdin is not None else b"", capture_output=True,
                           timeout=timeout)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def ok(self, *args, **kw):
        rc, out, err = self.kctl(*args, **kw)
        self.assertEqual(rc, 0, "kctl %s failed (%d):\n%s%s" % (" ".join(args), rc, out, err))
        return out

    def create_topic(self, name, partitions=1, *extra):
        out = self.ok("topics", "--create", "--topic", name, "--partitions", str(partitions), *extra)
        self.assertEqual(out, "Created topic %s.\n" % name)

    def produce(self, topic, lines, *extra):
        return self.ok("produce", "--topic", topic, *extra, stdin="".join(l + "\n" for l in lines))

    def consume_all(self, topic, *extra):
        return self.ok("consume", "--topic", topic, "--from-beginning", "--exit-at-end", *extra)

    # ---- bad input ---------------------------------------------------------------------------

    def test_usage_errors(self):
        cases = [
            (["topics", "--list", "--bogus"], "unknown option --bogus"),
            (["topics", "--create"], "--create needs --topic"),
            (["topics"], "one of --create"),
            (["topics", "--create", "--topic", "x", "--partitions", "zero"], "--partitions expects an integer"),
            (["topics", "--create", "--topic", "x", "--config", "novalue"], "--config expects key=value"),
            (["produce"], "--topic is required"),
            (["produce", "--topic", "t", "--acks", "2"], "--acks expects"),
            (["produce", "--topic", "t", "--producer-property", "no.such.property=1"], "no.such.property"),
            (["consume"], "--topic is required"),
            (["consume", "--topic", "t", "--group", "g", "--partition", "0"], "cannot be combined"),
            (["consume", "--topic", "t", "--offset", "5"], "--offset needs --partition"),
            (["groups", "--describe"], "--describe needs --group"),
            (["groups", "--reset-offsets", "--group", "g", "--all-topics"], "needs one of --to-earliest"),
            (["groups", "--reset-offsets", "--group", "g", "--to-earliest"], "--topic or --all-topics"),
            (["groups", "--reset-offsets", "--group", "g", "--all-topics", "--to-datetime", "yesterday"],
             "--to-datetime expects"),
            (["offsets", "--topic", "t", "--time", "-7"], "--time expects"),
            (["delete-records", "--topic", "t", "--partition", "0"], "--before-offset is required"),
            (["configs", "--describe", "--entity-type", "users"], "--entity-type expects"),
        ]
        for args, text in cases:
            with self.subTest(args=args):
                rc, out, err = self.kctl(*args)
                self.assertEqual(rc, 2, "%s: rc %d\n%s" % (args, rc, err))
                self.assertIn(text, err)
                self.assertIn("usage: kctl", err)
        rc, _, err = self.kctl("topics", "--list", bootstrap=False)
        self.assertEqual(rc, 2)
        self.assertIn("--bootstrap-server is required", err)

    def test_unreachable_broker_fails_within_timeout(self):
        bootstrap = "127.0.0.1:%d" % closed_port()
        for args in (["topics", "--list"], ["groups", "--list"], ["offsets", "--topic", "t"],
                     ["configs", "--describe", "--entity-type", "topics", "--entity-name", "t"],
                     ["consume", "--topic", "t"], ["groups", "--describe", "--group", "g"]):
            with self.subTest(args=args):
                t0 = time.monotonic()
                rc, out, err = self.kctl(*args, "--bootstrap-server", bootstrap, "--timeout-ms", "800",
                                         bootstrap=False)
                elapsed = time.monotonic() - t0
                self.assertEqual(rc, 1, err)
                self.assertIn("_TIMED_OUT", err)
                self.assertIn("Connection refused", err)
                self.assertLess(elapsed, 3.0)
        t0 = time.monotonic()
        rc, out, err = self.kctl("produce", "--topic", "t", "--bootstrap-server", bootstrap, "--timeout-ms", "800",
                                 bootstrap=False, stdin="a\nb\n")
        self.assertEqual(rc, 1, err)
        self.assertIn("cannot reach the cluster: _TIMED_OUT", err)
        self.assertLess(time.monotonic() - t0, 3.0)

    # ---- topics ------------------------------------------------------------------------------

    def test_topics_lifecycle(self):
        self.create_topic("life", 3, "--config", "retention.ms=123456", "--replication-factor", "1")
        rc, _, err = self.kctl("topics", "--create", "--topic", "life", "--partitions", "1")
        self.assertEqual(rc, 1)
        self.assertIn("TOPIC_ALREADY_EXISTS", err)
        self.assertEqual(self.ok("topics", "--create", "--topic", "life", "--if-not-exists"), "")
        self.assertIn("life", self.ok("topics", "--list").split("\n"))

        out = self.ok("topics", "--describe", "--topic", "life")
        lines = out.rstrip("\n").split("\n")
        self.assertEqual(len(lines), 4, out)
        summary = dict(re.findall(r"(\w+): ([^\t]*)", lines[0]))
        self.assertEqual(summary["Topic"], "life")
        self.assertRegex(summary["TopicId"], r"^[A-Za-z0-9_-]{22}$")
        self.assertEqual(summary["PartitionCount"], "3")
        self.assertEqual(summary["ReplicationFactor"], "1")
        self.assertIn("retention.ms=123456", summary["Configs"])
        for i, line in enumerate(lines[1:]):
            self.assertRegex(line, r"^\tTopic: life\tPartition: %d\tLeader: (\d+)\tReplicas: \1\tIsr: \1$" % i)

        rc, _, err = self.kctl("topics", "--alter", "--topic", "life", "--partitions", "2")
        self.assertEqual(rc, 2)
        self.assertIn("can only be increased. Topic life currently has 3 partitions, 2 would not be an increase", err)
        rc, _, err = self.kctl("topics", "--alter", "--topic", "life", "--partitions", "3")
        self.assertEqual(rc, 2)
        self.ok("topics", "--alter", "--topic", "life", "--partitions", "5")
        self.assertIn("PartitionCount: 5", self.ok("topics", "--describe", "--topic", "life"))

        self.ok("topics", "--delete", "--topic", "life")
        self.assertNotIn("life", self.ok("topics", "--list").split("\n"))
        for action in (["--describe"], ["--delete"], ["--alter", "--partitions", "9"]):
            rc, _, err = self.kctl("topics", *action, "--topic", "life")
            self.assertEqual(rc, 1, action)
            self.assertIn("Topic 'life' does not exist as expected", err)
            self.assertEqual(self.ok("topics", *action, "--topic", "life", "--if-exists"), "")
        rc, _, err = self.kctl("topics", "--create", "--topic", "bad/name", "--partitions", "1")
        self.assertEqual(rc, 1)
        self.assertIn("INVALID_TOPIC_EXCEPTION", err)

    # ---- produce / consume -------------------------------------------------------------------

    def test_produce_consume_formats(self):
        self.create_topic("fmt", 2)
        self.produce("fmt", ["k1:v1", "k2:", ":v3", "k4:v:4"], "--key-separator", ":", "--header", "h=1",
                     "--partition", "1", "--compression-type", "gzip")
        self.produce("fmt", ["a:1,b:2\tkey\tvalue", "\tk\tnoheaders"], "--partition", "0",
                     "--property", "parse.headers=true", "--property", "parse.key=true", "--acks", "1")
        out = self.ok("consume", "--topic", "fmt", "--exit-at-end", "--partition", "1", "--offset", "earliest",
                               "--property", "print.key=true", "--property", "print.headers=true",
                               "--property", "print.partition=true", "--property", "print.offset=true",
                               "--property", "print.timestamp=true", "--property", "key.separator=|")
        lines = out.rstrip("\n").split("\n")
        expected = [("k1", "v1"), ("k2", ""), ("", "v3"), ("k4", "v:4")]
        self.assertEqual(len(lines), 4, out)
        now_ms = time.time() * 1000
        for i, (line, (k, v)) in enumerate(zip(lines, expected)):
            ts, part, off, hdrs, key, value = line.split("|")
            self.assertRegex(ts, r"^CreateTime:\d+$")
            self.assertLess(abs(int(ts.split(":")[1]) - now_ms), 60000)
            self.assertEqual((part, off, hdrs, key, value), ("Partition:1", "Offset:%d" % i, "h:1", k, v))
        out = self.ok("consume", "--topic", "fmt", "--exit-at-end", "--partition", "0", "--offset", "earliest",
                               "--formatter-property", "print.key=true", "--formatter-property", "print.headers=true")
        self.assertEqual(out, "a:1,b:2\tkey\tvalue\nNO_HEADERS\tk\tnoheaders\n")
        # Default output: values only, every partition; --max-messages stops early.
        out = self.consume_all("fmt")
        self.assertEqual(sorted(out.split("\n")[:-1]), sorted(["v1", "", "v3", "v:4", "value", "noheaders"]))
        rc, out, err = self.kctl("consume", "--topic", "fmt", "--from-beginning", "--max-messages", "2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.split("\n")) - 1, 2)
        self.assertIn("Processed a total of 2 messages", err)
        # --offset N on one partition; --timeout-ms-idle ends a consumer that sees nothing new.
        self.assertEqual(self.ok("consume", "--topic", "fmt", "--partition", "1", "--offset", "3", "--exit-at-end"),
                         "v:4\n")
        t0 = time.monotonic()
        self.assertEqual(self.ok("consume", "--topic", "fmt", "--timeout-ms-idle", "300"), "")
        self.assertLess(time.monotonic() - t0, 5)

    def test_produce_reports_failed_messages(self):
        self.create_topic("perr", 1)
        rc, out, err = self.kctl("produce", "--topic", "perr", "--partition", "7", stdin="x\ny\n")
        self.assertEqual(rc, 1)
        self.assertIn("line 1: _UNKNOWN_PARTITION", err)
        self.assertIn("line 2: _UNKNOWN_PARTITION", err)
        # A line without the key separator is refused (as kafka-console-producer), the rest goes.
        rc, out, err = self.kctl("produce", "--topic", "perr", "--key-separator", "=", stdin="a=1\nnokey\nb=2\n")
        self.assertEqual(rc, 1)
        self.assertIn("line 2: no key separator", err)
        self.assertEqual(self.consume_all("perr", "--property", "print.key=true"), "a\t1\nb\t2\n")
        # Idempotence cannot go with acks=1; the default producer is idempotent and succeeds.
        rc, _, err = self.kctl("produce", "--topic", "perr", "--acks", "1", "--enable-idempotence")
        self.assertEqual(rc, 2)
        rc, _, err = self.kctl("consume", "--topic", "no-such-topic")
        self.assertEqual(rc, 1)
        self.assertIn("Topic 'no-such-topic' does not exist", err)

    # ---- offsets / delete-records / configs --------------------------------------------------

    def test_offsets_and_delete_records(self):
        self.create_topic("offs", 2)
        self.produce("offs", ["m%d" % i for i in range(10)], "--partition", "0")
        self.assertEqual(self.ok("offsets", "--topic", "offs", "--time", "-2"), "offs:0:0\noffs:1:0\n")
        self.assertEqual(self.ok("offsets", "--topic", "offs"), "offs:0:10\noffs:1:0\n")
        self.assertEqual(self.ok("offsets", "--topic", "offs", "--time", "latest", "--partitions", "0"), "offs:0:10\n")
        self.assertEqual(self.ok("offsets", "--topic", "offs", "--time", "0", "--partitions", "0"), "offs:0:0\n")
        future = str(int(time.time() * 1000) + 3600 * 1000)
        self.assertEqual(self.ok("offsets", "--topic", "offs", "--time", future, "--partitions", "0"), "offs:0:\n")
        self.assertIn("offs:0:10\n", self.ok("offsets"))
        rc, _, err = self.kctl("offsets", "--topic", "nope")
        self.assertEqual(rc, 1)

        out = self.ok("delete-records", "--topic", "offs", "--partition", "0", "--before-offset", "4")
        self.assertEqual(out, "Executing records delete operation\nRecords delete operation completed:\n"
                              "partition: offs-0\tlow_watermark: 4\n")
        self.assertEqual(self.ok("offsets", "--topic", "offs", "--time", "earliest"), "offs:0:4\noffs:1:0\n")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"partitions": [{"topic": "offs", "partition": 0, "offset": 6}], "version": 1}, f)
        try:
            out = self.ok("delete-records", "--offset-json-file", f.name)
            self.assertIn("partition: offs-0\tlow_watermark: 6\n", out)
        finally:
            os.unlink(f.name)
        rc, out, err = self.kctl("delete-records", "--topic", "offs", "--partition", "0", "--before-offset", "99")
        self.assertEqual(rc, 1)
        self.assertIn("partition: offs-0\terror: OFFSET_OUT_OF_RANGE", out)
        self.assertEqual(self.ok("consume", "--topic", "offs", "--partition", "0", "--offset", "earliest",
                                 "--exit-at-end"), "m6\nm7\nm8\nm9\n")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write('{"partitions": [{"topic": "offs", "partition": 0}]}')
        try:
            rc, _, err = self.kctl("delete-records", "--offset-json-file", f.name)
            self.assertEqual(rc, 2)
            self.assertIn("needs \"topic\", \"partition\" and \"offset\"", err)
        finally:
            os.unlink(f.name)

    def test_configs(self):
        self.create_topic("cfg", 1, "--config", "cleanup.policy=compact")
        out = self.ok("configs", "--describe", "--entity-type", "topics", "--entity-name", "cfg")
        self.assertEqual(out, "Dynamic configs for topic cfg are:\n"
                              "  cleanup.policy=compact sensitive=false "
                              "synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact}\n")
        out = self.ok("configs", "--describe", "--entity-type", "topics", "--entity-name", "cfg", "--all")
        self.assertTrue(out.startswith("All configs for topic cfg are:\n"))
        self.assertIn("  retention.ms=", out)
        self.assertIn("synonyms={DEFAULT_CONFIG:", out)
        leader = re.search(r"Leader: (\d+)", self.ok("topics", "--describe", "--topic", "cfg")).group(1)
        out = self.ok("configs", "--describe", "--entity-type", "brokers", "--entity-name", leader, "--all")
        self.assertTrue(out.startswith("All configs for broker %s are:\n" % leader))
        self.assertIn("  num.partitions=1 sensitive=false synonyms={STATIC_BROKER_CONFIG:num.partitions=1}\n", out)
        rc, _, err = self.kctl("configs", "--describe", "--entity-type", "topics", "--entity-name", "nope")
        self.assertEqual(rc, 1)
        self.assertIn("UNKNOWN_TOPIC_OR_PARTITION", err)
        # No broker 77: Kafka's admin client waits for it until the timeout, so does kctl.
        rc, _, err = self.kctl("configs", "--describe", "--entity-type", "brokers", "--entity-name", "77",
                               "--bootstrap-server", self.broker.bootstrap, "--timeout-ms", "500", bootstrap=False)
        self.assertEqual(rc, 1)
        self.assertIn("_TIMED_OUT", err)
        self.assertIn("broker 77 is not in the cluster's metadata", err)

    # ---- groups ------------------------------------------------------------------------------

    def describe_rows(self, group):
        out = self.ok("groups", "--describe", "--group", group)
        lines = [l for l in out.split("\n") if l]
        self.assertEqual(lines[0].split(), ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                                            "CONSUMER-ID", "HOST", "CLIENT-ID"])
        # Columns are aligned: each header starts where its values start.
        starts = [m.start() for m in re.finditer(r"\S+", lines[0])]
        for l in lines[1:]:
            self.assertEqual([m.start() for m in re.finditer(r"\S+", l)][:len(starts)], starts, out)
        return {(r[1], r[2]): r for r in (l.split() for l in lines[1:])}

    def read_lines(self, proc, n, timeout=20):
        got = []
        deadline = time.monotonic() + timeout
        buf = b""
        while len(got) < n:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "consumer printed %r only" % got)
            r, _, _ = select.select([proc.stdout], [], [], left)
            if r:
                chunk = os.read(proc.stdout.fileno(), 4096)
                self.assertTrue(chunk, "consumer exited early")
                buf += chunk
                *lines, buf = buf.split(b"\n")
                got += [l.decode() for l in lines]
        return got

    def test_groups(self):
        self.create_topic("gt", 2)
        self.produce("gt", ["a%d" % i for i in range(5)], "--partition", "0")
        self.produce("gt", ["b%d" % i for i in range(5)], "--partition", "1")
        # A real consumer in group g1 reads everything and commits on close.
        rc, out, err = self.kctl("consume", "--topic", "gt", "--group", "g1", "--from-beginning", "--max-messages", "10")
        self.assertEqual(rc, 0, err)
        self.assertIn("g1", self.ok("groups", "--list").split("\n"))
        self.assertIn("g1", self.ok("groups", "--list", "--state"))
        rows = self.describe_rows("g1")
        self.assertEqual(rows[("gt", "0")][3:], ["5", "5", "0", "-", "-", "-"])
        self.assertEqual(rows[("gt", "1")][3:], ["5", "5", "0", "-", "-", "-"])
        rc, _, err = self.kctl("groups", "--describe", "--group", "g1")
        self.assertIn("Consumer group 'g1' has no active members.", err)

        self.produce("gt", ["a5", "a6", "a7"], "--partition", "0")
        self.assertEqual(self.describe_rows("g1")[("gt", "0")][3:6], ["5", "8", "3"])
        member = subprocess.Popen([KCTL, "consume", "--topic", "gt", "--group", "g1", "--bootstrap-server",
                                   self.broker.bootstrap, "--consumer-property", "client.id=kctl-it"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            self.assertEqual(self.read_lines(member, 3), ["a5", "a6", "a7"])  # it is assigned both partitions
            rows = self.describe_rows("g1")
            for p in ("0", "1"):
                self.assertEqual(rows[("gt", p)][4], "8" if p == "0" else "5")
                self.assertNotEqual(rows[("gt", p)][6], "-")
                self.assertEqual(rows[("gt", p)][8], "kctl-it")
            out = self.ok("groups", "--describe", "--group", "g1", "--members")
            lines = [l.split() for l in out.split("\n") if l]
            self.assertEqual(lines[0], ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"])
            self.assertEqual(lines[1][0], "g1")
            self.assertEqual(lines[1][3:], ["kctl-it", "2"])
            out = self.ok("groups", "--describe", "--group", "g1", "--state")
            lines = [l for l in out.split("\n") if l]
            self.assertEqual(lines[0].split(), ["GROUP", "COORDINATOR", "(ID)", "ASSIGNMENT-STRATEGY", "STATE",
                                                "#MEMBERS"])
            self.assertRegex(lines[1], r"^g1\s+127\.0\.0\.1:%d\s+\(\d+\)\s+\S+\s+Stable\s+1$" % self.broker.port)
            rc, _, err = self.kctl("groups", "--reset-offsets", "--group", "g1", "--all-topics", "--to-earliest",
                                   "--execute")
            self.assertEqual(rc, 1)
            self.assertIn("Assignments can only be reset if the group 'g1' is inactive, but the current state is "
                          "Stable.", err)
            rc, out, err = self.kctl("groups", "--delete", "--group", "g1")
            self.assertEqual(rc, 1)
            self.assertIn("NON_EMPTY_GROUP", err)
        finally:
            member.send_signal(signal.SIGTERM)
            self.assertEqual(member.wait(timeout=20), 0)
            member.stdout.close()
            member.stderr.close()
        rows = self.describe_rows("g1")  # committed on close
        self.assertEqual(rows[("gt", "0")][3:6], ["8", "8", "0"])

        # Dry run (the default) prints the plan and commits nothing.
        rc, out, err = self.kctl("groups", "--reset-offsets", "--group", "g1", "--topic", "gt", "--to-earliest")
        self.assertEqual(rc, 0, err)
        self.assertIn("--execute option is missing", err)
        lines = [l.split() for l in out.split("\n") if l]
        self.assertEqual(lines, [["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], ["g1", "gt", "0", "0"],
                                 ["g1", "gt", "1", "0"]])
        self.assertEqual(self.describe_rows("g1")[("gt", "0")][3], "8")

        def reset(*args):
            out = self.ok("groups", "--reset-offsets", "--group", "g1", "--execute", *args)
            return {(l.split()[1], l.split()[2]): l.split()[3] for l in out.split("\n")[2:] if l}

        self.assertEqual(reset("--topic", "gt:0", "--to-offset", "2"), {("gt", "0"): "2"})
        rows = self.describe_rows("g1")
        self.assertEqual((rows[("gt", "0")][3], rows[("gt", "1")][3]), ("2", "5"))
        # The committed offset is where a consumer of the group starts.
        self.assertEqual(self.ok("consume", "--topic", "gt", "--group", "g1", "--exit-at-end"),
                         "a2\na3\na4\na5\na6\na7\n")
        self.assertEqual(reset("--all-topics", "--shift-by", "-3"), {("gt", "0"): "5", ("gt", "1"): "2"})
        self.assertEqual(reset("--all-topics", "--shift-by", "100"), {("gt", "0"): "8", ("gt", "1"): "5"})
        self.assertEqual(reset("--topic", "gt", "--to-offset", "999"), {("gt", "0"): "8", ("gt", "1"): "5"})
        self.assertEqual(reset("--topic", "gt", "--to-datetime", "1970-01-01T00:00:00.000Z"),
                         {("gt", "0"): "0", ("gt", "1"): "0"})
        self.assertEqual(reset("--topic", "gt", "--to-datetime", "2099-01-01T00:00:00.000+02:00"),
                         {("gt", "0"): "8", ("gt", "1"): "5"})
        self.assertEqual(reset("--topic", "gt:1", "--to-earliest"), {("gt", "1"): "0"})
        self.assertEqual(reset("--topic", "gt:1", "--to-latest"), {("gt", "1"): "5"})
        rows = self.describe_rows("g1")
        self.assertEqual((rows[("gt", "0")][3], rows[("gt", "1")][3]), ("8", "5"))
        rc, _, err = self.kctl("groups", "--reset-offsets", "--group", "g1", "--topic", "gt:7", "--to-earliest")
        self.assertEqual(rc, 1)
        self.assertIn("has no partition 7", err)

        self.assertEqual(self.ok("groups", "--delete", "--group", "g1"),
                         "Deletion of requested consumer groups ('g1') was successful.\n")
        self.assertNotIn("g1", self.ok("groups", "--list").split("\n"))
        rc, _, err = self.kctl("groups", "--describe", "--group", "g1")
        self.assertEqual(rc, 1)
        self.assertIn("Consumer group 'g1' does not exist.", err)


class KctlSecurityTest(TlsBrokerTestCase):
    """kctl reaches a SASL_SSL listener through --command-config alone: the admin requests and the
    console clients all run on the client engine, which speaks TLS and SASL."""

    @classmethod
    def broker_config_for(cls, certs):
        return {
            "listeners": "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": os.path.join(certs, "server-chain.pem"),
            "ssl.key.location": os.path.join(certs, "server-enc.key"),
            "ssl.key.password": "serverpass",
            "sasl.enabled.mechanisms": "SCRAM-SHA-256",
            "refbroker.sasl.users.alice": "alice-secret",
        }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.port = cls.ports.get("SASL_SSL")
        assert cls.port, "no SASL_SSL listener line"

    def config(self, password):
        path = os.path.join(self.certs, "client-%s.properties" % password)
        with open(path, "w") as f:
            f.write("# SASL_SSL with SCRAM\nsecurity.protocol=SASL_SSL\nssl.ca.location=%s\n"
                    "sasl.mechanism=SCRAM-SHA-256\nsasl.username=alice\nsasl.password=%s\n"
                    % (os.path.join(self.certs, "ca.pem"), password))
        return path

    def kctl(self, password, *args, stdin=""):
        cmd = [KCTL] + list(args) + ["--bootstrap-server", "127.0.0.1:%d" % self.port, "--command-config",
                                     self.config(password), "--timeout-ms", "10000"]
        p = subprocess.run(cmd, input=stdin.encode(), capture_output=True, timeout=30)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_every_kind_of_request_over_sasl_ssl(self):
        good = "alice-secret"
        self.assertEqual(self.kctl(good, "topics", "--create", "--topic", "sec", "--partitions", "2")[:2],
                         (0, "Created topic sec.\n"))
        rc, out, err = self.kctl(good, "produce", "--topic", "sec", "--partition", "0", stdin="s1\ns2\n")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.kctl(good, "consume", "--topic", "sec", "--group", "gs", "--from-beginning",
                                 "--max-messages", "2")
        self.assertEqual((rc, out), (0, "s1\ns2\n"), err)
        rc, out, err = self.kctl(good, "groups", "--describe", "--group", "gs")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"\ngs +sec +0 +2 +2 +0 ")
        rc, out, err = self.kctl(good, "offsets", "--topic", "sec")
        self.assertEqual((rc, out), (0, "sec:0:2\nsec:1:0\n"), err)
        rc, out, err = self.kctl(good, "configs", "--describe", "--entity-type", "topics", "--entity-name", "sec")
        self.assertEqual((rc, out), (0, "Dynamic configs for topic sec are:\n"), err)

    def test_wrong_password_fails_promptly(self):
        for args in (["topics", "--list"], ["groups", "--describe", "--group", "g"], ["produce", "--topic", "sec"],
                     ["consume", "--topic", "sec"]):
            t0 = time.monotonic()
            rc, out, err = self.kctl("wrong", *args, stdin="never sent\n")
            self.assertEqual(rc, 1, err)
            self.assertIn("_AUTHENTICATION", err)
            self.assertIn("Authentication failed", err)  # the broker's reason
            self.assertLess(time.monotonic() - t0, 5.0)  # not the 10 s timeout


if __name__ == "__main__":
    broker_fixture.main()
