"""Sandbox: creating a resource whose name exists fails as on AWS instead of overwriting it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/sandbox"
ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012"


def _training(sm: Any, name: str, image: str) -> None:
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://bucket/output"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )


def _processing(sm: Any, name: str, image: str) -> None:
    sm.create_processing_job(
        ProcessingJobName=name,
        ProcessingResources={
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
        },
        AppSpecification={"ImageUri": image},
        RoleArn=ROLE,
    )


def _transform(sm: Any, name: str, image: str) -> None:
    if not sm.list_models(NameContains="shared-model")["Models"]:
        sm.create_model(ModelName="shared-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": image})
    sm.create_transform_job(
        TransformJobName=name,
        ModelName="shared-model",
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://b/{image}"}}
        },
        TransformOutput={"S3OutputPath": "s3://bucket/out"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )


def _tuning(sm: Any, name: str, image: str) -> None:
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/hpo"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    )


@pytest.mark.parametrize(
    ("create", "describe", "label", "arn_kind"),
    [
        (_training, "describe_training_job", "training job", "training-job"),
        (_processing, "describe_processing_job", "processing job", "processing-job"),
        (_transform, "describe_transform_job", "transform job", "transform-job"),
        (
            _tuning,
            "describe_hyper_parameter_tuning_job",
            "hyperparameter tuning job",
            "hyper-parameter-tuning-job",
        ),
    ],
)
def test_duplicate_job_is_resource_in_use_and_keeps_the_first(
    create: Callable[[Any, str, str], None],
    describe: str,
    label: str,
    arn_kind: str,
    boto_client: Callable[..., Any],
) -> None:
    sm = boto_client("sagemaker")
    create(sm, "dup-job", "first:1")
    before = getattr(sm, describe)(**_name_arg(describe, "dup-job"))
    with pytest.raises(ClientError) as caught:
        create(sm, "dup-job", "second:2")
    error = caught.value.response["Error"]
    assert error["Code"] == "ResourceInUse"
    title = label[0].upper() + label[1:]
    assert error["Message"] == (
        f"{title} names must be unique within an AWS account and region, and a {label} with this "
        f"name already exists ({ARN_PREFIX}:{arn_kind}/dup-job)"
    )
    after = getattr(sm, describe)(**_name_arg(describe, "dup-job"))
    assert after["CreationTime"] == before["CreationTime"]


def _name_arg(describe: str, name: str) -> dict[str, str]:
    noun = {
        "describe_training_job": "TrainingJobName",
        "describe_processing_job": "ProcessingJobName",
        "describe_transform_job": "TransformJobName",
        "describe_hyper_parameter_tuning_job": "HyperParameterTuningJobName",
    }[describe]
    return {noun: name}


def test_duplicate_model_endpoint_config_and_endpoint_are_validation_errors(
    boto_client: Callable[..., Any],
) -> None:
    sm = boto_client("sagemaker")
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    variants = [
        {"VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
    ]
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=variants)
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c")

    attempts = [
        (
            lambda: sm.create_model(
                ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:2"}
            ),
            f'Cannot create already existing model "{ARN_PREFIX}:model/m".',
        ),
        (
            lambda: sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=variants),
            f'Cannot create already existing endpoint configuration "{ARN_PREFIX}:endpoint-config/c".',
        ),
        (
            lambda: sm.create_endpoint(EndpointName="e", EndpointConfigName="c"),
            f'Cannot create already existing endpoint "{ARN_PREFIX}:endpoint/e".',
        ),
    ]
    for attempt, message in attempts:
        with pytest.raises(ClientError) as caught:
            attempt()
        assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": message} | {
            key: value
            for key, value in caught.value.response["Error"].items()
            if key not in ("Code", "Message")
        }
    assert sm.describe_model(ModelName="m")["PrimaryContainer"]["Image"] == "img:1"
