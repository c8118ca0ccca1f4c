"""Streaming through the API server to the node agent (issue 10 §4) with the real kubectl and the
Python client: exec (stdin piped, exit codes, a TTY), attach, cp both ways, and clear errors for a
wrong container or a pod that is not running. Reuses test_kubelet's server with the agent."""
import fcntl
import os
import pty
import select
import socket
import struct
import subprocess
import tempfile
import termios
import time
import urllib.request

import pytest

from conftest import wait_until
from test_kubelet import IMAGE, apply, kctl, node_ready, node_server, ns, pod  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/bin/busybox"), reason="needs root and busybox-static")


def running_pod(kctl, ns, name, command="sleep 3600", extra=""):
    apply(kctl, ns, """
apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: %s
    command: [sh, -c, "%s"]
%s""" % (name, IMAGE, command, extra))
    wait_until(lambda: pod(kctl, ns, name)["status"].get("phase") == "Running", timeout=60, what=name + " Running")


def test_exec_runs_a_command_with_piped_stdin_and_exit_code(kctl, ns):
    running_pod(kctl, ns, "ex")
    assert kctl("exec", "-n", ns, "ex", "--", "echo", "hello", "world") == "hello world\n"
    out = kctl.run("exec", "-i", "-n", ns, "ex", "--", "sh", "-c", "tr a-z A-Z; echo done >&2", input="piped text\n")
    assert out.stdout == "PIPED TEXT\n" and out.stderr == "done\n"
    failed = kctl.run("exec", "-n", ns, "ex", "--", "sh", "-c", "exit 7", check=False)
    assert failed.returncode == 7
    big = os.urandom(300_000).hex()
    echoed = kctl.run("exec", "-i", "-n", ns, "ex", "--", "cat", input=big, timeout=60)
    assert echoed.stdout == big


def test_exec_with_a_tty_and_resize(kctl, ns):
    running_pod(kctl, ns, "tty")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    proc = subprocess.Popen(["kubectl", "exec", "-it", "-n", ns, "tty", "--", "sh"], stdin=follower, stdout=follower,
                            stderr=follower, env=kctl.env, close_fds=True)
    os.close(follower)
    seen = b""

    def read_until(marker, timeout=30):
        nonlocal seen
        deadline = time.time() + timeout
        while marker not in seen:
            assert time.time() < deadline, "timed out waiting for %r, saw %r" % (marker, seen)
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break
        return seen

    try:
        os.write(leader, b"tty; stty size; echo mark-$((6*7))\n")
        out = read_until(b"mark-42")
        assert b"/dev/pts/" in out and b"33 101" in out
        os.write(leader, b"exit 3\n")
        assert proc.wait(timeout=30) == 3
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)


def test_attach_streams_the_main_process_output(kctl, ns):
    running_pod(kctl, ns, "att", command="i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done")
    proc = kctl.popen("attach", "-n", ns, "att")
    try:
        line = proc.stdout.readline()
        assert line.startswith("tick-")
    finally:
        proc.kill()
        proc.wait()


