"""Pure verdicts for the ``apply --wait`` loop: what one pass is still waiting for, what failed,
whether everything converged, which resources changed state, and how long to pause next.

Called by ``gitops_sm.app.wait_until_converged`` after every pass (with that pass's plan and its
``status`` report) and rendered by the CLI. No I/O and no clock: times are passed in, so the loop's
behaviour follows from what was observed.

A desired resource is, after one pass:

* ``healthy``  it finished or serves as the spec asks and the plan has nothing left for it;
* ``waiting``  the plan still has a change or a wait for it, or SageMaker shows it moving
               (job InProgress, endpoint Creating/Updating, autoscaling partly applied);
* ``failed``   it ended in a state the spec did not ask for: a job or endpoint Failed (with
               SageMaker's FailureReason), a stopped job, a conflict, an endpoint left on another
               config with nothing planned to move it;
* ``error``    its spec failed to load, or AWS could not be read for it.

``--wait`` converges when nothing is waiting and nothing failed; a failure ends the wait at once
(a failed job does not come back; waiting on would only wait for the timeout).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from gitops_sm.model import Action, Plan, ResourceChange
from gitops_sm.plan.health import Health
from gitops_sm.plan.status import ResourceStatus, StatusReport

# The first pause after something moved, and the factor each quiet pass multiplies it by.
FAST_POLL_SECONDS = 1.0
BACKOFF_FACTOR = 2.0


class WaitState(StrEnum):
    HEALTHY = "healthy"
    WAITING = "waiting"
    FAILED = "failed"
    ERROR = "error"


@dataclass(frozen=True, kw_only=True)
class ResourceState:
    """One resource's place in the wait: its state, a one-word status and why."""

    address: str
    state: WaitState
    status: str  # SageMaker's status word (InProgress, Creating, …) or the health when there is none
    message: str = ""  # the FailureReason, the plan's reason for a wait, the error

    @property
    def label(self) -> str:
        """``InProgress`` / ``Failed: AlgorithmError: …``: status and message for one line."""
        return f"{self.status}: {self.message}" if self.message else self.status


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """Every resource's :class:`ResourceState` after one pass, sorted by address."""

    resources: tuple[ResourceState, ...]

    def _in(self, state: WaitState) -> tuple[ResourceState, ...]:
        return tuple(r for r in self.resources if r.state is state)

    @property
    def waiting(self) -> tuple[ResourceState, ...]:
        return self._in(WaitState.WAITING)

    @property
    def failed(self) -> tuple[ResourceState, ...]:
        return self._in(WaitState.FAILED)

    @property
    def errors(self) -> tuple[ResourceState, ...]:
        return self._in(WaitState.ERROR)

    @property
    def converged(self) -> bool:
        """Nothing left to wait for and nothing failed (spec errors are reported, not waited on)."""
        return not self.waiting and not self.failed

    def explained_by(self, detailed: Verdict) -> Verdict:
        """This verdict with each failure's message taken from ``detailed`` (a fuller read of the
        same resources: a pass reads no more than its decisions need, so a Failed job's reason may
        be missing) where ``detailed`` agrees it failed."""
        better = {r.address: r for r in detailed.failed}
        return Verdict(resources=tuple(
            better.get(r.address, r) if r.state is WaitState.FAILED else r for r in self.resources
        ))

    def get(self, address: str) -> ResourceState | None:
        for res in self.resources:
            if res.address == address:
                return res
        return None


def verdict(*, plan: Plan, report: StatusReport) -> Verdict:
    """The state of every resource of ``report`` (and of every planned change it does not list)."""
    changes: Mapping[str, ResourceChange] = {c.address: c for c in plan.resource_changes}
    states: dict[str, ResourceState] = {}
    for row in report.resources:
        if row.address is None:
            continue  # a file that failed to load as a whole: an error of the plan, not a resource
        states[row.address] = _state(row, changes.get(row.address))
    for change in plan.resource_changes:
        if change.address in states:
            continue
        if Action.ERROR in change.actions:
            states[change.address] = ResourceState(
                address=change.address, state=WaitState.ERROR, status="error", message=change.reason
            )
        elif _pending(change):  # a prune of something that left git
            states[change.address] = ResourceState(
                address=change.address, state=WaitState.WAITING, status=change.action.value, message=change.reason
            )
    _blocked(states, changes)
    return Verdict(resources=tuple(states[a] for a in sorted(states)))


def _pending(change: ResourceChange | None) -> bool:
    return change is not None and (change.is_change or Action.WAIT in change.actions)


