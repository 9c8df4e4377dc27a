"""The simulator's own bookkeeping, kept next to moto's resources on each SageMaker backend.

moto stores resources; this module stores what moto does not know: when each job or endpoint
operation started, how long it lasts, how it ends and which log lines were already written.
The records live in ``backend.gitops_sm_state`` so that moto's reset (``backend.__dict__ = {}``)
forgets them together with the resources, and pickling a backend (``persistence``) keeps them.

Used by ``jobs``, ``endpoints`` and ``sagemaker_ext``; nothing here talks HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Tags a test or a newcomer puts on a resource to choose how the simulator ends it.
OUTCOME_TAG = "gitops-sm-sandbox/outcome"
FAILURE_REASON_TAG = "gitops-sm-sandbox/failure-reason"
FAILED = "Failed"
COMPLETED = "Completed"


@dataclass(kw_only=True)
class JobLife:
    """One job's timeline in simulated epoch seconds."""

    noun: str  # "TrainingJob", "ProcessingJob", "TransformJob", "HyperParameterTuningJob"
    name: str
    created_at: float
    duration: float
    outcome: str  # COMPLETED or FAILED, decided at creation from the outcome tag
    failure_reason: str
    stop_requested_at: float | None = None
    stop_duration: float = 0.0
    log_stream: str | None = None
    model_artifacts: dict[str, str] | None = None
    logged_events: int = 0
    materialized: tuple[Any, ...] = ()


@dataclass(kw_only=True)
class EndpointLife:
    """The endpoint operation in flight (Creating/Updating/Deleting) and what it will leave behind."""

    operation: str | None = None  # "Creating", "Updating", "Deleting" or None when settled
    started_at: float = 0.0
    duration: float = 0.0
    fails: bool = False
    failure_reason: str = ""
    pending_config: str | None = None
    pending_variants: list[dict[str, Any]] | None = None
    pending_variant_types: dict[str, str | None] = field(default_factory=dict)
    # Instance type per variant of the config the endpoint currently runs (AWS remembers it even
    # after that config is deleted; the autoscaling rule of UpdateEndpoint compares against it).
    variant_types: dict[str, str | None] = field(default_factory=dict)


@dataclass(kw_only=True)
class SimState:
    jobs: dict[tuple[str, str], JobLife] = field(default_factory=dict)
    endpoints: dict[str, EndpointLife] = field(default_factory=dict)


def sim_state(backend: Any) -> SimState:
    state = backend.__dict__.get("gitops_sm_state")
    if state is None:
        state = SimState()
        backend.__dict__["gitops_sm_state"] = state
    return state  # type: ignore[no-any-return]


def to_datetime(epoch_seconds: float) -> datetime:
    """moto's convention: naive datetimes in UTC."""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).replace(tzinfo=None)


def tag_value(tags: Any, key: str) -> str | None:
    for tag in tags or []:
        if isinstance(tag, dict) and tag.get("Key") == key:
            value = tag.get("Value")
            return str(value) if value is not None else ""
    return None


def outcome_from_tags(tags: Any, *, default_reason: str) -> tuple[str, str]:
    """(outcome, failure reason) requested by the resource's tags; Completed when untagged."""
    wanted = (tag_value(tags, OUTCOME_TAG) or COMPLETED).strip()
    if wanted.lower() == FAILED.lower():
        return FAILED, tag_value(tags, FAILURE_REASON_TAG) or default_reason
    return COMPLETED, ""
