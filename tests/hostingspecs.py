"""Shared builders for hosting tests against the simulator: manifests, passes, and AWS reads.

The endpoint ``shop`` has two variants: ``blue`` (autoscaled by the HostingAutoscalingPolicy
``shop-scaling``, MinCapacity 1, MaxCapacity 6) and ``green`` (fixed count). Used by the
hosting sequence, capacity and crash-matrix tests; each test states what it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from gitops_sm import app, kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.botocoredata import new_botocore_session
from gitops_sm.execute import ApplyResult
from gitops_sm.model import Plan
from tests.jobspecs import REGION, CallRecorder, write_spec

ENDPOINT = "shop"
HD = "HostingDeployment/default/shop"
HAP = "HostingAutoscalingPolicy/default/shop-scaling"
BLUE = f"endpoint/{ENDPOINT}/variant/blue"
ROLE = "arn:aws:iam::111122223333:role/sagemaker-execution"


def hosting_manifest(
    *,
    blue_type: str = "ml.c5.xlarge",
    green_image: str = "683313688378.dkr.ecr.us-east-1.amazonaws.com/green:1",
    green_count: int = 1,
    tags: Mapping[str, str] | None = None,
    documented_format: bool = False,
) -> dict[str, Any]:
    """The v1 HostingDeployment, in the CRD's inline format or the user guide's hostname format."""
    blue_container = {"containerHostname": "blue", "image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/blue:1",
                      "modelDataUrl": "s3://bucket/blue/model.tar.gz"}
    green_container = {"containerHostname": "green", "image": green_image,
                       "modelDataUrl": "s3://bucket/green/model.tar.gz"}
    if documented_format:
        models: list[dict[str, Any]] = [
            {"name": "blue-model", "executionRoleArn": ROLE, "containers": ["blue"], "primaryContainer": "blue"},
            {"name": "green-model", "executionRoleArn": ROLE, "containers": ["green"], "primaryContainer": "green"},
        ]
        extra: dict[str, Any] = {"containers": [blue_container, green_container]}
    else:
        models = [
            {"name": "blue-model", "executionRoleArn": ROLE, "containers": [blue_container]},
            {"name": "green-model", "executionRoleArn": ROLE, "containers": [green_container]},
        ]
        extra = {}
    spec: dict[str, Any] = {
        "region": REGION,
        "productionVariants": [
            {"variantName": "blue", "modelName": "blue-model", "initialInstanceCount": 2,
             "instanceType": blue_type, "initialVariantWeight": 1},
            {"variantName": "green", "modelName": "green-model", "initialInstanceCount": green_count,
             "instanceType": "ml.m5.large", "initialVariantWeight": 1},
        ],
        "models": models,
        **extra,
    }
    if tags:
        spec["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    return {"apiVersion": kinds.API_V1, "kind": "HostingDeployment", "metadata": {"name": ENDPOINT}, "spec": spec}


def hap_manifest() -> dict[str, Any]:
    return {
        "apiVersion": kinds.API_V1,
        "kind": "HostingAutoscalingPolicy",
        "metadata": {"name": "shop-scaling"},
        "spec": {
            "region": REGION,
            "resourceId": [{"endpointName": ENDPOINT, "variantName": "blue"}],
            "minCapacity": 1,
            "maxCapacity": 6,
            "targetTrackingScalingPolicyConfiguration": {
                "targetValue": 70.0,
                "predefinedMetricSpecification": {"predefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            },
        },
    }


def write_hosting(root: Path, *, with_hap: bool = True, **hosting: Any) -> Path:
    write_spec(root, "hosting.yaml", hosting_manifest(**hosting))
    if with_hap:
        write_spec(root, "autoscaling.yaml", hap_manifest())
    elif (root / "autoscaling.yaml").exists():
        (root / "autoscaling.yaml").unlink()
    return root


@dataclass
class Passes:
    """In-process passes (plan, then apply) whose every AWS call is recorded, in order."""

    root: Path
    prune: bool = False

    def __post_init__(self) -> None:
        session = boto3.Session(botocore_session=new_botocore_session())  # service models parsed once
        self.recorder = CallRecorder(session)
        self.clients = ClientFactory(session=session, region=REGION, max_attempts=1)

    @property
    def settings(self) -> app.Settings:
        return app.Settings(region=REGION, prune=self.prune)

    def plan(self) -> Plan:
        return app.plan_pass(spec_root=self.root, settings=self.settings, clients=self.clients).plan

    def apply(self) -> tuple[Plan, ApplyResult | None]:
        the_plan = self.plan()
        if not the_plan.has_changes:
            return the_plan, None
        result = app.apply_plan(the_plan=the_plan, clients=self.clients, allow_errors=True)
        assert result.ok, [(c.address, c.error_message) for c in result.changes if c.error_message]
        return the_plan, result

    def mutations(self) -> list[str]:
        """Every mutating call made so far (``Operation target``), reads left out."""
        return [c.operation for c in self.recorder.calls if not c.operation.startswith(("Describe", "List"))]


def change_of(the_plan: Plan, address: str) -> Any:
    return next(c for c in the_plan.resource_changes if c.address == address)


# --------------------------------------------------------------------------- reading AWS


def endpoint_state(sm: Any) -> dict[str, Any]:
    described = sm.describe_endpoint(EndpointName=ENDPOINT)
    return {
        "status": described["EndpointStatus"],
        "config": described["EndpointConfigName"],
        "counts": {v["VariantName"]: v.get("DesiredInstanceCount") for v in described["ProductionVariants"]},
        "failure": described.get("FailureReason"),
    }


def autoscaling_state(aas: Any) -> dict[str, Any]:
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    return {
        "targets": sorted((t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets),
        "policies": sorted((p["ResourceId"], p["PolicyName"]) for p in policies),
    }


def hosting_names(sm: Any) -> dict[str, list[str]]:
    return {
        "endpoints": sorted(e["EndpointName"] for e in sm.list_endpoints(MaxResults=100)["Endpoints"]),
        "configs": sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]),
        "models": sorted(m["ModelName"] for m in sm.list_models(MaxResults=100)["Models"]),
    }


def set_capacity(sm: Any, variant: str, count: int) -> None:
    """What Application Auto Scaling does when it scales a variant."""
    sm.update_endpoint_weights_and_capacities(
        EndpointName=ENDPOINT, DesiredWeightsAndCapacities=[{"VariantName": variant, "DesiredInstanceCount": count}]
    )
