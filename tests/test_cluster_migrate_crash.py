"""A `gitops-sm migrate --from-cluster` process killed half-way, then rerun, converges.

The kill is real and deterministic: the fake API server parks the request that removes the
HostingDeployment's finalizer *after* applying it (the worst moment: finalizer gone, CR not yet
deleted), the test SIGKILLs the migrate process while it waits for the answer, then releases the
request. Every CR is then either fully operator-managed (CR alive, plan refuses its resources) or
fully ours (spec written, tags on, CR gone or released); the rerun finishes and the repo plans as a no-op.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.sandbox import SandboxServer
from tests.clusterseed import HAVE_CONFORMANCE, SKIP_REASON, mutating, seed
from tests.jobspecs import invoke_cli, subprocess_env
from tests.kubeapi import FakeKubeApi

pytestmark = pytest.mark.skipif(not HAVE_CONFORMANCE, reason=SKIP_REASON)
HD_PATH = "/apis/sagemaker.aws.amazon.com/v1/namespaces/fraud/hostingdeployments/fraud-scorer"


def test_killed_mid_migrate_then_rerun_converges(
    kube_api: FakeKubeApi, kubeconfig: Path, boto_client: Callable[..., Any], aws_env: SandboxServer, tmp_path: Path
) -> None:
    seeded = seed(kube_api, boto_client)
    repo = tmp_path / "repo"
    hold = kube_api.hold(method="PATCH", path=HD_PATH, apply_first=True)
    env = subprocess_env(aws_env.url, KUBECONFIG=str(kubeconfig))
    proc = subprocess.Popen(
        [sys.executable, "-c", "from gitops_sm.cli import main; main()", "migrate", "--from-cluster", "--to", str(repo)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert hold.reached.wait(timeout=60), "migrate never reached the finalizer removal"
        proc.kill()
        out, err = proc.communicate(timeout=30)
    finally:
        hold.release()
    assert proc.returncode == -9, (out, err)

    # Half-way: the HostingDeployment's CR is alive (without its finalizer), so it is still the
    # operator's: a plan of the repo refuses to touch its endpoint. Nothing was neither.
    (hd,) = kube_api.objects_of(api_version="sagemaker.aws.amazon.com/v1", kind="HostingDeployment")
    assert hd["metadata"].get("finalizers", []) == [] and not hd["metadata"].get("deletionTimestamp")
    half = invoke_cli("plan", str(repo), "--output", "json")
    changes = {c["address"]: c for c in json.loads(half.stdout)["resource_changes"]}
    assert changes["HostingDeployment/fraud/fraud-scorer"]["actions"] == ["error"]
    assert "managed in-cluster by HostingDeployment/fraud/fraud-scorer" in changes["HostingDeployment/fraud/fraud-scorer"]["reason"]
    assert all(c["steps"] == [] for c in changes.values())
    assert "TrainingJob/default/xgboost-mnist" not in changes  # not reached yet: still only a CR

    aws_env.clear_requests()
    rerun = invoke_cli("migrate", "--from-cluster", "--to", str(repo))
    assert rerun.exit_code == 0, rerun.output
    assert mutating([r.operation for r in aws_env.requests]) == []
    assert kube_api.objects_of(api_version="sagemaker.aws.amazon.com/v1", kind="HostingDeployment") == []
    assert kube_api.objects_of(api_version="sagemaker.aws.amazon.com/v1", kind="TrainingJob") == []
    final = invoke_cli("plan", str(repo), "--detailed-exitcode", "--output", "json")
    assert final.exit_code == 0, final.output
    assert {c["address"]: c["actions"] for c in json.loads(final.stdout)["resource_changes"]} == {
        a: ["no-op"] for a in ("TrainingJob/default/xgboost-mnist", "HostingDeployment/fraud/fraud-scorer",
                               "HostingAutoscalingPolicy/fraud/fraud-scorer-hap", "Endpoint/search/ack-endpoint",
                               "ScalingPolicy/search/ack-endpoint-policy")}
    assert seeded.endpoint in (repo / "fraud" / "HostingDeployment-fraud-scorer.yaml").read_text(encoding="utf-8")
