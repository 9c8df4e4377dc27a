"""Sandbox Application Auto Scaling: the UpdateEndpoint rule, tags, and AWS's target/policy coupling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/sandbox"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
POLICY = {
    "TargetValue": 70.0,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
}


def make_config(
    sm: Any, name: str, *, image: str, instance_type: str, variants: tuple[str, ...] = ("v",)
) -> None:
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": image})
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": v,
                "ModelName": f"{name}-model",
                "InitialInstanceCount": 1,
                "InstanceType": instance_type,
            }
            for v in variants
        ],
    )


def autoscaled_endpoint(sm: Any, aas: Any) -> None:
    make_config(sm, "cfg-1", image="img:1", instance_type="ml.m5.large", variants=("v", "w"))
    sm.create_endpoint(EndpointName="web", EndpointConfigName="cfg-1")
    assert sm.describe_endpoint(EndpointName="web")["EndpointStatus"] == "InService"
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/web/variant/v",
        ScalableDimension=DIMENSION,
        MinCapacity=2,
        MaxCapacity=5,
        Tags={"gitops-sm/managed-by": "gitops-sm"},
    )
    aas.put_scaling_policy(
        PolicyName="SageMakerEndpointInvocationScalingPolicy",
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/web/variant/v",
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=POLICY,
    )


def test_update_changing_instance_type_of_an_autoscaled_variant_is_rejected(
    boto_client: Callable[..., Any],
) -> None:
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    autoscaled_endpoint(sm, aas)
    make_config(sm, "cfg-bigger", image="img:1", instance_type="ml.m5.xlarge", variants=("v", "w"))
    with pytest.raises(ClientError) as caught:
        sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-bigger")
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith('The variant(s) "[v]" must not be registered as scalable targets')
    assert sm.describe_endpoint(EndpointName="web")["EndpointStatus"] == "InService"


def test_update_removing_an_autoscaled_variant_is_rejected(boto_client: Callable[..., Any]) -> None:
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    autoscaled_endpoint(sm, aas)
    make_config(sm, "cfg-only-w", image="img:1", instance_type="ml.m5.large", variants=("w",))
    with pytest.raises(ClientError) as caught:
        sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-only-w")
    assert '"[v]"' in caught.value.response["Error"]["Message"]


def test_model_only_update_and_update_after_deregistering_are_allowed(
    boto_client: Callable[..., Any],
) -> None:
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    autoscaled_endpoint(sm, aas)
    make_config(sm, "cfg-new-model", image="img:2", instance_type="ml.m5.large", variants=("v", "w"))
    sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-new-model")
    assert sm.describe_endpoint(EndpointName="web")["EndpointConfigName"] == "cfg-new-model"

    make_config(sm, "cfg-bigger", image="img:2", instance_type="ml.m5.xlarge", variants=("v", "w"))
    aas.deregister_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/web/variant/v", ScalableDimension=DIMENSION
    )
    # AWS: deregistering a target deletes its scaling policies.
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []
    sm.update_endpoint(EndpointName="web", EndpointConfigName="cfg-bigger")
    assert sm.describe_endpoint(EndpointName="web")["EndpointConfigName"] == "cfg-bigger"


def test_register_clamps_capacity_and_keeps_tags(boto_client: Callable[..., Any]) -> None:
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    autoscaled_endpoint(sm, aas)
    variants = {v["VariantName"]: v for v in sm.describe_endpoint(EndpointName="web")["ProductionVariants"]}
    assert variants["v"]["DesiredInstanceCount"] == 2  # MinCapacity 2 > initial count 1
    assert variants["w"]["DesiredInstanceCount"] == 1
    target = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"][0]
    arn = target["ScalableTargetARN"]
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"gitops-sm/managed-by": "gitops-sm"}
    aas.tag_resource(ResourceARN=arn, Tags={"team": "ml"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["gitops-sm/managed-by"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "ml"}


def test_targets_need_an_existing_variant_and_policies_need_a_target(boto_client: Callable[..., Any]) -> None:
    aas = boto_client("application-autoscaling")
    with pytest.raises(ClientError) as missing_variant:
        aas.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId="endpoint/none/variant/v",
            ScalableDimension=DIMENSION,
            MinCapacity=1,
            MaxCapacity=2,
        )
    assert missing_variant.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as missing_target:
        aas.put_scaling_policy(
            PolicyName="p",
            ServiceNamespace="sagemaker",
            ResourceId="endpoint/none/variant/v",
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=POLICY,
        )
    assert missing_target.value.response["Error"] == {
        "Code": "ObjectNotFoundException",
        "Message": "No scalable target registered for service namespace: sagemaker, resource ID: "
        "endpoint/none/variant/v, scalable dimension: sagemaker:variant:DesiredInstanceCount",
    } | {k: v for k, v in missing_target.value.response["Error"].items() if k not in ("Code", "Message")}


def test_delete_endpoint_deregisters_its_targets_and_policies(boto_client: Callable[..., Any]) -> None:
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    autoscaled_endpoint(sm, aas)
    sm.delete_endpoint(EndpointName="web")
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []


def test_describe_scalable_targets_paginates_every_target_once(boto_client: Callable[..., Any]) -> None:
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    variants = tuple(f"v{i}" for i in range(5))
    make_config(sm, "cfg", image="img:1", instance_type="ml.m5.large", variants=variants)
    sm.create_endpoint(EndpointName="many", EndpointConfigName="cfg")
    sm.describe_endpoint(EndpointName="many")
    for variant in variants:
        aas.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=f"endpoint/many/variant/{variant}",
            ScalableDimension=DIMENSION,
            MinCapacity=1,
            MaxCapacity=2,
        )
    paginator = aas.get_paginator("describe_scalable_targets")
    seen = [
        target["ResourceId"]
        for page in paginator.paginate(ServiceNamespace="sagemaker", PaginationConfig={"PageSize": 2})
        for target in page["ScalableTargets"]
    ]
    assert seen == [f"endpoint/many/variant/{variant}" for variant in variants]
