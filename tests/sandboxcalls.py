"""Requests made straight to the simulator with boto3, shared by the tests of its behaviour.

The sandbox tests (``test_sandbox_*``, ``test_observe_jobs``) create jobs the way any SageMaker
client would, without gitops-sm in between; this module is the one place their request is written.
"""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/sandbox"


def create_training_job(sm: Any, name: str, *, tags: list[dict[str, str]] | None = None, **members: Any) -> str:
    """Create training job ``name`` through the boto3 client ``sm``; ``members`` replace request
    members of the default request (``AlgorithmSpecification=…``, ``HyperParameters=…``). Its ARN."""
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": "xgb:1", "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": tags or [],
        **members,
    }
    return str(sm.create_training_job(**request)["TrainingJobArn"])
