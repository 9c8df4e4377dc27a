"""One resource's failure is recorded on it, skips its dependents, and does not stop the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from test_execute_steps import REGION, CallRecorder, change, hosting_steps, plan_of, training_step

from gitops_sm import kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.execute import CODE_DEPENDENCY_FAILED, Outcome, StepStatus, execute
from gitops_sm.model import Step

WEB = "HostingDeployment/default/web"
HAP = "HostingAutoscalingPolicy/default/web-scaling"
JOB = "TrainingJob/default/mnist"


@pytest.fixture
def recorded(aws_env: Any) -> tuple[ClientFactory, CallRecorder]:
    session = boto3.Session(region_name=REGION)
    recorder = CallRecorder(session)
    return ClientFactory(session=session, max_attempts=1), recorder


def broken_hosting() -> tuple[Step, ...]:
    """Model, then an endpoint whose config was never created: the simulator rejects it."""
    model, config, endpoint = hosting_steps("web", WEB, "1234abcd99")
    missing = Step(
        service=endpoint.service,
        call=endpoint.call,
        region=endpoint.region,
        target=endpoint.target,
        params={**endpoint.params, "EndpointConfigName": "web-never-created"},
    )
    return (model, missing, config)


def hap_step() -> Step:
    return Step(
        service=kinds.AUTOSCALING,
        call="RegisterScalableTarget",
        region=REGION,
        target="endpoint/web/variant/v1",
        params={
            "ServiceNamespace": "sagemaker",
            "ResourceId": "endpoint/web/variant/v1",
            "ScalableDimension": kinds.HAP_DEFAULT_SCALABLE_DIMENSION,
            "MinCapacity": 1,
            "MaxCapacity": 2,
        },
    )


def test_a_failed_step_stops_its_change_and_its_dependents_but_not_the_others(
    recorded: tuple[ClientFactory, CallRecorder], boto_client: Callable[..., Any]
) -> None:
    clients, recorder = recorded
    plan = plan_of(
        change(WEB, broken_hosting()),
        change(HAP, (hap_step(),), depends_on=(WEB,)),
        change("Other/default/after-hap", (hap_step(),), depends_on=(HAP,)),
        change(JOB, (training_step("mnist-0a1b2c3d", JOB, "0a1b2c3d99"),)),
    )

    result = execute(plan, clients=clients)

    assert not result.ok
    web = result.get(WEB)
    assert web is not None and web.outcome is Outcome.FAILED
    assert web.error_code == "ValidationException"
    assert "CreateEndpoint web" in web.error_message
    assert [s.status for s in web.steps] == [StepStatus.DONE, StepStatus.FAILED, StepStatus.NOT_RUN]
    for skipped in (HAP, "Other/default/after-hap"):
        outcome = result.get(skipped)
        assert outcome is not None and outcome.outcome is Outcome.SKIPPED, skipped
        assert outcome.error_code == CODE_DEPENDENCY_FAILED
        assert outcome.mutating_calls == 0
    job = result.get(JOB)
    assert job is not None and job.outcome is Outcome.APPLIED
    assert boto_client("sagemaker").describe_training_job(TrainingJobName="mnist-0a1b2c3d")[
        "TrainingJobStatus"
    ]
    # Exactly the steps that ran: model, the failed endpoint, the job. Nothing for skipped changes.
    assert [c[1] for c in recorder.calls] == ["CreateModel", "CreateEndpoint", "CreateTrainingJob"]
    assert result.mutating_calls == 3
    assert [c.address for c in result.failed] == [WEB]
    assert [c.address for c in result.skipped] == [HAP, "Other/default/after-hap"]


def test_an_unreachable_endpoint_fails_only_the_resources_that_use_it(
    recorded: tuple[ClientFactory, CallRecorder],
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    del recorded  # a factory of its own: the operator allows this loopback endpoint (issue 7)
    clients = ClientFactory(session=boto3.Session(region_name=REGION), max_attempts=1, allowed_endpoint_urls=[dead])
    far = training_step("far-22222222", "TrainingJob/default/far", "22222222bb")
    far = Step(
        service=far.service,
        call=far.call,
        region="eu-west-1",
        target=far.target,
        params=far.params,
        endpoint_url=dead,
    )
    plan = plan_of(
        change("TrainingJob/default/far", (far,)),
        change(JOB, (training_step("mnist-0a1b2c3d", JOB, "0a1b2c3d99"),)),
    )

    result = execute(plan, clients=clients)

    far_result = result.get("TrainingJob/default/far")
    assert far_result is not None and far_result.outcome is Outcome.FAILED
    assert far_result.error_code == "EndpointConnectionError"
    job = result.get(JOB)
    assert job is not None and job.outcome is Outcome.APPLIED
