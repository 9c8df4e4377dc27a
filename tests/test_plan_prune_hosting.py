"""Deleting hosting we own, with literals (issue 8 scope 4): prune order, gates, dropped resource IDs."""

from __future__ import annotations

from gitops_sm import kinds
from gitops_sm.model import Action, Issue, ObservedResource, ObservedState, ObservedType, policy_key
from gitops_sm.plan import PlanOptions, plan
from tests.literals import REGION, hap, load, observed, our_tags, training_job

PRUNE = PlanOptions(default_region=REGION, prune=True)
GONE = "HostingDeployment/default/old-web"
RID = "endpoint/old-web/variant/v1"


def endpoint(status: str = "InService", **extra: str) -> ObservedResource:
    return ObservedResource(type=ObservedType.ENDPOINT, region=REGION, name="old-web", status=status,
                            tags=our_tags(GONE, "h", **extra), details={"EndpointConfigName": "old-web-c1"})


def scaling(owner: str = "HostingAutoscalingPolicy/default/old-scaling", rid: str = RID) -> list[ObservedResource]:
    return [
        ObservedResource(type=ObservedType.SCALABLE_TARGET, region=REGION, name=rid, tags=our_tags(owner, "s"),
                         details={"MinCapacity": 1, "MaxCapacity": 4, "ServiceNamespace": "sagemaker",
                                  "ScalableDimension": kinds.HAP_DEFAULT_SCALABLE_DIMENSION}),
        ObservedResource(type=ObservedType.SCALING_POLICY, region=REGION,
                         name=policy_key(rid, kinds.HAP_DEFAULT_POLICY_NAME),
                         details={"ResourceId": rid, "PolicyName": kinds.HAP_DEFAULT_POLICY_NAME}),
    ]


def leftovers() -> list[ObservedResource]:
    return [ObservedResource(type=ObservedType.ENDPOINT_CONFIG, region=REGION, name="old-web-c1", tags=our_tags(GONE, "h")),
            ObservedResource(type=ObservedType.MODEL, region=REGION, name="old-web-m-1", tags=our_tags(GONE, "h"))]


def test_pruned_endpoint_loses_autoscaling_first_then_the_endpoint_and_keeps_its_configs_for_later() -> None:
    p = plan(load=load(training_job()), observed=observed(endpoint(), *scaling(), *leftovers()), options=PRUNE)
    (change,) = [c for c in p.resource_changes if c.address == GONE]
    assert change.actions == (Action.DELETE,)
    assert [s.call for s in change.steps] == ["DeleteScalingPolicy", "DeregisterScalableTarget", "DeleteEndpoint"]
    # The HAP that left git too: its target sits on the endpoint deleted above, nothing twice.
    assert not [c for c in p.resource_changes if c.address.startswith("HostingAutoscalingPolicy/")]


def test_configs_and_models_go_once_the_endpoint_is_gone() -> None:
    deleting = plan(load=load(training_job()), observed=observed(endpoint("Deleting"), *leftovers()), options=PRUNE)
    (waiting,) = [c for c in deleting.resource_changes if c.address == GONE]
    assert waiting.actions == (Action.WAIT,) and waiting.steps == ()
    gone = plan(load=load(training_job()), observed=observed(*leftovers()), options=PRUNE)
    (change,) = [c for c in gone.resource_changes if c.address == GONE]
    assert [(s.call, s.target) for s in change.steps] == [("DeleteEndpointConfig", "old-web-c1"),
                                                          ("DeleteModel", "old-web-m-1")]


def test_autoscaling_spec_that_left_git_is_removed_from_a_kept_endpoint() -> None:
    p = plan(load=load(training_job()), observed=observed(*scaling(rid="endpoint/kept/variant/v1")), options=PRUNE)
    (change,) = [c for c in p.resource_changes if c.address == "HostingAutoscalingPolicy/default/old-scaling"]
    assert [s.call for s in change.steps] == ["DeleteScalingPolicy", "DeregisterScalableTarget"]


def test_no_hosting_delete_without_prune_with_protection_or_after_a_failed_load() -> None:
    def hosting_steps(world: ObservedState, options: PlanOptions, *issues: Issue) -> list[str]:
        p = plan(load=load(training_job(), issues=issues), observed=world, options=options)
        return [s.call for c in p.resource_changes if c.address != "TrainingJob/default/xgb" for s in c.steps]

    world = observed(endpoint(), *scaling(), *leftovers())
    assert hosting_steps(world, PlanOptions(default_region=REGION)) == []
    assert hosting_steps(observed(endpoint(**{kinds.TAG_PRUNE: "false"})), PRUNE) == []
    broken = Issue(source=None, address="TrainingJob/default/bad", path="spec", message="bad")
    assert hosting_steps(world, PRUNE, broken) == []


def test_a_resource_id_the_spec_dropped_is_detached_without_prune() -> None:
    spec = hap(endpoint="web", variants=("v-m1",))
    dropped = scaling(owner=str(spec.address), rid="endpoint/web/variant/v-old")
    (change,) = plan(load=load(spec), observed=observed(*dropped), options=PlanOptions(default_region=REGION)).resource_changes
    assert [(s.call, s.target) for s in change.steps] == [
        ("DeleteScalingPolicy", f"endpoint/web/variant/v-old#{kinds.HAP_DEFAULT_POLICY_NAME}"),
        ("DeregisterScalableTarget", "endpoint/web/variant/v-old"),
    ]
