"""Two `skiff server`s on one etcd: both serve the API, but only the one holding the
kube-system/kube-scheduler Lease schedules (its /metrics counts the attempt, the other's stays at
0); when the leader stops, the other server's scheduler takes the Lease and schedules."""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import Kubectl, LocalEtcd, Server
from test_scheduler import HollowNodes, running_on, wait_for


@pytest.fixture(scope="module")
def pair():
    binary = os.environ.get("SKIFF_BIN") or shutil.which("skiff")
    if not binary or not shutil.which("etcd"):
        pytest.skip("needs SKIFF_BIN and etcd")
    etcd = LocalEtcd()
    servers = []
    try:
        for _ in range(2):
            s = Server(os.path.abspath(binary), "etcd://" + etcd.endpoint)
            s.start()
            servers.append(s)
        yield servers
    finally:
        for s in servers:
            s.stop()
        etcd.stop()


def lease_holder(kubectl):
    out = kubectl.run("get", "lease", "kube-scheduler", "-n", "kube-system", "-o", "json", check=False).stdout
    return (json.loads(out)["spec"].get("holderIdentity") or "") if out else ""


def scheduled_attempts(kubectl):
    metrics = kubectl("get", "--raw", "/metrics")
    m = re.search(r'^scheduler_schedule_attempts_total\{profile="default-scheduler",result="scheduled"\} (\d+)$', metrics, re.M)
    return int(m.group(1)) if m else 0


def stop(server):
    if server.proc and server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def test_one_scheduler_leads_and_the_other_takes_over(pair):
    clients = [Kubectl(s) for s in pair]
    holder = wait_for(lambda: lease_holder(clients[0]), what="a kube-scheduler leader")
    assert lease_holder(clients[1]) == holder  # one store, one Lease
    nodes = HollowNodes(pair[0], 2, "e2e-ha-", "--cpu", "4", "--memory", "8Gi")
    try:
        clients[0]("create", "namespace", "ha")
        clients[0]("run", "one", "-n", "ha", "--image=nginx:1.27", "--restart=Never")
        wait_for(lambda: running_on(clients[0], "ha", "one"), what="one Running")
        def attempts():
            counts = [scheduled_attempts(k) for k in clients]
            return counts if sum(counts) >= 1 else None
        counts = wait_for(attempts, what="the scheduled attempt in a server's metrics")
        # Exactly one of the two schedulers did the work.
        assert sorted(counts) == [0, 1], counts
        leader = counts.index(1)
        survivor = 1 - leader
        events = json.loads(clients[survivor]("get", "events", "-n", "ha", "-o", "json"))["items"]
        assert len([e for e in events if e["reason"] == "Scheduled" and e["involvedObject"]["name"] == "one"]) == 1

        stop(pair[leader])
        if leader == 0:
            # The hollow nodes talked to the stopped server: replace them with ones on the survivor.
            nodes.stop()
            clients[survivor].run("delete", "nodes", "e2e-ha-0", "e2e-ha-1", "--wait=false", check=False)
            nodes = HollowNodes(pair[survivor], 2, "e2e-ha2-", "--cpu", "4", "--memory", "8Gi")
        wait_for(lambda: (h := lease_holder(clients[survivor])) and h != holder, timeout=60,
                 what="the surviving server's scheduler to take the Lease")
        clients[survivor]("run", "two", "-n", "ha", "--image=nginx:1.27", "--restart=Never")
        wait_for(lambda: running_on(clients[survivor], "ha", "two"), timeout=60, what="two Running under the new leader")
        assert scheduled_attempts(clients[survivor]) >= 1
    finally:
        nodes.stop()
