"""The official Python `kubernetes` client (37.x) against `skiff server`."""
import threading
import uuid

import pytest
from kubernetes import client, config, watch


@pytest.fixture
def api(server):
    cfg = client.Configuration()
    config.load_kube_config(config_file=server.kubeconfig, client_configuration=cfg)
    return client.ApiClient(cfg)


@pytest.fixture
def ns(api):
    core = client.CoreV1Api(api)
    name = "py-" + uuid.uuid4().hex[:8]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


def _deployment(name, replicas=1):
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")]))))


def test_crud(api, ns):
    apps = client.AppsV1Api(api)
    created = apps.create_namespaced_deployment(ns, _deployment("py"))
    assert created.metadata.uid and created.metadata.resource_version
    read = apps.read_namespaced_deployment("py", ns)
    assert read.spec.replicas == 1
    listed = apps.list_namespaced_deployment(ns, label_selector="app=py")
    assert [d.metadata.name for d in listed.items] == ["py"]
    patched = apps.patch_namespaced_deployment("py", ns, {"spec": {"replicas": 3}})
    assert patched.spec.replicas == 3
    patched.metadata.labels["extra"] = "yes"
    replaced = apps.replace_namespaced_deployment("py", ns, patched)
    assert replaced.metadata.labels["extra"] == "yes"
    apps.delete_namespaced_deployment("py", ns)
    assert apps.list_namespaced_deployment(ns).items == []


def test_core_objects(api, ns):
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c"), data={"a": "1"}))
    svc = core.create_namespaced_service(ns, client.V1Service(
        metadata=client.V1ObjectMeta(name="s"),
        spec=client.V1ServiceSpec(selector={"app": "s"}, ports=[client.V1ServicePort(port=80)])))
    assert svc.spec.cluster_ip.startswith("10.43.")
    assert core.read_namespaced_config_map("c", ns).data == {"a": "1"}
    assert any(n.metadata.name == "default" for n in core.list_namespace().items)
    with pytest.raises(client.exceptions.ApiException) as err:
        core.read_namespaced_config_map("missing", ns)
    assert err.value.status == 404


def test_watch_sees_added_modified_deleted_in_order(api, ns):
    core = client.CoreV1Api(api)
    events = []
    # Watch from the list's resourceVersion (as a reflector does): events after it are delivered in
    # order however late the watch connects, so no sleep is needed before the writes.
    rv = core.list_namespaced_config_map(ns).metadata.resource_version

    def run():
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=20):
            events.append((event["type"], event["object"].metadata.name))
            if event["type"] == "DELETED":
                w.stop()

    t = threading.Thread(target=run)
    t.start()
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w"), data={"a": "1"}))
    core.patch_namespaced_config_map("w", ns, {"data": {"a": "2"}})
    core.delete_namespaced_config_map("w", ns)
    t.join(timeout=30)
    assert events == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_dynamic_client_uses_legacy_discovery(api, ns):
    from kubernetes.dynamic import DynamicClient
    dyn = DynamicClient(api)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dyn"}, "data": {"x": "y"}}, namespace=ns)
    assert cms.get(name="dyn", namespace=ns).data.x == "y"


def test_autoscaling_v1_client_lists_and_watches_converted_hpas(api, ns):
    v1 = client.AutoscalingV1Api(api)
    v2 = client.AutoscalingV2Api(api)
    hpa = client.V1HorizontalPodAutoscaler(
        metadata=client.V1ObjectMeta(name="py-hpa"),
        spec=client.V1HorizontalPodAutoscalerSpec(
            scale_target_ref=client.V1CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="py"),
            max_replicas=4, target_cpu_utilization_percentage=65))
    created = v1.create_namespaced_horizontal_pod_autoscaler(ns, hpa)
    assert created.spec.target_cpu_utilization_percentage == 65
    stored = v2.read_namespaced_horizontal_pod_autoscaler("py-hpa", ns)
    assert stored.spec.metrics[0].resource.target.average_utilization == 65
    listed = v1.list_namespaced_horizontal_pod_autoscaler(ns)
    assert [item.spec.target_cpu_utilization_percentage for item in listed.items] == [65]
    events = []
    stream = watch.Watch()
    for event in stream.stream(v1.list_namespaced_horizontal_pod_autoscaler, ns, timeout_seconds=10):
        events.append((event["type"], event["object"].spec.target_cpu_utilization_percentage))
        if len(events) == 1:
            v2.patch_namespaced_horizontal_pod_autoscaler("py-hpa", ns, {"spec": {"maxReplicas": 6}})
        if event["type"] == "MODIFIED":
            stream.stop()
    assert events == [("ADDED", 65), ("MODIFIED", 65)]
    v1.delete_namespaced_horizontal_pod_autoscaler("py-hpa", ns)
