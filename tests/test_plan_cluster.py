"""The in-cluster rule of the pure planner, with literals: never touch what an operator CR manages.

The CR state reaches the planner as plain values (``ObservedState.cluster``); no cluster here.
"""

from __future__ import annotations

from dataclasses import replace

from gitops_sm.model import (
    Action,
    ClusterRef,
    ClusterResource,
    ClusterState,
    DesiredResource,
    ObservedResource,
    ObservedState,
    ObservedType,
)
from gitops_sm.plan import PlanOptions, plan
from tests.literals import REGION, hap, hosting_deployment, load, observed, our_tags, training_job

OPTS = PlanOptions(default_region=REGION)
V1 = "sagemaker.aws.amazon.com/v1"


def hd_cr(endpoint: str, *, deleting: bool = False, finalizers: tuple[str, ...] = ("sagemaker-operator-finalizer",),
          name: str = "fraud-scorer") -> ClusterResource:
    return ClusterResource(api_version=V1, kind="HostingDeployment", namespace="fraud", name=name, uid="u1",
                           manages=(ClusterRef(type=ObservedType.ENDPOINT, name=endpoint, region=REGION),),
                           state="InService", finalizers=finalizers, deleting=deleting)


def endpoint(name: str, config: str, tags: dict[str, str]) -> ObservedResource:
    return ObservedResource(type=ObservedType.ENDPOINT, region=REGION, name=name, status="InService", tags=tags,
                            arn=f"arn:aws:sagemaker:{REGION}:1:endpoint/{name}", details={"EndpointConfigName": config})


def _updating_world(cluster: ClusterState) -> tuple[DesiredResource, ObservedState]:
    hd = hosting_deployment(spec_hash="eeeeeeee55555555", instance_type="ml.c5.xlarge")
    obs = observed(endpoint("web", "web-oldconfig", our_tags(str(hd.address), "old")))
    return (hd, replace(obs, cluster=cluster))


def test_an_update_of_an_endpoint_a_hosting_deployment_cr_manages_is_an_error_naming_it() -> None:
    hd, obs = _updating_world(ClusterState(source="test", resources=(hd_cr("web"),)))
    result = plan(load=load(hd), observed=obs, options=OPTS)
    (change,) = result.resource_changes
    assert change.actions == (Action.ERROR,) and change.steps == ()
    assert "managed in-cluster by HostingDeployment/fraud/fraud-scorer" in change.reason
    assert "gitops-sm migrate --from-cluster" in change.reason
    assert any("HostingDeployment/fraud/fraud-scorer" in e.message for e in result.errors)


def test_without_the_cr_the_same_world_plans_the_update() -> None:
    hd, obs = _updating_world(ClusterState())
    (change,) = plan(load=load(hd), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.UPDATE,)


def test_a_cr_being_deleted_with_its_finalizer_gone_manages_nothing() -> None:
    released = hd_cr("web", deleting=True, finalizers=())
    hd, obs = _updating_world(ClusterState(source="test", resources=(released,)))
    (change,) = plan(load=load(hd), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.UPDATE,)


def test_a_cr_the_operator_is_deleting_still_manages_its_endpoint() -> None:
    deleting = hd_cr("web", deleting=True)  # the finalizer is still there: the operator deletes the endpoint
    hd, obs = _updating_world(ClusterState(source="test", resources=(deleting,)))
    (change,) = plan(load=load(hd), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.ERROR,)


def test_a_spec_whose_address_is_a_crs_is_reported_as_the_same_manifest_in_the_cluster() -> None:
    job = training_job("xgb")
    cr = ClusterResource(api_version=V1, kind="TrainingJob", namespace="default", name="xgb",
                         manages=(ClusterRef(type=ObservedType.TRAINING_JOB, name="xgb-8d0c3e1f2a", region=REGION),))
    obs = replace(observed(), cluster=ClusterState(source="test", resources=(cr,)))
    (change,) = plan(load=load(job), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.ERROR,) and change.steps == ()
    assert change.reason.startswith("the same manifest is applied in the cluster: managed in-cluster by "
                                    "TrainingJob/default/xgb")


def test_autoscaling_on_a_target_an_ack_scalable_target_owns_is_refused() -> None:
    policy = hap(endpoint="web", variants=("v-m1",))
    rid = "endpoint/web/variant/v-m1"
    target_cr = ClusterResource(api_version="applicationautoscaling.services.k8s.aws/v1alpha1",
                                kind="ScalableTarget", namespace="search", name="web-target",
                                manages=(ClusterRef(type=ObservedType.SCALABLE_TARGET, name=rid, region=REGION),))
    obs = replace(observed(ObservedResource(type=ObservedType.ENDPOINT, region=REGION, name="web",
                                            status="InService", tags={})),
                  cluster=ClusterState(source="test", resources=(target_cr,)))
    (change,) = plan(load=load(policy), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.ERROR,)
    assert "managed in-cluster by ScalableTarget/search/web-target" in change.reason


def test_a_no_op_on_a_cr_managed_resource_stays_a_no_op_and_says_who_else_manages_it() -> None:
    hd = hosting_deployment()
    tags = our_tags(str(hd.address), hd.spec_hash)
    obs = observed(
        endpoint("web", hd.names["endpoint_config"], tags),
        ObservedResource(type=ObservedType.ENDPOINT_CONFIG, region=REGION, name=hd.names["endpoint_config"], tags=tags),
        ObservedResource(type=ObservedType.MODEL, region=REGION, name=hd.names["model:m1"], tags=tags),
    )
    obs = replace(obs, cluster=ClusterState(source="test", resources=(hd_cr("web"),)))
    (change,) = plan(load=load(hd), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.NOOP,)
    assert change.reason.endswith("(also managed in-cluster by HostingDeployment/fraud/fraud-scorer)")
