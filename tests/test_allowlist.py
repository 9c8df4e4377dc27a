"""The one allow-list of AWS calls (gitops_sm/allowlist.py): real operations, used by apply to refuse the rest.

Issue 7 item 1: a plan holding a call the planner never emits (``iam:CreateUser``, a SageMaker
``DeleteNotebookInstance``) is refused whole, and the simulator (over HTTP,
recording every request) receives nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_sm import allowlist
from gitops_sm.app import Settings as AppSettings
from gitops_sm.app import load, plan_options
from gitops_sm.awsclients import ClientFactory
from gitops_sm.botocoredata import new_botocore_session
from gitops_sm.errors import PlanError
from gitops_sm.execute import execute
from gitops_sm.kinds import JOB_KINDS, SAGEMAKER
from gitops_sm.model import Action, ObservedState, Plan, PlanSource, ResourceChange, Step
from gitops_sm.plan.planner import plan
from gitops_sm.sandbox import SandboxServer
from tests.jobspecs import REGION

EXAMPLES = "examples/repo"


def test_every_allowed_call_is_an_operation_of_botocores_service_model() -> None:
    session = new_botocore_session()
    for call in (*allowlist.PLANNED_CALLS, *allowlist.READ_CALLS):
        model = session.get_service_model(call.service)
        assert call.operation in model.operation_names, call
    keys = [c.key for c in allowlist.PLANNED_CALLS]
    assert len(keys) == len(set(keys))


def test_the_create_and_stop_call_of_every_job_kind_is_allowed() -> None:
    for info in JOB_KINDS.values():
        assert allowlist.is_planned_call(SAGEMAKER, info.create_call)
        assert allowlist.is_planned_call(SAGEMAKER, info.stop_call)


def test_iam_actions_are_unique_sorted_and_service_prefixed() -> None:
    actions = allowlist.iam_actions()
    assert list(actions) == sorted(set(actions))
    assert "sagemaker:CreateTrainingJob" in actions
    assert "application-autoscaling:RegisterScalableTarget" in actions
    assert "sagemaker:ListTrainingJobs" in actions
    assert "sagemaker:ListTrainingJobs" not in allowlist.iam_actions(include_reads=False)


def test_every_step_planned_for_the_example_repo_is_allowed() -> None:
    loaded = load(spec_root=Path(EXAMPLES))
    the_plan = plan(
        load=loaded,
        observed=ObservedState(listed=frozenset()),
        options=plan_options(settings=AppSettings(), region=REGION),
    )
    steps = [step for _, step in the_plan.steps()]
    assert steps
    assert all(allowlist.is_planned_call(s.service, s.call) for s in steps), steps


def _plan_with(*steps: Step) -> Plan:
    change = ResourceChange(
        address="TrainingJob/default/x", kind="TrainingJob", api_version=None, source=None, region=REGION,
        names={}, actions=(Action.CREATE,), reason="tampered", steps=steps,
    )
    return Plan(source=PlanSource(path=".", commit=None, specs_digest="d"), observed_digest="o",
                resource_changes=(change,))


@pytest.mark.parametrize(
    ("service", "call", "params"),
    [
        ("iam", "CreateUser", {"UserName": "backdoor"}),
        (SAGEMAKER, "DeleteNotebookInstance", {"NotebookInstanceName": "not-ours"}),
        (SAGEMAKER, "createTrainingJob", {}),  # names are exact
    ],
)
def test_execute_refuses_a_plan_with_a_call_the_planner_never_emits_and_sends_nothing(
    aws_env: SandboxServer, service: str, call: str, params: dict[str, object]
) -> None:
    harmless = Step(service=SAGEMAKER, call="AddTags", region=REGION, target="m",
                    params={"ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:model/m", "Tags": []})
    bad = Step(service=service, call=call, region=REGION, target="t", params=params)
    clients = ClientFactory(region=REGION, max_attempts=1)
    aws_env.clear_requests()

    with pytest.raises(PlanError, match=rf"{call}.*not a call gitops-sm plans"):
        execute(_plan_with(harmless, bad), clients=clients)

    assert clients.counter.total == 0
    assert aws_env.requests == ()
