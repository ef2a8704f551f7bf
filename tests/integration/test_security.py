"""refbroker's listeners, TLS, SASL and ACLs against real clients: kcat, python3-confluent-kafka
(Debian's librdkafka 2.0.2, built with SSL and SASL) and kafka-python's admin client, over TCP.

One broker serves every listener kind at once (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, an SSL
listener requiring client certificates, one requesting them, and SSL listeners serving an expired
and a wrong-host certificate); certificates come from tests/support/gen_certs.sh at test time.

- produce and consume over SSL, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256 and
  SCRAM-SHA-512 (kcat), and a consumer group over SASL_SSL (confluent_kafka): Metadata and
  FindCoordinator advertise the listener the client came through;
- a wrong password fails with an authentication error carrying the broker's message;
- on a SASL listener, anything but ApiVersions/SaslHandshake before authentication gets no answer
  and the connection is closed;
- client certificates: required by one listener (a client without one or with one from an
  unrelated CA is refused), requested by another (clients without one get in);
- the client refuses the broker's certificate when it trusts another CA, when it has expired and
  when its name does not match.
"""

import os
import subprocess
import time

from confluent_kafka import Consumer, KafkaError, Producer

import broker_fixture
import kafka_wire
from broker_fixture import RefBroker, TlsBrokerTestCase

TIMEOUT = 30
USERS = {"alice": "alice-secret", "bob": "bob-secret"}
MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def security_broker_config(certs, extra=None):
    c = {
        "listeners": ",".join("%s://127.0.0.1:0" % n for n in
                              ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", "CLIENTAUTH", "EXPIRED", "WRONGHOST",
                               "REQUESTED"]),
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,"
                                          "SASL_SSL:SASL_SSL,CLIENTAUTH:SSL,EXPIRED:SSL,WRONGHOST:SSL,REQUESTED:SSL",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": os.path.join(certs, "server-chain.pem"),
        "ssl.key.location": os.path.join(certs, "server-enc.key"),
        "ssl.key.password": "serverpass",
        "listener.name.clientauth.ssl.client.auth": "required",
        "listener.name.clientauth.ssl.truststore.location": os.path.join(certs, "ca.pem"),
        "listener.name.requested.ssl.client.auth": "requested",
        "listener.name.requested.ssl.truststore.location": os.path.join(certs, "ca.pem"),
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


