"""kctl against a group of a third-party consumer (kcat -G, Debian's librdkafka): kctl groups
decodes the members' assignments (librdkafka's consumer protocol encoding) and the offsets kcat
commits. Label peer (third-party client); the kctl binary comes from $KCTL.
"""

import signal
import subprocess
import unittest

import broker_fixture
import test_kctl_cluster as base
from broker_fixture import BrokerTestCase

KCTL = base.KCTL


class KctlPeersTest(BrokerTestCase):
    broker_config = {"num.partitions": "1"}
    # The same helpers as the cluster tests.
    kctl = base.KctlClusterTest.kctl
    ok = base.KctlClusterTest.ok
    create_topic = base.KctlClusterTest.create_topic
    produce = base.KctlClusterTest.produce
    describe_rows = base.KctlClusterTest.describe_rows
    read_lines = base.KctlClusterTest.read_lines

    def test_group_of_kcat(self):
        self.create_topic("kt", 2)
        self.produce("kt", ["x0", "x1"], "--partition", "0")
        self.produce("kt", ["y0"], "--partition", "1")
        kcat = subprocess.Popen(["kcat", "-b", self.broker.bootstrap, "-G", "gk", "-u", "-q", "-f", "%s\\n",
                                 "-X", "client.id=kcat-member", "-X", "auto.offset.reset=earliest", "kt"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            self.assertEqual(sorted(self.read_lines(kcat, 3)), ["x0", "x1", "y0"])
            out = self.ok("groups", "--describe", "--group", "gk", "--members")
            lines = [l.split() for l in out.split("\n") if l]
            self.assertEqual(lines[1][0], "gk")
            self.assertEqual(lines[1][3:], ["kcat-member", "2"])
            rows = self.describe_rows("gk")
            self.assertEqual(sorted(rows), [("kt", "0"), ("kt", "1")])
            self.assertEqual([rows[("kt", p)][4] for p in "01"], ["2", "1"])
            for p in "01":
                self.assertEqual(rows[("kt", p)][6], lines[1][1])  # the member's id
                self.assertEqual(rows[("kt", p)][8], "kcat-member")
        finally:
            kcat.send_signal(signal.SIGTERM)  # kcat closes its consumer: commit, leave
            self.assertIn(kcat.wait(timeout=20), (0, -signal.SIGTERM))
            kcat.stdout.close()
            kcat.stderr.close()
        rows = self.describe_rows("gk")
        self.assertEqual([rows[("kt", p)][3:7] for p in "01"], [["2", "2", "0", "-"], ["1", "1", "0", "-"]])



if __name__ == "__main__":
    broker_fixture.main()
