"""One pass of gitops-sm: load specs → observe → plan → (apply) → report.

Called by ``gitops_sm.cli`` (and by tests that drive whole passes). This is the only layer that
knows both the pure side (``specs``, ``plan``) and the outside world (``observe``, ``execute``,
``gitrepo``); it owns the rules that join them: which regions to read, when a saved plan is
stale, and the ``--wait`` loop that repeats observe→plan→apply until every resource is healthy.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from gitops_sm import gitrepo, kube, specs
from gitops_sm.awsclients import ClientFactory, RetryMode
from gitops_sm.errors import ConfigError, PlanError, PlanMismatchError, StalePlanError
from gitops_sm.execute import ApplyResult, ExecEvent, execute
from gitops_sm.kinds import API_V1, JOB_KINDS, TERMINAL_JOB_STATUSES, Kind
from gitops_sm.model import (
    ACK_DELETION_POLICY,
    ACK_DELETION_POLICY_RETAIN,
    V1_FINALIZER,
    Action,
    Address,
    ClusterResource,
    ClusterState,
    DesiredResource,
    LoadResult,
    ObservedResource,
    ObservedState,
    ObservedType,
    Plan,
    PlanSource,
    ResourceChange,
)
from gitops_sm.observe import Reads, describe_job, job_by_name, observe, verify_ownership
from gitops_sm.observe.logs import LogEvent, stream_log_events
from gitops_sm.plan import (
    DEFAULT_PRUNE_THRESHOLD,
    PlanOptions,
    StatusReport,
    build_status,
    first_difference,
    migration,
    plan,
)
from gitops_sm.plan.convergence import Tracker, Transition, Verdict, next_pause, verdict
from gitops_sm.plan.health import spec_job
from gitops_sm.redaction import SENSITIVE, holds_marker

SANDBOX_REGION = "us-east-1"
# Each round reads the tags of what the plan would modify, or records why it cannot; a second
# round finds nothing new unless tags turned a decision into one that modifies something else.
_MAX_OWNERSHIP_ROUNDS = 3


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a pass needs to know besides the specs themselves."""

    region: str | None = None
    profile: str | None = None
    retry_mode: RetryMode = "standard"
    max_attempts: int = 5
    # The sandbox or a test server; a callable is asked once, when the first client is made
    # (``--sandbox`` starts its simulator only for a pass that reaches AWS).
    endpoint_url: str | Callable[[], str] | None = None
    prune: bool = False
    prune_threshold: int = DEFAULT_PRUNE_THRESHOLD
    allow_mass_prune: bool = False
    adopt: frozenset[str] = field(default_factory=frozenset)
    # Endpoint URLs the operator lets specs name beyond AWS's own (allowlist.endpoint_problem).
    allowed_endpoint_urls: frozenset[str] = field(default_factory=frozenset)
    kube: kube.KubeSettings = field(default_factory=kube.KubeSettings)
    cluster_namespaces: tuple[str, ...] = ()  # where to read operator CRs; empty: all namespaces
    retry_failed: frozenset[str] = field(default_factory=frozenset)  # --retry-failed ADDRESS


@dataclass(frozen=True, kw_only=True)
class PlanOutcome:
    load: LoadResult
    observed: ObservedState
    plan: Plan
    aws_calls: int


def make_clients(settings: Settings) -> ClientFactory:
    return ClientFactory(
        profile=settings.profile,
        region=settings.region,
        retry_mode=settings.retry_mode,
        max_attempts=settings.max_attempts,
        endpoint_url=settings.endpoint_url,
        allowed_endpoint_urls=settings.allowed_endpoint_urls,
    )


def connect_cluster(settings: Settings) -> kube.Cluster | kube.NoCluster:
    """The cluster this invocation reads CR state from (and takes its Lease on), or why there is none.

    Call once per invocation and share the result: :class:`kube.NoCluster` is said once, not per pass."""
    return kube.connect(settings.kube)


def load(*, spec_root: Path, allowed_endpoint_urls: frozenset[str] = frozenset()) -> LoadResult:
    """Load specs; a root with no YAML document at all is a mistake (a mistyped path), not "nothing to do"."""
    loaded = specs.load_specs(spec_root, allowed_endpoint_urls=allowed_endpoint_urls)
    if not loaded.documents and not loaded.issues:
        raise ConfigError(f"no manifests under {spec_root} (looked for *.yaml and *.yml files)")
    return loaded