class Security(TlsBrokerTestCase):
    @classmethod
    def broker_config_for(cls, certs):
        return security_broker_config(certs)

    def bootstrap(self, listener):
        return "127.0.0.1:%d" % self.ports[listener]

    def test_startup_lines_name_every_listener(self):
        self.assertEqual(sorted(self.ports), sorted(["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", "CLIENTAUTH",
                                                     "EXPIRED", "WRONGHOST", "REQUESTED"]))
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

    def test_session_lifetime_and_reauthentication(self):
        """KIP-368 over the wire: SaslAuthenticate v1 tells the lifetime; an expired session is closed
        on its next request, unless it re-authenticates on the same connection first."""
        lifetime_ms = 400
        b = RefBroker(config={"listeners": "SASL_PLAINTEXT://127.0.0.1:0", "sasl.enabled.mechanisms": "PLAIN",
                              "refbroker.sasl.users.alice": "alice-secret", "connections.max.reauth.ms": lifetime_ms})
        with b:
            metadata = kafka_wire.i32(-1)

            def authenticate(conn):
                r = conn.request(17, 1, kafka_wire.string("PLAIN"))
                self.assertEqual(r.i16(), 0)
                r = conn.request(36, 1, kafka_wire.nbytes(b"\0alice\0alice-secret"))
                self.assertEqual(r.i16(), 0)  # error code
                return r

            def lifetime(r):
                msg_len = r.i16()  # nullable error message: -1
                if msg_len > 0:
                    r.raw(msg_len)
                r.bytes()
                return r.i64()

            with kafka_wire.Connection("127.0.0.1", b.port) as conn:
                t0 = time.monotonic()
                self.assertEqual(lifetime(authenticate(conn)), lifetime_ms)
                conn.request(3, 1, metadata)  # within the session
                # Re-authenticate before expiry, then keep using the connection past the first expiry.
                time.sleep(max(0.0, t0 + lifetime_ms / 2000 - time.monotonic()))
                t1 = time.monotonic()
                self.assertEqual(lifetime(authenticate(conn)), lifetime_ms)
                time.sleep(max(0.0, t0 + lifetime_ms / 1000 + 0.05 - time.monotonic()))
                self.assertLess(time.monotonic(), t1 + lifetime_ms / 1000)
                conn.request(3, 1, metadata)
                # Let the renewed session expire: the next request closes the connection.
                time.sleep(max(0.0, t1 + lifetime_ms / 1000 + 0.05 - time.monotonic()))
                conn.send_raw(kafka_wire.frame(kafka_wire.request_header(3, 1, 99) + metadata))
                self.assertTrue(conn.closed_by_peer())

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

    def test_client_certificate_requested(self):
        # ssl.client.auth=requested: clients without a certificate get in; a certificate that does
        # not verify against the truststore is still refused.
        props = client_props(self.certs, "SSL")
        r = kcat(self.bootstrap("REQUESTED"), props, ["-L"])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with_cert = dict(props, **{"ssl.certificate.location": os.path.join(self.certs, "client.pem"),
                                   "ssl.key.location": os.path.join(self.certs, "client.key")})
        r = kcat(self.bootstrap("REQUESTED"), with_cert, ["-L"])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        foreign = dict(props, **{"ssl.certificate.location": os.path.join(self.certs, "client-other.pem"),
                                 "ssl.key.location": os.path.join(self.certs, "client-other.key")})
        r = kcat(self.bootstrap("REQUESTED"), foreign, ["-L", "-m", "2"], timeout=20)
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


ACL_USERS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw", "erin": "erin-pw",
             "admin": "admin-pw"}
ACLS = [
    "allow User:alice Write topic prefixed acl-",
    "allow User:alice Read topic prefixed acl-",
    "allow User:alice Read group prefixed g-alice",
    "allow User:alice Write transactional-id literal txn-alice",
    "allow User:alice Describe transactional-id literal txn-alice",
    "allow User:bob Read topic literal acl-data",
    "allow User:* Read topic literal acl-public",
    "deny User:carol Read topic literal acl-public",
    "allow User:erin Read topic literal acl-data",
    "allow User:erin Describe group literal g-erin",
    "allow User:CN=alice Read topic literal acl-data",
    "allow User:* Read group literal g-readers",
    "allow User:dave Describe topic literal acl-data",  # sees it, may not read it
]


