"""Starts and stops a real refbroker process for the integration tests.

Every test gets its own broker on an ephemeral port (--listen 127.0.0.1:0) in a fresh temporary
data dir. Readiness is the event of the broker printing `listening on HOST:PORT` on stdout, never a
sleep. stop() sends SIGTERM and asserts the broker exits with status 0.

The broker binary comes from `--refbroker PATH` on the test's command line (CMake passes
$<TARGET_FILE:refbroker>), else $REFBROKER, else the usual build directories.
"""

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))


def _take_option(name):
    """Removes `name VALUE` (or name=VALUE) from sys.argv so unittest does not see it."""
    for i, a in enumerate(sys.argv):
        if a == name and i + 1 < len(sys.argv):
            value = sys.argv[i + 1]
            del sys.argv[i:i + 2]
            return value
        if a.startswith(name + "="):
            del sys.argv[i]
            return a.split("=", 1)[1]
    return None


def refbroker_path():
    path = _take_option("--refbroker") or os.environ.get("REFBROKER")
    if path:
        return path
    for build in ("build-it", "build"):
        candidate = os.path.join(_REPO, build, "broker", "refbroker")
        if os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("refbroker binary not found: pass --refbroker PATH or set REFBROKER")


REFBROKER = None  # resolved by main() (or lazily by RefBroker)


class BrokerError(AssertionError):
    pass


class RefBroker:
    """One refbroker process. Use as a context manager or call start()/stop()."""

    def __init__(self, config=None, data_dir=None, listen="127.0.0.1:0", binary=None, extra_args=()):
        global REFBROKER
        if binary is None:
            if REFBROKER is None:
                REFBROKER = refbroker_path()
            binary = REFBROKER
        self.binary = binary
        self.config = dict(config or {})
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="refbroker-it-")
        self.listen = listen
        self.extra_args = list(extra_args)
        self.proc = None
        self.host = None
        self.port = None
        self.bootstrap = None
        self.startup_seconds = None
        self._stderr_path = os.path.join(tempfile.gettempdir(), "refbroker-%d-%d.stderr" % (os.getpid(), id(self)))
        self._stderr = None
        self._drain = None
        self.extra_stdout = b""  # anything after the `listening on` line

    # ---- lifecycle

    def start(self, timeout=20.0):
        """Spawns the broker and waits for its `listening on` line. Returns the startup time in seconds."""
        args = [self.binary, "--listen", self.listen, "--data-dir", self.data_dir]
        args += self.extra_args
        args += ["%s=%s" % (k, v) for k, v in self.config.items()]
        self._stderr = open(self._stderr_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL)
        line = self._read_line(timeout)
        self.startup_seconds = time.monotonic() - t0
        prefix = "listening on "
        if not line.startswith(prefix):
            self.kill()
            raise BrokerError("unexpected first line from refbroker: %r\n%s" % (line, self.stderr_text()))
        self.bootstrap = line[len(prefix):].strip()
        host, _, port = self.bootstrap.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        if self.port == 0:
            raise BrokerError("refbroker announced port 0")
        # Keep draining stdout so a chatty broker can never block on a full pipe.
        self._drain = threading.Thread(target=self._drain_stdout, daemon=True)
        self._drain.start()
        return self.startup_seconds

    def _read_line(self, timeout):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise BrokerError("refbroker did not print 'listening on' within %.0fs\n%s" % (timeout, self.stderr_text()))
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:  # EOF: the broker died before becoming ready
                rc = self.proc.wait(timeout=5)
                raise BrokerError("refbroker exited with %s before it was ready\n%s" % (rc, self.stderr_text()))
            buf += chunk
        line, self.extra_stdout = buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def _drain_stdout(self):
        try:
            fd = self.proc.stdout.fileno()
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self.extra_stdout += chunk
        except (OSError, ValueError):
            pass

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20.0):
        """SIGTERM, then asserts a clean exit (status 0) within `timeout`."""
        if self.proc is None:
            return 0
        proc = self.proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise BrokerError("refbroker did not exit within %.0fs of SIGTERM\n%s" % (timeout, self.stderr_text()))
        finally:
            self._finish()
        if rc != 0:
            raise BrokerError("refbroker exited with status %s after SIGTERM\n%s" % (rc, self.stderr_text()))
        return rc

    def kill(self):
        """SIGKILL (a crash): no flush, no clean shutdown."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._finish()

    def restart(self, timeout=20.0):
        """Starts a new process on the same data dir and config (after stop() or kill())."""
        assert self.proc is None, "stop() or kill() first"
        return self.start(timeout)

    def _finish(self):
        # The process has exited: the drain thread sees EOF, then the pipe can be closed.
        if self._drain:
            self._drain.join(timeout=5)
            self._drain = None
        if self.proc and self.proc.stdout:
            try:
                self.proc.stdout.close()
            except OSError:
                pass
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        self.proc = None

    def cleanup(self):
        if self.proc is not None:
            self.kill()
        if self.own_dir and not os.environ.get("KEEP_DATA"):
            shutil.rmtree(self.data_dir, ignore_errors=True)
        try:
            os.unlink(self._stderr_path)
        except OSError:
            pass

    # ---- introspection

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def stderr_text(self):
        try:
            with open(self._stderr_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return ("refbroker stderr:\n" + text[-4000:]) if text else "(refbroker stderr is empty)"

    def status(self, field):
        """A field of /proc/PID/status, e.g. VmHWM, in kB."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.proc is not None:
                if exc_type is None:
                    self.stop()
                else:
                    self.kill()
        finally:
            self.cleanup()
        return False


