"""The one list of AWS calls gitops-sm may make: what the planner can emit, and what it reads.

Who uses it:

* ``execute`` refuses any step whose (service, call) is not in :data:`PLANNED_CALLS`, before a
  client exists, so no request is ever sent for it (issue 7: a saved plan file cannot make
  ``iam:CreateUser``);
* ``app`` refuses a saved plan holding such a step, naming it;
* deploy/'s least-privilege IAM policy is generated from (and checked against)
  :data:`PLANNED_CALLS` + :data:`READ_CALLS` via :func:`iam_actions`;
* tests check that every entry is an operation of botocore's service model.

**Adding a call.** When the planner starts to emit a new call (``DeleteEndpoint``, ...), add one
``_planned(...)`` line below in the block of its service, with a short purpose. Nothing else
needs to know: execute and saved-plan checking read this table, and deploy/'s IAM policy is built
from it (regenerate it; its test fails until you do). A read that ``observe`` or ``execute`` makes
goes into :data:`READ_CALLS` the same way. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_sm.kinds import AUTOSCALING, LOGS, SAGEMAKER

# IAM action prefix of each botocore service name we call.
IAM_PREFIX: dict[str, str] = {
    SAGEMAKER: "sagemaker",
    AUTOSCALING: "application-autoscaling",
    LOGS: "logs",
}


@dataclass(frozen=True, kw_only=True)
class AllowedCall:
    """One AWS API operation gitops-sm may call (botocore service name + operation name)."""

    service: str  # "sagemaker", "application-autoscaling", "logs"
    operation: str  # "CreateTrainingJob"
    purpose: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.service, self.operation)

    @property
    def iam_action(self) -> str:
        """``sagemaker:CreateTrainingJob``."""
        return f"{IAM_PREFIX[self.service]}:{self.operation}"


def _planned(service: str, operation: str, purpose: str) -> AllowedCall:
    return AllowedCall(service=service, operation=operation, purpose=purpose)


_read = _planned

# Every call a plan step may hold. ``apply`` (execute) makes these and nothing else.
PLANNED_CALLS: tuple[AllowedCall, ...] = (
    # --- SageMaker jobs (immutable: created with a hashed name, stopped when replaced or pruned)
    _planned(SAGEMAKER, "CreateTrainingJob", "create a training job"),
    _planned(SAGEMAKER, "CreateHyperParameterTuningJob", "create a hyperparameter tuning job"),
    _planned(SAGEMAKER, "CreateTransformJob", "create a batch transform job"),
    _planned(SAGEMAKER, "CreateProcessingJob", "create a processing job"),
    _planned(SAGEMAKER, "StopTrainingJob", "stop a replaced or pruned training job"),
    _planned(SAGEMAKER, "StopHyperParameterTuningJob", "stop a replaced or pruned tuning job"),
    _planned(SAGEMAKER, "StopTransformJob", "stop a replaced or pruned transform job"),
    _planned(SAGEMAKER, "StopProcessingJob", "stop a replaced or pruned processing job"),
    # --- SageMaker hosting
    _planned(SAGEMAKER, "CreateModel", "create a (content-addressed) model"),
    _planned(SAGEMAKER, "CreateEndpointConfig", "create a (content-addressed) endpoint config"),
    _planned(SAGEMAKER, "CreateEndpoint", "create an endpoint"),
    _planned(SAGEMAKER, "UpdateEndpoint", "move an endpoint to a new endpoint config"),
    _planned(SAGEMAKER, "UpdateEndpointWeightsAndCapacities", "change only instance counts / weights"),
    _planned(SAGEMAKER, "DeleteEndpoint", "delete an endpoint we own (prune)"),
    _planned(SAGEMAKER, "DeleteEndpointConfig", "delete an endpoint config we own nothing uses"),
    _planned(SAGEMAKER, "DeleteModel", "delete a model we own nothing uses"),
    # --- SageMaker tags
    _planned(SAGEMAKER, "AddTags", "adopt an existing resource: add the gitops-sm ownership tags"),
    # --- Application Auto Scaling (SageMaker variants only)
    _planned(AUTOSCALING, "RegisterScalableTarget", "register (or update) a variant's scalable target"),
    _planned(AUTOSCALING, "PutScalingPolicy", "put (or update) a variant's scaling policy"),
    _planned(AUTOSCALING, "DeleteScalingPolicy", "detach autoscaling before an endpoint update or delete"),
    _planned(AUTOSCALING, "DeregisterScalableTarget", "detach autoscaling before an endpoint update or delete"),
    _planned(AUTOSCALING, "TagResource", "tag a scalable target registered before it could carry tags"),
)

# Reads: what ``observe`` makes each pass, and what ``execute`` makes to verify a failed step.
READ_CALLS: tuple[AllowedCall, ...] = (
    _read(SAGEMAKER, "ListTrainingJobs", "observe training jobs"),
    _read(SAGEMAKER, "ListHyperParameterTuningJobs", "observe tuning jobs"),
    _read(SAGEMAKER, "ListTransformJobs", "observe transform jobs"),
    _read(SAGEMAKER, "ListProcessingJobs", "observe processing jobs"),
    _read(SAGEMAKER, "DescribeTrainingJob", "observe one training job"),
    _read(SAGEMAKER, "DescribeHyperParameterTuningJob", "observe one tuning job"),
    _read(SAGEMAKER, "DescribeTransformJob", "observe one transform job"),
    _read(SAGEMAKER, "DescribeProcessingJob", "observe one processing job"),
    _read(SAGEMAKER, "ListEndpoints", "observe endpoints"),
    _read(SAGEMAKER, "ListEndpointConfigs", "observe endpoint configs"),
    _read(SAGEMAKER, "ListModels", "observe models"),
    _read(SAGEMAKER, "DescribeEndpoint", "observe one endpoint"),
    _read(SAGEMAKER, "DescribeEndpointConfig", "observe one endpoint config"),
    _read(SAGEMAKER, "DescribeModel", "observe one model"),
    _read(SAGEMAKER, "ListTags", "read ownership tags"),
    _read(AUTOSCALING, "DescribeScalableTargets", "observe the sagemaker namespace's scalable targets"),
    _read(AUTOSCALING, "DescribeScalingPolicies", "observe the sagemaker namespace's scaling policies"),
    _read(LOGS, "FilterLogEvents", "gitops-sm logs: read a job's CloudWatch Logs"),
)

_PLANNED_KEYS = frozenset(c.key for c in PLANNED_CALLS)


def is_planned_call(service: str, operation: str) -> bool:
    """Whether a plan step may call ``operation`` of ``service`` (exact names, case-sensitive)."""
    return (service, operation) in _PLANNED_KEYS


def refusal(service: str, operation: str) -> str | None:
    """Why a step calling ``service``/``operation`` is refused, or None when it is allowed."""
    if is_planned_call(service, operation):
        return None
    return (
        f"{service}:{operation} is not a call gitops-sm plans (see gitops_sm/allowlist.py); "
        "a plan holding it was not made by gitops-sm or was edited"
    )


def iam_actions(*, include_reads: bool = True) -> tuple[str, ...]:
    """Sorted, unique IAM actions (``sagemaker:CreateTrainingJob``, ...) for a least-privilege policy."""
    calls = PLANNED_CALLS + (READ_CALLS if include_reads else ())
    return tuple(sorted({c.iam_action for c in calls}))
