"""Sandbox jobs over HTTP: time-based status transitions, Failed via tag, Stop*Job, AWS error wording."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gitops_sm.sandbox import OUTCOME_TAG, SandboxServer
from tests import sandboxcalls

ROLE = "arn:aws:iam::123456789012:role/sandbox"


def create_training_job(sm: Any, name: str, *, tags: list[dict[str, str]] | None = None) -> str:
    # The sandbox's metric lines come from MetricDefinitions: this job declares one.
    return sandboxcalls.create_training_job(
        sm, name, tags=tags, HyperParameters={"max_depth": "5"},
        AlgorithmSpecification={
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1",
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "validation:auc", "Regex": "auc=(\\S+)"}],
        },
    )


def create_processing_job(sm: Any, name: str) -> None:
    sm.create_processing_job(
        ProcessingJobName=name,
        ProcessingResources={
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
        },
        AppSpecification={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:1"},
        RoleArn=ROLE,
    )


def create_transform_job(sm: Any, name: str) -> None:
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    sm.create_transform_job(
        TransformJobName=name,
        ModelName=f"{name}-model",
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in"}}
        },
        TransformOutput={"S3OutputPath": "s3://bucket/out"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_training_job_runs_through_secondary_statuses_then_completes(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=100)
    sm = boto_client("sagemaker")
    create_training_job(sm, "train-a")

    first = sm.describe_training_job(TrainingJobName="train-a")
    assert (first["TrainingJobStatus"], first["SecondaryStatus"]) == ("InProgress", "Starting")
    assert "TrainingEndTime" not in first
    assert "ModelArtifacts" not in first

    sandbox.advance_clock(50)
    middle = sm.describe_training_job(TrainingJobName="train-a")
    assert (middle["TrainingJobStatus"], middle["SecondaryStatus"]) == ("InProgress", "Training")
    listed = sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
    assert [job["TrainingJobName"] for job in listed] == ["train-a"]

    sandbox.advance_clock(51)
    done = sm.describe_training_job(TrainingJobName="train-a")
    assert (done["TrainingJobStatus"], done["SecondaryStatus"]) == ("Completed", "Completed")
    assert [t["Status"] for t in done["SecondaryStatusTransitions"]] == [
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert done["ModelArtifacts"]["S3ModelArtifacts"] == "s3://bucket/output/train-a/output/model.tar.gz"
    assert done["TrainingEndTime"] > done["CreationTime"]
    assert done["LastModifiedTime"] == done["TrainingEndTime"]
    assert sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"] == []


def test_training_job_echoes_the_request_it_was_created_with(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    create_training_job(sm, "train-echo")
    described = sm.describe_training_job(TrainingJobName="train-echo")
    assert described["AlgorithmSpecification"]["MetricDefinitions"] == [
        {"Name": "validation:auc", "Regex": "auc=(\\S+)"}
    ]
    assert described["HyperParameters"] == {"max_depth": "5"}


def test_instant_timing_completes_a_job_by_the_first_describe(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    create_training_job(sm, "train-instant")
    assert sm.describe_training_job(TrainingJobName="train-instant")["TrainingJobStatus"] == "Completed"


def test_outcome_tag_makes_a_job_fail_with_a_reason(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=10)
    sm = boto_client("sagemaker")
    create_training_job(sm, "train-bad", tags=[{"Key": OUTCOME_TAG, "Value": "Failed"}])
    assert sm.describe_training_job(TrainingJobName="train-bad")["TrainingJobStatus"] == "InProgress"
    sandbox.advance_clock(11)
    failed = sm.describe_training_job(TrainingJobName="train-bad")
    assert (failed["TrainingJobStatus"], failed["SecondaryStatus"]) == ("Failed", "Failed")
    assert failed["FailureReason"].startswith("AlgorithmError:")
    assert "ModelArtifacts" not in failed


def test_stop_training_job_goes_through_stopping_to_stopped(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=100)
    sm = boto_client("sagemaker")
    create_training_job(sm, "train-stop")
    sandbox.advance_clock(40)
    sm.stop_training_job(TrainingJobName="train-stop")
    stopping = sm.describe_training_job(TrainingJobName="train-stop")
    assert (stopping["TrainingJobStatus"], stopping["SecondaryStatus"]) == ("Stopping", "Stopping")

    code, message = error_of(lambda: sm.stop_training_job(TrainingJobName="train-stop"))
    assert (code, message) == (
        "ValidationException",
        "The request was rejected because the training job is in status Stopping.",
    )

    sandbox.advance_clock(50)
    stopped = sm.describe_training_job(TrainingJobName="train-stop")
    assert (stopped["TrainingJobStatus"], stopped["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert [t["Status"] for t in stopped["SecondaryStatusTransitions"]][-2:] == ["Stopping", "Stopped"]


def test_stopping_a_finished_or_missing_training_job_is_rejected_like_aws(
    boto_client: Callable[..., Any],
) -> None:
    sm = boto_client("sagemaker")
    create_training_job(sm, "train-done")
    assert sm.describe_training_job(TrainingJobName="train-done")["TrainingJobStatus"] == "Completed"
    assert error_of(lambda: sm.stop_training_job(TrainingJobName="train-done")) == (
        "ValidationException",
        "The request was rejected because the training job is in status Completed.",
    )
    assert error_of(lambda: sm.stop_training_job(TrainingJobName="nope")) == (
        "ValidationException",
        "Requested resource not found.",
    )
    assert error_of(lambda: sm.describe_training_job(TrainingJobName="nope")) == (
        "ValidationException",
        "Requested resource not found.",
    )


@pytest.mark.parametrize("kind", ["ProcessingJob", "TransformJob"])
def test_processing_and_transform_jobs_run_and_stop(
    kind: str, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=30)
    sm = boto_client("sagemaker")
    create = create_processing_job if kind == "ProcessingJob" else create_transform_job
    describe = getattr(sm, f"describe_{'processing' if kind == 'ProcessingJob' else 'transform'}_job")
    stop = getattr(sm, f"stop_{'processing' if kind == 'ProcessingJob' else 'transform'}_job")
    create(sm, "job-a")
    create(sm, "job-b")
    assert describe(**{f"{kind}Name": "job-a"})[f"{kind}Status"] == "InProgress"
    stop(**{f"{kind}Name": "job-a"})
    assert describe(**{f"{kind}Name": "job-a"})[f"{kind}Status"] == "Stopping"
    sandbox.advance_clock(31)
    assert describe(**{f"{kind}Name": "job-a"})[f"{kind}Status"] == "Stopped"
    assert describe(**{f"{kind}Name": "job-b"})[f"{kind}Status"] == "Completed"
    label = "processing job" if kind == "ProcessingJob" else "transform job"
    assert error_of(lambda: stop(**{f"{kind}Name": "job-b"})) == (
        "ValidationException",
        f"The request was rejected because the {label} is in status Completed.",
    )


def test_processing_job_keeps_request_fields_moto_does_not_model(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    create_processing_job(sm, "proc-echo")
    described = sm.describe_processing_job(ProcessingJobName="proc-echo")
    assert described["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.large"
    assert error_of(lambda: sm.describe_processing_job(ProcessingJobName="missing")) == (
        "ValidationException",
        "Could not find requested job with name missing",
    )