def test_attach_with_stdin(kctl, ns):
    running_pod(kctl, ns, "cat", command="cat", extra="    stdin: true\n")
    proc = subprocess.Popen(["kubectl", "attach", "-i", "-n", ns, "cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=kctl.env)
    try:
        proc.stdin.write("echoed back\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "echoed back\n"
    finally:
        proc.kill()
        proc.wait()


def test_cp_both_ways(kctl, ns):
    running_pod(kctl, ns, "cp")
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "up.bin")
        payload = os.urandom(200_000)
        with open(source, "wb") as f:
            f.write(payload)
        kctl("cp", source, "%s/cp:/tmp/up.bin" % ns, timeout=60)
        assert kctl("exec", "-n", ns, "cp", "--", "wc", "-c", "/tmp/up.bin").split()[0] == str(len(payload))
        back = os.path.join(tmp, "down.bin")
        kctl("cp", "%s/cp:/tmp/up.bin" % ns, back, timeout=60)
        assert open(back, "rb").read() == payload


def test_bad_input_gives_upstream_errors(kctl, ns):
    running_pod(kctl, ns, "bad")
    wrong = kctl.run("exec", "-n", ns, "bad", "-c", "nope", "--", "true", check=False)
    assert wrong.returncode != 0 and "container nope is not valid for pod bad" in wrong.stderr
    apply(kctl, ns, """
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: %s, command: [sh, -c, "exit 0"]}
""" % IMAGE)
    wait_until(lambda: pod(kctl, ns, "done")["status"].get("phase") == "Succeeded", timeout=60, what="done Succeeded")
    finished = kctl.run("exec", "-n", ns, "done", "--", "true", check=False)
    assert finished.returncode != 0 and "completed pod" in finished.stderr
    missing = kctl.run("exec", "-n", ns, "ghost", "--", "true", check=False)
    assert missing.returncode != 0 and 'pods "ghost" not found' in missing.stderr
    # The server is still fine afterwards.
    assert kctl("exec", "-n", ns, "bad", "--", "echo", "ok") == "ok\n"


def test_python_client_stream_exec(kctl, ns, node_server):
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes.stream import stream
    running_pod(kctl, ns, "py")
    config = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=node_server.kubeconfig, client_configuration=config)
    api = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(config))
    out = stream(api.connect_get_namespaced_pod_exec, "py", ns, command=["sh", "-c", "echo from-python"],
                 stdout=True, stderr=True, stdin=False, tty=False)
    assert out == "from-python\n"
    resp = stream(api.connect_get_namespaced_pod_exec, "py", ns, command=["cat"], stdin=True, stdout=True, stderr=True,
                  tty=False, _preload_content=False)
    resp.write_stdin("round trip\n")
    got = ""
    deadline = time.time() + 30
    while "round trip" not in got and time.time() < deadline:
        resp.update(timeout=1)
        got += resp.read_stdout()
    resp.close()
    assert got == "round trip\n"


def httpd_pod(kctl, ns, name):
    running_pod(kctl, ns, name, command="mkdir -p /www && echo hello-from-httpd > /www/index.html && httpd -f -p 80 -h /www")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kubectl_port_forward_to_busybox_httpd(kctl, ns):
    httpd_pod(kctl, ns, "web")
    port = free_port()
    proc = kctl.popen("port-forward", "-n", ns, "pod/web", "%d:80" % port)
    try:
        assert "Forwarding from" in proc.stdout.readline()

        def fetch():
            try:
                return urllib.request.urlopen("http://127.0.0.1:%d/index.html" % port, timeout=10).read()
            except OSError:
                return None
        assert wait_until(fetch, timeout=30, what="a response through port-forward") == b"hello-from-httpd\n"
        # A second connection over the same forward.
        assert fetch() == b"hello-from-httpd\n"
    finally:
        proc.kill()
        proc.wait()


def test_kubectl_port_forward_to_a_closed_port_reports_the_error(kctl, ns):
    httpd_pod(kctl, ns, "closed")
    port = free_port()
    proc = kctl.popen("port-forward", "-n", ns, "pod/closed", "%d:81" % port)
    try:
        assert "Forwarding from" in proc.stdout.readline()
        with pytest.raises(OSError):
            urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=10).read()
        _, err = proc.communicate(timeout=30)
        assert "error forwarding port 81" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_python_client_portforward(kctl, ns, node_server):
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes.stream import portforward
    httpd_pod(kctl, ns, "pyweb")
    config = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=node_server.kubeconfig, client_configuration=config)
    api = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(config))
    forward = portforward(api.connect_get_namespaced_pod_portforward, "pyweb", ns, ports="80")
    conn = forward.socket(80)
    conn.setblocking(True)
    conn.sendall(b"GET /index.html HTTP/1.0\r\nHost: pyweb\r\n\r\n")
    data = b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    conn.close()
    assert data.startswith(b"HTTP/1.") and data.endswith(b"hello-from-httpd\n")
    assert forward.error(80) is None
    forward.close()
