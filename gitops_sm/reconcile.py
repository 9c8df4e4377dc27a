"""``gitops-sm reconcile``: the CronJob pass (design section 6).

Called by ``gitops_sm.cli`` (and by tests and ``bench/bench_reconcile.py``). One pass:

1. take the pass lock (a Lease, when a cluster is reachable; the caller supplies it);
2. shallow-clone the spec branch (and the ``--status-branch``, an orphan branch of status only);
3. read the status files under ``.gitops-sm/status/``: they are the ledger that spares ``observe``
   the calls for finished jobs and unchanged endpoints (``plan.statusfiles``);
4. load the specs under ``--path``, observe, plan; if a planned mutation rests on a recorded
   (not freshly read) endpoint, config or model, observe those again and re-plan, so the ledger
   never stands in for the ownership check before a mutation;
5. apply (unless ``--dry-run``), then observe once more so the status reflects what was done;
6. write one status file per resource, commit only if some file changed (``[skip ci]``), and
   push, fetching and rebasing on a non-fast-forward rejection a bounded number of times.

The pass times its phases (clone, ledger, load, observe, plan, apply, status, write, commit,
push; ``ReconcileResult.phase_seconds``, also in the ``pass-finished`` event), so a slow pass
says where its time went.

A spec commit that lands while the pass runs is not read by this pass: the status commit is
rebased on top of it and the next pass plans it. Everything the pass reports goes through the
``emit`` callback as :class:`PassEvent` values (the CLI prints JSON lines or a rich view); no
secret given to the pass appears in them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from gitops_sm import app, gitrepo, kube
from gitops_sm.awsclients import ClientFactory
from gitops_sm.errors import ConfigError, GitopsSmError
from gitops_sm.execute import ApplyResult, ExecEvent, ExecEventKind, Outcome
from gitops_sm.gitrepo import Checkout, GitAuth, Identity
from gitops_sm.model import Action, JsonDict, LoadResult, ObservedResource, ObservedState, Plan
from gitops_sm.observe import FROM_LEDGER, Ledger, Reads, observe
from gitops_sm.plan.status import STATUS_DIR, build_status
from gitops_sm.plan.statusfiles import (
    LEDGER_USED,
    StatusLedger,
    TerminalJobsLedger,
    build_status_files,
    parse_files,
    render_file,
)

SKIP_CI = "[skip ci]"
MAX_APPLY_ROUNDS = 3  # applies per pass: the first plan, then steps that apply itself made safe
_PAST = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.REPLACE: "replaced",
    Action.DELETE: "deleted",
    Action.STOP: "stopped",
}


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, kw_only=True)
class PassEvent:
    """One thing the pass did or saw: an action, a state change, a git step, the verdict."""

    event: str  # pass-started, lock, ledger, plan, step, change, status, commit, push, pass-finished
    message: str
    level: Level = Level.INFO
    address: str | None = None
    action: str | None = None
    outcome: str | None = None
    request_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    plan: Plan | None = field(default=None, compare=False, repr=False)  # on "plan" events, for a rich view

    def to_dict(self) -> JsonDict:
        data: JsonDict = {"level": self.level.value, "event": self.event, "message": self.message}
        for key in ("address", "action", "outcome", "request_id"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        data.update(self.fields)
        return data


class PassLock(Protocol):
    """The lock one pass holds (``kube.lease.LeaseLock``); ``acquire`` is False when another holds it."""

    def acquire(self) -> bool: ...

    def renew_if_due(self) -> None: ...

    def release(self) -> None: ...

    @property
    def description(self) -> str: ...


@dataclass(frozen=True, kw_only=True)
class ReconcileOptions:
    repo: str
    branch: str = "main"
    path: str = ""
    status_branch: str | None = None
    dry_run: bool = False
    push_attempts: int = 5
    push_backoff_seconds: float = 0.5
    identity: Identity = field(default_factory=Identity)
    auth: GitAuth = field(default_factory=GitAuth)
    workdir: Path | None = None
    use_ledger: bool = True


@dataclass(frozen=True, kw_only=True)
class ReconcileResult:
    """What one pass did; ``exit_code`` is the command's."""

    locked_out: bool = False
    spec_commit: str | None = None
    plan: Plan | None = None  # what the pass set out to do
    final_plan: Plan | None = None  # planned from the last observation (what is left for later passes)
    apply: ApplyResult | None = None
    status_commit: str | None = None
    pushed: bool = False
    files_changed: tuple[str, ...] = ()
    aws_calls: int = 0
    calls_by_operation: Mapping[str, int] = field(default_factory=dict)
    phase_seconds: Mapping[str, float] = field(default_factory=dict)  # wall seconds per phase, in pass order

    @property
    def ok(self) -> bool:
        if self.locked_out:
            return True
        failed = self.apply is not None and not self.apply.ok
        return not failed and not (self.plan is not None and self.plan.has_errors)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def lease_name(*, repo: str, branch: str, path: str) -> str:
    """A Lease name (DNS label) that stands for one repo + branch + path shard."""
    display = gitrepo.display_url(repo)
    digest = hashlib.sha256(f"{display}\0{branch}\0{_clean_path(path)}".encode()).hexdigest()[:10]
    stem = re.sub(r"[^a-z0-9-]+", "-", Path(display.rstrip("/")).name.lower().removesuffix(".git")).strip("-")
    return f"gitops-sm-{stem[:30] or 'repo'}-{digest}"


