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
    # The deployment controller writes status too, so a read-modify-write may conflict and is
    # retried from a fresh read, as clients do against Kubernetes.
    for attempt in range(20):
        current = apps.read_namespaced_deployment("py", ns)
        current.metadata.labels["extra"] = "yes"
        try:
            replaced = apps.replace_namespaced_deployment("py", ns, current)
            break
        except client.exceptions.ApiException as e:
            if e.status != 409 or attempt == 19:
                raise
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


def _template(name, restart_policy=None):
    spec = client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox:1.36")])
    if restart_policy:
        spec.restart_policy = restart_policy
    return client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": name}), spec=spec)


def _workloads(name):
    """(kind, create, read, list, patch, watch-list, manifest) for every workload kind."""
    apps = lambda api: client.AppsV1Api(api)
    batch = lambda api: client.BatchV1Api(api)
    core = lambda api: client.CoreV1Api(api)
    selector = client.V1LabelSelector(match_labels={"app": name})
    return [
        ("DaemonSet", apps, "daemon_set", client.V1DaemonSet(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1DaemonSetSpec(selector=selector, template=_template(name)))),
        ("ReplicationController", core, "replication_controller", client.V1ReplicationController(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1ReplicationControllerSpec(replicas=0, template=_template(name)))),
        ("Deployment", apps, "deployment", client.V1Deployment(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1DeploymentSpec(replicas=0, selector=selector, template=_template(name)))),
        ("ReplicaSet", apps, "replica_set", client.V1ReplicaSet(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1ReplicaSetSpec(replicas=0, selector=selector, template=_template(name)))),
        ("StatefulSet", apps, "stateful_set", client.V1StatefulSet(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1StatefulSetSpec(replicas=0, service_name=name, selector=selector, template=_template(name)))),
        ("Job", batch, "job", client.V1Job(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1JobSpec(suspend=True, template=_template(name, "Never")))),
        ("CronJob", batch, "cron_job", client.V1CronJob(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1CronJobSpec(schedule="*/5 * * * *", suspend=True, job_template=client.V1JobTemplateSpec(
                spec=client.V1JobSpec(template=_template(name, "OnFailure")))))),
    ]


@pytest.mark.parametrize("kind", ["DaemonSet", "ReplicationController", "Deployment", "ReplicaSet", "StatefulSet",
                                  "Job", "CronJob"])
def test_workload_kinds_round_trip_through_the_validating_models(api, ns, kind):
    name = "wl-" + kind.lower()
    _, group, resource, body = next(w for w in _workloads(name) if w[0] == kind)
    client_api = group(api)
    create = getattr(client_api, "create_namespaced_" + resource)
    read = getattr(client_api, "read_namespaced_" + resource)
    list_ = getattr(client_api, "list_namespaced_" + resource)
    patch = getattr(client_api, "patch_namespaced_" + resource)
    delete = getattr(client_api, "delete_namespaced_" + resource)

    created = create(ns, body)
    assert created.kind == kind and created.metadata.uid
    assert read(name, ns).metadata.name == name
    assert [item.metadata.name for item in list_(ns).items] == [name]
    patched = patch(name, ns, {"metadata": {"labels": {"patched": "yes"}}})
    assert patched.metadata.labels["patched"] == "yes"
    events = []
    stream = watch.Watch()
    for event in stream.stream(list_, ns, timeout_seconds=10):
        events.append((event["type"], event["object"].metadata.name, event["object"].kind))
        stream.stop()
    assert events == [("ADDED", name, kind)]
    if kind == "Job":
        uid = created.metadata.uid
        assert created.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
        assert created.spec.template.metadata.labels["job-name"] == name
    delete(name, ns)
