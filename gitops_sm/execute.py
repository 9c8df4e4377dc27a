"""Running a plan's steps against AWS (``gitops-sm apply``, ``reconcile``, ``--wait`` loops).

The app layer calls :func:`execute` with a :class:`gitops_sm.model.Plan` (already checked for
staleness) and a :class:`gitops_sm.awsclients.ClientFactory`. Changes run in plan order (the
planner orders them by dependency); each step is made exactly once as
``client.<snake_case(step.call)>(**step.params)`` on the client for the step's service, region and
endpoint URL. Nothing else is written to AWS: a plan holding a step whose (service, call) is not in
``gitops_sm.allowlist.PLANNED_CALLS`` is refused whole, before any request.

Idempotency (a pass that crashed half-way is re-run; design section 3):

* ``Create*`` that fails because the name exists (``ResourceInUse`` / "already exist") is success
  only when the existing resource carries ``gitops-sm/managed-by`` and the step's own
  ``gitops-sm/spec-hash``; otherwise the change fails with ``OwnershipConflict``.
* ``Stop*`` of a job that is already stopping, stopped, completed or failed is success.
* ``Delete*``/``Deregister*`` of something already gone is success (no extra call).

Checking the first two needs reads (``Describe<Noun>``, then ``ListTags`` for a create). They are
recorded separately as *verification reads*: they are never mutations and are made only after a
step failed. ``ApplyResult.mutating_calls`` counts only the plan's steps; every call execute makes
is either one of them or a verification read listed in ``StepResult.verification_reads``.

A failure (access denied, validation, limits, throttling after botocore's retries) is recorded on
its change with the AWS code and message; the change's remaining steps are skipped, as is every
change that depends on it (transitively). Other changes go on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from botocore import xform_name

from gitops_sm.allowlist import refusal
from gitops_sm.awsclients import (
    AWS_EXCEPTIONS,
    ClientFactory,
    error_code,
    error_message,
    is_not_found,
)
from gitops_sm.errors import AwsError, PlanError
from gitops_sm.kinds import (
    RUNNING_JOB_STATUSES,
    SAGEMAKER,
    TAG_ADDRESS,
    TAG_MANAGED_BY,
    TAG_SPEC_HASH,
    TERMINAL_JOB_STATUSES,
)
from gitops_sm.model import Action, JsonDict, Plan, ResourceChange, Step
from gitops_sm.ownership import is_managed

CODE_OWNERSHIP_CONFLICT = "OwnershipConflict"
CODE_DEPENDENCY_FAILED = "DependencyFailed"
CODE_UNKNOWN_OPERATION = "UnknownOperation"

# SageMaker nouns whose Create*/Stop* execute can verify: Describe<Noun>(<Noun>Name=…) → <Noun>Arn.
_VERIFIABLE_NOUNS = frozenset(
    {
        "TrainingJob",
        "HyperParameterTuningJob",
        "TransformJob",
        "ProcessingJob",
        "Model",
        "EndpointConfig",
        "Endpoint",
    }
)
_STOPPED_ENOUGH = TERMINAL_JOB_STATUSES | (RUNNING_JOB_STATUSES - {"InProgress"})  # … or "Stopping"


class Outcome(StrEnum):
    """What happened to one change."""

    APPLIED = "applied"  # every step succeeded (or was already done)
    FAILED = "failed"  # a step failed; later steps were not made
    SKIPPED = "skipped"  # not attempted: it depends on a change that failed or was skipped
    NOTHING = "no-op"  # the change had no steps (no-op, wait)


class StepStatus(StrEnum):
    DONE = "done"
    ALREADY_DONE = "already-done"  # the call failed because its effect already existed (ours)
    FAILED = "failed"
    NOT_RUN = "not-run"


@dataclass(frozen=True, kw_only=True)
class StepResult:
    """One step of a change: what was called and how it ended."""

    service: str
    call: str
    region: str
    target: str
    status: StepStatus
    error_code: str = ""
    error_message: str = ""
    note: str = ""
    verification_reads: tuple[str, ...] = ()  # read operations made to judge a failed call

    @property
    def called(self) -> bool:
        return self.status is not StepStatus.NOT_RUN

    def to_dict(self) -> JsonDict:
        data: JsonDict = {
            "service": self.service,
            "call": self.call,
            "region": self.region,
            "target": self.target,
            "status": self.status.value,
        }
        if self.error_code or self.error_message:
            data["error"] = {"code": self.error_code, "message": self.error_message}
        if self.note:
            data["note"] = self.note
        if self.verification_reads:
            data["verification_reads"] = list(self.verification_reads)
        return data


@dataclass(frozen=True, kw_only=True)
class ChangeResult:
    """The outcome of one resource change."""

    address: str
    outcome: Outcome
    steps: tuple[StepResult, ...] = ()
    error_code: str = ""
    error_message: str = ""

    @property
    def mutating_calls(self) -> int:
        return sum(1 for s in self.steps if s.called)

    @property
    def verification_reads(self) -> int:
        return sum(len(s.verification_reads) for s in self.steps)

    def to_dict(self) -> JsonDict:
        data: JsonDict = {
            "address": self.address,
            "outcome": self.outcome.value,
            "mutating_calls": self.mutating_calls,
            "verification_reads": self.verification_reads,
            "steps": [s.to_dict() for s in self.steps],
        }
        if self.error_code or self.error_message:
            data["error"] = {"code": self.error_code, "message": self.error_message}
        return data


@dataclass(frozen=True, kw_only=True)
class ApplyResult:
    """What ``execute`` did, change by change, in plan order."""

    changes: tuple[ChangeResult, ...] = ()

    @property
    def ok(self) -> bool:
        return all(c.outcome in (Outcome.APPLIED, Outcome.NOTHING) for c in self.changes)

    @property
    def failed(self) -> tuple[ChangeResult, ...]:
        return tuple(c for c in self.changes if c.outcome is Outcome.FAILED)

    @property
    def skipped(self) -> tuple[ChangeResult, ...]:
        return tuple(c for c in self.changes if c.outcome is Outcome.SKIPPED)

    @property
    def mutating_calls(self) -> int:
        return sum(c.mutating_calls for c in self.changes)

    @property
    def verification_reads(self) -> int:
        return sum(c.verification_reads for c in self.changes)

    def get(self, address: str) -> ChangeResult | None:
        return next((c for c in self.changes if c.address == address), None)

    def to_dict(self) -> JsonDict:
        return {
            "ok": self.ok,
            "summary": {o.value: sum(1 for c in self.changes if c.outcome is o) for o in Outcome},
            "mutating_calls": self.mutating_calls,
            "verification_reads": self.verification_reads,
            "changes": [c.to_dict() for c in self.changes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


class ExecEventKind(StrEnum):
    STEP_STARTED = "step-started"
    STEP_FINISHED = "step-finished"
    CHANGE_FINISHED = "change-finished"  # also sent for skipped and step-less changes


@dataclass(frozen=True, kw_only=True)
class ExecEvent:
    """Progress for a live display: ``step``/``result`` for step events, ``change`` for the last."""

    kind: ExecEventKind
    address: str
    step: Step | None = None
    step_index: int = 0
    step_count: int = 0
    result: StepResult | None = None
    change: ChangeResult | None = None


def execute(
    plan: Plan,
    *,
    clients: ClientFactory,
    on_event: Callable[[ExecEvent], None] | None = None,
    allow_errors: bool = False,
) -> ApplyResult:
    """Make every step of ``plan`` once, in order; never raises for an AWS failure of a step.

    Refuses (:class:`PlanError`) a plan that has errors unless ``allow_errors`` — the app layer
    sets it when the user asked to apply the valid part anyway (``error`` changes have no steps).
    """
    if plan.has_errors and not allow_errors:
        errored = [c.address for c in plan.resource_changes if Action.ERROR in c.actions]
        detail = f" ({', '.join(errored)})" if errored else ""
        raise PlanError(f"the plan has errors{detail}: fix them and plan again; nothing was applied")
    for change, step in plan.steps():
        # Only calls the planner can emit (allowlist.PLANNED_CALLS); checked before any request.
        if why := refusal(step.service, step.call):
            raise PlanError(f"{change.address}: step {step.call} {step.target} refused: {why}; nothing was applied")
    emit = on_event or (lambda _event: None)
    blocked: dict[str, str] = {}  # address -> why changes depending on it are skipped
    results: list[ChangeResult] = []
    for change in plan.resource_changes:
        result = _run_change(change, clients=clients, blocked=blocked, emit=emit)
        if result.outcome is Outcome.FAILED:
            blocked[change.address] = f"{change.address} failed"
        elif result.outcome is Outcome.SKIPPED:
            blocked[change.address] = f"{change.address} was skipped"
        results.append(result)
        emit(ExecEvent(kind=ExecEventKind.CHANGE_FINISHED, address=change.address, change=result))
    return ApplyResult(changes=tuple(results))


def _run_change(
    change: ResourceChange,
    *,
    clients: ClientFactory,
    blocked: Mapping[str, str],
    emit: Callable[[ExecEvent], None],
) -> ChangeResult:
    failed_dependencies = [dep for dep in change.depends_on if dep in blocked]
    if failed_dependencies:
        reason = "; ".join(blocked[dep] for dep in failed_dependencies)
        return ChangeResult(
            address=change.address,
            outcome=Outcome.SKIPPED,
            steps=tuple(_not_run(step) for step in change.steps),
            error_code=CODE_DEPENDENCY_FAILED,
            error_message=f"not applied because it depends on: {reason}",
        )
    if not change.steps:
        return ChangeResult(address=change.address, outcome=Outcome.NOTHING)

    done: list[StepResult] = []
    count = len(change.steps)
    for index, step in enumerate(change.steps):
        emit(
            ExecEvent(
                kind=ExecEventKind.STEP_STARTED,
                address=change.address,
                step=step,
                step_index=index,
                step_count=count,
            )
        )
        result = _run_step(step, clients=clients)
        done.append(result)
        emit(
            ExecEvent(
                kind=ExecEventKind.STEP_FINISHED,
                address=change.address,
                step=step,
                step_index=index,
                step_count=count,
                result=result,
            )
        )
        if result.status is StepStatus.FAILED:
            done.extend(_not_run(rest) for rest in change.steps[index + 1 :])
            return ChangeResult(
                address=change.address,
                outcome=Outcome.FAILED,
                steps=tuple(done),
                error_code=result.error_code,
                error_message=f"{step.call} {step.target}: {result.error_message}",
            )
    return ChangeResult(address=change.address, outcome=Outcome.APPLIED, steps=tuple(done))


def _not_run(step: Step) -> StepResult:
    return StepResult(
        service=step.service,
        call=step.call,
        region=step.region,
        target=step.target,
        status=StepStatus.NOT_RUN,
    )


def _result(step: Step, status: StepStatus, **extra: Any) -> StepResult:
    return StepResult(
        service=step.service, call=step.call, region=step.region, target=step.target, status=status, **extra
    )


def _run_step(step: Step, *, clients: ClientFactory) -> StepResult:
    try:
        client = clients.client(step.service, region=step.region, endpoint_url=step.endpoint_url)
    except AwsError as exc:
        return _result(step, StepStatus.FAILED, error_code=exc.code, error_message=str(exc))
    except AWS_EXCEPTIONS as exc:  # unknown service name and the like
        return _result(step, StepStatus.FAILED, error_code=error_code(exc), error_message=error_message(exc))
    method_name = xform_name(step.call)
    if step.call not in client.meta.service_model.operation_names:
        return _result(
            step,
            StepStatus.FAILED,
            error_code=CODE_UNKNOWN_OPERATION,
            error_message=f"{step.service} has no operation {step.call}",
        )
    try:
        getattr(client, method_name)(**step.params)
    except AWS_EXCEPTIONS as exc:
        return _judge_failure(step, client, exc)
    return _result(step, StepStatus.DONE)


def _judge_failure(step: Step, client: Any, exc: Exception) -> StepResult:
    """Decide whether a failed step's effect already exists (success) or it really failed."""
    code, message = error_code(exc), error_message(exc)
    failed = _result(step, StepStatus.FAILED, error_code=code, error_message=message)
    call = step.call
    if call.startswith(("Delete", "Deregister")) and is_not_found(exc):
        return _result(step, StepStatus.ALREADY_DONE, note="already gone")
    noun = _sagemaker_noun(step)
    if noun is None:
        return failed
    if call.startswith("Create") and (code == "ResourceInUse" or "already exist" in message.lower()):
        return _verify_existing_is_ours(step, client, noun=noun, original=failed)
    if call.startswith("Stop"):
        return _verify_already_stopped(step, client, noun=noun, original=failed)
    return failed


