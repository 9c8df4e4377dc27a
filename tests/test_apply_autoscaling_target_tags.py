"""Scalable targets an older gitops-sm registered without tags get ours (issue 8 scope 4), over HTTP.

Against the simulator: a target on an endpoint gitops-sm manages, registered without tags, is
tagged by one Application Auto Scaling ``TagResource`` step, after which the plan is a no-op; a
target tagged for another address is a conflict and nothing is called on it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_sm import kinds
from gitops_sm.model import Action
from gitops_sm.sandbox import SandboxServer
from tests.hostingspecs import BLUE, HAP, Passes, change_of, write_hosting

DIMENSION = "sagemaker:variant:DesiredInstanceCount"


def converge(passes: Passes, sandbox: SandboxServer) -> None:
    for _ in range(6):
        the_plan, _ = passes.apply()
        if not the_plan.has_changes and not any(Action.WAIT in c.actions for c in the_plan.resource_changes):
            return
        sandbox.advance_clock(61)
    raise AssertionError("did not converge")


def target_tags(aas: Any) -> dict[str, str]:
    (target,) = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[BLUE])["ScalableTargets"]
    return dict(aas.list_tags_for_resource(ResourceARN=target["ScalableTargetARN"])["Tags"])


def register_untagged(aas: Any) -> None:
    """What a gitops-sm from before tagging at registration left: the same target and policy, no tags."""
    (policy,) = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=BLUE)["ScalingPolicies"]
    aas.delete_scaling_policy(PolicyName=policy["PolicyName"], ServiceNamespace="sagemaker", ResourceId=BLUE,
                              ScalableDimension=DIMENSION)
    aas.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId=BLUE, ScalableDimension=DIMENSION)
    aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId=BLUE, ScalableDimension=DIMENSION,
                                 MinCapacity=1, MaxCapacity=6)
    aas.put_scaling_policy(PolicyName=policy["PolicyName"], ServiceNamespace="sagemaker", ResourceId=BLUE,
                           ScalableDimension=DIMENSION, PolicyType=policy["PolicyType"],
                           TargetTrackingScalingPolicyConfiguration=policy["TargetTrackingScalingPolicyConfiguration"])


def test_an_untagged_target_on_our_endpoint_is_tagged_once(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(endpoint_seconds=60.0)
    aas = boto_client("application-autoscaling")
    passes = Passes(write_hosting(tmp_path / "specs"))
    converge(passes, aws_env)
    register_untagged(aas)
    assert target_tags(aas) == {}

    planned, result = passes.apply()
    scaling = change_of(planned, HAP)
    assert scaling.actions == (Action.UPDATE,)
    assert [(s.service, s.call, s.target) for s in scaling.steps] == [(kinds.AUTOSCALING, "TagResource", BLUE)]
    assert "carries no gitops-sm tags" in scaling.reason
    assert result is not None and result.ok
    assert target_tags(aas)[kinds.TAG_ADDRESS] == HAP
    assert target_tags(aas)[kinds.TAG_MANAGED_BY] == kinds.TAG_MANAGED_BY_VALUE

    again = passes.plan()
    assert change_of(again, HAP).actions == (Action.NOOP,)
    assert not again.has_changes


def test_a_target_tagged_for_another_address_is_a_conflict(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(endpoint_seconds=60.0)
    aas = boto_client("application-autoscaling")
    passes = Passes(write_hosting(tmp_path / "specs"))
    converge(passes, aws_env)
    register_untagged(aas)
    (target,) = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[BLUE])["ScalableTargets"]
    other = "HostingAutoscalingPolicy/other/theirs"
    aas.tag_resource(ResourceARN=target["ScalableTargetARN"],
                     Tags={kinds.TAG_MANAGED_BY: kinds.TAG_MANAGED_BY_VALUE, kinds.TAG_ADDRESS: other})

    planned = passes.plan()
    scaling = change_of(planned, HAP)
    assert scaling.actions == (Action.ERROR,) and scaling.steps == ()
    assert f"managed by gitops-sm for {other}" in scaling.reason
    assert target_tags(aas)[kinds.TAG_ADDRESS] == other