def _state(row: ResourceStatus, change: ResourceChange | None) -> ResourceState:
    address = str(row.address)
    status = row.status or row.health.value
    if row.health in (Health.ERROR, Health.UNKNOWN):
        return ResourceState(address=address, state=WaitState.ERROR, status=status, message=row.message)
    if row.health is Health.DEGRADED:
        return ResourceState(address=address, state=WaitState.FAILED, status=status, message=_failure(row))
    if change is not None and Action.ERROR in change.actions:
        return ResourceState(address=address, state=WaitState.ERROR, status=status, message=change.reason)
    if _pending(change):
        assert change is not None
        return ResourceState(address=address, state=WaitState.WAITING, status=status, message=change.reason)
    if row.health is Health.SUSPENDED:
        return ResourceState(
            address=address, state=WaitState.FAILED, status=status, message="the job was stopped before it completed"
        )
    if row.health in (Health.PROGRESSING, Health.MISSING):
        return ResourceState(address=address, state=WaitState.WAITING, status=status, message=row.message)
    if row.message and row.names.get("endpoint"):
        # Serving, but another config than the spec's and no pass will move it (a failed update).
        return ResourceState(address=address, state=WaitState.FAILED, status=status, message=_failure(row))
    return ResourceState(address=address, state=WaitState.HEALTHY, status=status)


def _blocked(states: dict[str, ResourceState], changes: Mapping[str, ResourceChange]) -> None:
    """A resource waiting only on one that failed or is in error waits for nothing: an error."""
    stuck = {a for a, s in states.items() if s.state in (WaitState.FAILED, WaitState.ERROR)}
    for address, res in list(states.items()):
        change = changes.get(address)
        if res.state is not WaitState.WAITING or change is None:
            continue
        blockers = sorted(stuck.intersection(change.depends_on))
        if blockers:
            states[address] = ResourceState(
                address=address, state=WaitState.ERROR, status=res.status,
                message=f"waits for {', '.join(blockers)}, which failed or is in error",
            )


def _failure(row: ResourceStatus) -> str:
    reason = str(row.details.get("failure_reason") or "")
    if row.message and reason and reason not in row.message:
        return f"{row.message} ({reason})"
    return row.message or reason or "no FailureReason given"


@dataclass(frozen=True, kw_only=True)
class Transition:
    """A resource whose state changed between two passes (``before`` None: first seen)."""

    address: str
    before: ResourceState | None
    after: ResourceState
    elapsed: float  # seconds since this wait first saw the resource waiting


@dataclass(kw_only=True)
class Tracker:
    """Remembers each resource's last state and when the wait first saw it waiting."""

    last: dict[str, ResourceState] = field(default_factory=dict)
    since: dict[str, float] = field(default_factory=dict)

    def update(self, current: Verdict, *, now: float) -> tuple[Transition, ...]:
        """Record ``current`` seen at ``now``; the transitions since the previous pass, by address."""
        changed: list[Transition] = []
        for res in current.resources:
            before = self.last.get(res.address)
            started = self.since.setdefault(res.address, now)
            moved = before is None or (before.state, before.status) != (res.state, res.status)
            if moved and (before is not None or res.state is not WaitState.HEALTHY):
                changed.append(Transition(address=res.address, before=before, after=res, elapsed=now - started))
            self.last[res.address] = res
        return tuple(changed)

    def elapsed(self, address: str, *, now: float) -> float:
        """Seconds since the wait first saw ``address`` (0 when never seen)."""
        return now - self.since.get(address, now)


def next_pause(*, previous: float | None, moved: bool, ceiling: float, floor: float = FAST_POLL_SECONDS) -> float:
    """Seconds to pause before the next pass: short right after something moved (a change applied,
    a status changed), then doubling while nothing does, never above ``ceiling`` (``--poll``)."""
    fast = min(floor, ceiling)
    if moved or previous is None:
        return fast
    return min(max(previous, fast) * BACKOFF_FACTOR, ceiling)


def format_seconds(seconds: float) -> str:
    """``0.4s``, ``12s``, ``3m05s``, ``1h02m``."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def waiting_summary(states: Sequence[ResourceState], *, elapsed: Mapping[str, float]) -> list[str]:
    """``Endpoint/search/search-ranker: Updating (1m02s)`` per waiting resource."""
    return [f"{s.address}: {s.status} ({format_seconds(elapsed.get(s.address, 0.0))})" for s in states]
