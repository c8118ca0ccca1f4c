"""Deployments through the controller manager inside `skiff server`, with hollow nodes so pods
become Running: `kubectl create deployment`, a rolling update that respects maxSurge and
maxUnavailable (checked from watches of the ReplicaSets and pods), `kubectl rollout
status/history/undo/pause/resume/restart`, `kubectl scale`, Recreate, and the refusal of a
Deployment whose selector does not match its template."""
import json
import subprocess
import threading

import pytest

from conftest import wait_until
from test_scheduler import HollowNodes


@pytest.fixture(scope="module")
def nodes(server, kubectl):
    hollow = HollowNodes(server, 3, "e2e-deploy-", "--cpu", "8", "--memory", "16Gi")
    yield hollow
    hollow.stop()
    kubectl.run("delete", "nodes", "e2e-deploy-0", "e2e-deploy-1", "e2e-deploy-2", "--wait=false", check=False)


def manifest(namespace, replicas=4, image="nginx:1.27", surge=1, unavailable=1, strategy="RollingUpdate", selector="web"):
    rolling = (f"    rollingUpdate:\n      maxSurge: {surge}\n      maxUnavailable: {unavailable}\n"
               if strategy == "RollingUpdate" else "")
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {selector}
  strategy:
    type: {strategy}
{rolling}  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: {image}
"""


def get(kubectl, namespace, *what):
    return json.loads(kubectl("get", *what, "-n", namespace, "-o", "json"))


def rollout_status(kubectl, namespace, timeout=90):
    out = kubectl("rollout", "status", "deployment/web", "-n", namespace, f"--timeout={timeout}s", timeout=timeout + 30)
    assert 'deployment "web" successfully rolled out' in out, out
    return out


def ready(pod):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


def running_images(kubectl, namespace):
    """Images of the live (not terminating) pods of the Deployment, once all are Running and ready."""
    pods = get(kubectl, namespace, "pods", "-l", "app=web")["items"]
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    if not all(p["status"].get("phase") == "Running" and ready(p) for p in live):
        return None
    return sorted(p["spec"]["containers"][0]["image"] for p in live)


def replica_sets(kubectl, namespace):
    return {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
            for rs in get(kubectl, namespace, "rs", "-l", "app=web")["items"]}


class Watch:
    """`kubectl get <kind> -w --output-watch-events -o json`: the objects as a watch delivers
    them, decoded on a thread; `states` is the object map after every event."""

    def __init__(self, kubectl, namespace, kind, selector="app=web"):
        self.proc = subprocess.Popen(
            ["kubectl", "get", kind, "-n", namespace, "-l", selector, "-w", "--output-watch-events", "-o", "json"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=kubectl.env)
        self.objects = {}
        self.states = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        decoder = json.JSONDecoder()
        buffer = ""
        for line in self.proc.stdout:
            buffer += line
            while buffer.strip():
                try:
                    event, end = decoder.raw_decode(buffer.lstrip())
                except ValueError:
                    break
                buffer = buffer.lstrip()[end:]
                obj = event["object"]
                with self.lock:
                    if event["type"] == "DELETED":
                        self.objects.pop(obj["metadata"]["name"], None)
                    else:
                        self.objects[obj["metadata"]["name"]] = obj
                    self.states.append(dict(self.objects))

    def count(self):
        with self.lock:
            return len(self.states)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.thread.join(timeout=15)
        return self.states


def test_create_deployment_runs_its_pods(kubectl, namespace, nodes):
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "-n", namespace)
    rollout_status(kubectl, namespace)
    d = get(kubectl, namespace, "deployment", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    s = d["status"]
    assert (s["replicas"], s["updatedReplicas"], s["readyReplicas"], s["availableReplicas"]) == (3, 3, 3, 3)
    assert s["observedGeneration"] == d["metadata"]["generation"]
    conditions = {c["type"]: c for c in s["conditions"]}
    assert conditions["Available"]["status"] == "True" and conditions["Available"]["reason"] == "MinimumReplicasAvailable"
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"
    rs = get(kubectl, namespace, "rs", "-l", "app=web")["items"]
    assert len(rs) == 1
    hash_ = rs[0]["metadata"]["labels"]["pod-template-hash"]
    assert rs[0]["metadata"]["name"] == "web-" + hash_
    assert rs[0]["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert rs[0]["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "3"
    assert rs[0]["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "4"
    pods = get(kubectl, namespace, "pods", "-l", "app=web")["items"]
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" and p["metadata"]["labels"]["pod-template-hash"] == hash_ for p in pods)
    table = kubectl("get", "deployment", "web", "-n", namespace).splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:4] == ["web", "3/3", "3", "3"]


def test_rolling_update_respects_max_surge_and_max_unavailable(kubectl, namespace, nodes):
    replicas, surge, unavailable = 4, 1, 1
    kubectl("apply", "-f", "-", input=manifest(namespace, replicas, surge=surge, unavailable=unavailable))
    rollout_status(kubectl, namespace)
    pods = Watch(kubectl, namespace, "pods")
    sets = Watch(kubectl, namespace, "rs")
    try:
        wait_until(lambda: pods.count() >= replicas and sets.count() >= 1, what="watches' initial objects")
        # States from here on: the initial events have built the full picture.
        first_pod_state, first_rs_state = pods.count() - 1, sets.count() - 1
        kubectl("set", "image", "deployment/web", "web=nginx:1.28", "-n", namespace)
        rollout_status(kubectl, namespace)
        wait_until(lambda: running_images(kubectl, namespace) == ["nginx:1.28"] * replicas, what="all pods on the new image")
    finally:
        pod_states = pods.stop()
        rs_states = sets.stop()
    pod_states, rs_states = pod_states[first_pod_state:], rs_states[first_rs_state:]
    # The controller never asks for more than replicas + maxSurge pods in all …
    totals = [sum(rs["spec"]["replicas"] for rs in state.values()) for state in rs_states]
    assert max(totals) == replicas + surge, totals
    # … and never removes a ready pod while fewer than replicas − maxUnavailable are ready.
    ready_counts = [sum(1 for p in state.values() if ready(p) and not p["metadata"].get("deletionTimestamp"))
                    for state in pod_states]
    assert min(ready_counts) >= replicas - unavailable, ready_counts
    rs = replica_sets(kubectl, namespace)
    assert sorted(rs) == ["1", "2"]
    assert rs["1"]["spec"]["replicas"] == 0 and rs["2"]["spec"]["replicas"] == replicas
    events = get(kubectl, namespace, "events")["items"]
    scaling = [e["message"] for e in events if e["reason"] == "ScalingReplicaSet" and e["involvedObject"]["name"] == "web"]
    new_name = rs["2"]["metadata"]["name"]
    assert any(m.startswith(f"Scaled up replica set {new_name} from 0 to ") for m in scaling), scaling


def test_rollout_history_and_undo(kubectl, namespace, nodes):
    kubectl("apply", "-f", "-", input=manifest(namespace, 2))
    rollout_status(kubectl, namespace)
    for image in ["nginx:1.28", "nginx:1.29"]:
        kubectl("set", "image", "deployment/web", f"web={image}", "-n", namespace)
        kubectl("annotate", "deployment/web", f"kubernetes.io/change-cause=image {image}", "--overwrite", "-n", namespace)
        rollout_status(kubectl, namespace)
    history = kubectl("rollout", "history", "deployment/web", "-n", namespace)
    lines = [line.split(None, 1) for line in history.splitlines()[2:] if line.strip()]
    assert [l[0] for l in lines] == ["1", "2", "3"], history
    assert lines[2][1].strip() == "image nginx:1.29", history
    detail = kubectl("rollout", "history", "deployment/web", "--revision=1", "-n", namespace)
    assert "nginx:1.27" in detail

    out = kubectl("rollout", "undo", "deployment/web", "-n", namespace)
    assert "rolled back" in out
    rollout_status(kubectl, namespace)
    wait_until(lambda: running_images(kubectl, namespace) == ["nginx:1.28"] * 2, what="pods back on nginx:1.28")
    rs = replica_sets(kubectl, namespace)
    # Revision 2's ReplicaSet became revision 4 and remembers its former number.
    assert sorted(rs) == ["1", "3", "4"]
    assert rs["4"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert rs["4"]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "2"
    assert get(kubectl, namespace, "deployment", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"

    kubectl("rollout", "undo", "deployment/web", "--to-revision=1", "-n", namespace)
    rollout_status(kubectl, namespace)
    wait_until(lambda: running_images(kubectl, namespace) == ["nginx:1.27"] * 2, what="pods back on nginx:1.27")
    missing = kubectl.run("rollout", "undo", "deployment/web", "--to-revision=42", "-n", namespace, check=False)
    assert missing.returncode != 0 and "unable to find specified revision 42" in missing.stderr


def test_pause_resume_and_restart(kubectl, namespace, nodes):
    kubectl("apply", "-f", "-", input=manifest(namespace, 2))
    rollout_status(kubectl, namespace)
    kubectl("rollout", "pause", "deployment/web", "-n", namespace)
    kubectl("set", "image", "deployment/web", "web=nginx:1.28", "-n", namespace)

    def paused_and_observed():
        d = get(kubectl, namespace, "deployment", "web")
        progressing = [c for c in d["status"].get("conditions", []) if c["type"] == "Progressing"]
        return (d["status"].get("observedGeneration") == d["metadata"]["generation"]
                and progressing and progressing[0]["reason"] == "DeploymentPaused" and progressing[0]["status"] == "Unknown")

    wait_until(paused_and_observed, what="the paused Deployment observed")
    assert sorted(replica_sets(kubectl, namespace)) == ["1"]  # no rollout while paused
    assert running_images(kubectl, namespace) == ["nginx:1.27"] * 2
    kubectl("rollout", "resume", "deployment/web", "-n", namespace)
    rollout_status(kubectl, namespace)
    wait_until(lambda: running_images(kubectl, namespace) == ["nginx:1.28"] * 2, what="pods on nginx:1.28 after resume")

    before = {p["metadata"]["name"] for p in get(kubectl, namespace, "pods", "-l", "app=web")["items"]}
    out = kubectl("rollout", "restart", "deployment/web", "-n", namespace)
    assert "restarted" in out
    rollout_status(kubectl, namespace)
    d = get(kubectl, namespace, "deployment", "web")
    assert "kubectl.kubernetes.io/restartedAt" in d["spec"]["template"]["metadata"]["annotations"]

    def replaced():
        live = [p for p in get(kubectl, namespace, "pods", "-l", "app=web")["items"] if not p["metadata"].get("deletionTimestamp")]
        names = {p["metadata"]["name"] for p in live}
        return len(live) == 2 and not (names & before) and all(ready(p) for p in live)

    wait_until(replaced, timeout=60, what="every pod replaced by the restart")
    assert sorted(replica_sets(kubectl, namespace)) == ["1", "2", "3"]

    # kubectl refuses to roll a paused Deployment back.
    kubectl("rollout", "pause", "deployment/web", "-n", namespace)
    undo = kubectl.run("rollout", "undo", "deployment/web", "-n", namespace, check=False)
    assert undo.returncode != 0 and "resume it first" in undo.stderr, undo.stderr


def test_scale(kubectl, namespace, nodes):
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1", "-n", namespace)
    rollout_status(kubectl, namespace)
    kubectl("scale", "deployment/web", "--replicas=5", "-n", namespace)
    rollout_status(kubectl, namespace)
    wait_until(lambda: len(running_images(kubectl, namespace) or []) == 5, what="5 running pods")
    kubectl("scale", "deployment/web", "--replicas=2", "-n", namespace)
    wait_until(lambda: len(running_images(kubectl, namespace) or []) == 2, what="2 running pods")
    d = get(kubectl, namespace, "deployment", "web")
    assert d["status"]["replicas"] == 2 or wait_until(
        lambda: get(kubectl, namespace, "deployment", "web")["status"]["replicas"] == 2, what="status.replicas 2")
    rs = replica_sets(kubectl, namespace)
    assert list(rs) == ["1"] and rs["1"]["spec"]["replicas"] == 2
    assert rs["1"]["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "2"


def test_recreate_replaces_all_pods_at_once(kubectl, namespace, nodes):
    kubectl("apply", "-f", "-", input=manifest(namespace, 3, strategy="Recreate"))
    rollout_status(kubectl, namespace)
    pods = Watch(kubectl, namespace, "pods")
    try:
        wait_until(lambda: pods.count() >= 3, what="watch's initial pods")
        kubectl("set", "image", "deployment/web", "web=nginx:1.28", "-n", namespace)
        rollout_status(kubectl, namespace)
        wait_until(lambda: running_images(kubectl, namespace) == ["nginx:1.28"] * 3, what="all pods on the new image")
    finally:
        states = pods.stop()
    # Old and new pods are never alive together.
    for state in states:
        images = {p["spec"]["containers"][0]["image"] for p in state.values()}
        assert len(images) <= 1, images


def test_selector_that_does_not_match_the_template_is_refused(kubectl, namespace):
    result = kubectl.run("apply", "-f", "-", input=manifest(namespace, selector="other"), check=False)
    assert result.returncode != 0
    assert 'The Deployment "web" is invalid' in result.stderr
    assert "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`" in result.stderr, result.stderr
    assert kubectl.run("get", "deployment", "web", "-n", namespace, check=False).returncode != 0


def test_progress_deadline_exceeded(kubectl, namespace, nodes):
    kubectl("apply", "-f", "-", input=manifest(namespace, 2))
    rollout_status(kubectl, namespace)
    # The new pods run but never become ready (a hollow-node behaviour), and the deadline is short.
    patch = {"spec": {"progressDeadlineSeconds": 3, "template": {"metadata": {"annotations": {"hollow.skiff.dev/never-ready": "true"}}}}}
    kubectl("patch", "deployment/web", "-n", namespace, "--type=merge", "-p", json.dumps(patch))
    result = kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=60s", check=False, timeout=90)
    assert result.returncode != 0
    assert 'deployment "web" exceeded its progress deadline' in result.stderr, result.stderr
    d = get(kubectl, namespace, "deployment", "web")
    progressing = [c for c in d["status"]["conditions"] if c["type"] == "Progressing"][0]
    assert progressing["status"] == "False" and progressing["reason"] == "ProgressDeadlineExceeded"
    new_rs = replica_sets(kubectl, namespace)["2"]["metadata"]["name"]
    assert progressing["message"] == f'ReplicaSet "{new_rs}" has timed out progressing.'
    # maxUnavailable 1 of 2: one old pod keeps serving, so the Deployment stays Available.
    available = [c for c in d["status"]["conditions"] if c["type"] == "Available"][0]
    assert available["status"] == "True"
