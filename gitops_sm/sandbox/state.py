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
    """One account/region's bookkeeping: every job's and endpoint's life, and which of them still move.

    ``unsettled_jobs`` (jobs not yet Completed/Failed/Stopped) and ``transitioning_endpoints``
    (endpoints with an operation in flight) are ordered sets (dicts of ``None``, in the order the
    jobs were created / the operations started), so a request's ``refresh`` touches only what can
    still change instead of every job ever created. Change them only through :meth:`track_job`,
    :meth:`settle_job`, :meth:`start_endpoint_operation` and :meth:`settle_endpoint`.
    """

    jobs: dict[tuple[str, str], JobLife] = field(default_factory=dict)
    endpoints: dict[str, EndpointLife] = field(default_factory=dict)
    unsettled_jobs: dict[tuple[str, str], None] = field(default_factory=dict)
    transitioning_endpoints: dict[str, None] = field(default_factory=dict)

    def track_job(self, life: JobLife) -> None:
        key = (life.noun, life.name)
        self.jobs[key] = life
        self.unsettled_jobs[key] = None

    def settle_job(self, key: tuple[str, str]) -> None:
        self.unsettled_jobs.pop(key, None)

    def start_endpoint_operation(self, name: str) -> None:
        self.transitioning_endpoints[name] = None

    def settle_endpoint(self, name: str) -> None:
        self.transitioning_endpoints.pop(name, None)

    def __setstate__(self, saved: dict[str, Any]) -> None:
        """Load a pickled state; one saved before the two sets existed gets them derived from its lives."""
        self.__dict__.update(saved)
        if "unsettled_jobs" not in saved:
            self.unsettled_jobs = {key: None for key, life in self.jobs.items() if not job_settled(life)}
        if "transitioning_endpoints" not in saved:
            self.transitioning_endpoints = {name: None for name, life in self.endpoints.items() if life.operation}


TERMINAL_JOB_STATUSES = frozenset({COMPLETED, FAILED, "Stopped"})


def job_settled(life: JobLife) -> bool:
    """True once the status last written onto moto's job is terminal: nothing about it changes again."""
    return bool(life.materialized) and life.materialized[0] in TERMINAL_JOB_STATUSES


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
