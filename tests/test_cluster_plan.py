"""plan, apply and status against the seeded fake cluster: an in-cluster CR's endpoint is never touched.

A spec in git wants to update the endpoint a HostingDeployment CR manages (the endpoint even
carries our tags, as after a half-done hand migration): the plan is an error naming the CR, apply
makes no call, and status shows the CR's own view beside ours. Without a cluster the same plan
says so once and goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_sm import kinds
from gitops_sm.sandbox import SandboxServer
from tests.clusterseed import HAVE_CONFORMANCE, REGION, SKIP_REASON, V1_SAMPLES, mutating, sample, seed
from tests.jobspecs import invoke_cli
from tests.kubeapi import FakeKubeApi

pytestmark = pytest.mark.skipif(not HAVE_CONFORMANCE, reason=SKIP_REASON)
ADDRESS = "HostingDeployment/fraud/scorer-in-git"


def _spec_for_endpoint(root: Path, endpoint: str) -> Path:
    hd = sample(V1_SAMPLES / "samples__xgboost-mnist-hostingdeployment.yaml")
    hd["metadata"] = {"name": "scorer-in-git", "namespace": "fraud"}
    hd["spec"].update(region=REGION, endpointName=endpoint)
    hd["spec"]["models"][0]["containers"][0]["modelDataUrl"] = "s3://my-bucket/xgboost/model-v2.tar.gz"  # a new model
    root.mkdir(parents=True, exist_ok=True)
    (root / "scorer.yaml").write_text(yaml.safe_dump(hd), encoding="utf-8")
    return root


def _tag_as_ours(sm: Any, endpoint: str) -> None:
    arn = sm.describe_endpoint(EndpointName=endpoint)["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE},
                                       {"Key": kinds.TAG_ADDRESS, "Value": ADDRESS},
                                       {"Key": kinds.TAG_SPEC_HASH, "Value": "0000000000000000"}])


def test_plan_refuses_to_update_an_endpoint_a_hosting_deployment_cr_manages_and_apply_calls_nothing(
    kube_api: FakeKubeApi, kubeconfig: Path, boto_client: Callable[..., Any], aws_env: SandboxServer, tmp_path: Path
) -> None:
    seeded = seed(kube_api, boto_client)
    _tag_as_ours(boto_client("sagemaker"), seeded.endpoint)
    root = _spec_for_endpoint(tmp_path / "specs", seeded.endpoint)
    aws_env.clear_requests()

    result = invoke_cli("plan", str(root), "--no-color")
    print(result.output)
    assert result.exit_code == 1
    assert "managed in-cluster by HostingDeployment/fraud/fraud-scorer" in result.output
    assert "run `gitops-sm migrate --from-cluster` or remove the CR" in result.output

    applied = invoke_cli("apply", str(root), "--auto-approve", "--no-color")
    assert applied.exit_code == 1, applied.output
    assert mutating([r.operation for r in aws_env.requests]) == []
    assert [r.operation for r in aws_env.requests if r.operation == "AddTags"] == []

    # --cluster-namespaces elsewhere: the CR is not read, and the update is planned.
    other = invoke_cli("plan", str(root), "--no-color", "--cluster-namespaces", "elsewhere")
    assert other.exit_code == 0 and "UpdateEndpoint" in invoke_cli(
        "plan", str(root), "-v", "--no-color", "--cluster-namespaces", "elsewhere").output


def test_status_shows_the_cr_beside_our_view(
    kube_api: FakeKubeApi, kubeconfig: Path, boto_client: Callable[..., Any], tmp_path: Path
) -> None:
    seeded = seed(kube_api, boto_client)
    root = _spec_for_endpoint(tmp_path / "specs", seeded.endpoint)
    result = invoke_cli("status", str(root), "--output", "text", "--no-color")
    print(result.output)
    assert "managed in-cluster by HostingDeployment/fraud/fraud-scorer (InService)" in result.output
    as_json = invoke_cli("status", str(root), "--output", "json")
    import json

    (row,) = json.loads(as_json.stdout)["resources"]
    assert row["in_cluster"] == {"managed_by": "HostingDeployment/fraud/fraud-scorer",
                                 "api_version": "sagemaker.aws.amazon.com/v1", "state": "InService", "message": None}


def test_without_a_cluster_plan_says_so_once_and_goes_on(aws_env: SandboxServer, tmp_path: Path) -> None:
    root = _spec_for_endpoint(tmp_path / "specs", "some-endpoint")
    result = invoke_cli("plan", str(root), "--no-color")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("no Kubernetes cluster configured") == 1
    assert "cluster CR state is not read" in result.stderr
    quiet = invoke_cli("plan", str(root), "--no-color", "--no-cluster")
    assert "no Kubernetes cluster" not in quiet.stderr