def pass_lock(
    *, cluster: kube.Cluster | kube.NoCluster, options: ReconcileOptions, namespace: str | None,
    duration_seconds: int, emit: Callable[[PassEvent], None],
) -> PassLock | None:
    """The Lease for this repo + branch + path when a cluster is configured; otherwise None, said once."""
    if isinstance(cluster, kube.NoCluster):
        emit(PassEvent(
            event="lock", outcome="no-cluster",
            message=f"no Kubernetes cluster configured ({cluster.reason}): no Lease is taken; the CronJob's "
            "concurrencyPolicy: Forbid and deterministic names keep passes apart",
        ))
        return None
    return kube.LeaseLock(
        cluster=cluster,
        name=lease_name(repo=options.repo, branch=options.branch, path=options.path),
        namespace=namespace or cluster.namespace,
        duration_seconds=duration_seconds,
    )


def _clean_path(path: str) -> str:
    cleaned = path.strip().strip("/")
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or cleaned.startswith("/"):
        raise ConfigError(f"--path {path!r} must be a folder inside the repository")
    return "/".join(parts)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def commit_message(
    *, rounds: Sequence[tuple[Plan, ApplyResult]], changed: int, spec_commit: str | None
) -> str:
    """``gitops-sm: 2 created, 1 updated (specs 1a2b3c4) [skip ci]``."""
    counts: dict[str, int] = {}
    for the_plan, result in rounds:
        actions = {c.address: c.action for c in the_plan.resource_changes}
        for change in result.changes:
            if change.outcome is Outcome.APPLIED and actions.get(change.address) in _PAST:
                word = _PAST[actions[change.address]]
                counts[word] = counts.get(word, 0) + 1
            elif change.outcome is Outcome.FAILED:
                counts["failed"] = counts.get("failed", 0) + 1
    order = [*_PAST.values(), "failed"]
    parts = [f"{counts[w]} {w}" for w in order if counts.get(w)]
    summary = ", ".join(parts) if parts else f"status of {changed} resource{'s' if changed != 1 else ''}"
    at = f" (specs {spec_commit[:7]})" if spec_commit else ""
    return f"gitops-sm: {summary}{at} {SKIP_CI}"


def read_status_texts(root: Path) -> dict[str, str]:
    """``relative path -> text`` of every ``*.json`` under ``root/.gitops-sm/status``."""
    base = root / STATUS_DIR
    texts: dict[str, str] = {}
    if not base.is_dir():
        return texts
    for file in sorted(base.rglob("*.json")):
        try:
            texts[file.relative_to(base).as_posix()] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            texts[file.relative_to(base).as_posix()] = ""  # unreadable: parse_files reports it
    return texts


PHASES = ("clone", "ledger", "load", "observe", "plan", "apply", "status", "write", "commit", "push")


