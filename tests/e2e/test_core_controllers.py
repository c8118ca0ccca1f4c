"""The controller manager's core controllers inside `skiff server`, driven with the real kubectl:
namespace deletion, orphan/foreground/background deletes, ServiceAccount tokens, a Service's
Endpoints and EndpointSlices on hollow nodes, and a killed hollow node going Unknown → tainted →
its pods evicted and replaced elsewhere (own server with a short --node-monitor-grace-period)."""
import json
import os
import shutil
import uuid

import pytest

from conftest import Kubectl, Server, wait_until
from test_scheduler import HollowNodes


def get_json(kubectl, *args):
    return json.loads(kubectl("get", *args, "-o", "json"))


def exists(kubectl, *args):
    return kubectl.run("get", *args, check=False).returncode == 0


REPLICASET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{extra}      containers:
      - name: app
        image: nginx:1.27
        ports:
        - {{name: http, containerPort: 8080}}
"""


def replicaset(kubectl, namespace, name, replicas=2, extra=""):
    kubectl("apply", "-n", namespace, "-f", "-", input=REPLICASET.format(name=name, replicas=replicas, extra=extra))


def pods_of(kubectl, namespace, app):
    return get_json(kubectl, "pods", "-n", namespace, "-l", f"app={app}")["items"]


def test_namespace_deletion_removes_everything_and_refuses_new_content(kubectl):
    ns = "e2e-nsdel-" + uuid.uuid4().hex[:6]
    kubectl("create", "namespace", ns)
    kubectl("create", "configmap", "plain", "-n", ns, "--from-literal=a=b")
    kubectl("create", "secret", "generic", "s", "-n", ns, "--from-literal=a=b")
    replicaset(kubectl, ns, "web")
    wait_until(lambda: len(pods_of(kubectl, ns, "web")) == 2, what="replicaset pods")
    held = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "held", "namespace": ns, "finalizers": ["example.com/hold"]}}
    kubectl("apply", "-f", "-", input=json.dumps(held))
    kubectl("delete", "namespace", ns, "--wait=false")

    def terminating_with_conditions():
        n = get_json(kubectl, "namespace", ns)
        conds = {c["type"]: c for c in n["status"].get("conditions", [])}
        rem = conds.get("NamespaceFinalizersRemaining", {})
        return n["status"]["phase"] == "Terminating" and rem.get("status") == "True" and n
    n = wait_until(terminating_with_conditions, timeout=60, what="namespace Terminating with conditions")
    conds = {c["type"]: c for c in n["status"]["conditions"]}
    assert conds["NamespaceFinalizersRemaining"]["message"] == \
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"
    assert conds["NamespaceContentRemaining"]["reason"] == "SomeResourcesRemain"
    assert conds["NamespaceDeletionDiscoveryFailure"]["status"] == "False"
    wait_until(lambda: not exists(kubectl, "configmap", "plain", "-n", ns) and not pods_of(kubectl, ns, "web")
               and not exists(kubectl, "secret", "s", "-n", ns), timeout=60, what="content deleted")
    refused = kubectl.run("create", "configmap", "late", "-n", ns, check=False)
    assert refused.returncode != 0
    assert (f'configmaps "late" is forbidden: unable to create new content in namespace {ns} '
            f'because it is being terminated') in refused.stderr
    kubectl("patch", "configmap", "held", "-n", ns, "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    wait_until(lambda: not exists(kubectl, "namespace", ns), timeout=60, what="namespace gone")


def test_orphan_foreground_and_background_deletes(kubectl, namespace):
    replicaset(kubectl, namespace, "orphaned")
    wait_until(lambda: len(pods_of(kubectl, namespace, "orphaned")) == 2, what="orphaned pods")
    kubectl("delete", "rs", "orphaned", "-n", namespace, "--cascade=orphan")
    assert not exists(kubectl, "rs", "orphaned", "-n", namespace)
    wait_until(lambda: all(not p["metadata"].get("ownerReferences") for p in pods_of(kubectl, namespace, "orphaned")),
               what="orphaned pods lose their owner reference")
    assert len(pods_of(kubectl, namespace, "orphaned")) == 2

    replicaset(kubectl, namespace, "fg")
    wait_until(lambda: len(pods_of(kubectl, namespace, "fg")) == 2, what="fg pods")
    # kubectl waits for the owner to go, which foreground deletion allows only after the pods.
    kubectl("delete", "rs", "fg", "-n", namespace, "--cascade=foreground", timeout=90)
    assert not pods_of(kubectl, namespace, "fg")

    replicaset(kubectl, namespace, "bg")
    wait_until(lambda: len(pods_of(kubectl, namespace, "bg")) == 2, what="bg pods")
    kubectl("delete", "rs", "bg", "-n", namespace)
    wait_until(lambda: not pods_of(kubectl, namespace, "bg"), what="background collection of the pods")


def test_service_account_token_authenticates(kubectl, namespace):
    wait_until(lambda: exists(kubectl, "serviceaccount", "default", "-n", namespace), what="default ServiceAccount")
    ca = wait_until(lambda: exists(kubectl, "configmap", "kube-root-ca.crt", "-n", namespace)
                    and get_json(kubectl, "configmap", "kube-root-ca.crt", "-n", namespace), what="kube-root-ca.crt")
    assert ca["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    kubectl("create", "serviceaccount", "robot", "-n", namespace)
    token = kubectl("create", "token", "robot", "-n", namespace).strip()
    assert token.count(".") == 2
    who = json.loads(kubectl("auth", "whoami", "--token", token, "-o", "json"))
    assert who["status"]["userInfo"]["username"] == f"system:serviceaccount:{namespace}:robot"
    assert f"system:serviceaccounts:{namespace}" in who["status"]["userInfo"]["groups"]
    # A pod gets the projected token volume of its account.
    kubectl("run", "p", "-n", namespace, "--image=nginx:1.27")
    pod = get_json(kubectl, "pod", "p", "-n", namespace)
    assert pod["spec"]["serviceAccountName"] == "default"
    volume = [v for v in pod["spec"]["volumes"] if v["name"].startswith("kube-api-access-")][0]
    assert volume["projected"]["sources"][0]["serviceAccountToken"]["path"] == "token"
    assert pod["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
    # The account gone, its token stops working (the request is refused, or authenticated by
    # the kubeconfig's client certificate if kubectl still sends it, as kube-apiserver would).
    kubectl("delete", "serviceaccount", "robot", "-n", namespace)

    def token_refused():
        r = kubectl.run("auth", "whoami", "--token", token, "-o", "json", check=False)
        return r.returncode != 0 or json.loads(r.stdout)["status"]["userInfo"]["username"] != f"system:serviceaccount:{namespace}:robot"
    wait_until(token_refused, what="token of a deleted account refused")


@pytest.fixture(scope="module")
def hollow_pair(server, kubectl):
    nodes = HollowNodes(server, 2, "e2e-ep-")
    yield nodes
    nodes.stop()
    kubectl.run("delete", "node", "e2e-ep-0", "e2e-ep-1", "--wait=false", check=False)


def test_endpoints_and_slices_of_a_service(kubectl, namespace, hollow_pair):
    replicaset(kubectl, namespace, "web", replicas=2)
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": namespace},
               "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    kubectl("apply", "-f", "-", input=json.dumps(service))

    def two_ready():
        ep = get_json(kubectl, "endpoints", "web", "-n", namespace)
        subsets = ep.get("subsets") or []
        return len(subsets) == 1 and len(subsets[0].get("addresses", [])) == 2 and ep
    ep = wait_until(two_ready, timeout=60, what="two ready addresses")
    assert ep["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert all(a["nodeName"].startswith("e2e-ep-") and a["targetRef"]["kind"] == "Pod" for a in ep["subsets"][0]["addresses"])
    slices = get_json(kubectl, "endpointslices", "-n", namespace, "-l", "kubernetes.io/service-name=web")["items"]
    assert len(slices) == 1
    s = slices[0]
    assert s["addressType"] == "IPv4"
    assert s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert s["metadata"]["ownerReferences"][0]["kind"] == "Service"
    assert sorted(e["conditions"]["ready"] for e in s["endpoints"]) == [True, True]
    assert {e["addresses"][0] for e in s["endpoints"]} == {a["ip"] for a in ep["subsets"][0]["addresses"]}
    assert all(e.get("zone") == "zone-0" for e in s["endpoints"])
    # The API server's own Service.
    k = get_json(kubectl, "endpointslice", "kubernetes", "-n", "default")
    assert k["endpoints"][0]["addresses"] == ["127.0.0.1"] and k["ports"][0]["name"] == "https"
    out = kubectl("get", "endpoints", "web", "-n", namespace)
    assert ":8080" in out


@pytest.fixture(scope="module")
def short_grace_server():
    binary = os.environ.get("SKIFF_BIN") or shutil.which("skiff")
    if not binary:
        pytest.skip("SKIFF_BIN is not set")
    srv = Server(os.path.abspath(binary), "sqlite", extra_args=["--node-monitor-grace-period", "15s"])
    srv.start()
    yield srv
    srv.stop()


def test_killed_node_goes_unknown_is_tainted_and_its_pods_move(short_grace_server):
    kubectl = Kubectl(short_grace_server)
    stay = HollowNodes(short_grace_server, 1, "e2e-stay-")
    doomed = HollowNodes(short_grace_server, 1, "e2e-doomed-")
    try:
        spread = """      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: mover}}}
