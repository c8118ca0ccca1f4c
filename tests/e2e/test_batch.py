"""Jobs and CronJobs on `skiff server` with hollow nodes: the hollow kubelet finishes a pod's
containers after `hollow.skiff.dev/exit-after` with `hollow.skiff.dev/exit-code` (docs/hollow-nodes.md),
so a Job completes, fails past its backoffLimit, runs Indexed pods, is cleaned up by its TTL,
and a `* * * * *` CronJob fires within its minute; `kubectl create job --from=cronjob/x` works."""
import json

import pytest

from test_scheduler import HollowNodes, wait_for


@pytest.fixture(scope="module")
def batch_nodes(server, kubectl):
    nodes = HollowNodes(server, 2, "e2e-batch-", "--cpu", "8", "--memory", "16Gi")
    yield nodes
    nodes.stop()
    kubectl.run("delete", "nodes", "-l", "hollow.skiff.dev/node=true", "--wait=false", check=False)


def job_manifest(namespace, name, exit_code=0, extra_spec="", completions=1, parallelism=1):
    return f"""
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  namespace: {namespace}
spec:
  completions: {completions}
  parallelism: {parallelism}
{extra_spec}  template:
    metadata:
      annotations:
        hollow.skiff.dev/exit-after: 1s
        hollow.skiff.dev/exit-code: "{exit_code}"
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox:1.36
        command: ["sh", "-c", "exit {exit_code}"]
"""


def get(kubectl, namespace, kind, name):
    return json.loads(kubectl("get", kind, name, "-n", namespace, "-o", "json"))


def condition(obj, type_):
    return next((c for c in obj.get("status", {}).get("conditions", []) if c["type"] == type_ and c["status"] == "True"), None)


def job_pods(kubectl, namespace, name):
    return json.loads(kubectl("get", "pods", "-n", namespace, "-l", f"batch.kubernetes.io/job-name={name}", "-o", "json"))["items"]


def test_job_runs_to_completion_and_lets_go_of_its_pods(kubectl, namespace, batch_nodes):
    kubectl("apply", "-f", "-", input=job_manifest(namespace, "ok", completions=3, parallelism=2))
    kubectl("wait", "--for=condition=complete", "job/ok", "-n", namespace, "--timeout=90s", timeout=100)
    job = get(kubectl, namespace, "job", "ok")
    status = job["status"]
    assert status["succeeded"] == 3
    assert status.get("failed", 0) == 0 and status.get("active", 0) == 0
    assert status["startTime"] and status["completionTime"]
    assert condition(job, "SuccessCriteriaMet")["reason"] == "CompletionsReached"
    assert condition(job, "Complete")["reason"] == "CompletionsReached"
    assert status.get("uncountedTerminatedPods", {}) == {}
    pods = job_pods(kubectl, namespace, "ok")
    assert len(pods) == 3
    for p in pods:
        assert p["status"]["phase"] == "Succeeded"
        assert "batch.kubernetes.io/job-tracking" not in p["metadata"].get("finalizers", [])
        assert p["metadata"]["ownerReferences"][0]["kind"] == "Job"
    table = kubectl("get", "job", "ok", "-n", namespace)
    assert "3/3" in table and "Complete" in table
    events = kubectl("get", "events", "-n", namespace, "--field-selector", "involvedObject.name=ok")
    assert "SuccessfulCreate" in events and "Completed" in events


def test_job_fails_past_its_backoff_limit(kubectl, namespace, batch_nodes):
    kubectl("apply", "-f", "-", input=job_manifest(namespace, "bad", exit_code=3, extra_spec="  backoffLimit: 1\n"))
    # The second pod waits out the 10 s back-off.
    kubectl("wait", "--for=condition=failed", "job/bad", "-n", namespace, "--timeout=90s", timeout=100)
    job = get(kubectl, namespace, "job", "bad")
    assert job["status"]["failed"] == 2
    assert condition(job, "Failed")["reason"] == "BackoffLimitExceeded"
    assert condition(job, "Failed")["message"] == "Job has reached the specified backoff limit"
    assert condition(job, "FailureTarget")["reason"] == "BackoffLimitExceeded"
    pods = job_pods(kubectl, namespace, "bad")
    assert len(pods) == 2 and all(p["status"]["phase"] == "Failed" for p in pods)


