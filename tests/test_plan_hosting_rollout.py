"""Planning endpoint changes against their autoscaling, with literals (issue 8 scope 2, 3, 6, 7).

How the change is classified (counts/weights in place, a new config with autoscaling kept, the
detach → update → reattach sequence), what a pass that resumes a crashed sequence plans, how a
failed update stays reported instead of retried, Failed endpoints, drift, and the readable
before/after projection.
"""

from __future__ import annotations

from typing import Any

from gitops_sm import kinds
from gitops_sm.model import Action, ObservedResource, ObservedType, ResourceChange, policy_key
from gitops_sm.plan import PlanOptions, plan
from gitops_sm.plan.render import changed_fields
from tests.literals import REGION, hap, hosting_deployment, load, observed, our_tags

OPTS = PlanOptions(default_region=REGION)
RID = "endpoint/web/variant/v-m1"
OLD = "web-oldconfig"
ARN = f"arn:aws:sagemaker:{REGION}:111122223333:endpoint/web"


def endpoint(config: str, *, status: str = "InService", count: int = 1, weight: float = 1.0,
             extra_tags: dict[str, str] | None = None, failure: str | None = None,
             pending: str | None = None) -> ObservedResource:
    hd = hosting_deployment()
    details: dict[str, Any] = {
        "EndpointConfigName": config,
        "ProductionVariants": [{"VariantName": "v-m1", "DesiredInstanceCount": count, "CurrentInstanceCount": count,
                                "DesiredWeight": weight, "CurrentWeight": weight}],
    }
    if failure:
        details["FailureReason"] = failure
    if pending:
        details["PendingEndpointConfigName"] = pending
    return ObservedResource(type=ObservedType.ENDPOINT, region=REGION, name="web", status=status, arn=ARN,
                            tags={**our_tags(str(hd.address), "old"), **(extra_tags or {})}, details=details)


def config(name: str, *, instance_type: str = "ml.m5.large", model: str = "web-m1-old",
           count: int = 1, extra_tags: dict[str, str] | None = None) -> ObservedResource:
    hd = hosting_deployment()
    return ObservedResource(
        type=ObservedType.ENDPOINT_CONFIG, region=REGION, name=name,
        tags={**our_tags(str(hd.address), "old"), **(extra_tags or {})},
        details={"ProductionVariants": [{"VariantName": "v-m1", "ModelName": model, "InstanceType": instance_type,
                                         "InitialInstanceCount": count, "InitialVariantWeight": 1.0}]},
    )


def target() -> ObservedResource:
    return ObservedResource(type=ObservedType.SCALABLE_TARGET, region=REGION, name=RID,
                            details={"MinCapacity": 1, "MaxCapacity": 4, "ServiceNamespace": "sagemaker",
                                     "ScalableDimension": kinds.HAP_DEFAULT_SCALABLE_DIMENSION})


