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


def statefulset_manifest(namespace, name, replicas, claims=False):
    claim = """
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
""" if claims else ""
    return f"""
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
  namespace: {namespace}
spec:
  serviceName: {name}
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      nodeSelector: {{e2e-workloads: "yes"}}
      containers:
      - name: main
        image: nginx:1.27
{claim}"""


def test_statefulset_creates_ordinals_in_order(kubectl, namespace, ds_nodes):
    kubectl("apply", "-f", "-", input=statefulset_manifest(namespace, "web", 3))
    kubectl("rollout", "status", "sts/web", "-n", namespace, "--timeout=90s", timeout=100)
    pods = {p["metadata"]["name"]: p for p in items(kubectl, namespace, "pods", "app=web")}
    assert sorted(pods) == ["web-0", "web-1", "web-2"]
    for i in (1, 2):
        before = pods[f"web-{i - 1}"]
        ready_at = next(c["lastTransitionTime"] for c in before["status"]["conditions"] if c["type"] == "Ready")
        # OrderedReady: each pod is created only once the previous one is ready.
        assert pods[f"web-{i}"]["metadata"]["creationTimestamp"] >= ready_at
    for name, p in pods.items():
        assert p["spec"]["hostname"] == name and p["spec"]["subdomain"] == "web"
        assert p["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == name
    sts = get(kubectl, namespace, "statefulset", "web")
    assert sts["status"]["readyReplicas"] == 3 and sts["status"]["currentRevision"] == sts["status"]["updateRevision"]
    kubectl("scale", "sts/web", "-n", namespace, "--replicas=1")
    wait_for(lambda: sorted(p["metadata"]["name"] for p in items(kubectl, namespace, "pods", "app=web")) == ["web-0"],
             timeout=60, what="scale-down to web-0")


def test_statefulset_creates_claims_per_ordinal(kubectl, namespace, ds_nodes):
    kubectl("apply", "-f", "-", input=statefulset_manifest(namespace, "db", 1, claims=True))
    # Binding needs a provisioner; the claim and the pod referencing it are the controller's part.
    wait_for(lambda: [c["metadata"]["name"] for c in items(kubectl, namespace, "pvc", "app=db")] == ["data-db-0"],
             timeout=60, what="claim data-db-0")
    pod = get(kubectl, namespace, "pod", "db-0")
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}} in pod["spec"]["volumes"]