"""
        replicaset(kubectl, "default", "mover", replicas=2, extra=spread)

        def running_nodes():
            pods = [p for p in pods_of(kubectl, "default", "mover")
                    if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
            return sorted(p["spec"]["nodeName"] for p in pods)
        assert wait_until(lambda: len(running_nodes()) == 2 and running_nodes(), timeout=60, what="two pods Running") \
            == ["e2e-doomed-0", "e2e-stay-0"]
        doomed.stop()

        def unknown():
            n = get_json(kubectl, "node", "e2e-doomed-0")
            ready = [c for c in n["status"]["conditions"] if c["type"] == "Ready"][0]
            return ready["status"] == "Unknown" and n
        node = wait_until(unknown, timeout=90, interval=0.5, what="Ready Unknown")
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"][0]
        assert ready["reason"] == "NodeStatusUnknown" and ready["message"] == "Kubelet stopped posting node status."

        def taints():
            t = get_json(kubectl, "node", "e2e-doomed-0")["spec"].get("taints", [])
            keys = {(x["key"], x["effect"]) for x in t}
            return {("node.kubernetes.io/unreachable", "NoExecute"), ("node.kubernetes.io/unreachable", "NoSchedule")} <= keys
        wait_until(taints, timeout=60, interval=0.5, what="unreachable taints")
        # The pod on the dead node is evicted after its 2 s toleration and replaced on the live one.
        wait_until(lambda: running_nodes() == ["e2e-stay-0", "e2e-stay-0"], timeout=90, interval=0.5,
                   what="replacement Running on the live node")
        evicted = [p for p in pods_of(kubectl, "default", "mover") if p["spec"]["nodeName"] == "e2e-doomed-0"]
        assert evicted and all(p["metadata"].get("deletionTimestamp") for p in evicted)
        events = get_json(kubectl, "events", "-n", "default")["items"]
        assert any(e["reason"] == "TaintManagerEviction" for e in events)
    finally:
        doomed.stop()
        stay.stop()