def _sagemaker_noun(step: Step) -> str | None:
    if step.service != SAGEMAKER:
        return None
    for verb in ("Create", "Stop"):
        if step.call.startswith(verb):
            noun = step.call[len(verb) :]
            return noun if noun in _VERIFIABLE_NOUNS else None
    return None


def _verify_existing_is_ours(step: Step, client: Any, *, noun: str, original: StepResult) -> StepResult:
    name = str(step.params.get(f"{noun}Name", step.target))
    reads: list[str] = []
    try:
        reads.append(f"Describe{noun}")
        described = getattr(client, xform_name(f"Describe{noun}"))(**{f"{noun}Name": name})
        arn = described.get(f"{noun}Arn")
        tags = _all_tags(client, arn, reads=reads)
    except AWS_EXCEPTIONS as exc:
        return _with(
            original,
            verification_reads=tuple(reads),
            note=f"could not verify ownership: {error_code(exc)}: {error_message(exc)}",
        )
    expected = {str(t.get("Key")): str(t.get("Value", "")) for t in step.params.get("Tags") or ()}
    managed = is_managed(tags)
    expected_hash = expected.get(TAG_SPEC_HASH)
    same_spec = expected_hash is None or tags.get(TAG_SPEC_HASH) == expected_hash
    expected_owner = expected.get(TAG_ADDRESS)
    same_owner = expected_owner is None or tags.get(TAG_ADDRESS) == expected_owner
    if managed and same_spec and same_owner:
        return _result(
            step,
            StepStatus.ALREADY_DONE,
            note="already exists with our tags and spec hash",
            verification_reads=tuple(reads),
        )
    if not managed:
        why = f"{noun} {name} already exists and is not managed by gitops-sm (no {TAG_MANAGED_BY} tag)"
    elif not same_owner:
        why = f"{noun} {name} already exists and is managed by gitops-sm for {tags.get(TAG_ADDRESS)}, not {expected_owner}"
    else:
        why = (
            f"{noun} {name} already exists with {TAG_SPEC_HASH}={tags.get(TAG_SPEC_HASH, '<none>')}, "
            f"not this spec's {expected_hash}"
        )
    return _result(
        step,
        StepStatus.FAILED,
        error_code=CODE_OWNERSHIP_CONFLICT,
        error_message=why,
        verification_reads=tuple(reads),
    )


