"""Planning HostingDeployments and ACK Model/EndpointConfig/Endpoint with literals."""

from __future__ import annotations

from gitops_sm import kinds
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    Action,
    Address,
    AwsRequest,
    DesiredResource,
    ObservedResource,
    ObservedType,
    SourceLocation,
)
from gitops_sm.plan import PlanOptions, plan
from tests.literals import REGION, hosting_deployment, load, observed, our_tags

OPTS = PlanOptions(default_region=REGION)


def endpoint(name: str, status: str, config: str, tags: dict[str, str] | None) -> ObservedResource:
    return ObservedResource(type=ObservedType.ENDPOINT, region=REGION, name=name, status=status, tags=tags,
                            arn=f"arn:aws:sagemaker:{REGION}:111122223333:endpoint/{name}",
                            details={"EndpointConfigName": config})


def present(type_: ObservedType, name: str, tags: dict[str, str]) -> ObservedResource:
    return ObservedResource(type=type_, region=REGION, name=name, tags=tags)


def test_new_deployment_creates_models_then_config_then_endpoint() -> None:
    hd = hosting_deployment(models=("a", "b"))
    (change,) = plan(load=load(hd), observed=observed(), options=OPTS).resource_changes
    assert change.actions == (Action.CREATE,)
    assert [s.call for s in change.steps] == ["CreateModel", "CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    assert change.steps[-1].params["EndpointConfigName"] == hd.names["endpoint_config"]
    assert change.after is not None and change.after["endpoint"] == "web"


def test_in_service_endpoint_on_the_desired_config_is_a_noop() -> None:
    hd = hosting_deployment()
    tags = our_tags(str(hd.address), hd.spec_hash)
    obs = observed(
        endpoint("web", "InService", hd.names["endpoint_config"], tags),
        present(ObservedType.ENDPOINT_CONFIG, hd.names["endpoint_config"], tags),
        present(ObservedType.MODEL, hd.names["model:m1"], tags),
    )
    (change,) = plan(load=load(hd), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.NOOP,)


def test_changed_deployment_creates_new_config_and_updates_the_endpoint() -> None:
    hd = hosting_deployment(spec_hash="eeeeeeee55555555", instance_type="ml.c5.xlarge")
    tags = our_tags(str(hd.address), "old")
    obs = observed(endpoint("web", "InService", "web-oldconfig", tags))
    (change,) = plan(load=load(hd), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.UPDATE,)
    # The update, then the marker tag that tells later passes which config it moved to.
    assert [s.call for s in change.steps] == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "AddTags"]
    assert change.steps[2].params == {"EndpointName": "web", "EndpointConfigName": hd.names["endpoint_config"]}
    assert change.steps[3].params["Tags"] == [{"Key": kinds.TAG_UPDATE_TO, "Value": hd.names["endpoint_config"]}]
    assert change.before is not None and change.before["endpoint_config"] == "web-oldconfig"


def test_update_waits_while_the_endpoint_is_not_in_service() -> None:
    hd = hosting_deployment(spec_hash="eeeeeeee55555555")
    obs = observed(endpoint("web", "Updating", "web-oldconfig", our_tags(str(hd.address), "old")))
    (change,) = plan(load=load(hd), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.WAIT,)
    assert change.steps == ()
    assert "Updating" in change.reason


def test_foreign_endpoint_with_the_same_name_is_a_conflict() -> None:
    hd = hosting_deployment()
    obs = observed(endpoint("web", "InService", "theirs", {"owner": "someone"}))
    p = plan(load=load(hd), observed=obs, options=OPTS)
    (change,) = p.resource_changes
    assert change.actions == (Action.ERROR,)
    assert "not managed by gitops-sm" in change.reason
    assert p.has_errors


def ack(kind: Kind, name: str, operation: str, params: dict[str, object], role: str) -> DesiredResource:
    address = Address(kind=kind.value, namespace="default", name=name)
    return DesiredResource(
        address=address, kind=kind, manifest_kind=kind.value, api_version=kinds.API_ACK_SAGEMAKER,
        source=SourceLocation(path="ack.yaml", line=1), region=None, endpoint_url=None, spec_hash="f" * 16,
        explicit_name=True, names={role: name},
        requests=(AwsRequest(service=kinds.SAGEMAKER, operation=operation, params=params),),
    )


def test_ack_resources_are_ordered_model_config_endpoint_by_the_names_they_reference() -> None:
    model = ack(Kind.MODEL, "m", "CreateModel", {"ModelName": "m"}, "model")
    config = ack(Kind.ENDPOINT_CONFIG, "c", "CreateEndpointConfig",
                 {"EndpointConfigName": "c", "ProductionVariants": [{"VariantName": "v", "ModelName": "m"}]},
                 "endpoint_config")
    ep = ack(Kind.ENDPOINT, "e", "CreateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"}, "endpoint")
    p = plan(load=load(ep, config, model), observed=observed(), options=OPTS)
    assert [c.address for c in p.resource_changes] == ["Model/default/m", "EndpointConfig/default/c", "Endpoint/default/e"]
    assert p.resource_changes[2].depends_on == ("EndpointConfig/default/c",)
    assert p.resource_changes[1].depends_on == ("Model/default/m",)


def test_changed_ack_model_is_an_error_because_models_are_immutable() -> None:
    model = ack(Kind.MODEL, "m", "CreateModel", {"ModelName": "m"}, "model")
    obs = observed(present(ObservedType.MODEL, "m", our_tags("Model/default/m", "0" * 16)))
    (change,) = plan(load=load(model), observed=obs, options=OPTS).resource_changes
    assert change.actions == (Action.ERROR,)
    assert "cannot be modified" in change.reason


def test_transform_job_runs_after_the_model_it_names() -> None:
    from tests.literals import training_job

    model = ack(Kind.MODEL, "batch-model", "CreateModel", {"ModelName": "batch-model"}, "model")
    job = training_job("score")
    transform = ack(Kind.TRANSFORM_JOB, "a-score", "CreateTransformJob",
                    {"TransformJobName": "a-score", "ModelName": "batch-model"}, "job")
    p = plan(load=load(transform, model, job), observed=observed(), options=OPTS)
    addresses = [c.address for c in p.resource_changes]
    assert addresses.index("Model/default/batch-model") < addresses.index("TransformJob/default/a-score")
    assert p.resource_changes[addresses.index("TransformJob/default/a-score")].depends_on == ("Model/default/batch-model",)