def validate(*, spec_root: Path, allowed_endpoint_urls: frozenset[str] = frozenset()) -> LoadResult:
    """Load and validate specs offline: no AWS, no cluster."""
    return load(spec_root=spec_root, allowed_endpoint_urls=allowed_endpoint_urls)


def default_region(*, settings: Settings, clients: ClientFactory) -> str:
    region = settings.region or clients.default_region
    if not region:
        raise ConfigError("no AWS region configured: pass --region, set AWS_REGION/AWS_DEFAULT_REGION, or use a profile")
    return region


def plan_options(*, settings: Settings, region: str) -> PlanOptions:
    return PlanOptions(
        default_region=region,
        prune=settings.prune,
        prune_threshold=settings.prune_threshold,
        allow_mass_prune=settings.allow_mass_prune,
        adopt=settings.adopt,
        retry_failed=settings.retry_failed,
    )


def observe_cluster(*, settings: Settings, cluster: kube.Cluster | kube.NoCluster | None = None) -> ClusterState:
    """The operators' CR state (empty without a cluster). ``cluster`` None: connect now, silently."""
    found = connect_cluster(settings) if cluster is None else cluster
    if isinstance(found, kube.NoCluster):
        return ClusterState()
    return kube.read_cluster_state(found, namespaces=settings.cluster_namespaces)


def plan_verified(
    *, load: LoadResult, observed: ObservedState, options: PlanOptions, commit: str | None, clients: ClientFactory
) -> tuple[ObservedState, Plan]:
    """Plan ``observed``, reading first the tags of whatever the plan would modify (every pass plans
    through here). observe skips tags no decision was expected to need; what a step would modify
    gets them read now (``verify_ownership``) and is planned again, so a conflict refuses it."""
    the_plan = plan(load=load, observed=observed, options=options, commit=commit)
    for _ in range(_MAX_OWNERSHIP_ROUNDS):
        verified = verify_ownership(observed=observed, plan=the_plan, clients=clients)
        if verified is observed:
            return observed, the_plan
        observed = verified
        the_plan = plan(load=load, observed=observed, options=options, commit=commit)
    if verify_ownership(observed=observed, plan=the_plan, clients=clients) is not observed:
        raise PlanError("the plan still modifies objects whose ownership was not verified; nothing is applied")
    return observed, the_plan


def with_flag_addresses(*, settings: Settings, loaded: LoadResult) -> Settings:
    """``settings`` with its ``--adopt`` and ``--retry-failed`` addresses made canonical and checked
    against the specs: an adoption that silently did nothing would hide the conflict, and a retry
    of a typo would look like a retry that failed again."""
    if settings.adopt:
        settings = replace(settings, adopt=_spec_addresses(flag="--adopt", given=settings.adopt, loaded=loaded))
    if settings.retry_failed:
        settings = replace(
            settings, retry_failed=_spec_addresses(flag="--retry-failed", given=settings.retry_failed, loaded=loaded)
        )
    return settings


def _spec_addresses(*, flag: str, given: frozenset[str], loaded: LoadResult) -> frozenset[str]:
    """The addresses ``flag`` was given, canonical; a malformed one, or one no spec under the root
    defines, is a :class:`ConfigError`."""
    known = {str(r.address) for r in loaded.resources}
    failed = {d.address for d in loaded.documents if d.address and d.address not in known}
    addresses: set[str] = set()
    for text in sorted(given):
        try:
            address = str(Address.parse(text))
        except ValueError as exc:
            raise ConfigError(f"{flag} {text}: {exc}") from exc
        if address in failed:
            raise ConfigError(f"{flag} {address}: its spec under {loaded.root} failed to load (see validate)")
        if address not in known:
            raise ConfigError(
                f"{flag} {address}: no spec under {loaded.root} defines it ({flag} takes a spec's address, "
                "Kind/namespace/name, as plan shows it)"
            )
        addresses.add(address)
    return frozenset(addresses)


