#!/usr/bin/env python3
"""A private MariaDB server for tests and demos.

Initialises a data dir under a directory of its own (mariadb-install-db), starts mariadbd on
127.0.0.1 with a free ephemeral port and a private socket, waits until a client connection
succeeds, creates a database, and stops and cleans up. The server can be stopped or killed and
started again on the same data dir and port (the "MariaDB restarted mid-run" tests), and faults
can be injected from a second connection (holding row locks, killing client connections).

Command line (each prints one JSON object describing the server on stdout):
  mariadb_server.py start   --dir DIR [--database eos] [--port N] [-- extra mariadbd args]
  mariadb_server.py stop    --dir DIR          SIGTERM, wait for a clean shutdown
  mariadb_server.py kill    --dir DIR          SIGKILL (a crash)
  mariadb_server.py restart --dir DIR          stop, then start on the same data dir and port
  mariadb_server.py sql     --dir DIR SQL      run statements with the mariadb client
  mariadb_server.py cleanup --dir DIR          stop and delete DIR
From Python: `with MariaDBServer(dir) as server: server.url ...`.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

MARIADBD_CANDIDATES = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _find(names):
    for name in names:
        path = name if os.path.isabs(name) else shutil.which(name)
        if path and os.path.exists(path):
            return path
    raise RuntimeError("none of %s found (run: bash .ci/deps)" % ", ".join(names))


class MariaDBServer:
    def __init__(self, directory=None, database="eos", port=None, extra_args=None):
        self.dir = os.path.abspath(directory or tempfile.mkdtemp(prefix="mariadb-"))
        os.makedirs(self.dir, exist_ok=True)
        self.datadir = os.path.join(self.dir, "data")
        # Unix socket paths are limited to 107 bytes; a long temp dir gets a short side path.
        self.socket = os.path.join(self.dir, "mysqld.sock")
        if len(self.socket) > 100:
            self.socket = os.path.join(tempfile.gettempdir(), "mdb-%d-%d.sock" % (os.getpid(), id(self)))
        self.database = database
        self.extra_args = list(extra_args or [])
        self.state_file = os.path.join(self.dir, "server.json")
        self.pid = None
        self.port = port
        if os.path.exists(self.state_file):
            with open(self.state_file) as f:
                state = json.load(f)
            self.port = self.port or state["port"]
            self.socket = state["socket"]
            self.pid = state.get("pid")
            self.database = state.get("database", self.database)
            self.extra_args = self.extra_args or state.get("extra_args", [])

    # -- description ---------------------------------------------------------------------------
    @property
    def url(self):
        return "mysql://root@127.0.0.1:%d/%s" % (self.port, self.database)

    def describe(self):
        return {"dir": self.dir, "port": self.port, "socket": self.socket, "pid": self.pid,
                "database": self.database, "url": self.url, "running": self.running(),
                "extra_args": self.extra_args}

    def _save(self):
        with open(self.state_file, "w") as f:
            json.dump(self.describe(), f)

    def running(self):
        if not self.pid:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        # A zombie child (we started it, nobody reaped it) is not running.
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().split(") ")[-1].split()[0] != "Z"
        except OSError:
            return False

    # -- lifecycle -----------------------------------------------------------------------------
    def _initialise(self):
        if os.path.isdir(os.path.join(self.datadir, "mysql")):
            return
        args = [_find(["mariadb-install-db", "mysql_install_db"]), "--no-defaults",
                "--datadir=" + self.datadir, "--auth-root-authentication-method=normal",
                "--skip-test-db", "--skip-name-resolve"]
        if os.geteuid() == 0:
            args.append("--user=root")
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise RuntimeError("mariadb-install-db failed:\n" + result.stdout)

    def start(self, timeout=60):
        if self.running():
            return self
        self._initialise()
        self.port = self.port or _free_port()
        args = [_find(MARIADBD_CANDIDATES), "--no-defaults", "--datadir=" + self.datadir,
                "--socket=" + self.socket, "--port=%d" % self.port, "--bind-address=127.0.0.1",
                "--pid-file=" + os.path.join(self.dir, "mariadbd.pid"),
                "--log-error=" + os.path.join(self.dir, "error.log"),
                "--skip-name-resolve", "--innodb-buffer-pool-size=256M",
                "--innodb-log-file-size=64M", "--max-allowed-packet=64M",
                "--max-connections=200"] + self.extra_args
        if os.geteuid() == 0:
            args.append("--user=root")
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        self.pid = process.pid
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError("mariadbd exited with %s; log:\n%s" % (process.returncode, self.error_log()))
            if self._client_ok("SELECT 1"):
                break
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("mariadbd not ready after %ss; log:\n%s" % (timeout, self.error_log()))
            time.sleep(0.05)
        self.sql("CREATE DATABASE IF NOT EXISTS `%s`" % self.database, database=None)
        self._save()
        return self

    def stop(self, timeout=60):
        if self.running():
            os.kill(self.pid, signal.SIGTERM)
            self._wait_gone(timeout)
        self._save()
        return self

    def kill(self):
        if self.running():
            os.kill(self.pid, signal.SIGKILL)
            self._wait_gone(10)
        self._save()
        return self

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.kill() if os.environ.get("MARIADB_FAST_CLEANUP") else self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        if not self.socket.startswith(self.dir) and os.path.exists(self.socket):
            os.unlink(self.socket)

    def _wait_gone(self, timeout):
        deadline = time.monotonic() + timeout
        while self.running():
            try:  # reap it if it is our child
                os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pass
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
            time.sleep(0.05)

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log")) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    # -- client access and fault injection -------------------------------------------------------
    def client_args(self, database="default"):
        args = [_find(["mariadb", "mysql"]), "--no-defaults", "--protocol=socket",
                "--socket=" + self.socket, "-uroot", "--batch", "--skip-column-names"]
        db = self.database if database == "default" else database
        if db:
            args.append("--database=" + db)
        return args

    def _client_ok(self, statement):
        result = subprocess.run(self.client_args(database=None) + ["-e", statement],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return result.returncode == 0

    def sql(self, statements, database="default"):
        """Runs statements; returns stdout (tab-separated rows)."""
        result = subprocess.run(self.client_args(database) + ["-e", statements],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            raise RuntimeError("mariadb: %s" % result.stderr.strip())
        return result.stdout

    def hold_locks(self, statements, seconds):
        """Opens a second connection that runs `statements` inside a transaction (e.g. SELECT ...
        FOR UPDATE) and keeps its locks for `seconds`; returns the client process."""
        script = "BEGIN; %s; DO SLEEP(%f); ROLLBACK;" % (statements, seconds)
        return subprocess.Popen(self.client_args() + ["-e", script],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill_client_connections(self):
        """Kills every client connection but this one (a lost connection for their owners)."""
        ids = self.sql("SELECT id FROM information_schema.processlist "
                       "WHERE id <> CONNECTION_ID() AND command <> 'Daemon' AND user <> 'system user'",
                       database=None).split()
        for connection_id in ids:
            try:
                self.sql("KILL CONNECTION %s" % connection_id, database=None)
            except RuntimeError:
                pass  # already gone
        return len(ids)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "kill", "restart", "sql", "cleanup",
                                            "kill-connections", "status"])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--database", default="eos")
    parser.add_argument("--port", type=int)
    parser.add_argument("rest", nargs="*", help="SQL for `sql`; extra mariadbd args for `start` (after --)")
    args = parser.parse_intermixed_args()
    extra = args.rest if args.command == "start" else []
    server = MariaDBServer(args.dir, database=args.database, port=args.port, extra_args=extra)
    if args.command == "start":
        server.start()
    elif args.command == "stop":
        server.stop()
    elif args.command == "kill":
        server.kill()
    elif args.command == "restart":
        server.restart()
    elif args.command == "cleanup":
        server.cleanup()
        return 0
    elif args.command == "kill-connections":
        server.kill_client_connections()
    elif args.command == "sql":
        sys.stdout.write(server.sql(" ".join(args.rest)))
        return 0
    print(json.dumps(server.describe()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
