"""The node agent inside `skiff server` on the real runtime (runc, overlayfs, CNI bridge), driven
with the real kubectl: pods run with an IP, crash and restart with lastState, init containers run
in order, and `kubectl delete` returns after the containers are gone. The suite starts its own
server with the agent (the shared one runs without) and leaves no container, mount, network
namespace, bridge or process behind."""
import json
import os
import random
import shutil
import subprocess
import time
import uuid

import pytest

from conftest import Kubectl, Server, wait_until

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runc") or not os.path.exists("/bin/busybox"),
                                reason="needs root, runc and busybox-static")

IMAGE = "busybox:1.36"


@pytest.fixture(scope="module")
def node_server(datastore):
    binary = os.environ.get("SKIFF_BIN") or shutil.which("skiff")
    if not binary:
        pytest.skip("SKIFF_BIN is not set")
    binary = os.path.abspath(binary)
    tag = uuid.uuid4().hex[:6]
    bridge = "ske" + tag
    node = "e2e-node-" + tag
    cidr = "10.%d.%d.0/24" % (random.randint(100, 250), random.randint(0, 255))
    srv = Server(binary, datastore, args=["--node-name", node, "--pod-cidr", cidr, "--cni-bridge", bridge, "--kubelet-port", "0"])
    image = os.path.join(srv.dir, "busybox.tar")
    subprocess.run([binary, "image", "build-busybox", "--reference", "docker.io/library/" + IMAGE, image], check=True,
                   capture_output=True)
    subprocess.run([binary, "image", "import", "--root", os.path.join(srv.dir, "images"), image], check=True,
                   capture_output=True)
    srv.start()
    srv.node = node
    srv.cidr = cidr
    kubectl = Kubectl(srv)
    try:
        wait_until(lambda: node_ready(kubectl, node), timeout=60, what="the agent's Node to be Ready")
        yield srv
    finally:
        # Pods first: the agent stops their containers and removes sandboxes before the server goes.
        kubectl.run("delete", "pods", "--all", "--all-namespaces", "--grace-period=1", "--wait=true", check=False, timeout=120)
        directory = srv.dir
        srv.stop()
        subprocess.run(["ip", "link", "del", bridge], capture_output=True)
        leftovers = [line for line in open("/proc/self/mountinfo").read().splitlines() if directory in line]
        for line in leftovers:
            subprocess.run(["umount", "-l", line.split()[4]], capture_output=True)
        assert not leftovers, "mounts left behind: %s" % leftovers
        shims = subprocess.run(["pgrep", "-f", directory], capture_output=True, text=True).stdout.split()
        for pid in shims:
            subprocess.run(["kill", "-9", pid], capture_output=True)
        assert not shims, "processes left behind: %s" % shims


def node_ready(kubectl, name):
    out = kubectl.run("get", "node", name, "-o", "json", check=False)
    if out.returncode != 0:
        return False
    conditions = json.loads(out.stdout)["status"].get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@pytest.fixture(scope="module")
def kctl(node_server):
    return Kubectl(node_server)


@pytest.fixture
def ns(kctl):
    name = "e2e-kubelet-" + uuid.uuid4().hex[:6]
    kctl("create", "namespace", name)
    yield name
    kctl.run("delete", "pods", "--all", "-n", name, "--grace-period=1", "--wait=true", check=False, timeout=120)
    kctl.run("delete", "namespace", name, "--wait=false", check=False)


def pod(kctl, ns, name):
    return json.loads(kctl("get", "pod", name, "-n", ns, "-o", "json"))


def apply(kctl, ns, manifest):
    kctl.run("apply", "-n", ns, "-f", "-", input=manifest)


def test_node_reports_its_machine_and_lease(kctl, node_server):
    node = json.loads(kctl("get", "node", node_server.node, "-o", "json"))
    assert node["spec"]["podCIDR"] == node_server.cidr
    info = node["status"]["nodeInfo"]
    assert info["containerRuntimeVersion"].startswith("skiff://")
    assert info["kubeletVersion"].startswith("v1.37")
    assert any(a["type"] == "InternalIP" for a in node["status"]["addresses"])
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"][0]
    assert ready["reason"] == "KubeletReady"
    assert any("docker.io/library/" + IMAGE in i["names"] for i in node["status"]["images"])
    lease = json.loads(kctl("get", "lease", node_server.node, "-n", "kube-node-lease", "-o", "json"))
    assert lease["spec"]["holderIdentity"] == node_server.node


