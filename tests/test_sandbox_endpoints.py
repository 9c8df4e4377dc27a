"""Sandbox endpoints over HTTP: Creating/Updating/Deleting transitions, UpdateEndpoint and its rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gitops_sm.sandbox import OUTCOME_TAG, SandboxServer

ROLE = "arn:aws:iam::123456789012:role/sandbox"
ENDPOINT_ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/web"


def make_config(
    sm: Any,
    name: str,
    *,
    image: str = "img:1",
    instance_type: str = "ml.m5.large",
    count: int = 1,
    variants: tuple[str, ...] = ("AllTraffic",),
    tags: list[dict[str, str]] | None = None,
) -> None:
    model = f"{name}-model"
    sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": image})
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model,
                "InitialInstanceCount": count,
                "InstanceType": instance_type,
            }
            for variant in variants
        ],
        Tags=tags or [],
    )


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def variants_of(described: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        v["VariantName"]: (v.get("CurrentInstanceCount"), v.get("CurrentWeight"))
        for v in described["ProductionVariants"]
    }


def test_endpoint_is_creating_then_in_service(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(endpoint_seconds=30)
    sm = boto_client("sagemaker")
    make_config(sm, "cfg-1", count=2)
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-1")
    creating = sm.describe_endpoint(EndpointName="web")
    assert creating["EndpointStatus"] == "Creating"
    assert sm.list_endpoints(StatusEquals="Creating")["Endpoints"][0]["EndpointName"] == "web"
    sandbox.advance_clock(31)
    ready = sm.describe_endpoint(EndpointName="web")
    assert ready["EndpointStatus"] == "InService"
    assert ready["EndpointConfigName"] == "cfg-1"
    assert ready["ProductionVariants"] == [
        {
            "VariantName": "AllTraffic",
            "CurrentWeight": 1.0,
            "DesiredWeight": 1.0,
            "CurrentInstanceCount": 2,
            "DesiredInstanceCount": 2,
        }
    ]
    assert ready["LastModifiedTime"] > ready["CreationTime"]


def test_update_endpoint_moves_to_the_new_config_after_updating(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sm = boto_client("sagemaker")
    make_config(sm, "cfg-1")
    make_config(sm, "cfg-2", image="img:2", count=3)
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-1")
    assert sm.describe_endpoint(EndpointName="web")["EndpointStatus"] == "InService"

    sandbox_timing(endpoint_seconds=30)
    assert sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-2")["EndpointArn"] == ENDPOINT_ARN
    updating = sm.describe_endpoint(EndpointName="web")
    assert updating["EndpointStatus"] == "Updating"
    assert updating["EndpointConfigName"] == "cfg-1"
    assert updating["PendingDeploymentSummary"]["EndpointConfigName"] == "cfg-2"
    assert error_of(lambda: sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-2")) == (
        "ValidationException",
        f'Cannot update in-progress endpoint "{ENDPOINT_ARN}".',
    )
    sandbox.advance_clock(31)
    updated = sm.describe_endpoint(EndpointName="web")
    assert (updated["EndpointStatus"], updated["EndpointConfigName"]) == ("InService", "cfg-2")
    assert variants_of(updated) == {"AllTraffic": (3, 1.0)}
    assert "PendingDeploymentSummary" not in updated


def test_update_endpoint_retains_variant_properties_when_asked(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    make_config(sm, "cfg-1", count=1)
    make_config(sm, "cfg-2", image="img:2", count=1)
    make_config(sm, "cfg-3", image="img:3", count=1)
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-1")
    sm.describe_endpoint(EndpointName="web")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="web",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 4}],
    )
    assert variants_of(sm.describe_endpoint(EndpointName="web")) == {"AllTraffic": (4, 1.0)}

    sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-2", RetainAllVariantProperties=True)
    assert variants_of(sm.describe_endpoint(EndpointName="web")) == {"AllTraffic": (4, 1.0)}

    sm.update_endpoint(
        EndpointName="web",
        EndpointConfigName="cfg-3",
        RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredInstanceCount"}],
    )
    assert variants_of(sm.describe_endpoint(EndpointName="web")) == {"AllTraffic": (1, 1.0)}


def test_update_endpoint_errors_for_missing_endpoint_or_config(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    make_config(sm, "cfg-1")
    assert error_of(lambda: sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-1")) == (
        "ValidationException",
        f'Could not find endpoint "{ENDPOINT_ARN}".',
    )
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-1")
    code, message = error_of(lambda: sm.update_endpoint(EndpointName="web", EndpointConfigName="nope"))
    assert code == "ValidationException"
    assert message.startswith("Could not find endpoint configuration")


def test_weights_and_capacities_update_is_transitional(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sm = boto_client("sagemaker")
    make_config(sm, "cfg-1", variants=("a", "b"))
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-1")
    sm.describe_endpoint(EndpointName="web")
    sandbox_timing(endpoint_seconds=20)
    sm.update_endpoint_weights_and_capacities(
        EndpointName="web",
        DesiredWeightsAndCapacities=[{"VariantName": "b", "DesiredWeight": 0.5, "DesiredInstanceCount": 2}],
    )
    during = sm.describe_endpoint(EndpointName="web")
    assert during["EndpointStatus"] == "Updating"
    variant_b = next(v for v in during["ProductionVariants"] if v["VariantName"] == "b")
    assert (variant_b["DesiredInstanceCount"], variant_b["CurrentInstanceCount"]) == (2, 1)
    sandbox.advance_clock(21)
    assert variants_of(sm.describe_endpoint(EndpointName="web")) == {"a": (1, 1.0), "b": (2, 0.5)}
    assert (
        error_of(
            lambda: sm.update_endpoint_weights_and_capacities(
                EndpointName="web", DesiredWeightsAndCapacities=[{"VariantName": "zzz", "DesiredWeight": 1.0}]
            )
        )[0]
        == "ValidationException"
    )


def test_delete_endpoint_is_deleting_then_gone_and_refused_while_in_progress(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(endpoint_seconds=10)
    sm = boto_client("sagemaker")
    make_config(sm, "cfg-1")
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-1")
    assert error_of(lambda: sm.delete_endpoint(EndpointName="web")) == (
        "ValidationException",
        f'Cannot update in-progress endpoint "{ENDPOINT_ARN}".',
    )
    sandbox.advance_clock(11)
    sm.delete_endpoint(EndpointName="web")
    assert sm.describe_endpoint(EndpointName="web")["EndpointStatus"] == "Deleting"
    sandbox.advance_clock(11)
    code, message = error_of(lambda: sm.describe_endpoint(EndpointName="web"))
    assert code == "ValidationException"
    assert message.startswith("Could not find endpoint")
    assert sm.list_endpoints()["Endpoints"] == []


def test_outcome_tag_fails_an_endpoint_and_rolls_back_a_failed_update(
    boto_client: Callable[..., Any],
) -> None:
    sm = boto_client("sagemaker")
    failing = [{"Key": OUTCOME_TAG, "Value": "Failed"}]
    make_config(sm, "cfg-bad", tags=failing)
    sm.create_endpoint(EndpointName="broken", EndpointConfigName="cfg-bad")
    broken = sm.describe_endpoint(EndpointName="broken")
    assert broken["EndpointStatus"] == "Failed"
    assert broken["FailureReason"]
    code, _ = error_of(lambda: sm.update_endpoint(EndpointName="broken", EndpointConfigName="cfg-bad"))
    assert code == "ValidationException"

    make_config(sm, "cfg-good")
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-good")
    sm.describe_endpoint(EndpointName="web")
    sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-bad")
    rolled_back = sm.describe_endpoint(EndpointName="web")
    assert (rolled_back["EndpointStatus"], rolled_back["EndpointConfigName"]) == ("InService", "cfg-good")
    assert rolled_back["FailureReason"]


def test_model_with_containers_and_any_ml_instance_type(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    sm.create_model(
        ModelName="pipeline",
        ExecutionRoleArn=ROLE,
        Containers=[{"Image": "pre:1"}, {"Image": "xgb:1"}],
        EnableNetworkIsolation=True,
    )
    model = sm.describe_model(ModelName="pipeline")
    assert [c["Image"] for c in model["Containers"]] == ["pre:1", "xgb:1"]
    assert "PrimaryContainer" not in model
    assert model["EnableNetworkIsolation"] is True
    sm.create_endpoint_config(
        EndpointConfigName="gpu",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "pipeline",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.g5.2xlarge",
            }
        ],
    )
    assert sm.describe_endpoint_config(EndpointConfigName="gpu")["ProductionVariants"][0]["InstanceType"] == (
        "ml.g5.2xlarge"
    )