class _Phases:
    """Wall seconds spent in each phase of one pass (a phase entered several times adds up)."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[name] = self._seconds.get(name, 0.0) + time.perf_counter() - started

    def seconds(self) -> dict[str, float]:
        return {name: round(self._seconds[name], 3) for name in PHASES if name in self._seconds}


@dataclass(frozen=True, kw_only=True)
class _Planned:
    load: LoadResult
    observed: ObservedState
    plan: Plan
    region: str


def _plan_once(
    *, spec_root: Path, settings: app.Settings, clients: ClientFactory, ledger: Ledger | None, commit: str | None,
    cluster: kube.Cluster | kube.NoCluster, phases: _Phases,
) -> _Planned:
    with phases.phase("load"):
        loaded = app.load(spec_root=spec_root, allowed_endpoint_urls=settings.allowed_endpoint_urls)
        # The same rule as plan/apply: an --adopt or --retry-failed address no spec defines is an error.
        settings = app.with_flag_addresses(settings=settings, loaded=loaded)
    with phases.phase("observe"):
        region = app.default_region(settings=settings, clients=clients)
        # Status files show what `status` shows (failure reasons, outputs, conflicts): full reads, which
        # the ledger then makes one-time costs.
        observed = observe(
            desired=loaded.resources, clients=clients, default_region=region,
            include_unlisted_owned=settings.prune, ledger=ledger, reads=Reads.REPORT, adopt=settings.adopt,
        )
        # The operators' CRs: a SageMaker resource an in-cluster CR manages is never touched.
        observed = replace(observed, cluster=app.observe_cluster(settings=settings, cluster=cluster))
    with phases.phase("plan"):  # includes the ownership reads of what the plan would modify
        observed, the_plan = app.plan_verified(
            load=loaded, observed=observed, options=app.plan_options(settings=settings, region=region), commit=commit,
            clients=clients,
        )
    return _Planned(load=loaded, observed=observed, plan=the_plan, region=region)


def _mutation_rests_on_ledger(planned: _Planned) -> bool:
    """Whether a change with steps touches a resource whose state came from the ledger, not AWS:
    one it names, the endpoint of an autoscaling resource ID it names, or one a change it depends
    on names."""
    recorded = {r.name for r in planned.observed.resources if r.volatile.get(FROM_LEDGER)}
    if not recorded:
        return False
    names_of = {c.address: _touched_names(c.names.values()) for c in planned.plan.resource_changes}
    for change in planned.plan.resource_changes:
        if not change.steps:
            continue
        touched = set(names_of[change.address])
        for dependency in change.depends_on:
            touched |= names_of.get(dependency, set())
        if touched & recorded:
            return True
    return False


def _touched_names(names: Iterable[str]) -> set[str]:
    touched = set(names)
    for name in names:
        parts = name.split("/")
        if len(parts) >= 2 and parts[0] == "endpoint":  # autoscaling ResourceId endpoint/<name>/variant/<v>
            touched.add(parts[1])
    return touched


@contextmanager
def _workspace(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gitops-sm-", dir=workdir) as tmp:
        yield Path(tmp)


def run(
    *,
    options: ReconcileOptions,
    settings: app.Settings,
    clients: ClientFactory,
    emit: Callable[[PassEvent], None],
    lock: PassLock | None = None,
    cluster: kube.Cluster | kube.NoCluster | None = None,
    clock: Callable[[], str] = utc_now,
) -> ReconcileResult:
    """One reconcile pass (see the module docstring). ``cluster``: the result of
    ``app.connect_cluster`` (connected here when None), read for the operators' CRs."""
    found = app.connect_cluster(settings) if cluster is None else cluster
    spec_path = _clean_path(options.path)
    url = gitrepo.resolve_url(options.repo)
    shown = gitrepo.display_url(options.repo)
    if options.status_branch == options.branch:
        raise ConfigError("--status-branch must differ from --branch (omit it to keep status on the spec branch)")
    if lock is not None:
        if not lock.acquire():  # taken before anything is cloned or observed
            emit(PassEvent(event="lock", outcome="held", message=f"another pass holds the lock ({lock.description}); nothing to do"))
            return ReconcileResult(locked_out=True)
        emit(PassEvent(event="lock", outcome="acquired", message=f"lock acquired ({lock.description})"))
    try:
        with _workspace(options.workdir) as scratch:
            return _run_locked(
                options=options, settings=settings, clients=clients, emit=emit, lock=lock, clock=clock, cluster=found,
                scratch=scratch, url=url, shown=shown, spec_path=spec_path,
            )
    finally:
        if lock is not None:
            try:
                lock.release()
            except GitopsSmError as exc:  # the pass is done; the Lease expires by itself
                emit(PassEvent(event="lock", level=Level.WARNING, outcome="not-released", message=f"{exc}"))


