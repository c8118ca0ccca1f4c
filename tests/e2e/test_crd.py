"""CustomResourceDefinitions (issue 12 §1) with the real kubectl and the Python client's
CustomObjectsApi and dynamic client."""
import json
import tempfile
import threading
import uuid

import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

from conftest import wait_until

GROUP = "stable.example.com"

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: {plural}
    singular: {singular}
    kind: {kind}
    shortNames: [{short}]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    selectableFields:
    - jsonPath: .spec.color
    subresources:
      status: {{}}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){{4}}$'
              image: {{type: string}}
              color: {{type: string, enum: [red, green, blue]}}
              mode: {{type: string, default: Slow}}
              replicas: {{type: integer, minimum: 0, maximum: 10}}
          status:
            type: object
            properties:
              replicas: {{type: integer}}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"""


def crd_yaml(kind):
    plural = kind.lower() + "s"
    return CRD.format(plural=plural, singular=kind.lower(), kind=kind, short=kind.lower()[:2] + "x" + uuid.uuid4().hex[:3]), plural


def cr_yaml(kind, name, replicas=1, color="red", extra=""):
    return f"""\
apiVersion: stable.example.com/v1
kind: {kind}
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  cronSpec: "* * * * */5"
  image: my-cron-image
  color: {color}
  replicas: {replicas}
{extra}"""


@pytest.fixture
def fresh_kubectl(kubectl):
    """kubectl with a discovery cache of its own, so a CRD's coming and going is seen at once."""
    cache = tempfile.mkdtemp(prefix="kubectl-cache-")

    def run(*args, **kwargs):
        return kubectl.run("--cache-dir", cache, *args, **kwargs)
    return run


@pytest.fixture
def crd(kubectl):
    kind = "CronTab" + "".join(c for c in uuid.uuid4().hex if c.isalpha())[:4]
    text, plural = crd_yaml(kind)
    kubectl("apply", "-f", "-", input=text)
    kubectl("wait", "--for", "condition=Established", f"crd/{plural}.{GROUP}", "--timeout=30s")
    yield kind, plural
    kubectl.run("delete", "crd", f"{plural}.{GROUP}", "--wait=false", check=False)


def test_crd_established_and_discovered(kubectl, fresh_kubectl, crd):
    kind, plural = crd
    crd_obj = json.loads(kubectl("get", "crd", f"{plural}.{GROUP}", "-o", "json"))
    conditions = {c["type"]: c["status"] for c in crd_obj["status"]["conditions"]}
    assert conditions["Established"] == "True" and conditions["NamesAccepted"] == "True"
    assert crd_obj["status"]["acceptedNames"]["kind"] == kind
    # As upstream, the cleanup finalizer is added by the DELETE, not at creation.
    assert "customresourcecleanup.apiextensions.k8s.io" not in crd_obj["metadata"].get("finalizers", [])
    resources = fresh_kubectl("api-resources", "--api-group", GROUP, "-o", "name").stdout
    assert f"{plural}.{GROUP}" in resources
    versions = json.loads(kubectl("get", "--raw", f"/apis/{GROUP}"))
    assert versions["preferredVersion"]["version"] == "v1"
    openapi = json.loads(kubectl("get", "--raw", "/openapi/v3"))
    assert f"apis/{GROUP}/v1" in openapi["paths"]


