"""The scheduler inside `skiff server` with hollow nodes (`skiff hollow-nodes`) as the cluster:
pods are bound and Running, a pod that fits nowhere stays Pending with the upstream
FailedScheduling message until a bigger node joins, nodeSelector is honoured and a pod for
another scheduler is left alone."""
import json
import os
import re
import subprocess
import time

import pytest


def wait_for(predicate, timeout=40, interval=0.2, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class HollowNodes:
    """A `skiff hollow-nodes` process, stopped by its pid."""

    def __init__(self, server, count, prefix, *flags):
        self.log_path = os.path.join(server.dir, f"{prefix}hollow.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [server.binary, "hollow-nodes", "--kubeconfig", server.kubeconfig, "--count", str(count),
             "--name-prefix", prefix, *flags],
            stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline()
        if b"ready" not in line:
            self.stop()
            raise RuntimeError("skiff hollow-nodes did not start: " + open(self.log_path).read()[-3000:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def hollow(server, kubectl):
    nodes = HollowNodes(server, 3, "e2e-hollow-", "--cpu", "4", "--memory", "8Gi", "--zones", "3")
    yield nodes
    nodes.stop()
    kubectl.run("delete", "nodes", "-l", "hollow.skiff.dev/node=true", "--wait=false", check=False)


def apply(kubectl, namespace, name, spec_extra="", cpu="100m", scheduler=None):
    scheduler_line = f"  schedulerName: {scheduler}\n" if scheduler else ""
    manifest = f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace}
spec:
{scheduler_line}{spec_extra}  containers:
  - name: app
    image: nginx:1.27
    resources:
      requests:
        cpu: "{cpu}"
"""
    kubectl("apply", "-f", "-", input=manifest)


def pod(kubectl, namespace, name):
    return json.loads(kubectl("get", "pod", name, "-n", namespace, "-o", "json"))


def running_on(kubectl, namespace, name):
    p = pod(kubectl, namespace, name)
    node = p["spec"].get("nodeName")
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in p.get("status", {}).get("conditions", []))
    return node if node and p["status"].get("phase") == "Running" and ready else None


def test_pods_are_bound_to_hollow_nodes_and_run(kubectl, namespace, hollow):
    for i in range(3):
        apply(kubectl, namespace, f"web-{i}")
    for i in range(3):
        node = wait_for(lambda: running_on(kubectl, namespace, f"web-{i}"), what=f"web-{i} Running")
        assert node.startswith("e2e-hollow-")
    p = pod(kubectl, namespace, "web-0")
    assert p["status"]["podIP"].startswith("10.42.")
    assert p["status"]["containerStatuses"][0]["ready"] is True
    events = json.loads(kubectl("get", "events", "-n", namespace, "-o", "json"))["items"]
    assert any(e["reason"] == "Scheduled" and e["involvedObject"]["name"] == "web-0"
               and re.match(rf"Successfully assigned {namespace}/web-0 to e2e-hollow-\d", e["message"]) for e in events)


def test_pod_that_fits_nowhere_stays_pending_until_a_bigger_node_joins(server, kubectl, namespace, hollow):
    apply(kubectl, namespace, "big", cpu="16")

    def failed_scheduling():
        events = json.loads(kubectl("get", "events", "-n", namespace, "-o", "json"))["items"]
        return [e for e in events if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == "big"]

    event = wait_for(failed_scheduling, what="FailedScheduling event")[0]
    assert re.match(r"0/\d+ nodes are available: .*\d+ Insufficient cpu", event["message"]), event["message"]
    assert event["type"] == "Warning"
    p = pod(kubectl, namespace, "big")
    assert p["status"]["phase"] == "Pending"
    assert not p["spec"].get("nodeName")
    scheduled = [c for c in p["status"]["conditions"] if c["type"] == "PodScheduled"][0]
    assert scheduled["status"] == "False" and scheduled["reason"] == "Unschedulable"

    bigger = HollowNodes(server, 1, "e2e-big-", "--cpu", "64", "--memory", "64Gi")
    try:
        node = wait_for(lambda: running_on(kubectl, namespace, "big"), what="big scheduled on the new node")
        assert node == "e2e-big-0"
    finally:
        bigger.stop()
        # Its process is gone: take the node out so later pods do not land on a node nobody runs.
        kubectl.run("delete", "pod", "big", "-n", namespace, "--grace-period=0", "--force", check=False)
        kubectl.run("delete", "node", "e2e-big-0", check=False)


def test_node_selector_is_honoured(kubectl, namespace, hollow):
    apply(kubectl, namespace, "picky", spec_extra="  nodeSelector:\n    kubernetes.io/hostname: e2e-hollow-2\n")
    assert wait_for(lambda: running_on(kubectl, namespace, "picky"), what="picky Running") == "e2e-hollow-2"


def test_pod_for_another_scheduler_is_left_alone(kubectl, namespace, hollow):
    apply(kubectl, namespace, "custom", scheduler="my-scheduler")
    # A pod created after it is scheduled: the scheduler has seen both by then.
    apply(kubectl, namespace, "after")
    wait_for(lambda: running_on(kubectl, namespace, "after"), what="after Running")
    p = pod(kubectl, namespace, "custom")
    assert not p["spec"].get("nodeName")
    assert p["status"]["phase"] == "Pending"
    assert not any(c["type"] == "PodScheduled" for c in p["status"].get("conditions", []))


def test_scheduler_leads_through_its_lease_and_hollow_nodes_renew_theirs(kubectl, hollow):
    lease = wait_for(lambda: json.loads(kubectl.run("get", "lease", "kube-scheduler", "-n", "kube-system", "-o", "json",
                                                    check=False).stdout or "null"), what="kube-scheduler Lease")
    assert lease["spec"]["holderIdentity"]
    node_lease = json.loads(kubectl("get", "lease", "e2e-hollow-0", "-n", "kube-node-lease", "-o", "json"))
    assert node_lease["spec"]["holderIdentity"] == "e2e-hollow-0"
    first = node_lease["spec"]["renewTime"]
    wait_for(lambda: json.loads(kubectl("get", "lease", "e2e-hollow-0", "-n", "kube-node-lease", "-o", "json"))
             ["spec"]["renewTime"] != first, timeout=30, what="node Lease renewal")