def _run_locked(
    *,
    options: ReconcileOptions,
    settings: app.Settings,
    clients: ClientFactory,
    emit: Callable[[PassEvent], None],
    lock: PassLock | None,
    clock: Callable[[], str],
    cluster: kube.Cluster | kube.NoCluster,
    scratch: Path,
    url: str,
    shown: str,
    spec_path: str,
) -> ReconcileResult:
    secrets = options.auth.secrets
    phases = _Phases()
    env = gitrepo.git_environment(auth=options.auth, scratch=scratch)
    with phases.phase("clone"):
        spec = gitrepo.clone_branch(url=url, branch=options.branch, dest=scratch / "spec", env=env, secrets=secrets)
    status: Checkout = spec
    try:
        if options.status_branch:
            with phases.phase("clone"):
                status = gitrepo.clone_branch(
                    url=url, branch=options.status_branch, dest=scratch / "status", env=env, secrets=secrets,
                    create_orphan=True,
                )
        spec_root = spec.path / spec_path if spec_path else spec.path
        if not spec_root.is_dir():
            raise ConfigError(f"--path {spec_path}: no such folder in {shown} (branch {options.branch})")
        commit = spec.base_commit
        emit(PassEvent(
            event="pass-started",
            message=f"reconciling {shown} branch {options.branch}" + (f" path {spec_path}" if spec_path else "")
            + f" at {(commit or '')[:12]}",
            fields={"repo": shown, "branch": options.branch, "path": spec_path, "commit": commit,
                    "status_branch": options.status_branch, "dry_run": options.dry_run},
        ))
        with phases.phase("ledger"):
            docs, problems = parse_files(read_status_texts(status.path))
            ledger = StatusLedger(docs.values()) if options.use_ledger else None
        for problem in problems:
            emit(PassEvent(event="ledger", level=Level.WARNING, message=problem))
        before = clients.counter.total

        described: dict[tuple[str, str, str], ObservedResource] = {}  # jobs read from AWS in this pass

        def plan_safely(round_: int) -> _Planned:
            nonlocal ledger
            planned = _plan_once(spec_root=spec_root, settings=settings, clients=clients, ledger=ledger, commit=commit,
                                 cluster=cluster, phases=phases)
            if ledger is not None and planned.plan.has_changes and _mutation_rests_on_ledger(planned):
                emit(PassEvent(event="ledger", message="a planned change touches recorded state: reading it from AWS again"))
                planned = _plan_once(spec_root=spec_root, settings=settings, clients=clients,
                                     ledger=TerminalJobsLedger(ledger), commit=commit, cluster=cluster, phases=phases)
            described.update({r.key: r for r in planned.observed.resources if LEDGER_USED not in r.details})
            if ledger is not None:  # the next round of this pass need not read again what this one read
                with phases.phase("ledger"):
                    ledger = ledger.extended(load=planned.load, observed=planned.observed, default_region=planned.region)
            _emit_plan(planned.plan, emit, round_=round_)
            return planned

        planned = first = plan_safely(1)
        rounds: list[tuple[Plan, ApplyResult]] = []
        while planned.plan.has_changes and not options.dry_run and len(rounds) < MAX_APPLY_ROUNDS:
            with phases.phase("apply"):
                applied_now = app.apply_plan(
                    the_plan=planned.plan, clients=clients, allow_errors=True,
                    on_event=_step_logger(emit=emit, clients=clients, lock=lock),
                )
            rounds.append((planned.plan, applied_now))
            # Observe again: for the status files, and for steps this apply made safe (an endpoint
            # that is InService now can get its autoscaling in the same pass).
            planned = plan_safely(len(rounds) + 1)
            if not applied_now.ok:
                break
        with phases.phase("status"):
            # A job this pass described in an earlier round and skipped in the last: report what was read.
            final = replace(planned.observed, resources=tuple(
                described.get(r.key, r) if LEDGER_USED in r.details and described.get(r.key, r).status == r.status else r
                for r in planned.observed.resources
            ))
            result = ApplyResult(changes=tuple(c for _, r in rounds for c in r.changes)) if rounds else None
            report = build_status(load=planned.load, observed=final, default_region=planned.region)
            applied: dict[str, dict[str, Any]] = {}
            for round_plan, round_result in rounds:
                actions = {c.address: c.action for c in round_plan.resource_changes}
                for c in round_result.changes:
                    if c.outcome is not Outcome.NOTHING and c.address in actions:
                        applied[c.address] = {
                            "action": actions[c.address].value,
                            "outcome": c.outcome.value,
                            "error": f"{c.error_code}: {c.error_message}" if c.error_code or c.error_message else None,
                        }
            now = clock()
            built = build_status_files(
                report=report, load=planned.load, observed=final, default_region=planned.region, previous=docs,
                applied=applied, commit=commit, spec_path=spec_path, now=now,
            )
            calls = clients.counter.total - before
            by_operation = _by_operation(clients, since=before)

            base = status.path / STATUS_DIR
            rendered = {path: render_file(doc) for path, doc in built.files.items()}
        for address, old, new in built.transitions:
            emit(PassEvent(event="status", address=address, outcome=new,
                           message=f"{address}: {old or 'new'} -> {new}", fields={"from": old, "to": new}))

        def write_files() -> list[str]:
            changed: list[str] = []
            for path, text in rendered.items():
                target = base / path
                if target.is_file() and target.read_text(encoding="utf-8", errors="replace") == text:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                changed.append(path)
            for path in built.removed:
                target = base / path
                if target.exists():
                    target.unlink()
                    changed.append(path)
            return sorted(changed)

        if options.dry_run:
            would = sorted(
                p for p, text in rendered.items()
                if not (base / p).is_file() or (base / p).read_text(encoding="utf-8", errors="replace") != text
            ) + list(built.removed)
            emit(PassEvent(event="commit", outcome="dry-run",
                           message=f"dry run: {len(would)} status file(s) would change; nothing applied, committed or pushed",
                           fields={"files": would}))
            return _finish(emit, ReconcileResult(
                spec_commit=commit, plan=first.plan, final_plan=planned.plan, apply=None, files_changed=tuple(would), aws_calls=calls,
                calls_by_operation=by_operation, phase_seconds=phases.seconds()))

        with phases.phase("write"):
            changed = write_files()
        message = commit_message(rounds=rounds, changed=len(changed), spec_commit=commit)
        with phases.phase("commit"):
            made = gitrepo.commit_paths(status, paths=[STATUS_DIR], message=message, identity=options.identity) if changed else None
        if made is None:
            emit(PassEvent(event="commit", outcome="unchanged", message="status files unchanged: no commit"))
            return _finish(emit, ReconcileResult(
                spec_commit=commit, plan=first.plan, final_plan=planned.plan, apply=result, aws_calls=calls, calls_by_operation=by_operation,
                phase_seconds=phases.seconds()))
        emit(PassEvent(event="commit", outcome="committed", message=f"{message} ({made[:12]}, {len(changed)} file(s))",
                       fields={"commit": made, "files": len(changed)}))

        def rewrite(amend: bool) -> str | None:
            again = write_files()
            if not again:
                return None
            return gitrepo.commit_paths(status, paths=[STATUS_DIR], message=message, identity=options.identity,
                                        amend=amend)

        def on_retry(attempt: int, upstream: str) -> None:
            emit(PassEvent(event="push", level=Level.WARNING, outcome="rejected",
                           message=f"push rejected (attempt {attempt}): the branch moved to {upstream[:12]}; rebasing",
                           fields={"attempt": attempt}))
            if lock is not None:
                lock.renew_if_due()

        with phases.phase("push"):  # a rejected push's fetch, rebase and rewrite included
            pushed = gitrepo.push_with_retry(
                status, identity=options.identity, rewrite=rewrite, attempts=options.push_attempts,
                backoff_seconds=options.push_backoff_seconds, on_retry=on_retry,
            )
        emit(PassEvent(
            event="push", outcome="pushed" if pushed.pushed else "already-there",
            message=f"pushed {(pushed.commit or '')[:12]} to {status.branch}"
            + (f" after {pushed.rebased} rebase(s)" if pushed.rebased else ""),
            fields={"commit": pushed.commit, "attempts": pushed.attempts, "rebased": pushed.rebased},
        ))
        return _finish(emit, ReconcileResult(
            spec_commit=commit, plan=first.plan, final_plan=planned.plan, apply=result, status_commit=pushed.commit,
            pushed=pushed.pushed, files_changed=tuple(changed), aws_calls=calls, calls_by_operation=by_operation,
            phase_seconds=phases.seconds()))
    finally:
        spec.close()
        if status is not spec:
            status.close()