def test_cr_lifecycle_with_kubectl(kubectl, fresh_kubectl, namespace, crd):
    kind, plural = crd
    fresh_kubectl("apply", "-n", namespace, "-f", "-", input=cr_yaml(kind, "nightly", replicas=2))
    fresh_kubectl("apply", "-n", namespace, "-f", "-", input=cr_yaml(kind, "hourly", replicas=1, color="blue"))
    obj = json.loads(fresh_kubectl("get", plural, "nightly", "-n", namespace, "-o", "json").stdout)
    assert obj["apiVersion"] == f"{GROUP}/v1" and obj["kind"] == kind
    assert obj["spec"]["mode"] == "Slow"  # defaulted from the schema
    assert obj["metadata"]["generation"] == 1
    # Printer columns in `kubectl get`.
    table = fresh_kubectl("get", plural, "-n", namespace).stdout
    header = table.splitlines()[0].split()
    assert header == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert any(line.split()[:3] == ["nightly", "*", "*"] for line in table.splitlines()[1:])
    # Short name, category `all`, field and label selectors.
    short = json.loads(kubectl("get", "crd", f"{plural}.{GROUP}", "-o", "json"))["spec"]["names"]["shortNames"][0]
    assert "nightly" in fresh_kubectl("get", short, "-n", namespace, "-o", "name").stdout
    assert f"{kind.lower()}.{GROUP}/nightly" in fresh_kubectl("get", "all", "-n", namespace, "-o", "name").stdout
    selected = fresh_kubectl("get", plural, "-n", namespace, "--field-selector", "spec.color=blue", "-o", "name").stdout.split()
    assert selected == [f"{kind.lower()}.{GROUP}/hourly"]
    assert fresh_kubectl("get", plural, "-n", namespace, "-l", "app=nightly", "-o", "name").stdout.split() == [f"{kind.lower()}.{GROUP}/nightly"]
    bad = fresh_kubectl("get", plural, "-n", namespace, "--field-selector", "spec.image=x", check=False)
    assert bad.returncode != 0 and "field label not supported" in bad.stderr
    # Scale subresource.
    fresh_kubectl("scale", f"{plural}/nightly", "-n", namespace, "--replicas=5")
    assert fresh_kubectl("get", plural, "nightly", "-n", namespace, "-o", "jsonpath={.spec.replicas}").stdout == "5"
    # Merge and JSON patches; strategic merge is refused for custom resources.
    fresh_kubectl("patch", plural, "nightly", "-n", namespace, "--type=merge", "-p", '{"spec":{"image":"v2"}}')
    fresh_kubectl("patch", plural, "nightly", "-n", namespace, "--type=json",
                  "-p", '[{"op":"replace","path":"/spec/color","value":"green"}]')
    obj = json.loads(fresh_kubectl("get", plural, "nightly", "-n", namespace, "-o", "json").stdout)
    assert obj["spec"]["image"] == "v2" and obj["spec"]["color"] == "green" and obj["metadata"]["generation"] == 4
    smp = fresh_kubectl("patch", plural, "nightly", "-n", namespace, "--type=strategic", "-p", '{"spec":{"image":"v3"}}', check=False)
    assert smp.returncode != 0 and ("unknown format" in smp.stderr or "not supported" in smp.stderr), smp.stderr
    # The other served version: same object, its apiVersion.
    v1beta1 = json.loads(fresh_kubectl("get", f"{plural}.v1beta1.{GROUP}", "nightly", "-n", namespace, "-o", "json").stdout)
    assert v1beta1["apiVersion"] == f"{GROUP}/v1beta1" and v1beta1["spec"]["image"] == "v2"
    # Delete.
    fresh_kubectl("delete", plural, "hourly", "-n", namespace)
    assert fresh_kubectl("get", plural, "-n", namespace, "-o", "name").stdout.split() == [f"{kind.lower()}.{GROUP}/nightly"]


def test_invalid_cr_refused_with_upstream_message(fresh_kubectl, namespace, crd):
    kind, plural = crd
    result = fresh_kubectl("apply", "-n", namespace, "-f", "-", input=cr_yaml(kind, "bad", replicas=15), check=False)
    assert result.returncode != 0
    assert "spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10" in result.stderr
    result = fresh_kubectl("apply", "-n", namespace, "-f", "-", input=cr_yaml(kind, "bad", color="pink"), check=False)
    assert 'spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"' in result.stderr
    # kubectl sends fieldValidation=Strict: an unknown field is an error, not silently dropped.
    result = fresh_kubectl("create", "-n", namespace, "-f", "-", input=cr_yaml(kind, "bad", extra="  bogus: 1\n"), check=False)
    assert result.returncode != 0 and 'unknown field "spec.bogus"' in result.stderr
    # With validation off the field is pruned.
    fresh_kubectl("create", "--validate=false", "-n", namespace, "-f", "-", input=cr_yaml(kind, "pruned", extra="  bogus: 1\n"))
    obj = json.loads(fresh_kubectl("get", plural, "pruned", "-n", namespace, "-o", "json").stdout)
    assert "bogus" not in obj["spec"]