def test_indexed_job_gives_each_pod_its_completion_index(kubectl, namespace, batch_nodes):
    kubectl("apply", "-f", "-", input=job_manifest(namespace, "idx", completions=3, parallelism=3,
                                                   extra_spec="  completionMode: Indexed\n"))
    kubectl("wait", "--for=condition=complete", "job/idx", "-n", namespace, "--timeout=90s", timeout=100)
    job = get(kubectl, namespace, "job", "idx")
    assert job["status"]["completedIndexes"] == "0-2"
    assert job["status"]["succeeded"] == 3
    pods = job_pods(kubectl, namespace, "idx")
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in pods)
    assert indexes == ["0", "1", "2"]
    for p in pods:
        index = p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        assert p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == index
        assert p["metadata"]["name"].startswith(f"idx-{index}-")
        assert p["spec"]["hostname"] == f"idx-{index}"
        env = {e["name"]: e for e in p["spec"]["containers"][0].get("env", [])}
        assert env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == \
            "metadata.annotations['batch.kubernetes.io/job-completion-index']"


def test_finished_job_is_deleted_after_its_ttl(kubectl, namespace, batch_nodes):
    kubectl("apply", "-f", "-", input=job_manifest(namespace, "ttl", extra_spec="  ttlSecondsAfterFinished: 2\n"))
    wait_for(lambda: kubectl.run("get", "job", "ttl", "-n", namespace, check=False).returncode != 0,
             timeout=90, what="the Job deleted by its TTL")
    wait_for(lambda: not job_pods(kubectl, namespace, "ttl"), timeout=60, what="the Job's pods deleted")


def test_cronjob_fires_within_its_minute_and_create_job_from_cronjob_works(kubectl, namespace, batch_nodes):
    manifest = f"""
apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
  namespace: {namespace}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            hollow.skiff.dev/exit-after: 1s
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox:1.36
"""
    kubectl("apply", "-f", "-", input=manifest)
    cj = get(kubectl, namespace, "cronjob", "tick")
    uid = cj["metadata"]["uid"]

    def scheduled_job():
        jobs = json.loads(kubectl("get", "jobs", "-n", namespace, "-o", "json"))["items"]
        return [j for j in jobs if any(r.get("uid") == uid and r.get("controller") for r in j["metadata"].get("ownerReferences", []))]

    jobs = wait_for(scheduled_job, timeout=90, what="a Job from the CronJob")
    job = jobs[0]
    minutes = int(job["metadata"]["name"].rsplit("-", 1)[1])
    stamp = job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert stamp.endswith(":00Z")
    cj = wait_for(lambda: (c := get(kubectl, namespace, "cronjob", "tick"))["status"].get("lastScheduleTime") and c,
                  what="lastScheduleTime")
    assert cj["status"]["lastScheduleTime"] == stamp
    import datetime
    assert int(datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()) // 60 == minutes
    kubectl("wait", "--for=condition=complete", f"job/{job['metadata']['name']}", "-n", namespace, "--timeout=60s", timeout=70)
    wait_for(lambda: get(kubectl, namespace, "cronjob", "tick")["status"].get("lastSuccessfulTime"), what="lastSuccessfulTime")

    kubectl("create", "job", "--from=cronjob/tick", "by-hand", "-n", namespace)
    manual = get(kubectl, namespace, "job", "by-hand")
    assert manual["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert manual["metadata"]["ownerReferences"][0]["uid"] == uid
    kubectl("wait", "--for=condition=complete", "job/by-hand", "-n", namespace, "--timeout=60s", timeout=70)
    kubectl("patch", "cronjob", "tick", "-n", namespace, "-p", '{"spec":{"suspend":true}}')
