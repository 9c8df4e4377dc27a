"""A re-run pass finds its own earlier work: duplicate creates, stops and deletes that are already done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from test_execute_steps import REGION, CallRecorder, change, our_tags, plan_of, training_step

from gitops_sm import kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.execute import CODE_OWNERSHIP_CONFLICT, Outcome, StepStatus, execute
from gitops_sm.model import Action, Step

ADDRESS = "TrainingJob/default/mnist"
JOB = "mnist-0a1b2c3d"


@pytest.fixture
def recorded(aws_env: Any) -> tuple[ClientFactory, CallRecorder]:
    session = boto3.Session(region_name=REGION)
    recorder = CallRecorder(session)
    return ClientFactory(session=session, max_attempts=1), recorder


def seed_job(boto_client: Callable[..., Any], tags: list[dict[str, str]]) -> None:
    step = training_step(JOB, ADDRESS, "unused")
    boto_client("sagemaker").create_training_job(**{**step.params, "Tags": tags})


def stop_step(name: str = JOB) -> Step:
    return Step(
        service=kinds.SAGEMAKER,
        call="StopTrainingJob",
        region=REGION,
        target=name,
        params={"TrainingJobName": name},
    )


def test_duplicate_create_of_our_job_with_the_same_spec_hash_is_success(
    recorded: tuple[ClientFactory, CallRecorder], boto_client: Callable[..., Any]
) -> None:
    clients, recorder = recorded
    seed_job(boto_client, our_tags(ADDRESS, "0a1b2c3d99"))

    result = execute(plan_of(change(ADDRESS, (training_step(JOB, ADDRESS, "0a1b2c3d99"),))), clients=clients)

    step = result.changes[0].steps[0]
    assert result.ok, result.to_json()
    assert step.status is StepStatus.ALREADY_DONE
    assert step.verification_reads == ("DescribeTrainingJob", "ListTags")
    assert [c[1] for c in recorder.mutations()] == ["CreateTrainingJob"]  # still one mutating call
    assert [c[1] for c in recorder.calls] == ["CreateTrainingJob", "DescribeTrainingJob", "ListTags"]


def test_duplicate_create_of_a_job_without_our_tags_is_a_conflict(
    recorded: tuple[ClientFactory, CallRecorder], boto_client: Callable[..., Any]
) -> None:
    clients, _ = recorded
    seed_job(boto_client, [{"Key": "team", "Value": "ml"}])

    result = execute(plan_of(change(ADDRESS, (training_step(JOB, ADDRESS, "0a1b2c3d99"),))), clients=clients)

    outcome = result.changes[0]
    assert outcome.outcome is Outcome.FAILED
    assert outcome.error_code == CODE_OWNERSHIP_CONFLICT
    assert "not managed by gitops-sm" in outcome.error_message
    tags = boto_client("sagemaker").list_tags(
        ResourceArn=boto_client("sagemaker").describe_training_job(TrainingJobName=JOB)["TrainingJobArn"]
    )["Tags"]
    assert tags == [{"Key": "team", "Value": "ml"}]  # the foreign job was not touched


def test_duplicate_create_of_our_job_from_another_spec_is_a_conflict(
    recorded: tuple[ClientFactory, CallRecorder], boto_client: Callable[..., Any]
) -> None:
    clients, _ = recorded
    seed_job(boto_client, our_tags(ADDRESS, "ffffffff00"))

    result = execute(plan_of(change(ADDRESS, (training_step(JOB, ADDRESS, "0a1b2c3d99"),))), clients=clients)

    assert result.changes[0].error_code == CODE_OWNERSHIP_CONFLICT
    assert "ffffffff00" in result.changes[0].error_message


def test_stop_of_a_running_job_stops_it(
    recorded: tuple[ClientFactory, CallRecorder],
    boto_client: Callable[..., Any],
    sandbox_timing: Callable[..., None],
) -> None:
    sandbox_timing(job_seconds=3600)
    clients, recorder = recorded
    seed_job(boto_client, our_tags(ADDRESS, "11111111aa"))

    result = execute(plan_of(change(ADDRESS, (stop_step(),), action=Action.STOP)), clients=clients)

    assert result.ok, result.to_json()
    assert result.changes[0].steps[0].status is StepStatus.DONE
    status = boto_client("sagemaker").describe_training_job(TrainingJobName=JOB)["TrainingJobStatus"]
    assert status in ("Stopping", "Stopped")
    assert [c[1] for c in recorder.calls] == ["StopTrainingJob"]


def test_stop_of_a_completed_job_is_success(
    recorded: tuple[ClientFactory, CallRecorder], boto_client: Callable[..., Any]
) -> None:
    clients, _ = recorded
    seed_job(boto_client, our_tags(ADDRESS, "11111111aa"))  # instant timing: already Completed

    result = execute(plan_of(change(ADDRESS, (stop_step(),), action=Action.STOP)), clients=clients)

    assert result.ok, result.to_json()
    step = result.changes[0].steps[0]
    assert step.status is StepStatus.ALREADY_DONE
    assert "Completed" in step.note


def test_stop_of_a_job_that_does_not_exist_fails(recorded: tuple[ClientFactory, CallRecorder]) -> None:
    clients, _ = recorded

    result = execute(
        plan_of(change(ADDRESS, (stop_step("never-made"),), action=Action.STOP)), clients=clients
    )

    assert not result.ok
    assert result.changes[0].error_code  # the AWS code of the failed stop


def test_deleting_what_is_already_gone_is_success(recorded: tuple[ClientFactory, CallRecorder]) -> None:
    clients, recorder = recorded
    steps = (
        Step(
            service=kinds.AUTOSCALING,
            call="DeleteScalingPolicy",
            region=REGION,
            target="endpoint/web/variant/v1",
            params={
                "PolicyName": kinds.HAP_DEFAULT_POLICY_NAME,
                "ServiceNamespace": "sagemaker",
                "ResourceId": "endpoint/web/variant/v1",
                "ScalableDimension": kinds.HAP_DEFAULT_SCALABLE_DIMENSION,
            },
        ),
        Step(
            service=kinds.SAGEMAKER,
            call="DeleteEndpoint",
            region=REGION,
            target="web",
            params={"EndpointName": "web"},
        ),
        Step(
            service=kinds.SAGEMAKER,
            call="DeleteModel",
            region=REGION,
            target="web-m1",
            params={"ModelName": "web-m1"},
        ),
    )

    result = execute(
        plan_of(change("HostingDeployment/default/web", steps, action=Action.DELETE)), clients=clients
    )

    assert result.ok, result.to_json()
    assert [s.status for s in result.changes[0].steps] == [StepStatus.ALREADY_DONE] * 3
    assert [c[1] for c in recorder.calls] == ["DeleteScalingPolicy", "DeleteEndpoint", "DeleteModel"]