def _by_operation(clients: ClientFactory, *, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in clients.counter.calls[since:]:
        counts[call.operation] = counts.get(call.operation, 0) + 1
    return dict(sorted(counts.items()))


def _emit_plan(the_plan: Plan, emit: Callable[[PassEvent], None], *, round_: int) -> None:
    summary = {k: v for k, v in the_plan.summary.items() if v}
    if round_ > 1 and not the_plan.has_changes:
        return  # the re-observation after the last apply: its waits were reported already
    head = "plan" if round_ == 1 else f"plan (round {round_}, after apply)"
    emit(PassEvent(event="plan", message=f"{head}: " + (", ".join(f"{v} {k}" for k, v in summary.items()) or "nothing"),
                   fields={"summary": summary, "round": round_}, plan=the_plan))
    for change in the_plan.resource_changes:
        if change.action is Action.NOOP:
            continue
        level = Level.ERROR if change.action is Action.ERROR else Level.INFO
        emit(PassEvent(event="change", level=level, address=change.address, action=change.action.value,
                       outcome="planned", message=f"{change.address}: {change.action.value}: {change.reason}"))
    for issue in the_plan.errors:
        emit(PassEvent(event="change", level=Level.ERROR, address=issue.address, action=Action.ERROR.value,
                       outcome="invalid", message=issue.format()))


def _step_logger(
    *, emit: Callable[[PassEvent], None], clients: ClientFactory, lock: PassLock | None
) -> Callable[[ExecEvent], None]:
    def on_event(event: ExecEvent) -> None:
        if lock is not None:
            lock.renew_if_due()  # a long apply keeps the Lease
        if event.kind is ExecEventKind.STEP_FINISHED and event.result is not None:
            r = event.result
            failed = r.status.value == "failed"
            emit(PassEvent(
                event="step", level=Level.ERROR if failed else Level.INFO, address=event.address, action=r.call,
                outcome=r.status.value, request_id=clients.counter.last_request_id(r.call),
                message=f"{event.address}: {r.call} {r.target} ({r.region}): {r.status.value}"
                + (f": {r.error_code}: {r.error_message}" if failed else ""),
            ))
        elif event.kind is ExecEventKind.CHANGE_FINISHED and event.change is not None:
            c = event.change
            if c.outcome is Outcome.NOTHING:
                return
            bad = c.outcome in (Outcome.FAILED, Outcome.SKIPPED)
            emit(PassEvent(
                event="change", level=Level.ERROR if bad else Level.INFO, address=c.address, outcome=c.outcome.value,
                message=f"{c.address}: {c.outcome.value}" + (f": {c.error_message}" if c.error_message else ""),
            ))

    return on_event


def _finish(emit: Callable[[PassEvent], None], result: ReconcileResult) -> ReconcileResult:
    failed = result.apply is not None and not result.apply.ok
    invalid = result.plan is not None and result.plan.has_errors
    verdict = "failed" if failed else "invalid-specs" if invalid else "ok"
    emit(PassEvent(
        event="pass-finished", level=Level.INFO if result.ok else Level.ERROR, outcome=verdict,
        message=f"pass finished: {verdict}; {result.aws_calls} AWS read/write calls; "
        + (f"status commit {result.status_commit[:12]}" if result.status_commit else "no status commit"),
        fields={"aws_calls": result.aws_calls, "calls_by_operation": dict(result.calls_by_operation),
                "status_commit": result.status_commit, "exit_code": result.exit_code,
                "phase_seconds": dict(result.phase_seconds)},
    ))
    return result
