"""End-to-end fixtures: a real `skiff server` on a free port with a temporary data dir, and
helpers that drive the real kubectl and the Python `kubernetes` client against it.

Run: SKIFF_BIN=.build/debug/skiff python3 -m pytest -q tests/e2e [--datastore sqlite|memory|etcd://127.0.0.1:2379]
"""
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest


def pytest_addoption(parser):
    parser.addoption("--datastore", action="append", default=None,
                     help="skiff server --datastore value(s) to run the suite against (default: sqlite)")


def pytest_generate_tests(metafunc):
    if "datastore" in metafunc.fixturenames:
        values = metafunc.config.getoption("datastore") or [os.environ.get("SKIFF_DATASTORE", "sqlite")]
        metafunc.parametrize("datastore", values, scope="session")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _terminate(proc):
    """SIGTERM, then SIGKILL if the process has not gone after 15 seconds."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class LocalEtcd:
    """The real etcd (Debian etcd-server) on free loopback ports with a temporary data dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="skiff-e2e-etcd-")
        self.client_port = _free_port()
        self.peer_port = _free_port()
        self.endpoint = "127.0.0.1:%d" % self.client_port
        self.log = open(os.path.join(self.dir, "etcd.log"), "wb")
        self.proc = subprocess.Popen(
            ["etcd", "--name", "e2e", "--data-dir", os.path.join(self.dir, "data"),
             "--listen-client-urls", "http://" + self.endpoint, "--advertise-client-urls", "http://" + self.endpoint,
             "--listen-peer-urls", "http://127.0.0.1:%d" % self.peer_port,
             "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % self.peer_port,
             "--initial-cluster", "e2e=http://127.0.0.1:%d" % self.peer_port],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.client_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("etcd did not start")

    def stop(self):
        _terminate(self.proc)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    # The shared server runs no node agent: suites that use hollow nodes or expect pods to stay
    # Pending must not get a real node (the kubelet suite starts its own server with one).
    def __init__(self, binary, datastore, args=("--disable-agent",)):
        self.binary = binary
        self.args = list(args)
        self.etcd = None
        if datastore == "etcd":
            # "etcd" alone means: start a private etcd for this run.
            self.etcd = LocalEtcd()
            datastore = "etcd://" + self.etcd.endpoint
        self.datastore = datastore
        self.dir = tempfile.mkdtemp(prefix="skiff-e2e-")
        self.port = _free_port()
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "server", "--data-dir", self.dir, "--port", str(self.port), "--datastore", self.datastore,
             *self.args],
            stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 120
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if b"ready" in line or not line:
                break
        if b"ready" not in line:
            self.stop()
            raise RuntimeError("skiff server did not start: " + open(os.path.join(self.dir, "server.log")).read()[-4000:])
        out = subprocess.run([self.binary, "kubeconfig", "--data-dir", self.dir], check=True, capture_output=True)
        with open(self.kubeconfig, "wb") as f:
            f.write(out.stdout)

    def stop(self):
        _terminate(self.proc)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.etcd:
            self.etcd.stop()


@pytest.fixture(scope="session")
def server(datastore):
    binary = os.environ.get("SKIFF_BIN") or shutil.which("skiff")
    if not binary:
        # Under CI a missing binary is a broken setup, not a reason to turn the whole suite green.
        if os.environ.get("CI"):
            pytest.fail("SKIFF_BIN is not set and no skiff on PATH (CI is set: the e2e suite must run)")
        pytest.skip("SKIFF_BIN is not set")
    srv = Server(os.path.abspath(binary), datastore)
    srv.start()
    yield srv
    srv.stop()
    shutil.rmtree(srv.dir, ignore_errors=True)


class Kubectl:
    def __init__(self, server):
        self.server = server
        self.env = dict(os.environ, KUBECONFIG=server.kubeconfig)

    def run(self, *args, input=None, check=True, timeout=60, env=None):
        result = subprocess.run(["kubectl", *args], input=input, capture_output=True, text=True, timeout=timeout,
                                env=dict(self.env, **(env or {})))
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def __call__(self, *args, **kwargs):
        return self.run(*args, **kwargs).stdout

    def popen(self, *args):
        return subprocess.Popen(["kubectl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)


def wait_until(condition, timeout=30, interval=0.05, what="condition"):
    """Polls `condition` until it returns a truthy value (returned); fails after `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.time() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class LineCollector:
    """Collects a process's stdout lines on a thread so a test can wait for a line without blocking forever."""

    def __init__(self, stream):
        self.lines = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            with self._lock:
                self.lines.append(line)

    def text(self):
        with self._lock:
            return "".join(self.lines)

    def wait_for(self, predicate, timeout=30, what="output"):
        return wait_until(lambda: predicate(self.text()), timeout=timeout, what=what)


@pytest.fixture(scope="session")
def kubectl(server):
    return Kubectl(server)


@pytest.fixture
def namespace(kubectl):
    name = "e2e-" + uuid.uuid4().hex[:8]
    kubectl("create", "namespace", name)
    yield name
    kubectl.run("delete", "namespace", name, "--wait=false", check=False)