def _verify_already_stopped(step: Step, client: Any, *, noun: str, original: StepResult) -> StepResult:
    name = str(step.params.get(f"{noun}Name", step.target))
    try:
        described = getattr(client, xform_name(f"Describe{noun}"))(**{f"{noun}Name": name})
    except AWS_EXCEPTIONS:
        return _with(original, verification_reads=(f"Describe{noun}",))
    status = described.get(f"{noun}Status")
    if status in _STOPPED_ENOUGH:
        return _result(
            step,
            StepStatus.ALREADY_DONE,
            note=f"job is already {status}",
            verification_reads=(f"Describe{noun}",),
        )
    return _with(original, verification_reads=(f"Describe{noun}",))


def _all_tags(client: Any, arn: str | None, *, reads: list[str]) -> dict[str, str]:
    if not arn:
        return {}
    found: dict[str, str] = {}
    params: dict[str, Any] = {"ResourceArn": arn}
    while True:  # one call unless a resource carries more than one page of tags
        reads.append("ListTags")
        page = client.list_tags(**params)
        found.update({str(t["Key"]): str(t.get("Value", "")) for t in page.get("Tags") or ()})
        token = page.get("NextToken")
        if not token:
            return found
        params["NextToken"] = token


def _with(result: StepResult, **changes: Any) -> StepResult:
    return replace(result, **changes)
