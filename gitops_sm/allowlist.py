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

Where calls may go is decided here too: :func:`endpoint_problem` is the rule for an endpoint URL
a spec names (``specs`` reports it at the field; ``awsclients`` refuses to build a client for it).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Collection, Iterable
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
    _read(
        SAGEMAKER,
        "Search",
        "plan: our training jobs' and endpoints' records (with tags) in pages of 100, instead of a ListTags "
        "per finished explicit-name job and a DescribeEndpoint per settled endpoint",
    ),
    _read(AUTOSCALING, "DescribeScalableTargets", "observe the sagemaker namespace's scalable targets"),
    _read(AUTOSCALING, "DescribeScalingPolicies", "observe the sagemaker namespace's scaling policies"),
    _read(AUTOSCALING, "ListTagsForResource", "ownership tags of a scalable target no spec declares"),
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


# --------------------------------------------------------------------------- endpoint URLs

# The operator's list of further endpoint URLs specs may name (comma or space separated); also
# ``--allow-endpoint-url URL`` (repeatable). Never read from the specs themselves.
ALLOWED_ENDPOINTS_ENV = "GITOPS_SM_ALLOWED_ENDPOINT_URLS"

_AWS_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+amazonaws\.com(?:\.cn)?")


def normalize_endpoint(url: str) -> str:
    """``scheme://host[:port]`` in lower case with no trailing slash: how endpoint URLs are compared."""
    parts = urllib.parse.urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def endpoint_problem(url: str, *, operator_allowed: Collection[str] = ()) -> str | None:
    """Why a spec may not send requests to ``url`` (None when it may).

    A spec (v1 ``spec.sageMakerEndpoint``) may name only an ``https`` AWS service endpoint: a host
    under ``amazonaws.com`` or ``amazonaws.com.cn`` (regional, FIPS, dual-stack and VPC endpoint
    names all are), port 443, no user name or password, no path, query or fragment. Anything else
    signs requests (and the session token) for a host the spec's author chose, so it needs to be in
    ``operator_allowed`` (``--allow-endpoint-url`` / ``GITOPS_SM_ALLOWED_ENDPOINT_URLS``).
    """
    if normalize_endpoint(url) in {normalize_endpoint(a) for a in operator_allowed if a.strip()}:
        return None
    how = (
        "a spec may only name an https AWS service endpoint (https://<name>.amazonaws.com or .amazonaws.com.cn, "
        f"VPC endpoint names included); an operator can allow another with --allow-endpoint-url or {ALLOWED_ENDPOINTS_ENV}"
    )
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return f"not a URL; {how}"
    if parts.scheme != "https":
        return f"uses {parts.scheme or 'no scheme'}, not https; {how}"
    if parts.username is not None or parts.password is not None:
        return f"carries a user name or password; {how}"
    host = parts.hostname or ""
    if not _AWS_HOST.fullmatch(host) or parts.netloc.lower().split(":")[0] != host:
        return f"host {host or '(none)'!r} is not an AWS service endpoint; {how}"
    if port not in (None, 443):
        return f"port {port} is not 443; {how}"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return f"has a path, query or fragment; {how}"
    return None


def operator_endpoints(values: Iterable[str]) -> frozenset[str]:
    """The operator's allowed endpoint URLs from flags and the environment variable's value(s)."""
    return frozenset(item for value in values for item in re.split(r"[\s,]+", value) if item)
