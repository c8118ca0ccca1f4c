"""Scheduling policies through the real kubectl on `skiff server` with hollow nodes: required node
affinity, pod anti-affinity, topology spread over zones, taints and tolerations, and preemption of
a lower-priority pod (PriorityClass resolved by the API server's Priority admission); the
scheduler's metrics on the server's /metrics."""
import json
import re

import pytest

from test_scheduler import HollowNodes, pod, running_on, wait_for

PREFIX = "e2e-pol-"


@pytest.fixture(scope="module")
def nodes(server, kubectl):
    # Three 4-cpu nodes, one per zone (zone-0, zone-1, zone-2).
    group = HollowNodes(server, 3, PREFIX, "--cpu", "4", "--memory", "8Gi", "--zones", "3", "--labels", "e2e-pool=policies")
    yield group
    group.stop()
    kubectl.run("delete", "nodes", "-l", "e2e-pool=policies", "--wait=false", check=False)


def create(kubectl, namespace, name, cpu="100m", labels=None, **spec):
    body = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": dict({"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": cpu}}}],
                      "terminationGracePeriodSeconds": 1}, **spec),
    }
    return kubectl.run("apply", "-f", "-", input=json.dumps(body), check=False)


def node_zone(kubectl, node):
    return json.loads(kubectl("get", "node", node, "-o", "json"))["metadata"]["labels"]["topology.kubernetes.io/zone"]


def failed_scheduling_message(kubectl, namespace, name):
    def find():
        events = json.loads(kubectl("get", "events", "-n", namespace, "-o", "json"))["items"]
        return [e["message"] for e in events if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == name]
    return wait_for(find, what=f"FailedScheduling for {name}")[-1]


def test_required_node_affinity_picks_the_matching_zone(kubectl, namespace, nodes):
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-1"]},
                              {"key": "e2e-pool", "operator": "Exists"}]}]}}}
    create(kubectl, namespace, "zonal", affinity=affinity)
    node = wait_for(lambda: running_on(kubectl, namespace, "zonal"), what="zonal Running")
    assert node == PREFIX + "1"
    impossible = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-9"]}]}]}}}
    create(kubectl, namespace, "nowhere", affinity=impossible)
    message = failed_scheduling_message(kubectl, namespace, "nowhere")
    assert re.search(r"\d+ node\(s\) didn't match Pod's node affinity/selector", message), message


def test_bad_affinity_operator_is_rejected_by_the_api_server(kubectl, namespace):
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "Near", "values": ["a"]}]}]}}}
    result = create(kubectl, namespace, "bad-op", affinity=affinity)
    assert result.returncode != 0
    assert "is invalid" in result.stderr and "Near" in result.stderr, result.stderr


def test_pod_anti_affinity_spreads_over_hosts_and_blocks_a_fourth(kubectl, namespace, nodes):
    labels = {"app": "solo"}
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": labels}, "topologyKey": "kubernetes.io/hostname"}]},
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "e2e-pool", "operator": "In", "values": ["policies"]}]}]}}}
    for i in range(3):
        create(kubectl, namespace, f"solo-{i}", labels=labels, affinity=anti)
    hosts = {wait_for(lambda: running_on(kubectl, namespace, f"solo-{i}"), what=f"solo-{i} Running") for i in range(3)}
    assert hosts == {PREFIX + "0", PREFIX + "1", PREFIX + "2"}
    create(kubectl, namespace, "solo-3", labels=labels, affinity=anti)
    message = failed_scheduling_message(kubectl, namespace, "solo-3")
    assert "didn't match pod anti-affinity rules" in message, message
    assert not pod(kubectl, namespace, "solo-3")["spec"].get("nodeName")


def test_topology_spread_balances_zones(kubectl, namespace, nodes):
    labels = {"app": "spread"}
    constraint = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
                   "labelSelector": {"matchLabels": labels}}]
    selector = {"e2e-pool": "policies"}
    for i in range(6):
        create(kubectl, namespace, f"spread-{i}", labels=labels, topologySpreadConstraints=constraint, nodeSelector=selector)
    zones = [node_zone(kubectl, wait_for(lambda: running_on(kubectl, namespace, f"spread-{i}"), what=f"spread-{i} Running"))
             for i in range(6)]
    assert sorted(zones) == ["zone-0", "zone-0", "zone-1", "zone-1", "zone-2", "zone-2"]