def test_python_custom_objects_and_dynamic_client(server, namespace, crd):
    kind, plural = crd
    cfg = client.Configuration()
    config.load_kube_config(config_file=server.kubeconfig, client_configuration=cfg)
    api = client.ApiClient(cfg)
    custom = client.CustomObjectsApi(api)
    events = []
    started = threading.Event()

    def follow():
        w = watch.Watch()
        started.set()
        for event in w.stream(custom.list_namespaced_custom_object, GROUP, "v1", namespace, plural, timeout_seconds=20):
            events.append((event["type"], event["object"]["metadata"]["name"]))
            if event["type"] == "DELETED":
                w.stop()
    watcher = threading.Thread(target=follow, daemon=True)
    watcher.start()
    started.wait()
    body = {"apiVersion": f"{GROUP}/v1", "kind": kind, "metadata": {"name": "py"},
            "spec": {"cronSpec": "* * * * *", "replicas": 1}}
    created = custom.create_namespaced_custom_object(GROUP, "v1", namespace, plural, body)
    assert created["metadata"]["resourceVersion"] and created["spec"]["mode"] == "Slow"
    got = custom.get_namespaced_custom_object(GROUP, "v1", namespace, plural, "py")
    assert got["metadata"]["uid"] == created["metadata"]["uid"]
    listed = custom.list_namespaced_custom_object(GROUP, "v1", namespace, plural)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["py"]
    patched = custom.patch_namespaced_custom_object(GROUP, "v1", namespace, plural, "py", {"spec": {"image": "x"}})
    assert patched["spec"]["image"] == "x"
    # Status subresource: the main endpoint ignores status, /status changes only status.
    status = custom.patch_namespaced_custom_object_status(GROUP, "v1", namespace, plural, "py",
                                                           {"status": {"replicas": 1}, "spec": {"image": "ignored"}})
    assert status["status"] == {"replicas": 1} and status["spec"]["image"] == "x"
    scale = custom.get_namespaced_custom_object_scale(GROUP, "v1", namespace, plural, "py")
    assert scale["spec"]["replicas"] == 1 and scale["status"]["replicas"] == 1
    with pytest.raises(ApiException) as invalid:
        custom.create_namespaced_custom_object(GROUP, "v1", namespace, plural, dict(body, metadata={"name": "bad"}, spec={}))
    assert invalid.value.status == 422 and "spec.cronSpec: Required value" in invalid.value.body
    # Dynamic client.
    dyn = dynamic.DynamicClient(api)
    resource = dyn.resources.get(api_version=f"{GROUP}/v1", kind=kind)
    assert [i.metadata.name for i in resource.get(namespace=namespace).items] == ["py"]
    custom.delete_namespaced_custom_object(GROUP, "v1", namespace, plural, "py")
    watcher.join(timeout=20)
    assert [t for t, n in events if n == "py"][:1] == ["ADDED"] and ("DELETED", "py") in events


def test_crd_deletion_removes_objects_and_discovery(kubectl, fresh_kubectl, namespace):
    kind = "Sweep" + "".join(c for c in uuid.uuid4().hex if c.isalpha())[:4]
    text, plural = crd_yaml(kind)
    kubectl("apply", "-f", "-", input=text)
    kubectl("wait", "--for", "condition=Established", f"crd/{plural}.{GROUP}", "--timeout=30s")
    fresh_kubectl("apply", "-n", namespace, "-f", "-", input=cr_yaml(kind, "one"))
    fresh_kubectl("apply", "-n", namespace, "-f", "-", input=cr_yaml(kind, "two"))
    kubectl("delete", "crd", f"{plural}.{GROUP}", "--timeout=60s")
    assert kubectl.run("get", "crd", f"{plural}.{GROUP}", check=False).returncode != 0
    wait_until(lambda: f"{plural}." not in fresh_kubectl("api-resources", "--api-group", GROUP, "-o", "name").stdout,
               timeout=10, what="discovery without the resource")
    gone = fresh_kubectl("get", plural, "-n", namespace, check=False)
    assert gone.returncode != 0 and "the server doesn't have a resource type" in gone.stderr
    # Recreated, the resource starts empty: the objects were deleted, not hidden.
    kubectl("apply", "-f", "-", input=text)
    kubectl("wait", "--for", "condition=Established", f"crd/{plural}.{GROUP}", "--timeout=30s")
    assert fresh_kubectl("get", plural, "-n", namespace, "-o", "name").stdout.strip() == ""
    kubectl("delete", "crd", f"{plural}.{GROUP}", "--timeout=60s")


def test_invalid_crd_refused(kubectl):
    text, plural = crd_yaml("Broken")
    text = text.replace("storage: false", "storage: true")
    result = kubectl.run("apply", "-f", "-", input=text, check=False)
    assert result.returncode != 0 and "must have exactly one version marked as storage version" in result.stderr
    nonstructural = text.replace("storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true",
                                 "storage: false\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            properties: {}")
    result = kubectl.run("apply", "-f", "-", input=nonstructural, check=False)
    assert result.returncode != 0
    assert "spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields" in result.stderr
