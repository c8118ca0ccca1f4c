"""DaemonSets and StatefulSets on `skiff server` with hollow nodes: a DaemonSet runs one pod on
every eligible node (and on a node that joins later), rolls a new template through a new
ControllerRevision; a StatefulSet creates its ordinals in order."""
import json

import pytest

from test_scheduler import HollowNodes, wait_for

LABEL = "e2e-workloads=yes"


@pytest.fixture(scope="module")
def ds_nodes(server, kubectl):
    groups = [HollowNodes(server, 2, "e2e-ds-a-", "--labels", LABEL),
              HollowNodes(server, 1, "e2e-ds-tainted-", "--labels", LABEL, "--taints", "dedicated=db:NoSchedule")]
    yield groups
    for g in groups:
        g.stop()
    kubectl.run("delete", "nodes", "-l", LABEL, "--wait=false", check=False)


def get(kubectl, namespace, kind, name):
    return json.loads(kubectl("get", kind, name, "-n", namespace, "-o", "json"))


def items(kubectl, namespace, kind, selector):
    return json.loads(kubectl("get", kind, "-n", namespace, "-l", selector, "-o", "json"))["items"]


def daemonset_manifest(namespace, image):
    return f"""
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: {namespace}
spec:
  selector:
    matchLabels: {{app: agent}}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {{maxUnavailable: 1}}
  template:
    metadata:
      labels: {{app: agent}}
    spec:
      nodeSelector: {{e2e-workloads: "yes"}}
      containers:
      - name: main
        image: {image}
"""


def running_nodes(kubectl, namespace):
    pods = [p for p in items(kubectl, namespace, "pods", "app=agent") if not p["metadata"].get("deletionTimestamp")]
    return sorted(p["spec"].get("nodeName", "") for p in pods if p["status"].get("phase") == "Running")


def test_daemonset_runs_on_every_eligible_node_and_on_a_node_added_later(kubectl, namespace, server, ds_nodes):
    kubectl("apply", "-f", "-", input=daemonset_manifest(namespace, "agent:1"))
    wait_for(lambda: running_nodes(kubectl, namespace) == ["e2e-ds-a-0", "e2e-ds-a-1"], timeout=60,
             what="a running pod on each untainted node")
    pod = items(kubectl, namespace, "pods", "app=agent")[0]
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [pod["spec"]["nodeName"]]}]}]
    assert {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"} in pod["spec"]["tolerations"]
    assert pod["metadata"]["labels"]["controller-revision-hash"]
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet"

    def status_is(desired, ready, updated):
        s = get(kubectl, namespace, "daemonset", "agent").get("status", {})
        return (s.get("desiredNumberScheduled") == desired and s.get("currentNumberScheduled") == desired
                and s.get("numberReady") == ready and s.get("numberAvailable") == ready
                and s.get("updatedNumberScheduled") == updated and s.get("numberMisscheduled", 0) == 0)

    wait_for(lambda: status_is(2, 2, 2), timeout=60, what="DaemonSet status 2/2")
    later = HollowNodes(server, 1, "e2e-ds-b-", "--labels", LABEL)
    ds_nodes.append(later)
    wait_for(lambda: running_nodes(kubectl, namespace) == ["e2e-ds-a-0", "e2e-ds-a-1", "e2e-ds-b-0"], timeout=60,
             what="a pod on the node added later")
    wait_for(lambda: status_is(3, 3, 3), timeout=60, what="DaemonSet status 3/3")
    table = kubectl("get", "ds", "agent", "-n", namespace)
    assert table.split("\n")[1].split()[1:6] == ["3", "3", "3", "3", "3"]

    # A new template rolls through, one node at a time, under a second ControllerRevision.
    kubectl("apply", "-f", "-", input=daemonset_manifest(namespace, "agent:2"))
    kubectl("rollout", "status", "ds/agent", "-n", namespace, "--timeout=90s", timeout=100)
    revisions = json.loads(kubectl("get", "controllerrevisions", "-n", namespace, "-o", "json"))["items"]
    assert sorted(r["revision"] for r in revisions) == [1, 2]
    current = next(r for r in revisions if r["revision"] == 2)["metadata"]["labels"]["controller-revision-hash"]
    pods = [p for p in items(kubectl, namespace, "pods", "app=agent") if not p["metadata"].get("deletionTimestamp")]
    wait_for(lambda: all(p["spec"]["containers"][0]["image"] == "agent:2" and p["metadata"]["labels"]["controller-revision-hash"] == current
                         for p in [q for q in items(kubectl, namespace, "pods", "app=agent") if not q["metadata"].get("deletionTimestamp")]),
             timeout=60, what="every pod on the new revision")
    assert len(pods) >= 3
    history = kubectl("rollout", "history", "ds/agent", "-n", namespace)
    assert "1" in history and "2" in history