def plan_pass(
    *, spec_root: Path, settings: Settings, clients: ClientFactory, cluster: kube.Cluster | kube.NoCluster | None = None
) -> PlanOutcome:
    """Load, observe (SageMaker and the cluster's CRs) and plan once."""
    loaded = load(spec_root=spec_root, allowed_endpoint_urls=settings.allowed_endpoint_urls)
    settings = with_flag_addresses(settings=settings, loaded=loaded)
    region = default_region(settings=settings, clients=clients)
    before = clients.counter.total
    observed = observe(
        desired=loaded.resources,
        clients=clients,
        default_region=region,
        include_unlisted_owned=settings.prune,
        adopt=settings.adopt,
    )
    observed = replace(observed, cluster=observe_cluster(settings=settings, cluster=cluster))
    observed, the_plan = plan_verified(
        load=loaded,
        observed=observed,
        options=plan_options(settings=settings, region=region),
        commit=gitrepo.head_commit(path=spec_root),
        clients=clients,
    )
    return PlanOutcome(load=loaded, observed=observed, plan=the_plan, aws_calls=clients.counter.total - before)


def read_plan_file(path: Path) -> Plan:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"cannot read plan file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PlanError(f"plan file {path} is not a JSON object")
    redacted = f"{path} is the redacted plan printed by --output json; apply needs the exact plan: write it with plan --out FILE"
    if data.get("redacted"):
        raise PlanError(redacted)
    saved = Plan.from_dict(data)
    for change, step in saved.steps():
        where = holds_marker(dict(step.params))
        if where is not None:  # the redacted output with its "redacted" key deleted
            raise PlanError(f"{redacted} ({change.address}: step {step.call} {step.target} holds {SENSITIVE} at params{where})")
    return saved