def policy() -> ObservedResource:
    return ObservedResource(
        type=ObservedType.SCALING_POLICY, region=REGION, name=policy_key(RID, kinds.HAP_DEFAULT_POLICY_NAME),
        details={"ResourceId": RID, "PolicyName": kinds.HAP_DEFAULT_POLICY_NAME, "PolicyType": "TargetTrackingScaling",
                 "TargetTrackingScalingPolicyConfiguration": {
                     "TargetValue": 60.0,
                     "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}})


def changes(*resources: ObservedResource, options: PlanOptions = OPTS, with_hap: bool = True,
            **hd: Any) -> dict[str, ResourceChange]:
    desired = [hosting_deployment(**hd), *([hap()] if with_hap else [])]
    p = plan(load=load(*desired), observed=observed(*resources), options=options)
    return {c.kind: c for c in p.resource_changes}


def calls(change: ResourceChange) -> list[str]:
    return [s.call for s in change.steps]


def test_instance_type_change_of_an_autoscaled_variant_detaches_it_before_the_update() -> None:
    got = changes(endpoint(OLD), config(OLD), target(), policy(), instance_type="ml.c5.xlarge")
    hosting, scaling = got["HostingDeployment"], got["HostingAutoscalingPolicy"]
    assert hosting.actions == (Action.UPDATE,)
    assert calls(hosting) == ["CreateModel", "CreateEndpointConfig", "DeleteScalingPolicy",
                              "DeregisterScalableTarget", "UpdateEndpoint", "AddTags"]
    assert hosting.reason.startswith("phase 1 of 3")
    update = hosting.steps[4].params
    assert update["RetainAllVariantProperties"] is True  # the variant's live capacity survives the update
    assert {"VariantPropertyType": "DesiredInstanceCount"} not in update["ExcludeRetainedVariantProperties"]
    # The autoscaling spec does not put back what the same pass removes.
    assert scaling.actions == (Action.WAIT,) and scaling.steps == ()
    assert "stays detached" in scaling.reason


def test_a_pass_resuming_after_the_deregister_updates_and_does_not_reregister() -> None:
    # A crashed pass 1 removed the policy and the target but never sent UpdateEndpoint.
    got = changes(endpoint(OLD), config(OLD), instance_type="ml.c5.xlarge")
    assert calls(got["HostingDeployment"]) == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "AddTags"]
    assert got["HostingAutoscalingPolicy"].actions == (Action.WAIT,)  # no flip-flop


def test_while_updating_both_wait_and_the_first_in_service_pass_reattaches() -> None:
    hd = hosting_deployment(instance_type="ml.c5.xlarge")
    new = hd.names["endpoint_config"]
    updating = changes(endpoint(OLD, status="Updating", pending=new), config(OLD), instance_type="ml.c5.xlarge")
    assert updating["HostingDeployment"].actions == (Action.WAIT,)
    assert "phase 2 of 3" in updating["HostingDeployment"].reason
    assert updating["HostingAutoscalingPolicy"].actions == (Action.WAIT,)

    marker = {kinds.TAG_UPDATE_TO: new}
    done = changes(endpoint(new, extra_tags=marker), config(new, instance_type="ml.c5.xlarge"),
                   instance_type="ml.c5.xlarge")
    assert done["HostingDeployment"].actions in ((Action.NOOP,), (Action.DELETE,))
    reattach = done["HostingAutoscalingPolicy"]
    assert calls(reattach) == ["RegisterScalableTarget", "PutScalingPolicy"]
    assert reattach.reason.startswith("phase 3 of 3")


def test_model_only_change_keeps_autoscaling_in_place() -> None:
    got = changes(endpoint(OLD), config(OLD), target(), policy())  # same instance type, new model
    hosting = got["HostingDeployment"]
    assert calls(hosting) == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "AddTags"]
    assert hosting.steps[2].params["RetainAllVariantProperties"] is True
    assert got["HostingAutoscalingPolicy"].actions == (Action.NOOP,)


def test_opt_in_annotation_detaches_on_every_update() -> None:
    scaling = hap()
    opted = type(scaling)(**{**scaling.__dict__, "annotations": {
        kinds.ANNOTATION_ENDPOINT_UPDATE: "detach-autoscaling"}})
    p = plan(load=load(hosting_deployment(), opted), observed=observed(endpoint(OLD), config(OLD), target(), policy()),
             options=OPTS)
    hosting = next(c for c in p.resource_changes if c.kind == "HostingDeployment")
    assert "DeregisterScalableTarget" in calls(hosting)
    assert calls(hosting).index("DeregisterScalableTarget") < calls(hosting).index("UpdateEndpoint")


def test_autoscaling_no_spec_declares_is_not_removed_behind_the_users_back() -> None:
    got = changes(endpoint(OLD), config(OLD), target(), policy(), with_hap=False, instance_type="ml.c5.xlarge")
    hosting = got["HostingDeployment"]
    assert hosting.actions == (Action.ERROR,)
    assert "no spec in this repo declares that autoscaling" in hosting.reason


def test_counts_and_weights_only_change_in_place_without_a_new_config() -> None:
    hd = hosting_deployment()
    shape = {kinds.TAG_CONFIG_SHAPE: _shape_of(hd)}
    # The running config differs from the spec only in the initial count (it was 3).
    got = changes(endpoint(OLD, count=3, weight=2.0), config(OLD, model=hd.names["model:m1"], count=3,
                                                              extra_tags=shape), with_hap=False)
    hosting = got["HostingDeployment"]
    assert calls(hosting) == ["UpdateEndpointWeightsAndCapacities"]
    assert hosting.steps[0].params["DesiredWeightsAndCapacities"] == [
        {"VariantName": "v-m1", "DesiredWeight": 1.0, "DesiredInstanceCount": 1}]
    assert ("~", "variants.v-m1.instanceCount: 3 -> 1") in changed_fields(hosting.before, hosting.after)


def test_autoscaled_count_is_never_drift_but_a_weight_is() -> None:
    hd = hosting_deployment()
    cfg = hd.names["endpoint_config"]
    # The autoscaler moved the variant to 5 instances; someone set its weight to 3 by hand.
    got = changes(endpoint(cfg, count=5, weight=3.0), config(cfg, model=hd.names["model:m1"]), target(), policy())
    hosting = got["HostingDeployment"]
    assert hosting.reason.startswith("drift")
    assert hosting.steps[0].params["DesiredWeightsAndCapacities"] == [{"VariantName": "v-m1", "DesiredWeight": 1.0}]
    in_sync = changes(endpoint(cfg, count=5), config(cfg, model=hd.names["model:m1"]), target(), policy())
    assert in_sync["HostingDeployment"].actions == (Action.NOOP,)


def test_failed_update_is_reported_once_and_autoscaling_is_restored_on_what_runs() -> None:
    hd = hosting_deployment(instance_type="ml.c5.xlarge")
    marker = {kinds.TAG_UPDATE_TO: hd.names["endpoint_config"]}
    failed = endpoint(OLD, extra_tags=marker, failure="the primary container failed the ping health check")
    got = changes(failed, config(OLD), instance_type="ml.c5.xlarge")
    hosting = got["HostingDeployment"]
    assert hosting.actions == (Action.ERROR,) and hosting.steps == ()
    assert "ping health check" in hosting.reason and "--retry-failed HostingDeployment/default/web" in hosting.reason
    assert calls(got["HostingAutoscalingPolicy"]) == ["RegisterScalableTarget", "PutScalingPolicy"]

    retry = PlanOptions(default_region=REGION, retry_failed=frozenset({"HostingDeployment/default/web"}))
    again = changes(failed, config(OLD), options=retry, instance_type="ml.c5.xlarge")
    assert "UpdateEndpoint" in calls(again["HostingDeployment"])


def test_failed_endpoint_is_an_error_when_unchanged_and_replaced_when_the_spec_changed() -> None:
    hd = hosting_deployment()
    cfg = hd.names["endpoint_config"]
    unchanged = changes(endpoint(cfg, status="Failed", failure="image not found"), with_hap=False)
    assert unchanged["HostingDeployment"].actions == (Action.ERROR,)
    assert "image not found" in unchanged["HostingDeployment"].reason
    changed = changes(endpoint(OLD, status="Failed", failure="image not found"), with_hap=False)
    assert changed["HostingDeployment"].actions == (Action.REPLACE,)
    assert calls(changed["HostingDeployment"]) == ["DeleteEndpoint"]


def test_unreferenced_configs_and_models_of_this_spec_are_collected_once_in_service() -> None:
    hd = hosting_deployment()
    cfg, model = hd.names["endpoint_config"], hd.names["model:m1"]
    ours = our_tags(str(hd.address), "old")
    stale_model = ObservedResource(type=ObservedType.MODEL, region=REGION, name="web-m1-0ld", tags=ours)
    theirs = ObservedResource(type=ObservedType.ENDPOINT_CONFIG, region=REGION, name="web-theirs", tags={})
    got = changes(endpoint(cfg), config(cfg, model=model), config(OLD),
                  ObservedResource(type=ObservedType.MODEL, region=REGION, name=model, tags=ours),
                  stale_model, theirs, with_hap=False)
    hosting = got["HostingDeployment"]
    assert hosting.actions == (Action.DELETE,)
    assert [(s.call, s.target) for s in hosting.steps] == [("DeleteEndpointConfig", OLD), ("DeleteModel", "web-m1-0ld")]
    # While it still moves, nothing is collected.
    moving = changes(endpoint(cfg, status="Updating"), config(cfg, model=model), config(OLD), stale_model,
                     with_hap=False)
    assert moving["HostingDeployment"].steps == ()


def test_before_and_after_are_one_projection() -> None:
    got = changes(endpoint(OLD), config(OLD), target(), policy(), instance_type="ml.c5.xlarge")
    rows = dict((text.split(":")[0], symbol) for symbol, text in changed_fields(got["HostingDeployment"].before,
                                                                                  got["HostingDeployment"].after))
    assert rows["variants.v-m1.instanceType"] == "~"
    assert all(symbol == "~" for symbol in rows.values()), rows  # nothing only on one side


def _shape_of(hd: Any) -> str:
    from gitops_sm.plan.health import config_shape

    return config_shape(next(r.params for r in hd.requests if r.operation == "CreateEndpointConfig"))


def test_the_specs_update_options_and_deployment_config_reach_update_endpoint() -> None:
    import dataclasses

    hd = hosting_deployment()
    exclude = [{"VariantPropertyType": "DesiredInstanceCount"}]
    hd = dataclasses.replace(hd, update_options={"RetainAllVariantProperties": True,
                                                 "ExcludeRetainedVariantProperties": exclude})
    p = plan(load=load(hd), observed=observed(endpoint(OLD), config(OLD)), options=OPTS)
    (hosting,) = p.resource_changes
    update = next(s for s in hosting.steps if s.call == "UpdateEndpoint").params
    assert (update["RetainAllVariantProperties"], update["ExcludeRetainedVariantProperties"]) == (True, exclude)

    create = next(r for r in hd.requests if r.operation == "CreateEndpoint")
    blue_green = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE",
                                                                            "WaitIntervalInSeconds": 60}}}
    with_config = dataclasses.replace(hd, requests=tuple(
        dataclasses.replace(r, params={**r.params, "DeploymentConfig": blue_green}) if r is create else r
        for r in hd.requests))
    p = plan(load=load(with_config), observed=observed(endpoint(OLD), config(OLD)), options=OPTS)
    update = next(s for s in p.resource_changes[0].steps if s.call == "UpdateEndpoint").params
    assert update["DeploymentConfig"] == blue_green


def test_a_config_swapped_by_hand_is_drift() -> None:
    foreign = ObservedResource(type=ObservedType.ENDPOINT_CONFIG, region=REGION, name="hand-made", tags={},
                               details={"ProductionVariants": [{"VariantName": "v-m1", "InstanceType": "ml.m5.large"}]})
    got = changes(endpoint("hand-made"), foreign, with_hap=False)
    hosting = got["HostingDeployment"]
    assert hosting.actions == (Action.UPDATE,) and hosting.reason.startswith("drift")
    assert "UpdateEndpoint" in calls(hosting)
