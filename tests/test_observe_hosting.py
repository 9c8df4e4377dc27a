"""observe() over a seeded endpoint, its config and models, leftovers and autoscaling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gitops_sm import kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    Address,
    DesiredResource,
    ObservedResource,
    ObservedState,
    ObservedType,
    SourceLocation,
    policy_key,
)
from gitops_sm.observe import FROM_LEDGER, LIST_SUMMARY, Reads, observe

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sm"
ADDRESS = "HostingDeployment/default/web"
RESOURCE_ID = "endpoint/web/variant/v1"


def tags(spec_hash: str) -> list[dict[str, str]]:
    return [
        {"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE},
        {"Key": kinds.TAG_ADDRESS, "Value": ADDRESS},
        {"Key": kinds.TAG_SPEC_HASH, "Value": spec_hash},
    ]


def hosting(*, config: str, model: str) -> DesiredResource:
    return DesiredResource(
        address=Address.parse(ADDRESS),
        kind=Kind.HOSTING_DEPLOYMENT,
        manifest_kind="HostingDeployment",
        api_version=kinds.API_V1,
        source=SourceLocation(path="web.yaml", line=1),
        region=None,
        endpoint_url=None,
        spec_hash="new-hash",
        explicit_name=False,
        names={"endpoint": "web", "endpoint_config": config, "model:m1": model},
        requests=(),
    )


def seed_rollout(
    sm: Any, *, config: str, model: str, spec_hash: str, instance_type: str = "ml.m5.large"
) -> None:
    sm.create_model(
        ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"}, Tags=tags(spec_hash)
    )
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "v1",
                "ModelName": model,
                "InitialInstanceCount": 2,
                "InstanceType": instance_type,
                "InitialVariantWeight": 1.0,
            }
        ],
        Tags=tags(spec_hash),
    )


@pytest.fixture
def clients(aws_env: Any) -> ClientFactory:
    return ClientFactory(region=REGION, max_attempts=1)


@pytest.fixture
def live_endpoint(boto_client: Callable[..., Any]) -> Any:
    """Endpoint ``web`` in service on config ``web-old``; a newer config/model exist but are not rolled out."""
    sm = boto_client("sagemaker")
    seed_rollout(sm, config="web-old", model="web-m1-old", spec_hash="old-hash")
    sm.create_endpoint(EndpointName="web", EndpointConfigName="web-old", Tags=tags("old-hash"))
    seed_rollout(sm, config="web-new", model="web-m1-new", spec_hash="new-hash", instance_type="ml.c5.xlarge")
    sm.create_model(ModelName="unrelated-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    return sm


def test_endpoint_its_current_config_and_the_desired_config_and_model_are_described(
    live_endpoint: Any, clients: ClientFactory
) -> None:
    state = observe(
        desired=[hosting(config="web-new", model="web-m1-new")], clients=clients, default_region=REGION
    )

    endpoint = state.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None
    assert endpoint.status == "InService"
    assert endpoint.details["EndpointConfigName"] == "web-old"
    assert [v["VariantName"] for v in endpoint.details["ProductionVariants"]] == ["v1"]
    assert endpoint.tags is not None and endpoint.tags[kinds.TAG_SPEC_HASH] == "old-hash"

    current = state.get(REGION, ObservedType.ENDPOINT_CONFIG, "web-old")
    assert current is not None and current.tags is not None
    assert current.details["ProductionVariants"] == [
        {
            "VariantName": "v1",
            "ModelName": "web-m1-old",
            "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 2,
            "InitialVariantWeight": 1.0,
        }
    ]
    wanted_config = state.get(REGION, ObservedType.ENDPOINT_CONFIG, "web-new")
    assert wanted_config is not None and wanted_config.tags is not None
    assert wanted_config.details["ProductionVariants"][0]["InstanceType"] == "ml.c5.xlarge"
    wanted_model = state.get(REGION, ObservedType.MODEL, "web-m1-new")
    assert wanted_model is not None and wanted_model.tags is not None
    assert wanted_model.details["ExecutionRoleArn"] == ROLE
    for type_ in (ObservedType.ENDPOINT, ObservedType.ENDPOINT_CONFIG, ObservedType.MODEL):
        assert state.was_listed(REGION, type_)
    assert state.errors == ()


def test_leftover_models_named_after_the_endpoint_get_tags_only_and_unrelated_ones_nothing(
    live_endpoint: Any, clients: ClientFactory
) -> None:
    state = observe(
        desired=[hosting(config="web-new", model="web-m1-new")], clients=clients, default_region=REGION
    )

    leftover = state.get(REGION, ObservedType.MODEL, "web-m1-old")
    assert leftover is not None and leftover.tags is not None
    assert leftover.tags[kinds.TAG_ADDRESS] == ADDRESS
    assert "ExecutionRoleArn" not in leftover.details  # tags only, no describe
    unrelated = state.get(REGION, ObservedType.MODEL, "unrelated-model")
    assert unrelated is not None and unrelated.tags is None
    assert clients.counter.by_operation() == {
        "ListEndpoints": 1,
        "ListEndpointConfigs": 1,
        "ListModels": 1,
        "DescribeEndpoint": 1,
        "DescribeEndpointConfig": 2,  # current (web-old) and desired (web-new)
        "DescribeModel": 1,
        "ListTags": 5,  # endpoint, both configs, both models
        "DescribeScalableTargets": 1,
        "DescribeScalingPolicies": 1,
    }


def test_desired_model_and_config_that_do_not_exist_are_absent_from_listed_types(
    clients: ClientFactory,
) -> None:
    state = observe(
        desired=[hosting(config="web-new", model="web-m1-new")], clients=clients, default_region=REGION
    )

    assert state.get(REGION, ObservedType.ENDPOINT, "web") is None
    assert state.get(REGION, ObservedType.MODEL, "web-m1-new") is None
    assert state.was_listed(REGION, ObservedType.MODEL)
    assert state.was_listed(REGION, ObservedType.ENDPOINT_CONFIG)
    assert "DescribeModel" not in clients.counter.by_operation()


def test_scalable_targets_and_policies_of_the_sagemaker_namespace_are_read_in_one_pass(
    live_endpoint: Any, boto_client: Callable[..., Any], clients: ClientFactory
) -> None:
    aas = boto_client("application-autoscaling")
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE_ID,
        ScalableDimension=kinds.HAP_DEFAULT_SCALABLE_DIMENSION,
        MinCapacity=1,
        MaxCapacity=4,
    )
    aas.put_scaling_policy(
        PolicyName=kinds.HAP_DEFAULT_POLICY_NAME,
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE_ID,
        ScalableDimension=kinds.HAP_DEFAULT_SCALABLE_DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    )

    state = observe(
        desired=[hosting(config="web-new", model="web-m1-new")], clients=clients, default_region=REGION
    )

    target = state.get(REGION, ObservedType.SCALABLE_TARGET, RESOURCE_ID)
    assert target is not None
    assert (target.details["MinCapacity"], target.details["MaxCapacity"]) == (1, 4)
    assert target.details["ScalableDimension"] == kinds.HAP_DEFAULT_SCALABLE_DIMENSION
    # No spec declares this target but it sits on a desired endpoint: its tags are read (a spec
    # that dropped a resource ID finds what it registered by them). Declared targets cost nothing.
    assert target.tags == {}
    policy = state.get(
        REGION, ObservedType.SCALING_POLICY, policy_key(RESOURCE_ID, kinds.HAP_DEFAULT_POLICY_NAME)
    )
    assert policy is not None
    assert policy.details["PolicyType"] == "TargetTrackingScaling"
    assert policy.details["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0
    assert state.was_listed(REGION, ObservedType.SCALABLE_TARGET)
    assert state.was_listed(REGION, ObservedType.SCALING_POLICY)
    assert clients.counter.by_operation()["DescribeScalableTargets"] == 1


def test_prune_mode_reads_the_tags_of_every_endpoint_config_and_model(
    live_endpoint: Any, clients: ClientFactory
) -> None:
    state = observe(desired=[], clients=clients, default_region=REGION, include_unlisted_owned=True)

    for type_, name in (
        (ObservedType.ENDPOINT, "web"),
        (ObservedType.ENDPOINT_CONFIG, "web-old"),
        (ObservedType.ENDPOINT_CONFIG, "web-new"),
        (ObservedType.MODEL, "web-m1-new"),
        (ObservedType.MODEL, "unrelated-model"),
    ):
        seen = state.get(REGION, type_, name)
        assert seen is not None and seen.tags is not None, (type_, name)
    endpoint = state.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None and endpoint.details["EndpointConfigName"] == "web-old"


class SnapshotLedger:
    """A ledger that remembers a previous pass (the RecordedState capability) and counts reuses."""

    def __init__(self, previous: ObservedState) -> None:
        self.by_key = {
            (r.region, r.type, r.name): (r.volatile[LIST_SUMMARY], r)
            for r in previous.resources
            if LIST_SUMMARY in r.volatile
        }
        self.reused: list[str] = []

    def terminal_status(self, *, region: str, kind: Kind, name: str, spec_hash: str) -> str | None:
        return None

    def recorded(
        self, *, region: str, type_: ObservedType, name: str, summary: str
    ) -> ObservedResource | None:
        summary_then, resource = self.by_key.get((region, type_, name), ("", None))
        if resource is None or summary_then != summary:
            return None
        self.reused.append(name)
        return resource


def test_a_ledger_of_the_previous_pass_removes_hosting_describes_while_nothing_changed(
    live_endpoint: Any, clients: ClientFactory
) -> None:
    desired = [hosting(config="web-new", model="web-m1-new")]
    first = observe(desired=desired, clients=clients, default_region=REGION)
    clients.counter.reset()
    ledger = SnapshotLedger(first)

    second = observe(desired=desired, clients=clients, default_region=REGION, ledger=ledger)

    assert clients.counter.by_operation() == {
        "ListEndpoints": 1,
        "ListEndpointConfigs": 1,
        "ListModels": 1,
        "DescribeScalableTargets": 1,
        "DescribeScalingPolicies": 1,
    }
    assert second.digest() == first.digest()
    endpoint = second.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None and endpoint.volatile[FROM_LEDGER] is True
    assert endpoint.details["EndpointConfigName"] == "web-old"


def test_a_changed_list_summary_makes_observe_describe_again(
    live_endpoint: Any, clients: ClientFactory
) -> None:
    desired = [hosting(config="web-new", model="web-m1-new")]
    first = observe(desired=desired, clients=clients, default_region=REGION)
    live_endpoint.update_endpoint(EndpointName="web", EndpointConfigName="web-new")
    clients.counter.reset()

    second = observe(desired=desired, clients=clients, default_region=REGION, ledger=SnapshotLedger(first))

    assert clients.counter.by_operation()["DescribeEndpoint"] == 1
    endpoint = second.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None and FROM_LEDGER not in endpoint.volatile
    assert endpoint.details["EndpointConfigName"] == "web-new"


def test_a_settled_endpoint_costs_its_describe_and_nothing_for_its_content_addressed_objects(
    live_endpoint: Any, clients: ClientFactory
) -> None:
    """InService on the config the spec asks for: no tags, no config or model describe (design §10)."""
    state = observe(
        desired=[hosting(config="web-old", model="web-m1-old")], clients=clients, default_region=REGION
    )

    assert clients.counter.by_operation() == {
        "ListEndpoints": 1,
        "ListEndpointConfigs": 1,
        "ListModels": 1,
        "DescribeEndpoint": 1,
        "ListTags": 2,  # the leftovers a GC may delete: web-new and web-m1-new (not desired here)
        "DescribeScalableTargets": 1,
        "DescribeScalingPolicies": 1,
    }
    endpoint = state.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None and endpoint.details["EndpointConfigName"] == "web-old"
    assert endpoint.tags is None  # left for verify_ownership, should a step modify it
    config = state.get(REGION, ObservedType.ENDPOINT_CONFIG, "web-old")
    assert config is not None and config.tags is None  # listed: it exists
    leftover = state.get(REGION, ObservedType.MODEL, "web-m1-new")
    assert leftover is not None and leftover.tags is not None


def test_the_status_report_reads_a_settled_endpoint_in_full(live_endpoint: Any, clients: ClientFactory) -> None:
    state = observe(
        desired=[hosting(config="web-old", model="web-m1-old")],
        clients=clients,
        default_region=REGION,
        reads=Reads.REPORT,
    )

    endpoint = state.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None and endpoint.tags is not None
    config = state.get(REGION, ObservedType.ENDPOINT_CONFIG, "web-old")
    assert config is not None and config.tags is not None and config.details["ProductionVariants"]
