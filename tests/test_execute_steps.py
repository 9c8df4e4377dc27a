"""execute() makes exactly the plan's steps, in order, and reports them (calls recorded over HTTP)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from gitops_sm import kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.errors import PlanError
from gitops_sm.execute import ExecEvent, ExecEventKind, Outcome, StepStatus, execute
from gitops_sm.model import Action, Plan, PlanSource, ResourceChange, Step

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sm"


def our_tags(address: str, spec_hash: str) -> list[dict[str, str]]:
    return [
        {"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE},
        {"Key": kinds.TAG_ADDRESS, "Value": address},
        {"Key": kinds.TAG_SPEC_HASH, "Value": spec_hash},
    ]


def training_step(name: str, address: str, spec_hash: str) -> Step:
    return Step(
        service=kinds.SAGEMAKER,
        call="CreateTrainingJob",
        region=REGION,
        target=name,
        params={
            "TrainingJobName": name,
            "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "Tags": our_tags(address, spec_hash),
        },
    )


def hosting_steps(endpoint: str, address: str, spec_hash: str) -> tuple[Step, ...]:
    tags = our_tags(address, spec_hash)
    model, config = f"{endpoint}-m1-{spec_hash[:8]}", f"{endpoint}-{spec_hash[:8]}"
    return (
        Step(
            service=kinds.SAGEMAKER,
            call="CreateModel",
            region=REGION,
            target=model,
            params={
                "ModelName": model,
                "ExecutionRoleArn": ROLE,
                "PrimaryContainer": {"Image": "img"},
                "Tags": tags,
            },
        ),
        Step(
            service=kinds.SAGEMAKER,
            call="CreateEndpointConfig",
            region=REGION,
            target=config,
            params={
                "EndpointConfigName": config,
                "ProductionVariants": [
                    {
                        "VariantName": "v1",
                        "ModelName": model,
                        "InitialInstanceCount": 1,
                        "InstanceType": "ml.m5.large",
                    }
                ],
                "Tags": tags,
            },
        ),
        Step(
            service=kinds.SAGEMAKER,
            call="CreateEndpoint",
            region=REGION,
            target=endpoint,
            params={"EndpointName": endpoint, "EndpointConfigName": config, "Tags": tags},
        ),
    )


def autoscaling_steps(endpoint: str) -> tuple[Step, ...]:
    rid = f"endpoint/{endpoint}/variant/v1"
    common = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": rid,
        "ScalableDimension": kinds.HAP_DEFAULT_SCALABLE_DIMENSION,
    }
    return (
        Step(
            service=kinds.AUTOSCALING,
            call="RegisterScalableTarget",
            region=REGION,
            target=rid,
            params={**common, "MinCapacity": 1, "MaxCapacity": 3},
        ),
        Step(
            service=kinds.AUTOSCALING,
            call="PutScalingPolicy",
            region=REGION,
            target=rid,
            params={
                **common,
                "PolicyName": kinds.HAP_DEFAULT_POLICY_NAME,
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": 60.0,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                    },
                },
            },
        ),
    )


def change(
    address: str, steps: tuple[Step, ...], *, depends_on: tuple[str, ...] = (), action: Action = Action.CREATE
) -> ResourceChange:
    return ResourceChange(
        address=address,
        kind=address.split("/")[0],
        api_version=kinds.API_V1,
        source=None,
        region=REGION,
        names={},
        actions=(action,),
        reason="test",
        depends_on=depends_on,
        steps=steps,
    )


def plan_of(*changes: ResourceChange) -> Plan:
    return Plan(
        source=PlanSource(path="specs", commit=None, specs_digest="sha256:specs"),
        observed_digest="sha256:observed",
        resource_changes=changes,
    )


class CallRecorder:
    """Every API call any client of ``session`` makes, with its parameters, via botocore's hooks."""

    def __init__(self, session: boto3.Session) -> None:
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self._params: list[dict[str, Any]] = []
        events = session.events  # every client created from the session copies these handlers
        events.register("before-parameter-build", self._on_params)
        events.register("before-call", self._on_call)

    def _on_params(self, params: dict[str, Any], **_: Any) -> None:
        self._params.append(copy.deepcopy(params))

    def _on_call(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        self.calls.append((service, model.name, context.get("client_region", ""), self._params.pop()))

    def mutations(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        return [c for c in self.calls if not c[1].startswith(("Describe", "List"))]


@pytest.fixture
def recorded(aws_env: Any) -> tuple[ClientFactory, CallRecorder]:
    session = boto3.Session(region_name=REGION)
    recorder = CallRecorder(session)
    return ClientFactory(session=session, max_attempts=1), recorder


def test_every_mutating_call_is_a_plan_step_in_plan_order(
    recorded: tuple[ClientFactory, CallRecorder],
) -> None:
    clients, recorder = recorded
    plan = plan_of(
        change(
            "HostingDeployment/default/web",
            hosting_steps("web", "HostingDeployment/default/web", "1234abcd99"),
        ),
        change(
            "HostingAutoscalingPolicy/default/web-scaling",
            autoscaling_steps("web"),
            depends_on=("HostingDeployment/default/web",),
        ),
        change(
            "TrainingJob/default/mnist",
            (training_step("mnist-0a1b2c3d", "TrainingJob/default/mnist", "0a1b2c3d99"),),
        ),
    )

    result = execute(plan, clients=clients)

    assert result.ok, result.to_json()
    expected = [(step.service, step.call, step.region, dict(step.params)) for _, step in plan.steps()]
    assert recorder.calls == expected  # no read at all on the happy path
    assert result.mutating_calls == len(expected) == 6
    assert result.verification_reads == 0
    assert clients.counter.total == 6


def test_a_created_job_exists_with_our_tags(
    recorded: tuple[ClientFactory, CallRecorder], boto_client: Callable[..., Any]
) -> None:
    clients, _ = recorded
    plan = plan_of(
        change(
            "TrainingJob/default/mnist",
            (training_step("mnist-0a1b2c3d", "TrainingJob/default/mnist", "0a1b2c3d99"),),
        )
    )

    result = execute(plan, clients=clients)

    assert result.get("TrainingJob/default/mnist") is not None
    assert result.changes[0].outcome is Outcome.APPLIED
    assert result.changes[0].steps[0].status is StepStatus.DONE
    sm = boto_client("sagemaker")
    arn = sm.describe_training_job(TrainingJobName="mnist-0a1b2c3d")["TrainingJobArn"]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags[kinds.TAG_MANAGED_BY] == kinds.TAG_MANAGED_BY_VALUE
    assert tags[kinds.TAG_SPEC_HASH] == "0a1b2c3d99"


def test_progress_events_and_the_json_report(recorded: tuple[ClientFactory, CallRecorder]) -> None:
    clients, _ = recorded
    events: list[ExecEvent] = []
    plan = plan_of(
        change(
            "TrainingJob/default/a", (training_step("a-11111111", "TrainingJob/default/a", "11111111aa"),)
        ),
        change("TrainingJob/default/idle", (), action=Action.NOOP),
    )

    result = execute(plan, clients=clients, on_event=events.append)

    assert [(e.kind, e.address) for e in events] == [
        (ExecEventKind.STEP_STARTED, "TrainingJob/default/a"),
        (ExecEventKind.STEP_FINISHED, "TrainingJob/default/a"),
        (ExecEventKind.CHANGE_FINISHED, "TrainingJob/default/a"),
        (ExecEventKind.CHANGE_FINISHED, "TrainingJob/default/idle"),
    ]
    report = json.loads(result.to_json())
    assert report["ok"] is True
    assert report["summary"] == {"applied": 1, "failed": 0, "skipped": 0, "no-op": 1}
    assert report["changes"][0]["steps"][0] == {
        "service": "sagemaker",
        "call": "CreateTrainingJob",
        "region": REGION,
        "target": "a-11111111",
        "status": "done",
    }


def test_a_plan_with_errors_is_refused_before_any_call(recorded: tuple[ClientFactory, CallRecorder]) -> None:
    clients, recorder = recorded
    plan = plan_of(
        change(
            "TrainingJob/default/a", (training_step("a-11111111", "TrainingJob/default/a", "11111111aa"),)
        ),
        change("TrainingJob/default/bad", (), action=Action.ERROR),
    )

    with pytest.raises(PlanError, match="TrainingJob/default/bad"):
        execute(plan, clients=clients)

    assert recorder.calls == []


def test_a_step_for_an_unknown_operation_refuses_the_plan_without_a_call(
    recorded: tuple[ClientFactory, CallRecorder],
) -> None:
    clients, recorder = recorded
    bogus = Step(service=kinds.SAGEMAKER, call="CreateTrainingJobs", region=REGION, target="x", params={})

    with pytest.raises(PlanError, match="CreateTrainingJobs is not a call gitops-sm plans"):
        execute(plan_of(change("TrainingJob/default/x", (bogus,))), clients=clients)

    assert recorder.calls == []
