"""Literal builders for pure planner tests: desired resources and observed state by hand.

The planner is pure, so its tests build its inputs directly instead of talking to AWS. These
helpers only fill in the boring fields; each test states the facts it depends on.
"""

from __future__ import annotations

from typing import Any

from gitops_sm import kinds
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    Address,
    AwsRequest,
    DesiredResource,
    Issue,
    LoadResult,
    ObservedResource,
    ObservedState,
    ObservedType,
    SourceLocation,
)

REGION = "us-east-1"


def our_tags(address: str, spec_hash: str, **extra: str) -> dict[str, str]:
    return {
        kinds.TAG_MANAGED_BY: kinds.TAG_MANAGED_BY_VALUE,
        kinds.TAG_ADDRESS: address,
        kinds.TAG_SPEC_HASH: spec_hash,
        **extra,
    }


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def training_job(
    name: str = "xgb",
    *,
    spec_hash: str = "aaaaaaaa11111111",
    explicit: str | None = None,
    namespace: str = "default",
    annotations: dict[str, str] | None = None,
    line: int = 1,
) -> DesiredResource:
    address = Address(kind="TrainingJob", namespace=namespace, name=name)
    job_name = explicit or f"{name}-{spec_hash[:8]}"
    params: dict[str, Any] = {
        "TrainingJobName": job_name,
        "RoleArn": "arn:aws:iam::111122223333:role/sm",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": tag_list(our_tags(str(address), spec_hash)),
    }
    return DesiredResource(
        address=address,
        kind=Kind.TRAINING_JOB,
        manifest_kind="TrainingJob",
        api_version=kinds.API_V1,
        source=SourceLocation(path=f"jobs/{name}.yaml", line=line),
        region=None,
        endpoint_url=None,
        spec_hash=spec_hash,
        explicit_name=explicit is not None,
        names={"job": job_name},
        requests=(AwsRequest(service=kinds.SAGEMAKER, operation="CreateTrainingJob", params=params),),
        annotations=annotations or {},
    )


def hosting_deployment(
    name: str = "web",
    *,
    spec_hash: str = "bbbbbbbb22222222",
    instance_type: str = "ml.m5.large",
    models: tuple[str, ...] = ("m1",),
) -> DesiredResource:
    address = Address(kind="HostingDeployment", namespace="default", name=name)
    tags = tag_list(our_tags(str(address), spec_hash))
    model_names = {m: f"{name}-{m}-{spec_hash[:8]}" for m in models}
    config = f"{name}-{spec_hash[8:16]}"
    requests = [
        AwsRequest(
            service=kinds.SAGEMAKER,
            operation="CreateModel",
            params={"ModelName": model_names[m], "ExecutionRoleArn": "arn:aws:iam::111122223333:role/sm",
                    "PrimaryContainer": {"Image": "img"}, "Tags": tags},
        )
        for m in models
    ]
    variants = [
        {"VariantName": f"v-{m}", "ModelName": model_names[m], "InitialInstanceCount": 1,
         "InstanceType": instance_type, "InitialVariantWeight": 1.0}
        for m in models
    ]
    requests.append(AwsRequest(service=kinds.SAGEMAKER, operation="CreateEndpointConfig",
                               params={"EndpointConfigName": config, "ProductionVariants": variants, "Tags": tags}))
    requests.append(AwsRequest(service=kinds.SAGEMAKER, operation="CreateEndpoint",
                               params={"EndpointName": name, "EndpointConfigName": config, "Tags": tags}))
    names = {"endpoint": name, "endpoint_config": config, **{f"model:{m}": n for m, n in model_names.items()}}
    return DesiredResource(
        address=address, kind=Kind.HOSTING_DEPLOYMENT, manifest_kind="HostingDeployment", api_version=kinds.API_V1,
        source=SourceLocation(path=f"hosting/{name}.yaml", line=1), region=None, endpoint_url=None,
        spec_hash=spec_hash, explicit_name=False, names=names, requests=tuple(requests),
    )


def hap(
    name: str = "web-scaling",
    *,
    endpoint: str = "web",
    variants: tuple[str, ...] = ("v-m1",),
    max_capacity: int = 4,
    spec_hash: str = "cccccccc33333333",
) -> DesiredResource:
    address = Address(kind="HostingAutoscalingPolicy", namespace="default", name=name)
    requests: list[AwsRequest] = []
    names: dict[str, str] = {}
    for variant in variants:
        rid = f"endpoint/{endpoint}/variant/{variant}"
        names[f"target:{rid}"] = rid
        names[f"policy:{rid}"] = kinds.HAP_DEFAULT_POLICY_NAME
        requests.append(AwsRequest(service=kinds.AUTOSCALING, operation="RegisterScalableTarget", params={
            "ServiceNamespace": "sagemaker", "ResourceId": rid,
            "ScalableDimension": kinds.HAP_DEFAULT_SCALABLE_DIMENSION, "MinCapacity": 1, "MaxCapacity": max_capacity,
            "Tags": our_tags(str(address), spec_hash)}))
        requests.append(AwsRequest(service=kinds.AUTOSCALING, operation="PutScalingPolicy", params={
            "PolicyName": kinds.HAP_DEFAULT_POLICY_NAME, "ServiceNamespace": "sagemaker", "ResourceId": rid,
            "ScalableDimension": kinds.HAP_DEFAULT_SCALABLE_DIMENSION, "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 60.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}}))
    return DesiredResource(
        address=address, kind=Kind.HOSTING_AUTOSCALING_POLICY, manifest_kind="HostingAutoscalingPolicy",
        api_version=kinds.API_V1, source=SourceLocation(path=f"hosting/{name}.yaml", line=1), region=None,
        endpoint_url=None, spec_hash=spec_hash, explicit_name=False, names=names, requests=tuple(requests),
    )


def observed_job(
    name: str, status: str, *, tags: dict[str, str] | None, type_: ObservedType = ObservedType.TRAINING_JOB
) -> ObservedResource:
    return ObservedResource(type=type_, region=REGION, name=name, status=status, tags=tags,
                            arn=f"arn:aws:sagemaker:{REGION}:111122223333:training-job/{name}")


def observed(*resources: ObservedResource, listed_all: bool = True, errors: tuple[Issue, ...] = ()) -> ObservedState:
    listed = frozenset((REGION, t.value) for t in ObservedType) if listed_all else frozenset()
    return ObservedState(resources=tuple(resources), listed=listed, errors=errors)


def load(*resources: DesiredResource, issues: tuple[Issue, ...] = ()) -> LoadResult:
    return LoadResult(root="specs", resources=tuple(resources), issues=issues, skipped=(), documents=(),
                      specs_digest="sha256:test")
