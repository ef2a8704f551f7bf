"""refbroker's listeners, TLS and SASL against real clients: kcat and python3-confluent-kafka
(Debian's librdkafka 2.0.2, built with SSL and SASL), over TCP.

One broker serves every listener kind at once (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, an SSL
listener requiring client certificates, and SSL listeners serving an expired and a wrong-host
certificate); certificates come from tests/support/gen_certs.sh at test time.

- produce and consume over SSL, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256 and
  SCRAM-SHA-512 (kcat), and a consumer group over SASL_SSL (confluent_kafka): Metadata and
  FindCoordinator advertise the listener the client came through;
- a wrong password fails with an authentication error carrying the broker's message;
- on a SASL listener, anything but ApiVersions/SaslHandshake before authentication gets no answer
  and the connection is closed;
- client certificates: required by one listener, a client without one or with one from an
  unrelated CA is refused;
- the client refuses the broker's certificate when it trusts another CA, when it has expired and
  when its name does not match.
"""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

from confluent_kafka import Consumer, KafkaError, Producer

import broker_fixture
import kafka_wire
from broker_fixture import RefBroker

HERE = os.path.dirname(os.path.abspath(__file__))
GEN_CERTS = os.path.join(os.path.dirname(HERE), "support", "gen_certs.sh")
TIMEOUT = 30
USERS = {"alice": "alice-secret", "bob": "bob-secret"}
MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def make_certs():
    d = tempfile.mkdtemp(prefix="refbroker-certs-")
    subprocess.run(["bash", GEN_CERTS, d], check=True, timeout=60)
    return d


def listener_ports(broker, timeout=10.0):
    """{NAME: port} from the `listener NAME PROTOCOL HOST:PORT` lines after `listening on`."""
    deadline = time.monotonic() + timeout
    while True:
        ports = {}
        for line in broker.extra_stdout.decode().splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] == "listener":
                ports[parts[1]] = int(parts[3].rpartition(":")[2])
        if ports or time.monotonic() > deadline:
            return ports
        time.sleep(0.01)


