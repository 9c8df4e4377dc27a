"""Planning HostingAutoscalingPolicies with literals: waits on the endpoint, create, no-op, update."""

from __future__ import annotations

from gitops_sm.model import Action, ObservedResource, ObservedType, policy_key
from gitops_sm.plan import PlanOptions, plan
from tests.literals import REGION, hap, hosting_deployment, load, observed, our_tags

OPTS = PlanOptions(default_region=REGION)
RID = "endpoint/web/variant/v-m1"


def endpoint(status: str) -> ObservedResource:
    hd = hosting_deployment()
    return ObservedResource(type=ObservedType.ENDPOINT, region=REGION, name="web", status=status,
                            tags=our_tags(str(hd.address), hd.spec_hash),
                            details={"EndpointConfigName": hd.names["endpoint_config"]})


def target(max_capacity: int) -> ObservedResource:
    return ObservedResource(type=ObservedType.SCALABLE_TARGET, region=REGION, name=RID,
                            details={"MinCapacity": 1, "MaxCapacity": max_capacity,
                                     "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"})


def policy(target_value: float) -> ObservedResource:
    return ObservedResource(
        type=ObservedType.SCALING_POLICY, region=REGION,
        name=policy_key(RID, "SageMakerEndpointInvocationScalingPolicy"),
        details={"PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": target_value,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}})


def test_policy_waits_for_an_endpoint_the_same_plan_creates_and_depends_on_it() -> None:
    p = plan(load=load(hosting_deployment(), hap()), observed=observed(), options=OPTS)
    by_address = {c.address: c for c in p.resource_changes}
    scaling = by_address["HostingAutoscalingPolicy/default/web-scaling"]
    assert scaling.actions == (Action.WAIT,)
    assert scaling.depends_on == ("HostingDeployment/default/web",)
    assert "HostingDeployment/default/web creates it" in scaling.reason
    assert [c.address for c in p.resource_changes].index("HostingDeployment/default/web") == 0


def test_policy_waits_while_the_endpoint_is_creating() -> None:
    (change,) = plan(load=load(hap()), observed=observed(endpoint("Creating")), options=OPTS).resource_changes
    assert change.actions == (Action.WAIT,)
    assert "Creating" in change.reason


def test_in_service_endpoint_gets_target_then_policy() -> None:
    (change,) = plan(load=load(hap()), observed=observed(endpoint("InService")), options=OPTS).resource_changes
    assert change.actions == (Action.CREATE,)
    assert [(s.service, s.call, s.target) for s in change.steps] == [
        ("application-autoscaling", "RegisterScalableTarget", RID),
        ("application-autoscaling", "PutScalingPolicy", f"{RID}#SageMakerEndpointInvocationScalingPolicy"),
    ]


def test_matching_target_and_policy_is_a_noop() -> None:
    obs = observed(endpoint("InService"), target(4), policy(60))
    (change,) = plan(load=load(hap()), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.NOOP,)


def test_drifted_capacity_reregisters_only_the_target() -> None:
    obs = observed(endpoint("InService"), target(10), policy(60.0))
    (change,) = plan(load=load(hap()), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.UPDATE,)
    assert [s.call for s in change.steps] == ["RegisterScalableTarget"]
    assert change.before is not None and change.before["web"]["v-m1"]["target"]["MaxCapacity"] == 10


def test_missing_endpoint_nobody_creates_is_an_error_not_an_eternal_wait() -> None:
    # issue 7 item 7: the endpoint list was read, so waiting can never make it appear
    (change,) = plan(load=load(hap(endpoint="ghost")), observed=observed(), options=OPTS).resource_changes
    assert change.actions == (Action.ERROR,)
    assert "endpoint ghost does not exist and no spec in this repo creates it" in change.reason
