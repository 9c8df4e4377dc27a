"""A saved plan survives the autoscaler: `apply PLANFILE` of a plan made before an autoscaled
variant changed its instance count still applies (the autoscaler owns that count; nothing the plan
does depends on it), while a change that does alter the plan still makes it stale."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from tests.jobspecs import REGION, Dialect, job_manifest, run_cli, write_spec
from tests.manifests import hosting_autoscaling_policy, hosting_deployment, write_spec_files


def test_an_autoscaler_scaling_between_plan_and_apply_does_not_make_the_plan_stale(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(tmp_path / "specs", {
        "hosting.yaml": hosting_deployment("scoring", region=REGION),
        "hap.yaml": hosting_autoscaling_policy("scoring-hap", endpoint="scoring", region=REGION),
    })  # fmt: skip
    assert run_cli("apply", root, "--auto-approve", "--wait", "--poll", "1").exit_code == 0
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    out = tmp_path / "plan.json"
    planned = run_cli("plan", root, "--out", out)
    assert planned.exit_code == 0, planned.output
    assert [c["actions"] for c in json.loads(out.read_text())["resource_changes"] if c["steps"]] == [["create"]]

    # The autoscaler scales the variant out (what Application Auto Scaling calls on SageMaker).
    sm = boto_client("sagemaker")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="scoring", DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 2}])
    variants = sm.describe_endpoint(EndpointName="scoring")["ProductionVariants"]
    assert variants[0]["CurrentInstanceCount"] == 2 or variants[0].get("DesiredInstanceCount") == 2

    applied = run_cli("apply", out)

    assert applied.exit_code == 0, applied.output
    assert "CreateTrainingJob" in applied.output

    # A change the plan does depend on still refuses it: autoscaling removed by hand.
    again = tmp_path / "again.json"
    assert run_cli("plan", root, "--out", again).exit_code == 0
    aas = boto_client("application-autoscaling")
    for policy in aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]:
        aas.delete_scaling_policy(ServiceNamespace="sagemaker", PolicyName=policy["PolicyName"],
                                  ResourceId=policy["ResourceId"], ScalableDimension=policy["ScalableDimension"])
    aas.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/scoring/variant/AllTraffic",
                                   ScalableDimension="sagemaker:variant:DesiredInstanceCount")

    refused = run_cli("apply", again)

    assert refused.exit_code == 1, refused.output
    assert "plan again" in refused.output