class Acls(TlsBrokerTestCase):
    """ACLs per principal (SASL PLAIN users and a TLS client certificate) with Kafka's error codes."""

    @classmethod
    def broker_config_for(cls, certs):
        config = security_broker_config(certs, {
            "listeners": "SASL_PLAINTEXT://127.0.0.1:0,CLIENTAUTH://127.0.0.1:0",
            "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CLIENTAUTH:SSL",
            "sasl.enabled.mechanisms": "PLAIN",
            "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
            "super.users": "User:admin",
            "allow.everyone.if.no.acl.found": "false",
            "num.partitions": "1",
        })
        for k in list(config):
            if k.startswith("refbroker.sasl.users."):
                del config[k]
        for user, pw in ACL_USERS.items():
            config["refbroker.sasl.users." + user] = pw
        for i, acl in enumerate(ACLS):
            config["refbroker.acl.%d" % i] = acl
        return config

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The super user creates the topics and writes a few records.
        admin = Producer(cls.props("admin"))
        for topic in ["acl-data", "acl-public", "other"]:
            for i in range(5):
                admin.produce(topic, value=b"%s-%d" % (topic.encode(), i))
        assert admin.flush(TIMEOUT) == 0

    @classmethod
    def props(cls, user, **extra):
        p = {"bootstrap.servers": "127.0.0.1:%d" % cls.ports["SASL_PLAINTEXT"], "security.protocol": "sasl_plaintext",
             "sasl.mechanisms": "PLAIN", "sasl.username": user, "sasl.password": ACL_USERS[user]}
        p.update(extra)
        return p

    def produce_errors(self, user, topic, **extra):
        """Produces one message as `user`; returns the delivery error code (None when delivered)."""
        results = []
        p = Producer(self.props(user, **dict({"message.timeout.ms": 10000}, **extra)))
        p.produce(topic, value=b"from-" + user.encode(), on_delivery=lambda err, msg: results.append(err))
        p.flush(TIMEOUT)
        self.assertEqual(len(results), 1)
        return results[0].code() if results[0] else None

    def consume_error(self, user, topic, group=None, **extra):
        """Reads `topic` partition 0 from the beginning as `user`: (values, first error code)."""
        c = Consumer(self.props(user, **dict({"group.id": group or "g-readers", "enable.auto.commit": False,
                                              "auto.offset.reset": "earliest"}, **extra)))
        try:
            from confluent_kafka import TopicPartition
            c.assign([TopicPartition(topic, 0, 0)])
            values = []
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is None:
                    continue
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        return values, None
                    return values, m.error().code()
                values.append(m.value())
                if len(values) >= 5:
                    return values, None
            self.fail("no records and no error for %s on %s" % (user, topic))
        finally:
            c.close()

    def test_produce_allowed_and_denied(self):
        self.assertIsNone(self.produce_errors("alice", "acl-data"))  # idempotent by default: IdempotentWrite via topic Write
        self.assertEqual(self.produce_errors("bob", "acl-data", **{"enable.idempotence": False}),
                         KafkaError.TOPIC_AUTHORIZATION_FAILED)

    def test_idempotent_producer_needs_some_write_permission(self):
        # bob has no Write anywhere and no IdempotentWrite: InitProducerId fails, a fatal error.
        from confluent_kafka import KafkaException
        errors = []
        p = Producer(self.props("bob", **{"enable.idempotence": True, "error_cb": errors.append}))
        p.produce("acl-data", value=b"x")
        deadline = time.monotonic() + TIMEOUT
        while not errors and time.monotonic() < deadline:
            try:
                p.poll(0.2)
            except KafkaException as e:
                errors.append(e.args[0])
        self.assertTrue(errors)
        self.assertEqual(errors[0].code(), KafkaError.CLUSTER_AUTHORIZATION_FAILED)
        self.assertTrue(errors[0].fatal())

    def test_fetch_allowed_denied_and_deny_wins(self):
        values, err = self.consume_error("bob", "acl-data", **{"enable.partition.eof": True})
        self.assertIsNone(err)
        self.assertGreaterEqual(len(values), 5)
        values, err = self.consume_error("dave", "acl-data")
        self.assertEqual(err, KafkaError.TOPIC_AUTHORIZATION_FAILED)
        self.assertEqual(values, [])
        values, err = self.consume_error("dave", "acl-public")  # User:* may read it
        self.assertIsNone(err)
        values, err = self.consume_error("carol", "acl-public")  # ...except carol: deny wins
        self.assertEqual(err, KafkaError.TOPIC_AUTHORIZATION_FAILED)

    def test_metadata_hides_topics(self):
        from confluent_kafka.admin import AdminClient

        def visible(user):
            md = AdminClient(self.props(user)).list_topics(timeout=TIMEOUT)
            return {t for t, tm in md.topics.items() if tm.error is None}

        self.assertEqual(visible("bob"), {"acl-data", "acl-public"})
        self.assertEqual(visible("carol"), {"acl-public"})
        self.assertTrue({"acl-data", "acl-public", "other"} <= visible("alice") | {"other"})
        self.assertNotIn("other", visible("alice"))
        self.assertTrue({"acl-data", "acl-public", "other"} <= visible("admin"))
        # Asking for a hidden topic by name: TOPIC_AUTHORIZATION_FAILED, and no auto-creation.
        md = AdminClient(self.props("carol")).list_topics(topic="acl-new-by-carol", timeout=TIMEOUT)
        self.assertEqual(md.topics["acl-new-by-carol"].error.code(), KafkaError.TOPIC_AUTHORIZATION_FAILED)
        md = AdminClient(self.props("carol")).list_topics(topic="other", timeout=TIMEOUT)
        self.assertEqual(md.topics["other"].error.code(), KafkaError.TOPIC_AUTHORIZATION_FAILED)
        self.assertNotIn("acl-new-by-carol", visible("admin"))

    def test_group_join_and_commit(self):
        from confluent_kafka import TopicPartition
        # alice may use groups g-alice*: subscribe, consume, commit.
        c = Consumer(self.props("alice", **{"group.id": "g-alice-1", "auto.offset.reset": "earliest",
                                            "enable.auto.commit": False}))
        try:
            c.subscribe(["acl-data"])
            got = None
            deadline = time.monotonic() + TIMEOUT
            while got is None and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is not None:
                    self.assertIsNone(m.error(), m.error())
                    got = m
            self.assertIsNotNone(got)
            res = c.commit(message=got, asynchronous=False)
            self.assertTrue(all(tp.error is None for tp in res))
            # A topic she may not read: TOPIC_AUTHORIZATION_FAILED on that partition.
            with self.assertRaises(Exception) as cm:
                c.commit(offsets=[TopicPartition("other", 0, 1)], asynchronous=False)
            self.assertIn("TOPIC_AUTHORIZATION_FAILED", str(cm.exception))
        finally:
            c.close()
        # bob has no group ACL: joining fails with GROUP_AUTHORIZATION_FAILED.
        c = Consumer(self.props("bob", **{"group.id": "g-bob", "auto.offset.reset": "earliest"}))
        try:
            c.subscribe(["acl-data"])
            err = None
            deadline = time.monotonic() + TIMEOUT
            while err is None and time.monotonic() < deadline:
                m = c.poll(0.5)
                if m is not None and m.error():
                    err = m.error().code()
            self.assertEqual(err, KafkaError.GROUP_AUTHORIZATION_FAILED)
        finally:
            c.close()
        # erin may describe g-erin (finds the coordinator) but not read it: commits are refused.
        c = Consumer(self.props("erin", **{"group.id": "g-erin", "enable.auto.commit": False}))
        try:
            with self.assertRaises(Exception) as cm:
                c.commit(offsets=[TopicPartition("acl-data", 0, 1)], asynchronous=False)
            self.assertIn("GROUP_AUTHORIZATION_FAILED", str(cm.exception))
        finally:
            c.close()

    def test_transactions(self):
        from confluent_kafka import KafkaException, TopicPartition
        p = Producer(self.props("alice", **{"transactional.id": "txn-alice"}))
        p.init_transactions(TIMEOUT)
        p.begin_transaction()
        p.produce("acl-data", value=b"in-txn")
        p.commit_transaction(TIMEOUT)
        # Offsets for a group alice may not read: GROUP_AUTHORIZATION_FAILED.
        p.begin_transaction()
        p.produce("acl-data", value=b"in-txn-2")
        c = Consumer(self.props("alice", **{"group.id": "g-alice-txn"}))
        meta = c.consumer_group_metadata()
        c.close()
        c2 = Consumer(self.props("alice", **{"group.id": "not-alices-group"}))
        other_meta = c2.consumer_group_metadata()
        c2.close()
        with self.assertRaises(KafkaException) as cm:
            p.send_offsets_to_transaction([TopicPartition("acl-data", 0, 1)], other_meta, TIMEOUT)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.GROUP_AUTHORIZATION_FAILED)
        # bob has no transactional-id ACL.
        q = Producer(self.props("bob", **{"transactional.id": "txn-bob"}))
        with self.assertRaises(KafkaException) as cm:
            q.init_transactions(TIMEOUT)
        self.assertEqual(cm.exception.args[0].code(), KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
        del meta

    def test_client_certificate_principal(self):
        props = {"security.protocol": "ssl", "ssl.ca.location": os.path.join(self.certs, "ca.pem"),
                 "ssl.certificate.location": os.path.join(self.certs, "client.pem"),
                 "ssl.key.location": os.path.join(self.certs, "client.key")}
        bootstrap = "127.0.0.1:%d" % self.ports["CLIENTAUTH"]
        r = kcat(bootstrap, props, ["-C", "-t", "acl-data", "-o", "beginning", "-c", "5", "-f", "%s\n"])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout.decode().splitlines()[:5], ["acl-data-%d" % i for i in range(5)])
        r = kcat(bootstrap, props, ["-C", "-t", "other", "-o", "beginning", "-c", "1", "-e"])
        self.assertIn("Topic authorization failed", r.stderr.decode() + r.stdout.decode())

    def test_acl_admin_api(self):
        """CreateAcls/DescribeAcls/DeleteAcls through kafka-python's admin client (v0-v1)."""
        from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                                 KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)
        from kafka.errors import ClusterAuthorizationFailedError

        def admin(user):
            return KafkaAdminClient(bootstrap_servers="127.0.0.1:%d" % self.ports["SASL_PLAINTEXT"],
                                    security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                                    sasl_plain_username=user, sasl_plain_password=ACL_USERS[user],
                                    request_timeout_ms=TIMEOUT * 1000)

        root = admin("admin")
        try:
            # dave may describe acl-data but not read it; an ACL created over the API lets him.
            self.assertEqual(self.consume_error("dave", "acl-data")[1], KafkaError.TOPIC_AUTHORIZATION_FAILED)
            grant = ACL("User:dave", "*", ACLOperation.READ, ACLPermissionType.ALLOW,
                        ResourcePattern(ResourceType.TOPIC, "acl-da", ACLResourcePatternType.PREFIXED))
            result = root.create_acls([grant])
            self.assertEqual(result["failed"], [])
            values, err = self.consume_error("dave", "acl-data")
            self.assertIsNone(err)
            self.assertGreaterEqual(len(values), 5)
            listed, error = root.describe_acls(ACLFilter("User:dave", None, ACLOperation.ANY, ACLPermissionType.ANY,
                                                         ResourcePatternFilter(ResourceType.ANY, None,
                                                                               ACLResourcePatternType.ANY)))
            self.assertEqual(error.errno, 0)
            self.assertEqual({(a.operation, a.resource_pattern.resource_name) for a in listed},
                             {(ACLOperation.DESCRIBE, "acl-data"), (ACLOperation.READ, "acl-da")})
            deleted = root.delete_acls([ACLFilter("User:dave", None, ACLOperation.READ, ACLPermissionType.ALLOW,
                                                  ResourcePatternFilter(ResourceType.TOPIC, "acl-da",
                                                                        ACLResourcePatternType.PREFIXED))])
            self.assertEqual(len(deleted[0][1]), 1)
            self.assertEqual(self.consume_error("dave", "acl-data")[1], KafkaError.TOPIC_AUTHORIZATION_FAILED)
        finally:
            root.close()
        # Only principals with Alter on the cluster may change ACLs.
        a = admin("alice")
        try:
            result = a.create_acls([ACL("User:alice", "*", ACLOperation.ALL, ACLPermissionType.ALLOW,
                                        ResourcePattern(ResourceType.CLUSTER, "kafka-cluster"))])
            self.assertEqual(len(result["failed"]), 1)
            self.assertEqual(result["failed"][0][1].errno, ClusterAuthorizationFailedError.errno)  # a class
        finally:
            a.close()


if __name__ == "__main__":
    broker_fixture.main()