def test_kubectl_run_busybox_is_running_with_an_ip(kctl, ns, node_server):
    kctl("run", "bb", "-n", ns, "--image", IMAGE, "--", "sh", "-c", "echo hello; sleep 3600")
    p = wait_until(lambda: (lambda p: p if p["status"].get("phase") == "Running" else None)(pod(kctl, ns, "bb")),
                   timeout=60, what="bb Running")
    prefix = node_server.cidr.rsplit(".", 1)[0] + "."
    assert p["status"]["podIP"].startswith(prefix)
    assert p["spec"]["nodeName"] == node_server.node
    status = p["status"]["containerStatuses"][0]
    assert status["ready"] is True and status["state"]["running"]["startedAt"]
    assert [c["type"] for c in p["status"]["conditions"]][:4] == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]
    events = json.loads(kctl("get", "events", "-n", ns, "-o", "json"))["items"]
    reasons = {e["reason"] for e in events if e["involvedObject"]["name"] == "bb"}
    assert {"Scheduled", "Created", "Started"} <= reasons


def test_crash_restarts_with_last_state(kctl, ns):
    apply(kctl, ns, """
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - name: main
    image: %s
    command: [sh, -c, "echo going down > /dev/termination-log; exit 3"]
""" % IMAGE)

    def restarted():
        s = pod(kctl, ns, "crash")["status"].get("containerStatuses", [{}])[0]
        return s if s.get("restartCount", 0) >= 1 and s.get("lastState", {}).get("terminated") else None

    status = wait_until(restarted, timeout=60, what="crash restarted")
    last = status["lastState"]["terminated"]
    assert last["exitCode"] == 3
    assert last["reason"] == "Error"
    assert last["message"] == "going down\n"
    wait_until(lambda: pod(kctl, ns, "crash")["status"]["containerStatuses"][0]["state"].get("waiting", {}).get("reason")
               == "CrashLoopBackOff", timeout=60, what="CrashLoopBackOff")


def test_init_containers_run_in_order_before_the_container(kctl, ns):
    apply(kctl, ns, """
apiVersion: v1
kind: Pod
metadata: {name: ordered}
spec:
  restartPolicy: Never
  initContainers:
  - {name: first, image: %(image)s, command: [sh, -c, "echo first >> /work/order"], volumeMounts: [{name: w, mountPath: /work}]}
  - {name: second, image: %(image)s, command: [sh, -c, "echo second >> /work/order"], volumeMounts: [{name: w, mountPath: /work}]}
  containers:
  - {name: main, image: %(image)s, command: [sh, -c, "echo main >> /work/order; test \\"$(cat /work/order)\\" = \\"$(printf 'first\\nsecond\\nmain')\\""], volumeMounts: [{name: w, mountPath: /work}]}
  volumes: [{name: w, emptyDir: {}}]
""" % {"image": IMAGE})
    p = wait_until(lambda: (lambda p: p if p["status"].get("phase") in ("Succeeded", "Failed") else None)(pod(kctl, ns, "ordered")),
                   timeout=60, what="ordered finished")
    assert p["status"]["phase"] == "Succeeded", p["status"]
    inits = p["status"]["initContainerStatuses"]
    assert [c["name"] for c in inits] == ["first", "second"]
    assert all(c["state"]["terminated"]["reason"] == "Completed" for c in inits)
    first_done = inits[0]["state"]["terminated"]["finishedAt"]
    second_start = inits[1]["state"]["terminated"]["startedAt"]
    assert first_done <= second_start