def make_certs():
    """A fresh temporary directory of test certificates (tests/support/gen_certs.sh); the caller removes it."""
    d = tempfile.mkdtemp(prefix="refbroker-certs-")
    subprocess.run(["bash", os.path.join(os.path.dirname(_HERE), "support", "gen_certs.sh"), d], check=True, timeout=60)
    return d


def listener_ports(broker, timeout=10.0):
    """{NAME: port} from the `listener NAME PROTOCOL HOST:PORT` lines after `listening on`: waits for
    a line per entry of the broker's `listeners` config (for one line when it has none)."""
    expected = len(str(broker.config.get("listeners", "")).split(",")) if broker.config.get("listeners") else 1
    deadline = time.monotonic() + timeout
    while True:
        ports = {}
        for line in broker.extra_stdout.decode().splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] == "listener":
                ports[parts[1]] = int(parts[3].rpartition(":")[2])
        if len(ports) >= expected or time.monotonic() > deadline:
            return ports
        time.sleep(0.01)


class BrokerTestCase(unittest.TestCase):
    """A test case whose tests share one broker (started in setUpClass, stopped cleanly after)."""

    broker_config = {}

    @classmethod
    def setUpClass(cls):
        cls.broker = RefBroker(config=cls.broker_config)
        cls.broker.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.broker.stop()
        finally:
            cls.broker.cleanup()

    def broker_alive(self):
        self.assertTrue(self.broker.running(), "refbroker died\n" + self.broker.stderr_text())


class TlsBrokerTestCase(BrokerTestCase):
    """A BrokerTestCase whose broker needs certificates: they are made first in cls.certs (removed
    after the broker stops), the config comes from broker_config_for(certs), and cls.ports maps each
    listener's name to its port."""

    @classmethod
    def broker_config_for(cls, certs):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.certs = make_certs()
        cls.broker_config = cls.broker_config_for(cls.certs)
        super().setUpClass()
        cls.ports = listener_ports(cls.broker)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.certs, ignore_errors=True)


def main():
    """unittest.main() after taking our own --refbroker option off the command line."""
    global REFBROKER
    REFBROKER = refbroker_path()
    unittest.main(verbosity=2)