def _saved_addresses(value: Any, *, option: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanError(f"the plan file's options.{option} is not a list of addresses; plan again")
    return frozenset(value)


def saved_options_problem(saved: Plan, settings: Settings) -> str | None:
    """Why ``apply PLANFILE`` refuses the file's options, or None.

    An option that widens what may be destroyed or taken over (prune, allow-mass-prune, a higher
    prune threshold, adopt and retry-failed addresses) counts only if this invocation gives it too,
    so an edited file cannot switch one on. Options that only narrow are fine."""
    opts = saved.options
    need: list[str] = []
    if opts.get("prune", False) is not False and not settings.prune:
        need.append("--prune")
    if opts.get("allow_mass_prune", False) is not False and not settings.allow_mass_prune:
        need.append("--allow-mass-prune")
    threshold = opts.get("prune_threshold", DEFAULT_PRUNE_THRESHOLD)
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise PlanError("the plan file's options.prune_threshold is not an integer; plan again")
    if threshold > settings.prune_threshold:
        need.append(f"--prune-threshold {threshold}")
    for option, flag, given in (("adopt", "--adopt", settings.adopt),
                                ("retry_failed", "--retry-failed", settings.retry_failed)):
        need.extend(f"{flag} {address}" for address in sorted(_saved_addresses(opts.get(option), option=option) - given))
    if not need:
        return None
    flags = " ".join(need)
    return f"this plan was made with {flags}; pass {flags} to apply it (nothing was applied)"


def _check_saved_region(*, saved: Plan, configured: str | None) -> None:
    """The default region comes from this invocation (``--region``, the environment, the profile),
    never from the file: a file cannot send the re-plan, and so its calls, to another region."""
    made_for = saved.options.get("default_region")
    if not isinstance(made_for, str) or not made_for:
        raise PlanError("the plan file names no default region; plan again")
    if configured is None:
        raise PlanError(f"this plan was made for region {made_for}; pass --region {made_for} to apply it "
                        "(nothing was applied)")
    if configured != made_for:
        raise PlanError(f"this plan was made for region {made_for}, but this invocation is configured for "
                        f"{configured}; pass --region {made_for} to apply it (nothing was applied)")


def settings_for_saved_plan(saved: Plan, settings: Settings) -> Settings:
    """Re-plan with the options the saved plan was made with (prune, thresholds, adoption), once
    :func:`saved_options_problem` found each widening one given by this invocation too."""
    opts = saved.options
    return Settings(
        region=settings.region,
        profile=settings.profile,
        retry_mode=settings.retry_mode,
        max_attempts=settings.max_attempts,
        endpoint_url=settings.endpoint_url,
        prune=bool(opts.get("prune", False)),
        prune_threshold=int(opts.get("prune_threshold", DEFAULT_PRUNE_THRESHOLD)),
        allow_mass_prune=bool(opts.get("allow_mass_prune", False)),
        adopt=frozenset(opts.get("adopt") or ()),
        allowed_endpoint_urls=settings.allowed_endpoint_urls,
        kube=settings.kube,
        cluster_namespaces=settings.cluster_namespaces,
        retry_failed=frozenset(opts.get("retry_failed") or ()),
    )


def saved_spec_root(*, saved: Plan, plan_file: Path) -> Path:
    """The spec root ``saved`` names, only where the one applying it could have put it: below the
    working directory or beside the plan file. A file cannot point apply at specs elsewhere on the
    machine (the specs decide every call apply makes)."""
    root = Path(saved.source.path)
    resolved = root.resolve()
    bases = (Path.cwd().resolve(), plan_file.resolve().parent)
    if not any(resolved == base or base in resolved.parents for base in bases):
        raise PlanError(
            f"the plan's spec root {root} is outside the working directory and the plan file's directory; "
            "run apply from the checkout the plan was made in (nothing was applied)"
        )
    if not resolved.exists():
        raise StalePlanError(f"the plan's spec root {root} does not exist here; plan again")
    return root


def check_fresh(*, saved: Plan, plan_file: Path, settings: Settings, clients: ClientFactory) -> PlanOutcome:
    """Re-plan and refuse ``saved`` unless planning the same specs against the world now gives exactly it.

    First the file's widening options must each be given by this invocation (saved_options_problem),
    its default region must be the one this invocation is configured for, and its spec root must lie
    below the working directory or beside ``plan_file`` (saved_spec_root).
    The specs and observed digests must match, and then every change and every step (service,
    call, region, target, params, endpoint URL) must equal the fresh plan's; the first difference
    is named. The caller applies the returned fresh plan, so what runs is always what the planner
    produced from the specs and the configuration, never what the file says.
    """
    if saved.has_errors:
        raise PlanError("the plan contains errors; fix them and plan again (apply never runs an errored plan)")
    problem = saved_options_problem(saved, settings)
    if problem:
        raise PlanError(problem)
    _check_saved_region(saved=saved, configured=settings.region or clients.default_region)
    root = saved_spec_root(saved=saved, plan_file=plan_file)
    current = plan_pass(spec_root=root, settings=settings_for_saved_plan(saved, settings), clients=clients)
    if current.plan.source.specs_digest != saved.source.specs_digest:
        raise StalePlanError("the specs changed since this plan was made; plan again")
    if current.plan.observed_digest != saved.observed_digest:
        raise StalePlanError("SageMaker changed since this plan was made (observed state differs); plan again")
    difference = first_difference(saved=saved, now=current.plan)
    if difference:
        raise PlanMismatchError(
            f"the saved plan is not what planning the same specs gives now: {difference}; nothing was applied "
            "(a plan file cannot be edited; plan again)"
        )
    return current


def apply_plan(
    *,
    the_plan: Plan,
    clients: ClientFactory,
    on_event: Callable[[ExecEvent], None] | None = None,
    allow_errors: bool = False,
) -> ApplyResult:
    """Execute ``the_plan``. ``allow_errors`` applies the valid part of a plan whose other specs are
    invalid (design §4: valid specs still get planned and applied); error entries have no steps and
    the planner already withheld every stop/delete because a spec failed."""
    if the_plan.has_errors and not allow_errors:
        raise PlanError("the plan contains errors; apply refuses it")
    return execute(the_plan, clients=clients, on_event=on_event, allow_errors=allow_errors)


def pending(the_plan: Plan) -> bool:
    """Whether another pass could still change something (changes or waits)."""
    return any(c.is_change or Action.WAIT in c.actions for c in the_plan.resource_changes)


class WaitEnd(StrEnum):
    """Why ``--wait`` stopped."""

    CONVERGED = "converged"  # nothing pending, everything healthy (spec errors aside)
    FAILED = "failed"  # a job or endpoint ended Failed (or stopped, or in conflict)
    APPLY_FAILED = "apply-failed"  # an API call of a pass failed
    TIMED_OUT = "timed-out"


@dataclass(frozen=True, kw_only=True)
class WaitPass:
    """One pass of ``--wait``: its plan, what it found, and the state changes since the last pass."""

    attempt: int
    elapsed: float  # seconds since the wait started, when the pass began
    outcome: PlanOutcome
    verdict: Verdict
    transitions: tuple[Transition, ...]


@dataclass(frozen=True, kw_only=True)
class WaitOutcome:
    """How ``--wait`` ended, its last pass, and how long each still-waiting resource waited."""

    end: WaitEnd
    last: WaitPass
    elapsed: float
    waited: Mapping[str, float]  # address -> seconds, for the resources still waiting


class WaitObserver(Protocol):
    """What the ``--wait`` loop tells its caller, in order."""

    def pass_started(self, attempt: int, elapsed: float) -> None:
        """Before the pass makes any API call."""

    def planned(self, wait_pass: WaitPass, *, applying: bool) -> None:
        """After observe and plan, before the pass applies anything (``applying``: it will)."""

    def applied(self, result: ApplyResult) -> None:
        """After the pass applied its changes."""

    def pausing(self, seconds: float, wait_pass: WaitPass, tracker: Tracker) -> None:
        """Before the pause that precedes the next pass."""


class _Silent:
    def pass_started(self, attempt: int, elapsed: float) -> None:
        return None

    def planned(self, wait_pass: WaitPass, *, applying: bool) -> None:
        return None

    def applied(self, result: ApplyResult) -> None:
        return None

    def pausing(self, seconds: float, wait_pass: WaitPass, tracker: Tracker) -> None:
        return None


def wait_until_converged(
    *,
    spec_root: Path,
    settings: Settings,
    clients: ClientFactory,
    timeout_seconds: float,
    poll_seconds: float,
    observer: WaitObserver | None = None,
    on_event: Callable[[ExecEvent], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> WaitOutcome:
    """``--wait``: observe→plan→apply repeatedly until every resource is healthy, one failed, an
    API call failed, or ``timeout_seconds`` passed.

    The pause between passes is short while things move (a change applied, a status changed) and
    doubles while nothing does, up to ``poll_seconds`` (:func:`gitops_sm.plan.convergence.next_pause`).
    """
    watcher: WaitObserver = observer or _Silent()
    started = monotonic()
    deadline = started + timeout_seconds
    tracker = Tracker()
    pause: float | None = None
    applied_before: tuple[tuple[str, tuple[str, ...]], ...] = ()
    attempt = 0
    while True:
        attempt += 1
        watcher.pass_started(attempt, monotonic() - started)
        outcome = plan_pass(spec_root=spec_root, settings=settings, clients=clients)
        region = default_region(settings=settings, clients=clients)
        report = build_status(load=outcome.load, observed=outcome.observed, default_region=region)
        current = verdict(plan=outcome.plan, report=report)
        if current.failed:
            # Before the transitions are printed: their "→ Failed" line names the FailureReason too
            # (the pass read no Describe for a finished job, so its own verdict has none).
            current = _explain_failures(current, outcome=outcome, clients=clients, region=region)
        now = monotonic()
        this_pass = WaitPass(
            attempt=attempt, elapsed=now - started, outcome=outcome, verdict=current,
            transitions=tracker.update(current, now=now),
        )
        applying = outcome.plan.has_changes and not current.failed
        watcher.planned(this_pass, applying=applying)

        def end(how: WaitEnd, last: WaitPass = this_pass) -> WaitOutcome:
            at = monotonic()
            waited = {r.address: tracker.elapsed(r.address, now=at) for r in last.verdict.waiting}
            return WaitOutcome(end=how, last=last, elapsed=at - started, waited=waited)

        if current.failed:
            return end(WaitEnd.FAILED)
        result = None
        if applying:
            result = apply_plan(the_plan=outcome.plan, clients=clients, on_event=on_event, allow_errors=True)
            watcher.applied(result)
            if not result.ok:
                return end(WaitEnd.APPLY_FAILED)
        elif current.converged:
            return end(WaitEnd.CONVERGED)
        now = monotonic()
        if now >= deadline:
            return end(WaitEnd.TIMED_OUT)
        # Applying the same changes again is not movement: it must not keep the polling fast.
        applied_now = tuple((c.address, tuple(a.value for a in c.actions)) for c in outcome.plan.resource_changes
                            if c.is_change) if result is not None else ()
        moved = bool(this_pass.transitions) or (bool(applied_now) and applied_now != applied_before)
        applied_before = applied_now or applied_before
        pause = next_pause(previous=pause, moved=moved, ceiling=poll_seconds)
        pause = min(pause, deadline - now)
        watcher.pausing(pause, this_pass, tracker)
        sleep(pause)


def _explain_failures(current: Verdict, *, outcome: PlanOutcome, clients: ClientFactory, region: str) -> Verdict:
    """Read the failed resources again as ``status`` does, for their FailureReason."""
    failed = {r.address for r in current.failed}
    wanted = [r for r in outcome.load.resources if str(r.address) in failed]
    if not wanted:
        return current
    detailed = observe(desired=wanted, clients=clients, default_region=region, reads=Reads.REPORT)
    report = build_status(load=outcome.load, observed=detailed, default_region=region)
    return current.explained_by(verdict(plan=outcome.plan, report=report))


def status_pass(
    *, spec_root: Path, settings: Settings, clients: ClientFactory, cluster: kube.Cluster | kube.NoCluster | None = None
) -> tuple[LoadResult, StatusReport]:
    """Load specs and observe, then describe every resource in the seed's status vocabulary
    (with the operator CR that also manages it, if any) and whether it is in sync: the pure
    planner runs on the same observation (no further call) and a resource with a change pending
    is ``OutOfSync``."""
    loaded = load(spec_root=spec_root, allowed_endpoint_urls=settings.allowed_endpoint_urls)
    region = default_region(settings=settings, clients=clients)
    observed = observe(desired=loaded.resources, clients=clients, default_region=region, reads=Reads.REPORT)
    observed = replace(observed, cluster=observe_cluster(settings=settings, cluster=cluster))
    the_plan = plan(load=loaded, observed=observed, options=plan_options(settings=settings, region=region), commit=None)
    return loaded, build_status(load=loaded, observed=observed, default_region=region, plan=the_plan)


def find_resource(
    *, spec_root: Path, address: str, allowed_endpoint_urls: frozenset[str] = frozenset()
) -> DesiredResource:
    """The desired resource at ``address`` (``Kind/namespace/name`` or ``Kind/name``), its spec
    loaded under the same endpoint rule as every other command (the operator's allowed URLs)."""
    try:
        wanted = Address.parse(address)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    loaded = load(spec_root=spec_root, allowed_endpoint_urls=allowed_endpoint_urls)
    for res in loaded.resources:
        if res.address == wanted:
            return res
    for issue in loaded.issues:
        if issue.address == str(wanted):
            raise ConfigError(f"{wanted} has an invalid spec: {issue.format()}")
    known = ", ".join(str(r.address) for r in loaded.resources if r.kind.is_job) or "none"
    raise ConfigError(f"no spec for {wanted} under {spec_root} (jobs there: {known})")


def job_log_events(
    *,
    res: DesiredResource,
    settings: Settings,
    clients: ClientFactory,
    follow: bool,
    tail: int | None,
    since_ms: int | None,
    best: bool = False,
    poll_seconds: float = 5.0,
) -> tuple[str, str, Iterator[LogEvent], Callable[[], bool]]:
    """(log group, stream prefix, events, has the job ended?) of a job's CloudWatch Logs.

    A tuning job has no log of its own: its training jobs log under ``/aws/sagemaker/TrainingJobs``
    with names ``<tuning job>-NNN-xxxxxxxx``, so all of them are read, or only the best one's.
    """
    if not res.kind.is_job:
        article = "an" if res.manifest_kind[:1].lower() in "aeiou" else "a"
        raise ConfigError(
            f"{res.address} is {article} {res.manifest_kind}; logs exist for training, tuning, transform and processing jobs"
        )
    region = res.region or default_region(settings=settings, clients=clients)
    kind = res.kind
    name = _job_name(res=res, clients=clients, region=region)
    prefix = f"{name}/"
    if kind is Kind.HYPERPARAMETER_TUNING_JOB:
        prefix = f"{name}-"
        if best:
            described = describe_job(clients=clients, region=region, kind=kind, name=name, endpoint_url=res.endpoint_url)
            best_job = (described.get("BestTrainingJob") or {}).get("TrainingJobName")
            if not best_job:
                raise ConfigError(f"tuning job {name} has no best training job yet")
            prefix = f"{best_job}/"
        kind_for_logs = Kind.TRAINING_JOB
    else:
        kind_for_logs = kind
    log_group = JOB_KINDS[kind_for_logs].log_group
    assert log_group is not None

    def is_terminal() -> bool:
        described = describe_job(clients=clients, region=region, kind=kind, name=name, endpoint_url=res.endpoint_url)
        return described.get(JOB_KINDS[kind].status_member) in TERMINAL_JOB_STATUSES

    events = stream_log_events(
        clients=clients, region=region, log_group=log_group, name_prefix=prefix, since_ms=since_ms,
        tail=tail, follow=follow, is_terminal=is_terminal, poll_seconds=poll_seconds,
    )
    return log_group, prefix, events, is_terminal


def _job_name(*, res: DesiredResource, clients: ClientFactory, region: str) -> str:
    """The SageMaker name of ``res``'s job: the planner's rule (:func:`spec_job`) asked one name
    at a time, so a job an earlier naming rule named is found without listing every job; the
    spec's own name when there is no job yet (its logs appear once it is created)."""

    def lookup(where: str, _type: ObservedType, name: str) -> ObservedResource | None:
        # Only a job under a previous name needs its tags read: they decide whether it ran this spec.
        return job_by_name(clients=clients, region=where, kind=res.kind, name=name, with_tags=name != res.names["job"],
                           endpoint_url=res.endpoint_url)

    found = spec_job(res=res, region=region, get=lookup)
    return found.name if found is not None else res.names["job"]


# --------------------------------------------------------------------------- migrate --from-cluster


@dataclass(frozen=True, kw_only=True)
class MigrationItem:
    """What ``migrate`` did (or, with ``--dry-run``, would do) for one CR."""

    address: str
    api_version: str
    file: str | None
    outcome: str  # "migrated", "would migrate", "refused", "failed", "skipped"
    message: str = ""
    actions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "api_version": self.api_version, "file": self.file, "outcome": self.outcome,
                "message": self.message, "actions": list(self.actions)}


@dataclass(frozen=True, kw_only=True)
class MigrationReport:
    items: tuple[MigrationItem, ...]
    dry_run: bool
    source: str

    @property
    def ok(self) -> bool:
        return all(i.outcome in ("migrated", "would migrate", "skipped") for i in self.items)


def _write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` via a temporary file and a rename; False when it already had it."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def _load_one(text: str, *, name: str) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="gitops-sm-migrate-") as tmp:
        path = Path(tmp) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return specs.load_specs(Path(tmp))


def migrate(
    *,
    to: Path,
    settings: Settings,
    clients: ClientFactory,
    cluster: kube.Cluster | kube.NoCluster,
    namespaces: tuple[str, ...] = (),
    dry_run: bool = False,
    echo: Callable[[str], None] = lambda _line: None,
) -> MigrationReport:
    """Move every operator CR in ``namespaces`` into specs under ``to`` and under our tags.

    Per CR, in this order, so a crash anywhere leaves it operator-managed (the CR and its finalizer or
    delete policy still there; a rerun finishes it) or ours (spec in git, tags on, CR gone), never
    neither: write the spec (atomic rename) → plan it as it would be once tagged (anything but a
    no-op refuses the CR, nothing changed) → add our tags → make deleting the CR leave AWS alone
    (v1: remove its finalizer; ACK: deletion-policy retain) → delete the CR.
    """
    if isinstance(cluster, kube.NoCluster):
        raise ConfigError(f"migrate --from-cluster needs a cluster: {cluster.message}")
    region = default_region(settings=settings, clients=clients)
    state, crs = kube.read_custom_resources(cluster, namespaces=namespaces or settings.cluster_namespaces)
    existing = specs.load_specs(to) if to.is_dir() else None
    existing_files = {str(r.address): r.source.path for r in existing.resources} if existing else {}
    items: list[MigrationItem] = []
    for found in crs:
        cr = found.view
        echo(f"{cr.address} ({cr.api_version})")
        item = _migrate_one(cr=cr, obj=found.object, to=to, state=state, existing_files=existing_files,
                            region=region, settings=settings, clients=clients, cluster=cluster, dry_run=dry_run,
                            echo=echo)
        items.append(item)
        target = f" -> {to / item.file}" if item.file and item.outcome in ("migrated", "would migrate") else ""
        echo(f"  {item.outcome}{target}" + (f": {item.message}" if item.message else ""))
    return MigrationReport(items=tuple(items), dry_run=dry_run, source=cluster.source)


def _migrate_one(
    *, cr: ClusterResource, obj: Any, to: Path, state: ClusterState, existing_files: dict[str, str], region: str,
    settings: Settings, clients: ClientFactory, cluster: kube.Cluster, dry_run: bool, echo: Callable[[str], None],
) -> MigrationItem:
    def done(outcome: str, message: str = "", actions: tuple[str, ...] = (), file: str | None = None) -> MigrationItem:
        return MigrationItem(address=cr.address, api_version=cr.api_version, file=file, outcome=outcome,
                             message=message, actions=actions)

    if not migration.supported(cr):
        return done("skipped", f"{cr.api_version} {cr.kind} is not a kind gitops-sm manages")
    if cr.released:
        return done("skipped", "being deleted with its AWS resources retained: nothing left to migrate")
    if cr.deleting:
        return done("refused", "the CR is being deleted by its operator, which deletes or stops its AWS resources")
    rel = migration.file_name(cr)
    if (other := existing_files.get(cr.address)) and other != rel:
        return done("refused", f"{to / other} already has a spec for this address; migrate does not overwrite it",
                    file=rel)
    manifest = migration.manifest_from_cr(obj, cr)
    text = migration.manifest_text(manifest, cr=cr)
    loaded = _load_one(text, name=rel)
    if loaded.issues or len(loaded.resources) != 1:
        why = "; ".join(i.format() for i in loaded.issues) or "no resource"
        return done("refused", f"the CR does not make a valid spec: {why}", file=rel)
    res = loaded.resources[0]
    if cr.api_version == API_V1 and cr.kind == "HostingDeployment":
        pinned = migration.pin_hosting_names(manifest, obj, spec_hash=res.spec_hash)
        if pinned is not None:
            text = migration.manifest_text(pinned, cr=cr)
            loaded = _load_one(text, name=rel)
            res = loaded.resources[0]
    res_region = res.region or region
    # Adding our tags needs every object's current tags: the full reads of `status`.
    observed = observe(desired=[res], clients=clients, default_region=region, reads=Reads.REPORT)
    steps, problems = migration.tag_steps(res, observed, region=res_region)
    if problems:
        return done("refused", "; ".join(problems), file=rel)
    after = migration.tagged(observed, steps, tags=migration.our_tags(res))
    check = migration.preflight(load=loaded, res=res, observed=after, cluster=state.without([cr.address]),
                                region=region)
    if problem := migration.preflight_problem(check):
        return done("refused", problem, file=rel)

    release = (f"remove finalizer {V1_FINALIZER}" if not cr.is_ack else
               f"annotate {ACK_DELETION_POLICY}: {ACK_DELETION_POLICY_RETAIN}") if not cr.retains else None
    planned = [f"write {to / rel}"]
    planned += [f"{s.call} {s.target} ({s.region})" for s in steps]
    if release:
        planned.append(f"{release} on {cr.address}")
    planned.append(f"delete {cr.address}")
    if dry_run:
        for line in planned:
            echo(f"  would {line}")
        return done("would migrate", check.reason, tuple(planned), file=rel)

    actions: list[str] = []
    wrote = _write_atomic(to / rel, text)
    actions.append(f"{'wrote' if wrote else 'kept (unchanged)'} {to / rel}")
    echo(f"  {actions[-1]}")
    if steps:
        tag_plan = Plan(source=PlanSource(path=str(to), commit=None, specs_digest=res.spec_hash), observed_digest="",
                        resource_changes=(ResourceChange(
                            address=str(res.address), kind=res.manifest_kind, api_version=res.api_version,
                            source=res.source, region=res_region, names=dict(res.names), actions=(Action.UPDATE,),
                            reason=f"migrate {cr.address}: add the gitops-sm ownership tags", steps=tuple(steps)),))
        result = execute(tag_plan, clients=clients)
        if not result.ok:
            failed = result.failed[0]
            return done("failed", f"tagging failed: {failed.error_code}: {failed.error_message}; the CR keeps its "
                        "operator (rerun migrate)", tuple(actions), file=rel)
        for s in steps:
            actions.append(f"{s.call} {s.target} ({s.region})")
            echo(f"  {actions[-1]}")
    current = kube.get(cluster, cr)
    if current is None:
        actions.append(f"{cr.address} is already gone")
        return done("migrated", check.reason, tuple(actions), file=rel)
    if kube.release(cluster, current.view):
        done_release = (f"removed finalizer {V1_FINALIZER}" if not cr.is_ack else
                        f"annotated {ACK_DELETION_POLICY}: {ACK_DELETION_POLICY_RETAIN}")
        actions.append(f"{done_release} on {cr.address}")
        echo(f"  {actions[-1]}")
    if kube.delete(cluster, current.view):
        actions.append(f"deleted {cr.address}")
        echo(f"  {actions[-1]}")
    return done("migrated", check.reason, tuple(actions), file=rel)
