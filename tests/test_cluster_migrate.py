"""`gitops-sm migrate --from-cluster`: operator CRs become specs in git and their AWS resources ours.

Against the seeded fake cluster and the simulator (tests/clusterseed.py), through the CLI in
this process: ``--dry-run`` changes nothing; ``migrate`` writes specs that validate, adds our tags,
removes the v1 finalizers / sets ACK's retain policy, deletes the CRs, and makes no SageMaker or
autoscaling create/update/delete call; the written repo then plans as a no-op and a rerun does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm import kinds
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.clusterseed import HAVE_CONFORMANCE, SKIP_REASON, mutating, seed
from tests.jobspecs import invoke_cli
from tests.kubeapi import FakeKubeApi

pytestmark = pytest.mark.skipif(not HAVE_CONFORMANCE, reason=SKIP_REASON)

V1 = "sagemaker.aws.amazon.com/v1"
ACK = "sagemaker.services.k8s.aws/v1alpha1"
AAS = "applicationautoscaling.services.k8s.aws/v1alpha1"


def _tags(sm: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


def test_migrate_dry_run_then_migrate_then_plan_is_a_no_op(
    kube_api: FakeKubeApi, kubeconfig: Path, boto_client: Callable[..., Any], aws_env: SandboxServer, tmp_path: Path
) -> None:
    seeded = seed(kube_api, boto_client)
    repo = tmp_path / "repo"
    aws_env.clear_requests()
    before = {(o["kind"], o["metadata"]["name"]): o["metadata"]["resourceVersion"]
              for k in (("TrainingJob", V1), ("HostingDeployment", V1)) for o in kube_api.objects_of(api_version=k[1], kind=k[0])}

    dry = invoke_cli("migrate", "--from-cluster", "--to", str(repo), "--dry-run")
    print(dry.output)
    assert dry.exit_code == 0, dry.output
    assert "would remove finalizer sagemaker-operator-finalizer on HostingDeployment/fraud/fraud-scorer" in dry.output
    assert "would annotate services.k8s.aws/deletion-policy: retain on Endpoint/search/ack-endpoint" in dry.output
    assert "Migrate (dry run)" in dry.output and "5 would migrate" in dry.output
    assert not repo.exists() and kube_api.writes() == []
    assert mutating([r.operation for r in aws_env.requests]) == []
    assert [r.operation for r in aws_env.requests if r.operation in ("AddTags", "TagResource")] == []
    assert before  # the CRs are untouched

    done = invoke_cli("migrate", "--from-cluster", "--to", str(repo))
    print(done.output)
    assert done.exit_code == 0, done.output
    assert "5 migrated" in done.output
    operations = [r.operation for r in aws_env.requests]
    assert mutating(operations) == [], operations
    # Specs written, in their dialect, that validate; the operator's generated names are explicit.
    loaded = load_specs(repo)
    assert loaded.issues == ()
    by_address = {str(r.address): r for r in loaded.resources}
    assert set(by_address) == {"TrainingJob/default/xgboost-mnist", "HostingDeployment/fraud/fraud-scorer",
                               "HostingAutoscalingPolicy/fraud/fraud-scorer-hap", "Endpoint/search/ack-endpoint",
                               "ScalingPolicy/search/ack-endpoint-policy"}
    assert by_address["TrainingJob/default/xgboost-mnist"].names["job"] == seeded.job
    hd = by_address["HostingDeployment/fraud/fraud-scorer"]
    assert (hd.names["endpoint"], hd.names["endpoint_config"], hd.names["model:xgboost-model"]) == (
        seeded.endpoint, seeded.endpoint_config, seeded.model)
    written = (repo / "fraud" / "HostingDeployment-fraud-scorer.yaml").read_text(encoding="utf-8")
    assert "resourceVersion" not in written and "uid" not in written and "status" not in written
    # Our tags on every SageMaker resource, with the written spec's hash.
    sm = boto_client("sagemaker")
    for name, describe, arn_key in (
        (seeded.job, "describe_training_job", "TrainingJobArn"),
        (seeded.endpoint, "describe_endpoint", "EndpointArn"),
        (seeded.endpoint_config, "describe_endpoint_config", "EndpointConfigArn"),
        (seeded.model, "describe_model", "ModelArn"),
    ):
        kwargs = {{"describe_training_job": "TrainingJobName", "describe_endpoint": "EndpointName",
                   "describe_endpoint_config": "EndpointConfigName", "describe_model": "ModelName"}[describe]: name}
        tags = _tags(sm, getattr(sm, describe)(**kwargs)[arn_key])
        assert tags[kinds.TAG_MANAGED_BY] == kinds.TAG_MANAGED_BY_VALUE, name
    endpoint_tags = _tags(sm, sm.describe_endpoint(EndpointName=seeded.endpoint)["EndpointArn"])
    assert endpoint_tags[kinds.TAG_ADDRESS] == "HostingDeployment/fraud/fraud-scorer"
    assert endpoint_tags[kinds.TAG_SPEC_HASH] == hd.spec_hash
    # The v1 CRs are gone (finalizer removed first, so the operator deleted nothing); the ACK ones
    # carry the retain policy and wait for their controller to drop its finalizer.
    assert kube_api.objects_of(api_version=V1, kind="HostingDeployment") == []
    assert kube_api.objects_of(api_version=V1, kind="TrainingJob") == []
    finalizer_patches = [r for r in kube_api.writes() if r.method == "PATCH" and isinstance(r.body, list)]
    assert len(finalizer_patches) == 3 and all(r.content_type.startswith("application/json-patch+json")
                                               for r in finalizer_patches)
    (ack,) = kube_api.objects_of(api_version=ACK, kind="Endpoint")
    assert ack["metadata"]["annotations"]["services.k8s.aws/deletion-policy"] == "retain"
    assert ack["metadata"]["deletionTimestamp"]

    # The written repo plans as a no-op against the same cluster and SageMaker.
    plan = invoke_cli("plan", str(repo), "--detailed-exitcode", "--output", "json")
    assert plan.exit_code == 0, plan.output
    changes = json.loads(plan.stdout)["resource_changes"]
    assert {c["address"]: c["actions"] for c in changes} == {a: ["no-op"] for a in by_address}

    # A second run finds nothing left to do.
    aws_env.clear_requests()
    writes = len(kube_api.writes())
    again = invoke_cli("migrate", "--from-cluster", "--to", str(repo))
    assert again.exit_code == 0, again.output
    assert "2 skipped" in again.output and "migrated" not in again.output.split("Migrate")[-1]
    assert len(kube_api.writes()) == writes
    assert [r.operation for r in aws_env.requests if r.operation in ("AddTags", "TagResource")] == []


def test_a_cr_whose_spec_is_not_what_runs_is_refused_and_left_with_its_operator(
    kube_api: FakeKubeApi, kubeconfig: Path, boto_client: Callable[..., Any], aws_env: SandboxServer, tmp_path: Path
) -> None:
    seed(kube_api, boto_client)
    hap_path = "/apis/sagemaker.aws.amazon.com/v1/namespaces/fraud/hostingautoscalingpolicies/fraud-scorer-hap"
    (hap,) = kube_api.objects_of(api_version=V1, kind="HostingAutoscalingPolicy")
    hap["spec"]["maxCapacity"] = 5  # edited in the cluster; the operator has not applied it yet
    with kube_api.lock:
        kube_api.objects[("sagemaker.aws.amazon.com", "hostingautoscalingpolicies", "fraud", "fraud-scorer-hap")] = hap
    repo = tmp_path / "repo"
    aws_env.clear_requests()
    result = invoke_cli("migrate", "--from-cluster", "--to", str(repo), "--namespace", "fraud")
    print(result.output)
    assert result.exit_code == 1
    assert "HostingAutoscalingPolicy/fraud/fraud-scorer-hap (sagemaker.aws.amazon.com/v1)\n  refused: the written spec " \
           "would update in SageMaker (update scalable target" in result.output
    assert "1 migrated, 1 refused" in result.output  # the HostingDeployment; --namespace fraud leaves the rest
    (kept,) = kube_api.objects_of(api_version=V1, kind="HostingAutoscalingPolicy")
    assert kept["metadata"]["finalizers"] == ["sagemaker-operator-finalizer"]
    assert not (repo / "fraud" / "HostingAutoscalingPolicy-fraud-scorer-hap.yaml").exists()
    assert [r for r in kube_api.writes() if r.path == hap_path] == []
    assert mutating([r.operation for r in aws_env.requests]) == []
    assert len(kube_api.objects_of(api_version=V1, kind="TrainingJob")) == 1  # other namespace: not touched
