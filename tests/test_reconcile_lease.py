"""The reconcile Lease (``gitops_sm.kube.LeaseLock``) over real HTTP against the fake API server:
one holder at a time, take-over only when released or expired, renewals, and two concurrent
``gitops-sm reconcile`` processes of which exactly one acts."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gitops_sm import app, kube
from gitops_sm.errors import LeaseLostError
from gitops_sm.kube import LeaseLock
from gitops_sm.reconcile import PassEvent, lease_name, pass_lock
from gitops_sm.sandbox import SandboxServer
from tests.gitrepos import branch_log, make_remote, run_pass
from tests.jobspecs import subprocess_env
from tests.kubeapi import FakeKubeApi
from tests.manifests import valid_training_job

LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


def _lock(holder: str, clock: Clock, name: str = "gitops-sm-x") -> LeaseLock:
    cluster = kube.connect(kube.KubeSettings())
    assert isinstance(cluster, kube.Cluster)
    return LeaseLock(cluster=cluster, name=name, namespace="default", holder=holder, duration_seconds=60, clock=clock)


def _lease(kube_api: FakeKubeApi, name: str = "gitops-sm-x") -> dict:  # type: ignore[type-arg]
    found = kube_api.object(api_version="coordination.k8s.io/v1", kind="Lease", namespace="default", name=name)
    assert found is not None
    return found


def test_one_holder_at_a_time_and_take_over_only_when_released_or_expired(kube_api: FakeKubeApi, kubeconfig: Path) -> None:
    clock = Clock()
    first, second = _lock("pass-1", clock), _lock("pass-2", clock)

    assert first.acquire()
    assert not second.acquire()
    assert second.held_by == "pass-1" and "held by pass-1" in second.description
    assert _lease(kube_api)["spec"]["holderIdentity"] == "pass-1"

    first.release()
    assert second.acquire()
    spec = _lease(kube_api)["spec"]
    assert (spec["holderIdentity"], spec["leaseTransitions"]) == ("pass-2", 1)

    third = _lock("pass-3", clock)
    clock.now += dt.timedelta(seconds=59)
    assert not third.acquire()  # still live
    clock.now += dt.timedelta(seconds=2)
    assert third.acquire()  # pass-2 stopped renewing: expired
    with pytest.raises(LeaseLostError, match="pass-3"):
        second.renew()


def test_renewal_every_third_of_the_duration(kube_api: FakeKubeApi, kubeconfig: Path) -> None:
    clock = Clock()
    lock = _lock("pass-1", clock)
    assert lock.acquire()
    puts = lambda: [r for r in kube_api.writes() if r.method == "PUT"]  # noqa: E731
    clock.now += dt.timedelta(seconds=19)
    lock.renew_if_due()
    assert puts() == []
    clock.now += dt.timedelta(seconds=2)
    lock.renew_if_due()
    assert len(puts()) == 1
    assert _lease(kube_api)["spec"]["renewTime"].startswith("2026-12-01T12:00:21")


def test_two_take_overs_racing_for_an_expired_lease_have_one_winner(kube_api: FakeKubeApi, kubeconfig: Path) -> None:
    clock = Clock()
    assert _lock("dead-pass", clock).acquire()
    clock.now += dt.timedelta(minutes=5)
    slow, fast = _lock("slow", clock), _lock("fast", clock)
    hold = kube_api.hold(method="PUT", path=f"{LEASES}/gitops-sm-x")
    outcome: dict[str, bool] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("slow", slow.acquire()))
    thread.start()
    assert hold.reached.wait(10)  # slow read the expired Lease and is writing its take-over
    outcome["fast"] = fast.acquire()
    hold.release()
    thread.join(10)
    assert outcome == {"fast": True, "slow": False}
    assert _lease(kube_api)["spec"]["holderIdentity"] == "fast"


def test_without_a_cluster_the_pass_says_so_once_and_goes_on(aws_env: SandboxServer, tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"a/train.yaml": valid_training_job("t", region="us-east-1")})
    events: list[PassEvent] = []
    from gitops_sm.reconcile import ReconcileOptions

    lock = pass_lock(cluster=app.connect_cluster(app.Settings()), options=ReconcileOptions(repo=str(bare)),
                     namespace=None, duration_seconds=60, emit=events.append)
    assert lock is None
    assert [e.outcome for e in events] == ["no-cluster"]
    assert "concurrencyPolicy: Forbid" in events[0].message
    result, _, _ = run_pass(bare)
    assert result.pushed


def test_two_concurrent_reconcile_processes_exactly_one_acts(
    aws_env: SandboxServer, kube_api: FakeKubeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    bare = make_remote(tmp_path, {"a/train.yaml": valid_training_job("t", region="us-east-1")})
    name = lease_name(repo=str(bare), branch="main", path="")
    release = kube_api.hold(method="PUT", path=f"{LEASES}/{name}")  # the winner's release waits here
    env = subprocess_env(aws_env.url, KUBECONFIG=str(kubeconfig))
    command = [sys.executable, "-c", "from gitops_sm.cli import main; main()", "reconcile", "--repo", str(bare)]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        assert release.reached.wait(60), "no pass got as far as releasing the Lease"
        # The winner is parked in its release; the other has finished by now or finishes while it is.
        finished: list[subprocess.Popen[str]] = []
        for _ in range(1200):  # up to a minute: the parked winner cannot finish, the loser must
            finished = [p for p in procs if p.poll() is not None]
            if finished:
                break
            threading.Event().wait(0.05)
        assert len(finished) == 1
        loser = finished[0]
        loser_out, _ = loser.communicate(timeout=60)
    finally:
        release.release()
    winner = next(p for p in procs if p is not loser)
    winner_out, winner_err = winner.communicate(timeout=60)

    assert loser.returncode == 0 and winner.returncode == 0, winner_err
    loser_events = [json.loads(line) for line in loser_out.splitlines()]
    winner_events = [json.loads(line) for line in winner_out.splitlines()]
    assert [e["event"] for e in loser_events] == ["lock"]
    assert loser_events[0]["outcome"] == "held" and "another pass holds the lock" in loser_events[0]["message"]
    assert winner_events[0]["outcome"] == "acquired"
    assert [e["outcome"] for e in winner_events if e["event"] == "step"] == ["done"]  # one CreateTrainingJob
    assert len(branch_log(bare)) == 2  # exactly one status commit
    assert _lease(kube_api, name)["spec"].get("holderIdentity") is None  # released at the end