def security_broker_config(certs, extra=None):
    c = {
        "listeners": ",".join("%s://127.0.0.1:0" % n for n in
                              ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", "CLIENTAUTH", "EXPIRED", "WRONGHOST"]),
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,"
                                          "SASL_SSL:SASL_SSL,CLIENTAUTH:SSL,EXPIRED:SSL,WRONGHOST:SSL",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": os.path.join(certs, "server-chain.pem"),
        "ssl.key.location": os.path.join(certs, "server-enc.key"),
        "ssl.key.password": "serverpass",
        "listener.name.clientauth.ssl.client.auth": "required",
        "listener.name.clientauth.ssl.truststore.location": os.path.join(certs, "ca.pem"),
        "listener.name.expired.ssl.certificate.location": os.path.join(certs, "expired.pem"),
        "listener.name.expired.ssl.key.location": os.path.join(certs, "expired.key"),
        "listener.name.expired.ssl.key.password": "",
        "listener.name.wronghost.ssl.certificate.location": os.path.join(certs, "wronghost.pem"),
        "listener.name.wronghost.ssl.key.location": os.path.join(certs, "wronghost.key"),
        "listener.name.wronghost.ssl.key.password": "",
        "sasl.enabled.mechanisms": ",".join(MECHANISMS),
        "refbroker.log.fsync": "false",
    }
    for user, pw in USERS.items():
        c["refbroker.sasl.users." + user] = pw
    c.update(extra or {})
    return c


def client_props(certs, protocol, mechanism=None, user="alice", password=None):
    """librdkafka properties for one listener kind."""
    p = {"security.protocol": protocol.lower()}
    if "SSL" in protocol:
        p["ssl.ca.location"] = os.path.join(certs, "ca.pem")
    if protocol.startswith("SASL"):
        p["sasl.mechanisms"] = mechanism
        p["sasl.username"] = user
        p["sasl.password"] = USERS.get(user, "") if password is None else password
    return p


def kcat(bootstrap, props, args, stdin=None, timeout=TIMEOUT):
    cmd = ["kcat", "-b", bootstrap]
    for k, v in props.items():
        cmd += ["-X", "%s=%s" % (k, v)]
    return subprocess.run(cmd + args, input=stdin, capture_output=True, timeout=timeout)


class Security(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = make_certs()
        cls.broker = RefBroker(config=security_broker_config(cls.certs))
        cls.broker.start()
        cls.ports = listener_ports(cls.broker)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.broker.stop()
        finally:
            cls.broker.cleanup()
            shutil.rmtree(cls.certs, ignore_errors=True)

    def bootstrap(self, listener):
        return "127.0.0.1:%d" % self.ports[listener]

    def test_startup_lines_name_every_listener(self):
        self.assertEqual(sorted(self.ports), sorted(["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", "CLIENTAUTH",
                                                     "EXPIRED", "WRONGHOST"]))
        self.assertEqual(self.ports["PLAINTEXT"], self.broker.port)  # the first listener's `listening on`
        self.assertEqual(len(set(self.ports.values())), len(self.ports))

    def roundtrip(self, listener, props, topic):
        messages = ["%s-%d" % (topic, i) for i in range(50)]
        r = kcat(self.bootstrap(listener), props, ["-P", "-t", topic], stdin="\n".join(messages).encode())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = kcat(self.bootstrap(listener), props, ["-C", "-t", topic, "-o", "beginning", "-e", "-f", "%s\n"])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout.decode().splitlines(), messages)
        # Metadata lists the broker at the port of the listener asked through.
        r = kcat(self.bootstrap(listener), props, ["-L", "-J", "-t", topic])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn('"name":"127.0.0.1:%d"' % self.ports[listener], r.stdout.decode())

    def test_kcat_over_ssl(self):
        self.roundtrip("SSL", client_props(self.certs, "SSL"), "over-ssl")

    def test_kcat_over_sasl_plaintext_each_mechanism(self):
        for mech in MECHANISMS:
            with self.subTest(mechanism=mech):
                self.roundtrip("SASL_PLAINTEXT", client_props(self.certs, "SASL_PLAINTEXT", mech),
                               "over-sasl-plaintext-" + mech.lower())

    def test_kcat_over_sasl_ssl_each_mechanism(self):
        for mech in MECHANISMS:
            with self.subTest(mechanism=mech):
                self.roundtrip("SASL_SSL", client_props(self.certs, "SASL_SSL", mech, user="bob"),
                               "over-sasl-ssl-" + mech.lower())

    def test_confluent_group_consumer_over_sasl_ssl(self):
        # A group goes through FindCoordinator: the coordinator must be the SASL_SSL listener too.
        props = dict(client_props(self.certs, "SASL_SSL", "SCRAM-SHA-512"), **{"bootstrap.servers": self.bootstrap("SASL_SSL")})
        topic = "confluent-sasl-ssl"
        p = Producer(dict(props, **{"enable.idempotence": True}))
        for i in range(100):
            p.produce(topic, key=b"k%d" % i, value=b"v%d" % i)
        self.assertEqual(p.flush(TIMEOUT), 0)
        c = Consumer(dict(props, **{"group.id": "g-sasl-ssl", "auto.offset.reset": "earliest",
                                    "enable.auto.commit": False}))
        try:
            c.subscribe([topic])
            got = []
            deadline = time.monotonic() + TIMEOUT
            while len(got) < 100 and time.monotonic() < deadline:
                m = c.poll(1.0)
                if m is None:
                    continue
                self.assertIsNone(m.error(), m.error())
                got.append(m.value())
            self.assertEqual(sorted(got), sorted(b"v%d" % i for i in range(100)))
            committed = c.commit(asynchronous=False)
            self.assertTrue(all(tp.error is None for tp in committed))
        finally:
            c.close()

    def test_wrong_password_is_an_authentication_error(self):
        for listener, mech in [("SASL_PLAINTEXT", "PLAIN"), ("SASL_SSL", "SCRAM-SHA-256"),
                               ("SASL_PLAINTEXT", "SCRAM-SHA-512")]:
            with self.subTest(listener=listener, mechanism=mech):
                errors = []
                props = dict(client_props(self.certs, listener, mech, password="wrong"),
                             **{"bootstrap.servers": self.bootstrap(listener), "error_cb": errors.append})
                p = Producer(props)
                deadline = time.monotonic() + TIMEOUT
                while not errors and time.monotonic() < deadline:
                    p.poll(0.2)
                self.assertTrue(errors, "no error reported")
                self.assertEqual(errors[0].code(), KafkaError._AUTHENTICATION, errors[0])
                self.assertIn("Authentication failed", errors[0].str())
                self.assertNotIn("wrong", errors[0].str())
        # Unknown users fail the same way.
        r = kcat(self.bootstrap("SASL_PLAINTEXT"), client_props(self.certs, "SASL_PLAINTEXT", "SCRAM-SHA-256",
                                                                 user="nobody", password="x"), ["-L"], timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Authentication failed", r.stderr.decode())

    def test_unauthenticated_requests_get_nothing(self):
        port = self.ports["SASL_PLAINTEXT"]
        # Metadata v1 (all topics) without authenticating: no answer, the connection closes.
        with kafka_wire.Connection("127.0.0.1", port) as conn:
            conn.send_raw(kafka_wire.frame(kafka_wire.request_header(3, 1, 1) + kafka_wire.i32(-1)))
            self.assertTrue(conn.closed_by_peer())
        # ApiVersions is answered, then SaslHandshake lists the mechanisms; Produce after the
        # handshake but before SaslAuthenticate closes the connection as well.
        with kafka_wire.Connection("127.0.0.1", port) as conn:
            r = conn.request(18, 0, b"")
            self.assertEqual(r.i16(), 0)
            r = conn.request(17, 1, kafka_wire.string("GSSAPI"))
            self.assertEqual(r.i16(), 33)  # UNSUPPORTED_SASL_MECHANISM
            self.assertEqual(r.array(lambda rd: rd.string()), MECHANISMS)
            self.assertTrue(conn.closed_by_peer())
        with kafka_wire.Connection("127.0.0.1", port) as conn:
            r = conn.request(17, 1, kafka_wire.string("PLAIN"))
            self.assertEqual(r.i16(), 0)
            conn.send_raw(kafka_wire.frame(kafka_wire.request_header(3, 1, 9) + kafka_wire.i32(-1)))
            self.assertTrue(conn.closed_by_peer())
        # SaslHandshake v0 then a raw PLAIN token (no SaslAuthenticate framing), then Metadata.
        with kafka_wire.Connection("127.0.0.1", port) as conn:
            r = conn.request(17, 0, kafka_wire.string("PLAIN"))
            self.assertEqual(r.i16(), 0)
            conn.send_raw(kafka_wire.frame(b"\0alice\0alice-secret"))
            self.assertEqual(conn.recv_frame(), b"")
            r = conn.request(3, 1, kafka_wire.i32(-1))
            self.assertEqual(r.array(lambda rd: (rd.i32(), rd.string(), rd.i32(), rd.string()))[0][2], port)
        self.assertTrue(self.broker.running())

    def test_client_certificate_required(self):
        props = client_props(self.certs, "SSL")
        with_cert = dict(props, **{"ssl.certificate.location": os.path.join(self.certs, "client.pem"),
                                   "ssl.key.location": os.path.join(self.certs, "client.key")})
        r = kcat(self.bootstrap("CLIENTAUTH"), with_cert, ["-L"])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = kcat(self.bootstrap("CLIENTAUTH"), props, ["-L", "-m", "2"], timeout=20)
        self.assertNotEqual(r.returncode, 0, "a client without a certificate got in")
        foreign = dict(props, **{"ssl.certificate.location": os.path.join(self.certs, "client-other.pem"),
                                 "ssl.key.location": os.path.join(self.certs, "client-other.key")})
        r = kcat(self.bootstrap("CLIENTAUTH"), foreign, ["-L", "-m", "2"], timeout=20)
        self.assertNotEqual(r.returncode, 0, "a certificate from an unrelated CA got in")

    def test_client_refuses_bad_server_certificates(self):
        cases = [("SSL", {"ssl.ca.location": os.path.join(self.certs, "other-ca.pem")}, "certificate verify failed"),
                 ("EXPIRED", {}, "certificate verify failed"),
                 ("WRONGHOST", {}, "certificate verify failed")]
        for listener, override, reason in cases:
            with self.subTest(listener=listener):
                props = dict(client_props(self.certs, "SSL"), **override)
                props["ssl.endpoint.identification.algorithm"] = "https"
                r = kcat(self.bootstrap(listener), props, ["-L", "-m", "2"], timeout=20)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(reason, r.stderr.decode())
        # The wrong-host certificate is otherwise valid: without hostname checking it is accepted.
        props = dict(client_props(self.certs, "SSL"), **{"ssl.endpoint.identification.algorithm": "none"})
        r = kcat(self.bootstrap("WRONGHOST"), props, ["-L", "-m", "10"], timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr.decode())


if __name__ == "__main__":
    broker_fixture.main()
