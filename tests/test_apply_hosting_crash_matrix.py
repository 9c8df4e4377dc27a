"""The crash matrix (issue 8): kill a real ``gitops-sm apply --wait`` with SIGKILL after each
mutating API call in turn, rerun to convergence, and check what AWS holds.

Four scenarios: create an endpoint with autoscaling, change an autoscaled variant's instance type
(the detach → update → reattach sequence), a model-only update, and delete (prune) an endpoint with
autoscaling. For kill point *k* the apply process sends itself SIGKILL right after its *k*-th
mutating call returned (a botocore ``after-call`` hook), so nothing after it runs. The matrix of a
scenario ends at the first *k* the process survives (it made fewer calls).

Cheap by construction: one "zygote" process imports gitops-sm once, and each kill point is a
``fork()`` of it running the CLI's ``apply`` (tens of milliseconds instead of a fresh interpreter);
the simulator runs in this process with instant transitions; the rerun is in-process passes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.sandbox import SandboxServer, configure_timing
from gitops_sm.sandbox.persistence import load_state, save_state
from tests.hostingspecs import (
    BLUE,
    ENDPOINT,
    Passes,
    autoscaling_state,
    endpoint_state,
    hosting_names,
    write_hosting,
)
from tests.jobspecs import subprocess_env, write_spec

ZYGOTE = r"""
import json, os, signal, sys
import botocore.session
from gitops_sm.awsclients import ClientFactory
from gitops_sm.cli import main

# Parse the service models once, before forking: every child starts warm.
_warm = ClientFactory(region="us-east-1", max_attempts=1)
for _service in ("sagemaker", "application-autoscaling"):
    _warm.client(_service, region="us-east-1", endpoint_url=None)
_create_client = botocore.session.Session.create_client

for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        made = [0]

        def after_call(model=None, **_):
            if model is not None and not model.name.startswith(("Describe", "List")):
                made[0] += 1
                if made[0] == request["kill_after"]:
                    os.kill(os.getpid(), signal.SIGKILL)

        def create_client(self, *args, **kwargs):
            client = _create_client(self, *args, **kwargs)
            client.meta.events.register("after-call", after_call)
            return client

        botocore.session.Session.create_client = create_client
        try:
            main(request["argv"])
        except SystemExit as exc:
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    print(json.dumps({"killed": killed, "code": code}), flush=True)
"""


class Zygote:
    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=subprocess_env(url), text=True,
        )

    def apply(self, root: Path, *, kill_after: int, prune: bool = False) -> dict[str, Any]:
        argv = ["apply", str(root), "--auto-approve", "--wait", "--poll", "0", "--timeout", "20", "--no-color"]
        if prune:
            argv.append("--prune")
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"argv": argv, "kill_after": kill_after}) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def zygote(sandbox: SandboxServer) -> Iterator[Zygote]:
    forker = Zygote(sandbox.url)
    yield forker
    forker.close()


def converge(passes: Passes) -> None:
    for _ in range(10):
        the_plan, _ = passes.apply()
        pending = [f"{c.address}: {c.reason}" for c in the_plan.resource_changes if c.is_change or c.action.value == "wait"]
        if not pending:
            return
    raise AssertionError(f"no convergence: {pending}")


def run_matrix(
    name: str,
    *,
    sandbox: SandboxServer,
    zygote: Zygote,
    root: Path,
    prepare: Callable[[], None],
    target: Callable[[], None],
    check: Callable[[], None],
    prune: bool = False,
    results: dict[str, int],
) -> None:
    """Every kill point of one scenario; records its number of kill points in ``results``.

    The prepared world is built once and restored from a simulator snapshot for each kill point.
    """
    sandbox.reset()
    configure_timing(job_seconds=0.0, endpoint_seconds=0.0)
    prepare()
    snapshot = root.parent / "prepared.state"
    save_state(snapshot)
    kill_after = 1
    while True:
        sandbox.reset()  # also the timing: make it instant again
        configure_timing(job_seconds=0.0, endpoint_seconds=0.0)
        assert load_state(snapshot)
        target()
        outcome = zygote.apply(root, kill_after=kill_after, prune=prune)
        if not outcome["killed"]:
            assert outcome["code"] == 0, f"{name}: apply --wait exited {outcome['code']} without a kill"
            check()  # the uninterrupted run converges too
            break
        converge(Passes(root, prune=prune))
        try:
            check()
        except AssertionError as exc:
            raise AssertionError(f"{name}: killed after mutating call {kill_after}: {exc}") from exc
        kill_after += 1
    results[name] = kill_after - 1
    assert kill_after > 3, f"{name}: the matrix is too small to mean anything ({kill_after - 1})"


def test_every_kill_point_of_the_four_hosting_scenarios_converges(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], zygote: Zygote
) -> None:
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    root = tmp_path / "specs"
    results: dict[str, int] = {}

    def fresh() -> None:
        write_hosting(root)

    def applied() -> None:
        write_hosting(root)
        converge(Passes(root))

    def desired(**hosting: Any) -> dict[str, list[str]]:
        from gitops_sm.specs import load_specs

        write_hosting(root, **hosting)
        hd = next(r for r in load_specs(root).resources if r.kind.value == "HostingDeployment")
        return {"configs": [hd.names["endpoint_config"]],
                "models": sorted(v for k, v in hd.names.items() if k.startswith("model:"))}

    def serving(**hosting: Any) -> Callable[[], None]:
        want = desired(**hosting)

        def check() -> None:
            state = endpoint_state(sm)
            assert (state["status"], [state["config"]]) == ("InService", want["configs"])
            names = hosting_names(sm)
            assert names == {"endpoints": [ENDPOINT], **want}, names  # no orphaned config or model
            assert autoscaling_state(aas) == {  # each target and policy exactly once
                "targets": [(BLUE, 1, 6)], "policies": [(BLUE, "SageMakerEndpointInvocationScalingPolicy")]}

        return check

    run_matrix("create endpoint with HAP", sandbox=aws_env, zygote=zygote, root=root,
               prepare=lambda: None, target=fresh, check=serving(), results=results)
    run_matrix("instance-type update with HAP", sandbox=aws_env, zygote=zygote, root=root,
               prepare=applied, target=lambda: write_hosting(root, blue_type="ml.c5.2xlarge"),
               check=serving(blue_type="ml.c5.2xlarge"), results=results)
    green2 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/green:2"
    run_matrix("model-only update", sandbox=aws_env, zygote=zygote, root=root,
               prepare=applied, target=lambda: write_hosting(root, green_image=green2),
               check=serving(green_image=green2), results=results)

    def removed() -> None:
        for name in ("hosting.yaml", "autoscaling.yaml"):
            (root / name).unlink(missing_ok=True)
        write_spec(root, "other.yaml", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})

    def nothing_left() -> None:
        assert hosting_names(sm) == {"endpoints": [], "configs": [], "models": []}
        assert autoscaling_state(aas) == {"targets": [], "policies": []}

    run_matrix("delete endpoint with HAP (--prune)", sandbox=aws_env, zygote=zygote, root=root,
               prepare=applied, target=removed, check=nothing_left, prune=True, results=results)

    print("crash matrix (kill points per scenario):", results, "total", sum(results.values()))
