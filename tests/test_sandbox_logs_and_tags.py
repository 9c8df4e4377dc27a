"""Sandbox CloudWatch Logs of running jobs, and SageMaker tags on every resource kind we create."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gitops_sm.sandbox import SandboxServer
from tests import sandboxcalls

ROLE = "arn:aws:iam::123456789012:role/sandbox"
GROUP = "/aws/sagemaker/TrainingJobs"


def create_training_job(sm: Any, name: str) -> str:
    return sandboxcalls.create_training_job(sm, name, tags=[{"Key": "gitops-sm/managed-by", "Value": "gitops-sm"}])


def messages(logs: Any, stream: str) -> list[str]:
    events = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True)["events"]
    return [event["message"] for event in events]


def test_training_job_writes_log_lines_as_it_runs(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=100)
    sm, logs = boto_client("sagemaker"), boto_client("logs")
    create_training_job(sm, "train-logs")
    streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="train-logs/")["logStreams"]
    assert len(streams) == 1
    stream = streams[0]["logStreamName"]
    assert stream.startswith("train-logs/algo-1-")
    early = messages(logs, stream)
    assert early == ["[sandbox] Starting: Preparing the instances for training"]

    sandbox.advance_clock(101)
    # A Logs request alone (what `logs --follow` makes) brings the job's lines up to date.
    full = messages(logs, stream)
    assert full[0] == early[0]
    assert any(line.startswith("#metrics epoch=3") for line in full)
    assert full[-1] == "[sandbox] Completed: Training job completed"
    assert messages(logs, stream) == full  # nothing is written twice


def test_tags_on_every_kind_we_create_can_be_listed_and_updated(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    ours = [{"Key": "gitops-sm/managed-by", "Value": "gitops-sm"}]
    arns = [create_training_job(sm, "tagged-job")]
    arns.append(
        sm.create_model(
            ModelName="tagged-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "i"}, Tags=ours
        )["ModelArn"]
    )
    arns.append(
        sm.create_endpoint_config(
            EndpointConfigName="tagged-config",
            ProductionVariants=[
                {
                    "VariantName": "v",
                    "ModelName": "tagged-model",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
            Tags=ours,
        )["EndpointConfigArn"]
    )
    arns.append(
        sm.create_endpoint(EndpointName="tagged-ep", EndpointConfigName="tagged-config", Tags=ours)[
            "EndpointArn"
        ]
    )
    arns.append(
        sm.create_processing_job(
            ProcessingJobName="tagged-proc",
            ProcessingResources={
                "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
            },
            AppSpecification={"ImageUri": "p:1"},
            RoleArn=ROLE,
            Tags=ours,
        )["ProcessingJobArn"]
    )
    for arn in arns:
        assert sm.list_tags(ResourceArn=arn)["Tags"] == ours, arn
        sm.add_tags(
            ResourceArn=arn,
            Tags=[{"Key": "gitops-sm/managed-by", "Value": "adopted"}, {"Key": "x", "Value": "1"}],
        )
        assert sm.list_tags(ResourceArn=arn)["Tags"] == [
            {"Key": "gitops-sm/managed-by", "Value": "adopted"},
            {"Key": "x", "Value": "1"},
        ], arn


def test_list_tags_of_a_missing_resource_is_a_client_error(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    with pytest.raises(ClientError) as caught:
        sm.list_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:endpoint/ghost")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