def test_delete_returns_after_the_containers_are_gone(kctl, ns, node_server):
    apply(kctl, ns, """
apiVersion: v1
kind: Pod
metadata: {name: doomed}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: %s
    command: [sh, -c, "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
""" % IMAGE)
    p = wait_until(lambda: (lambda p: p if p["status"].get("phase") == "Running" else None)(pod(kctl, ns, "doomed")),
                   timeout=60, what="doomed Running")
    uid = p["metadata"]["uid"]
    before = time.time()
    kctl("delete", "pod", "doomed", "-n", ns, timeout=60)
    elapsed = time.time() - before
    assert elapsed < 5, "SIGTERM was not delivered or honoured: delete took %.1fs" % elapsed
    assert kctl.run("get", "pod", "doomed", "-n", ns, check=False).returncode != 0
    # No process of the pod is left on the host: its sandbox and container directories are gone.
    runtime = os.path.join(node_server.dir, "agent", "runtime")
    leftovers = subprocess.run(["grep", "-rl", uid, os.path.join(runtime, "sandboxes")], capture_output=True, text=True).stdout
    assert leftovers == ""


def test_logs_follow_tail_and_previous_through_the_api_server(kctl, ns):
    kctl("run", "talker", "-n", ns, "--image", IMAGE, "--", "sh", "-c",
         "for i in 1 2 3; do echo line $i; done; sleep 1; echo late; sleep 3600")
    wait_until(lambda: "late" in kctl.run("logs", "talker", "-n", ns, check=False).stdout, timeout=60, what="talker output")
    assert kctl("logs", "talker", "-n", ns) == "line 1\nline 2\nline 3\nlate\n"
    assert kctl("logs", "talker", "-n", ns, "--tail=2") == "line 3\nlate\n"
    stamped = kctl("logs", "talker", "-n", ns, "--timestamps").splitlines()
    assert stamped[0].endswith(" line 1") and stamped[0][:4].isdigit()

    # -f streams until the container exits.
    kctl("run", "ticker", "-n", ns, "--restart=Never", "--image", IMAGE, "--", "sh", "-c",
         "for i in 1 2 3; do echo tick $i; sleep 0.5; done")
    wait_until(lambda: pod(kctl, ns, "ticker")["status"].get("containerStatuses", [{}])[0].get("state", {}).get("running")
               or pod(kctl, ns, "ticker")["status"].get("phase") == "Succeeded", timeout=60, what="ticker started")
    assert kctl("logs", "-f", "ticker", "-n", ns, timeout=60) == "tick 1\ntick 2\ntick 3\n"

    # --previous shows the attempt before a restart.
    kctl("run", "flaky", "-n", ns, "--image", IMAGE, "--", "sh", "-c", "echo attempt; exit 1")
    wait_until(lambda: pod(kctl, ns, "flaky")["status"].get("containerStatuses", [{}])[0].get("restartCount", 0) >= 1,
               timeout=60, what="flaky restarted")
    assert kctl("logs", "flaky", "-n", ns, "--previous") == "attempt\n"
    missing = kctl.run("logs", "talker", "-n", ns, "--previous", check=False)
    assert missing.returncode != 0 and "previous terminated container" in missing.stderr


def test_http_and_tcp_probes_gate_ready_and_a_failing_liveness_probe_restarts(kctl, ns):
    apply(kctl, ns, """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: httpd
    image: %(image)s
    command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: sick}
spec:
  containers:
  - name: main
    image: %(image)s
    command: [sleep, "3600"]
    livenessProbe: {httpGet: {path: /, port: 9999}, periodSeconds: 1, failureThreshold: 2}
""" % {"image": IMAGE})

    def ready():
        p = pod(kctl, ns, "web")
        return any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))

    wait_until(ready, timeout=60, what="web Ready through its httpGet readiness probe")
    assert pod(kctl, ns, "web")["status"]["containerStatuses"][0]["restartCount"] == 0
    wait_until(lambda: pod(kctl, ns, "sick")["status"].get("containerStatuses", [{}])[0].get("restartCount", 0) >= 1,
               timeout=60, what="sick restarted by its liveness probe")
    events = json.loads(kctl("get", "events", "-n", ns, "-o", "json"))["items"]
    assert any(e["reason"] == "Killing" and "failed liveness probe" in e["message"] for e in events
               if e["involvedObject"]["name"] == "sick")