def test_taints_keep_pods_off_unless_tolerated(server, kubectl, namespace, nodes):
    tainted = HollowNodes(server, 1, "e2e-gpu-", "--cpu", "4", "--memory", "8Gi", "--labels", "e2e-pool=gpu",
                          "--taints", "dedicated=gpu:NoSchedule")
    try:
        selector = {"e2e-pool": "gpu"}
        create(kubectl, namespace, "intolerant", nodeSelector=selector)
        message = failed_scheduling_message(kubectl, namespace, "intolerant")
        assert "1 node(s) had untolerated taint(s)" in message, message
        toleration = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]
        create(kubectl, namespace, "tolerant", nodeSelector=selector, tolerations=toleration)
        assert wait_for(lambda: running_on(kubectl, namespace, "tolerant"), what="tolerant Running") == "e2e-gpu-0"
        assert not pod(kubectl, namespace, "intolerant")["spec"].get("nodeName")
    finally:
        tainted.stop()
        for name in ("intolerant", "tolerant"):
            kubectl.run("delete", "pod", name, "-n", namespace, "--grace-period=0", "--force", check=False)
        kubectl.run("delete", "node", "e2e-gpu-0", check=False)


def test_high_priority_pod_preempts_a_lower_priority_one(kubectl, namespace, nodes):
    for name, value in (("e2e-low", 100), ("e2e-high", 100000)):
        kubectl.run("create", "priorityclass", name, f"--value={value}", check=False)
    selector = {"e2e-pool": "policies"}
    # Fill each 4-cpu node with one 3-cpu low-priority pod.
    for i in range(3):
        create(kubectl, namespace, f"low-{i}", cpu="3", priorityClassName="e2e-low", nodeSelector=selector)
    for i in range(3):
        wait_for(lambda: running_on(kubectl, namespace, f"low-{i}"), what=f"low-{i} Running")
    assert pod(kubectl, namespace, "low-0")["spec"]["priority"] == 100
    create(kubectl, namespace, "urgent", cpu="3", priorityClassName="e2e-high", nodeSelector=selector)
    assert pod(kubectl, namespace, "urgent")["spec"]["priority"] == 100000
    node = wait_for(lambda: running_on(kubectl, namespace, "urgent"), timeout=90, what="urgent Running after preemption")

    def remaining_low():
        items = json.loads(kubectl("get", "pods", "-n", namespace, "-o", "json"))["items"]
        return [p for p in items if p["metadata"]["name"].startswith("low-") and not p["metadata"].get("deletionTimestamp")]
    wait_for(lambda: len(remaining_low()) == 2, what="one low-priority victim gone")
    assert all(p["spec"]["nodeName"] != node for p in remaining_low())
    events = json.loads(kubectl("get", "events", "-n", namespace, "-o", "json"))["items"]
    assert any(e["reason"] == "Preempted" and e["involvedObject"]["name"].startswith("low-") for e in events)


def test_unknown_priority_class_is_forbidden(kubectl, namespace):
    result = create(kubectl, namespace, "classless", priorityClassName="no-such-class")
    assert result.returncode != 0
    assert "no PriorityClass with name no-such-class was found" in result.stderr, result.stderr
    classes = kubectl("get", "priorityclasses", "-o", "name")
    assert "priorityclass.scheduling.k8s.io/system-node-critical" in classes
    assert "priorityclass.scheduling.k8s.io/system-cluster-critical" in classes


def test_scheduler_metrics_are_served(kubectl, namespace, nodes):
    create(kubectl, namespace, "counted")
    wait_for(lambda: running_on(kubectl, namespace, "counted"), what="counted Running")
    metrics = kubectl("get", "--raw", "/metrics")
    scheduled = re.search(r'^scheduler_schedule_attempts_total\{profile="default-scheduler",result="scheduled"\} (\d+)$',
                          metrics, re.M)
    assert scheduled and int(scheduled.group(1)) >= 1, metrics[-3000:]
    assert re.search(r'^scheduler_scheduling_attempt_duration_seconds_count\{profile="default-scheduler",result="scheduled"\} \d+$',
                     metrics, re.M)
    assert re.search(r'^scheduler_pending_pods\{queue="active"\} \d+$', metrics, re.M)
