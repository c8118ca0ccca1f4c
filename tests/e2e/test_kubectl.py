"""The everyday kubectl workflows against `skiff server` (issue 3, item 9)."""
import json
import os
import stat
import tempfile
import textwrap

from conftest import LineCollector

MULTI_DOC = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: demo}
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  labels: {app: demo}
spec:
  replicas: 2
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector: {app: demo}
  ports:
  - port: 80
    targetPort: 80
"""


def test_discovery_commands(kubectl):
    versions = kubectl("api-versions").split()
    assert "v1" in versions and "apps/v1" in versions and "batch/v1" in versions
    resources = kubectl("api-resources")
    assert "deployments" in resources and "deploy" in resources
    assert "pods" in kubectl("api-resources", "--namespaced=true", "-o", "name")


def test_apply_multi_document_and_reapply(kubectl, namespace):
    out = kubectl("apply", "-n", namespace, "-f", "-", input=MULTI_DOC)
    assert "configmap/settings created" in out
    assert "deployment.apps/demo created" in out
    assert "service/demo created" in out
    again = kubectl("apply", "-n", namespace, "-f", "-", input=MULTI_DOC)
    assert "configmap/settings unchanged" in again
    assert "deployment.apps/demo unchanged" in again
    edited = MULTI_DOC.replace("color: blue", "color: green").replace("replicas: 2", "replicas: 3")
    out = kubectl("apply", "-n", namespace, "-f", "-", input=edited)
    assert "configmap/settings configured" in out and "deployment.apps/demo configured" in out
    assert kubectl("get", "cm", "settings", "-n", namespace, "-o", "jsonpath={.data.color}") == "green"
    assert kubectl("get", "deploy", "demo", "-n", namespace, "-o", "jsonpath={.spec.replicas}") == "3"


def test_create_subcommands(kubectl, namespace):
    n = ["-n", namespace]
    assert "created" in kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", *n)
    assert "created" in kubectl("create", "configmap", "cfg", "--from-literal=a=1", *n)
    assert "created" in kubectl("create", "secret", "generic", "pw", "--from-literal=password=s3cret", *n)
    assert "created" in kubectl("create", "service", "clusterip", "web", "--tcp=80:8080", *n)
    assert "created" in kubectl("create", "role", "reader", "--verb=get,list", "--resource=pods", *n)
    assert "created" in kubectl("create", "serviceaccount", "robot", *n)
    secret = json.loads(kubectl("get", "secret", "pw", "-o", "json", *n))
    assert secret["data"]["password"] == "czNjcmV0"
    err = kubectl.run("create", "configmap", "cfg", "--from-literal=a=1", *n, check=False)
    assert err.returncode != 0 and "already exists" in err.stderr


def test_get_output_formats(kubectl, namespace):
    n = ["-n", namespace]
    kubectl("create", "deployment", "fmt", "--image=nginx:1.27", *n)
    table = kubectl("get", "deployments", *n)
    assert table.splitlines()[0].split()[:2] == ["NAME", "READY"] or table.splitlines()[0].startswith("NAME")
    assert "fmt" in table
    assert "fmt" in kubectl("get", "deploy", "-o", "wide", *n)
    assert "kind: Deployment" in kubectl("get", "deploy", "fmt", "-o", "yaml", *n)
    assert json.loads(kubectl("get", "deploy", "fmt", "-o", "json", *n))["metadata"]["name"] == "fmt"
    assert kubectl("get", "deploy", "fmt", "-o", "jsonpath={.metadata.name}", *n) == "fmt"
    assert kubectl("get", "deploy", "-o", "name", *n).strip() == "deployment.apps/fmt"
    custom = kubectl("get", "deploy", "-o", "custom-columns=N:.metadata.name,R:.spec.replicas", *n)
    assert custom.split() == ["N", "R", "fmt", "1"]
    assert "fmt" in kubectl("get", "deploy", "--sort-by=.metadata.name", *n)


def test_selectors_and_all_namespaces(kubectl, namespace):
    n = ["-n", namespace]
    kubectl("create", "configmap", "a", "--from-literal=x=1", *n)
    kubectl("create", "configmap", "b", "--from-literal=x=1", *n)
    kubectl("label", "configmap", "a", "tier=front", *n)
    assert kubectl("get", "cm", "-l", "tier=front", "-o", "name", *n).split() == ["configmap/a"]
    assert kubectl("get", "cm", "-l", "tier!=front", "-o", "name", *n).split().count("configmap/b") == 1
    assert kubectl("get", "cm", "--field-selector", "metadata.name=b", "-o", "name", *n).split() == ["configmap/b"]
    every = kubectl("get", "cm", "-A")
    assert namespace in every and "NAMESPACE" in every.splitlines()[0]


def test_get_all_and_describe(kubectl, namespace):
    n = ["-n", namespace]
    kubectl("create", "deployment", "allweb", "--image=nginx:1.27", *n)
    kubectl("create", "service", "clusterip", "allweb", "--tcp=80:80", *n)
    out = kubectl("get", "all", *n)
    assert "deployment.apps/allweb" in out and "service/allweb" in out
    described = kubectl("describe", "deployment", "allweb", *n)
    assert "Name:" in described and "allweb" in described and "nginx:1.27" in described
    assert "allweb" in kubectl("describe", "service", "allweb", *n)


def test_label_and_annotate(kubectl, namespace):
    n = ["-n", namespace]
    kubectl("create", "configmap", "la", "--from-literal=x=1", *n)
    assert "labeled" in kubectl("label", "cm", "la", "team=blue", *n)
    assert "annotated" in kubectl("annotate", "cm", "la", "note=hello", *n)
    cm = json.loads(kubectl("get", "cm", "la", "-o", "json", *n))
    assert cm["metadata"]["labels"]["team"] == "blue"
    assert cm["metadata"]["annotations"]["note"] == "hello"
    kubectl("label", "cm", "la", "team-", *n)
    assert "team" not in json.loads(kubectl("get", "cm", "la", "-o", "json", *n))["metadata"].get("labels", {})


def test_patch_each_type(kubectl, namespace):
    n = ["-n", namespace]
    kubectl("create", "deployment", "pt", "--image=nginx:1.27", *n)
    kubectl("patch", "deploy", "pt", "-p", '{"spec":{"replicas":2}}', *n)
    kubectl("patch", "deploy", "pt", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}', *n)
    kubectl("patch", "deploy", "pt", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":4}]', *n)
    d = json.loads(kubectl("get", "deploy", "pt", "-o", "json", *n))
    assert d["spec"]["replicas"] == 4 and d["metadata"]["labels"]["m"] == "1"


def test_scale(kubectl, namespace):
    n = ["-n", namespace]
    kubectl("create", "deployment", "sc", "--image=nginx:1.27", *n)
    assert "scaled" in kubectl("scale", "deploy", "sc", "--replicas=5", *n)
    assert kubectl("get", "deploy", "sc", "-o", "jsonpath={.spec.replicas}", *n) == "5"
    assert "scaled" in kubectl("scale", "deploy", "sc", "--current-replicas=5", "--replicas=2", *n)
    assert kubectl("get", "deploy", "sc", "-o", "jsonpath={.spec.replicas}", *n) == "2"


def test_edit_with_editor_script(kubectl, namespace):
    n = ["-n", namespace]
    kubectl("create", "configmap", "ed", "--from-literal=color=red", *n)
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as script:
        script.write("#!/bin/sh\nsed -i 's/color: red/color: purple/' \"$1\"\n")
    os.chmod(script.name, stat.S_IRWXU)
    try:
        out = kubectl("edit", "cm", "ed", *n, env={"EDITOR": script.name, "KUBE_EDITOR": script.name})
        assert "edited" in out
        assert kubectl("get", "cm", "ed", "-o", "jsonpath={.data.color}", *n) == "purple"
    finally:
        os.unlink(script.name)


def test_delete_variants(kubectl, namespace):
    n = ["-n", namespace]
    for name in ["d1", "d2", "d3", "d4"]:
        kubectl("create", "configmap", name, "--from-literal=x=1", *n)
    kubectl("label", "cm", "d2", "gone=yes", *n)
    assert 'configmap "d1" deleted' in kubectl("delete", "cm", "d1", *n)
    assert 'configmap "d2" deleted' in kubectl("delete", "cm", "-l", "gone=yes", *n)
    manifest = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d3\n  namespace: {namespace}\n"
    assert "deleted" in kubectl("delete", "-f", "-", input=manifest)
    kubectl("create", "deployment", "casc", "--image=nginx:1.27", *n)
    assert "deleted" in kubectl("delete", "deploy", "casc", "--cascade=background", *n)
    out = kubectl("delete", "cm", "--all", *n)
    assert 'configmap "d4" deleted' in out
    assert "d4" not in kubectl("get", "cm", "-o", "name", *n)
    missing = kubectl.run("delete", "cm", "nope", *n, check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_get_watch(kubectl, namespace):
    n = ["-n", namespace]
    # A sentinel in the initial list proves the list is done; the watch then resumes from the list's
    # resourceVersion, so nothing created afterwards can be missed (no sleep needed).
    kubectl("create", "configmap", "sentinel", "--from-literal=x=1", *n)
    proc = kubectl.popen("get", "configmaps", "-w", "-n", namespace)
    lines = LineCollector(proc.stdout)
    try:
        lines.wait_for(lambda out: "sentinel" in out, what="the initial list")
        kubectl("create", "configmap", "watched", "--from-literal=x=1", *n)
        kubectl("label", "cm", "watched", "x=y", *n)
        lines.wait_for(lambda out: out.count("watched") >= 2, what="ADDED and MODIFIED lines for 'watched'")
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_wait_for_delete_and_condition(kubectl, namespace):
    # kubectl wait lists, then watches from the list's resourceVersion: whether the change lands before
    # or after its watch starts, it must return 0, so the test does not sleep to order them.
    n = ["-n", namespace]
    kubectl("create", "configmap", "w1", "--from-literal=x=1", *n)
    waiter = kubectl.popen("wait", "--for=delete", "configmap/w1", "--timeout=30s", "-n", namespace)
    kubectl("delete", "cm", "w1", "--wait=false", *n)
    assert waiter.wait(timeout=30) == 0
    # No replicas: with the deployment controller running, Available stays True whoever writes it.
    # (Applied as YAML: `kubectl create` sends protobuf, whose decoding loses an explicit 0 today.)
    manifest = kubectl("create", "deployment", "cond", "--image=nginx:1.27", "--replicas=0", "--dry-run=client", "-o", "yaml", *n)
    kubectl("apply", "-f", "-", input=manifest)
    waiter = kubectl.popen("wait", "--for=condition=Available", "deployment/cond", "--timeout=30s", "-n", namespace)
    status = {"status": {"conditions": [{"type": "Available", "status": "True", "reason": "Test", "message": "ok"}]}}
    kubectl("patch", "deploy", "cond", "--subresource=status", "--type=merge", "-p", json.dumps(status), *n)
    assert waiter.wait(timeout=30) == 0


def test_dry_run_and_diff(kubectl, namespace):
    n = ["-n", namespace]
    out = kubectl("create", "configmap", "dry", "--from-literal=x=1", "--dry-run=server", *n)
    assert "server dry run" in out
    assert kubectl.run("get", "cm", "dry", *n, check=False).returncode != 0
    kubectl("create", "configmap", "df", "--from-literal=x=1", *n)
    manifest = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: df\n  namespace: {namespace}\ndata:\n  x: \"2\"\n"
    diff = kubectl.run("diff", "-f", "-", input=manifest, check=False)
    assert diff.returncode == 1, diff.stderr
    assert '+  x: "2"' in diff.stdout


def test_auth(kubectl):
    out = kubectl("auth", "whoami")
    assert "admin" in out
    assert kubectl("auth", "can-i", "create", "pods").strip() == "yes"


def test_explain(kubectl):
    out = kubectl.run("explain", "deployment.spec.replicas", check=False)
    assert out.returncode == 0, out.stderr
    assert "replicas" in out.stdout


def test_strict_field_validation(kubectl, namespace):
    manifest = textwrap.dedent(f"""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: strict
          namespace: {namespace}
        bogus: 1
        """)
    out = kubectl.run("apply", "-f", "-", input=manifest, check=False)
    assert out.returncode != 0
    assert 'unknown field "bogus"' in out.stderr


def test_bad_input_is_refused_cleanly(kubectl, server):
    out = kubectl.run("create", "-f", "-", input="apiVersion: v1\nkind: Pod\nmetadata:\n  name: BAD\nspec:\n  containers: []\n",
                      check=False)
    assert out.returncode != 0 and "Invalid" in out.stderr


HPA_V1 = """\
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  targetCPUUtilizationPercentage: 70
"""


def test_hpa_served_as_autoscaling_v1_and_v2(kubectl, namespace):
    # An autoscaling/v1 manifest applies, re-applies unchanged, and reads back in both versions.
    assert "horizontalpodautoscaler.autoscaling/web created" in kubectl("apply", "-n", namespace, "-f", "-", input=HPA_V1)
    assert "unchanged" in kubectl("apply", "-n", namespace, "-f", "-", input=HPA_V1)
    v1 = json.loads(kubectl("get", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", namespace, "-o", "json"))
    assert v1["apiVersion"] == "autoscaling/v1" and v1["spec"]["targetCPUUtilizationPercentage"] == 70
    v2 = json.loads(kubectl("get", "horizontalpodautoscalers.v2.autoscaling", "web", "-n", namespace, "-o", "json"))
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
    # A changed v1 manifest is a strategic merge patch against the v1 form of the stored object.
    kubectl("apply", "-n", namespace, "-f", "-", input=HPA_V1.replace("70", "55"))
    v2 = json.loads(kubectl("get", "horizontalpodautoscalers.v2.autoscaling", "web", "-n", namespace, "-o", "json"))
    assert v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 55
    # A metric v1 cannot express survives a v1 read-modify-write through the alpha annotation.
    kubectl("patch", "horizontalpodautoscalers.v2.autoscaling", "web", "-n", namespace, "--type=merge", "-p",
            json.dumps({"spec": {"metrics": v2["spec"]["metrics"] + [{"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}}]}}))
    v1 = json.loads(kubectl("get", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", namespace, "-o", "json"))
    assert "autoscaling.alpha.kubernetes.io/metrics" in v1["metadata"]["annotations"]
    kubectl("replace", "-f", "-", input=json.dumps(v1))
    v2 = json.loads(kubectl("get", "horizontalpodautoscalers.v2.autoscaling", "web", "-n", namespace, "-o", "json"))
    assert [m["resource"]["name"] for m in v2["spec"]["metrics"]] == ["cpu", "memory"]
    assert "autoscaling.alpha.kubernetes.io/metrics" not in v2["metadata"].get("annotations", {})
    assert "web" in kubectl("get", "hpa", "-n", namespace)
    kubectl("delete", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", namespace)
