"""The ``status`` report: per desired resource, what SageMaker has for it, in the operators' words.

The app layer loads the specs, observes, and calls :func:`build_status`; the CLI renders the
result with :func:`render_status_text` (a table on a terminal, aligned plain text otherwise) or
:func:`render_status_json`. Pure: no I/O and no clock, so the same inputs give byte-identical output.

Each :class:`ResourceStatus` has the resource's identity (address, kind, apiVersion, source,
region, SageMaker names, spec hash), its :class:`~gitops_sm.plan.health.Health`, the SageMaker
status, a message (failure reason, conflict, "not created yet") and the status vocabulary the
original operator's ``kubectl get/describe`` showed for its kind, split in two:

``details``   settled facts: creation time, failure reason, model artifacts / output locations,
              training time, endpoint config (current / desired / pending), autoscaling targets.
``progress``  what moves while a resource runs or scales without anything being changed:
              a training job's secondary status; a tuning job's training-job counters and best
              training job; an endpoint's per-variant current/desired instance counts and weights.

:meth:`ResourceStatus.to_file_dict` is the form for one status file per resource (a later
``reconcile`` writes them under ``.gitops-sm/status/``): stable key order, no timestamps other
than the immutable creation time, and ``progress`` only once it is final (a job in a terminal
status), so a file changes only when something really changed. Last-modified times, secondary
status transitions and scaling alarms are never part of the report at all.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from gitops_sm import kinds
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    JOB_OBSERVED_TYPES,
    Action,
    Address,
    ClusterState,
    DesiredResource,
    DocumentStatusKind,
    Issue,
    JsonDict,
    LoadResult,
    ObservedResource,
    ObservedState,
    ObservedType,
    Plan,
    ResourceChange,
    SourceLocation,
    policy_key,
)
from gitops_sm.plan._cluster import claimed_managers
from gitops_sm.plan.health import (
    Health,
    assess,
    desired_endpoint_config,
    ownership_conflict,
    scaling_units,
    spec_job,
)

STATUS_FORMAT_VERSION = 1
STATUS_DIR = ".gitops-sm/status"


class Sync(StrEnum):
    """Whether SageMaker is what git says (Argo CD's sync status), beside health: is it working?"""

    SYNCED = "Synced"  # nothing to change: the plan is a no-op
    OUT_OF_SYNC = "OutOfSync"  # the plan would create, update, replace, delete or stop it, or it is in error
    PROGRESSING = "Progressing"  # nothing to change now, but it is still moving (job running, endpoint updating)


@dataclass(frozen=True, kw_only=True)
class ResourceStatus:
    """The status of one desired resource, or of one spec that failed to load (health ``error``)."""

    address: str | None
    kind: str | None  # the manifest kind, as written in the spec
    api_version: str | None
    source: SourceLocation | None
    region: str | None
    names: Mapping[str, str]
    spec_hash: str | None
    health: Health
    status: str | None  # SageMaker's own status word (TrainingJobStatus, EndpointStatus, …)
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    progress: Mapping[str, Any] = field(default_factory=dict)
    final: bool = False  # progress cannot change any more (a job in a terminal status)
    # The operator CR that also manages this resource, and its own view (state, message).
    in_cluster: Mapping[str, Any] | None = None
    sync: Sync | None = None  # None when the report was built without a plan
    # The job an earlier version of this spec started, while the spec's own job does not exist yet.
    previous_job: Mapping[str, Any] | None = None

    @property
    def primary_name(self) -> str:
        """The one SageMaker name that stands for the resource in a table cell."""
        for role in ("job", "endpoint", "model", "endpoint_config"):
            if role in self.names:
                return self.names[role]
        targets = list(dict.fromkeys(_role_subject(role, name) for role, name in self.names.items()))
        if not targets:
            return ""
        return targets[0] + (f" (+{len(targets) - 1} more)" if len(targets) > 1 else "")

    def to_dict(self) -> JsonDict:
        """The JSON form (``status --output json``): every field, stable key order."""
        return {
            "address": self.address,
            "kind": self.kind,
            "api_version": self.api_version,
            "source": str(self.source) if self.source else None,
            "region": self.region,
            "names": dict(self.names),
            "spec_hash": self.spec_hash,
            "health": self.health.value,
            "status": self.status,
            "message": self.message,
            "details": _plain(self.details),
            "progress": _plain(self.progress),
            **({"in_cluster": dict(self.in_cluster)} if self.in_cluster else {}),
            **({"sync": self.sync.value} if self.sync else {}),
            **({"previous_job": _plain(self.previous_job)} if self.previous_job else {}),
        }

    def to_file_dict(self) -> JsonDict:
        """The form for a status file: ``to_dict()`` without ``progress`` until it is final."""
        data = self.to_dict()
        if not self.final:
            del data["progress"]
        return data


def _role_subject(role: str, name: str) -> str:
    """``target:endpoint/x/variant/a`` → ``endpoint/x/variant/a``: autoscaling names are per resource ID."""
    _, _, qualifier = role.partition(":")
    return qualifier or name


def status_file_path(address: str) -> str:
    """Where the status file of ``address`` lives under :data:`STATUS_DIR`: ``<namespace>/<Kind>/<name>.json``."""
    parsed = Address.parse(address)
    parts = (parsed.namespace, parsed.kind, parsed.name)
    return "/".join(re.sub(r"[^A-Za-z0-9._-]", "_", p) for p in parts) + ".json"


@dataclass(frozen=True, kw_only=True)
class StatusReport:
    """Every resource's status, sorted by address, and the observation errors that name none."""

    root: str
    resources: tuple[ResourceStatus, ...]
    errors: tuple[Issue, ...] = ()

    @property
    def summary(self) -> dict[str, int]:
        counts = {h.value: 0 for h in Health}
        for res in self.resources:
            counts[res.health.value] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        """A spec failed to load, AWS could not be read, or a resource is failed or in conflict."""
        bad = (Health.ERROR, Health.UNKNOWN, Health.DEGRADED)
        return bool(self.errors) or any(r.health in bad for r in self.resources)

    def to_dict(self) -> JsonDict:
        return {
            "format_version": STATUS_FORMAT_VERSION,
            "root": self.root,
            "summary": self.summary,
            "resources": [r.to_dict() for r in self.resources],
            "errors": [e.to_dict() for e in self.errors],
        }


# --------------------------------------------------------------------------- building


def build_status(
    *, load: LoadResult, observed: ObservedState, default_region: str, plan: Plan | None = None
) -> StatusReport:
    """One :class:`ResourceStatus` per desired resource and per spec that failed to load; with the
    ``plan`` of the same observation, each row also says whether it is in sync (:class:`Sync`)."""
    rows = [
        _with_cluster(_resource_status(res, observed, res.region or default_region), res, observed.cluster,
                      res.region or default_region)
        for res in load.resources
    ]
    rows.extend(_load_error_rows(load))
    if plan is not None:
        changes = {c.address: c for c in plan.resource_changes}
        rows = [replace(r, sync=_sync(r, changes.get(r.address or ""))) for r in rows]
    rows.sort(key=lambda r: (r.address is None, r.address or "", str(r.source or "")))
    shown = {r.address for r in rows if r.address}
    errors = tuple(issue for issue in observed.errors if issue.address not in shown)
    return StatusReport(root=load.root, resources=tuple(rows), errors=errors)


def _sync(row: ResourceStatus, change: ResourceChange | None) -> Sync:
    if row.health is Health.ERROR or (change is not None and (change.is_change or Action.ERROR in change.actions)):
        return Sync.OUT_OF_SYNC
    if (change is not None and Action.WAIT in change.actions) or row.health is Health.PROGRESSING:
        return Sync.PROGRESSING
    return Sync.SYNCED


def _load_error_rows(load: LoadResult) -> list[ResourceStatus]:
    """A row per document that failed to load, and one per file-level problem outside any document."""
    rows: list[ResourceStatus] = []
    in_documents: set[Issue] = set()
    for doc in load.documents:
        if doc.status is not DocumentStatusKind.ERROR:
            continue
        in_documents.update(doc.issues)
        message = "; ".join(_issue_text(i, with_source=doc.address is not None) for i in doc.issues)
        rows.append(
            _error_row(
                address=doc.address,
                kind=doc.kind,
                api_version=doc.api_version,
                source=doc.source,
                message=message or "the document failed to load",
            )
        )
    for issue in load.issues:
        if issue not in in_documents:
            message = _issue_text(issue, with_source=issue.address is not None)
            rows.append(
                _error_row(
                    address=issue.address, kind=None, api_version=None, source=issue.source, message=message
                )
            )
    return rows


def _issue_text(issue: Issue, *, with_source: bool) -> str:
    """``file:line: field.path: message`` (the row's address is shown beside it already)."""
    parts = [str(issue.source)] if with_source and issue.source else []
    if issue.path:
        parts.append(issue.path)
    parts.append(issue.message)
    return ": ".join(parts)


def _error_row(
    *,
    address: str | None,
    kind: str | None,
    api_version: str | None,
    source: SourceLocation | None,
    message: str,
) -> ResourceStatus:
    return ResourceStatus(
        address=address,
        kind=kind,
        api_version=api_version,
        source=source,
        region=None,
        names={},
        spec_hash=None,
        health=Health.ERROR,
        status=None,
        message=message,
    )


@dataclass(frozen=True, kw_only=True)
class _Vocabulary:
    status: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    progress: Mapping[str, Any] = field(default_factory=dict)
    final: bool = False


def _resource_status(res: DesiredResource, observed: ObservedState, region: str) -> ResourceStatus:
    verdict = assess(res, observed, region=region)
    vocabulary = _VOCABULARIES[res.kind](res, observed, region)
    previous = _previous_job(res, observed, region) if verdict.health is Health.MISSING else None
    message = verdict.message
    if previous is not None:
        message = f"{message}; the job of the previous spec, {previous['name']}, is {previous['status']}"
    return ResourceStatus(
        address=str(res.address),
        kind=res.manifest_kind,
        api_version=res.api_version,
        source=res.source,
        region=region,
        names=_names(res, observed, region),
        spec_hash=res.spec_hash,
        health=verdict.health,
        status=vocabulary.status,
        message=message,
        details=vocabulary.details,
        progress=vocabulary.progress,
        final=vocabulary.final,
        previous_job=previous,
    )


def _names(res: DesiredResource, observed: ObservedState, region: str) -> dict[str, str]:
    """``res.names``, with the real name of a job found under a name an earlier naming rule gave
    this spec: that is the name to find it by in the console, the CLI and its logs."""
    names = dict(res.names)
    if res.kind.is_job and (job := spec_job(res=res, region=region, get=observed.get)) is not None:
        names["job"] = job.name
    return names


def _previous_job(res: DesiredResource, observed: ObservedState, region: str) -> dict[str, Any] | None:
    """The newest job of this address made from another spec hash (its tags say so), if any: after a
    spec edit the new job does not exist until apply, while the old one may still run."""
    if not res.kind.is_job:
        return None
    type_ = JOB_OBSERVED_TYPES[res.kind]
    candidates = [
        obs for obs in observed.resources
        if obs.type is type_ and obs.region == region and obs.name != res.names.get("job") and obs.tags
        and obs.tags.get(kinds.TAG_ADDRESS) == str(res.address)
        and obs.tags.get(kinds.TAG_SPEC_HASH) != res.spec_hash
    ]  # fmt: skip
    if not candidates:
        return None
    newest = max(candidates, key=lambda o: (
        o.status in kinds.RUNNING_JOB_STATUSES, str(o.details.get("CreationTime") or ""), o.name,
    ))  # fmt: skip
    tags = newest.tags or {}
    return {"name": newest.name, "status": newest.status, "spec_hash": tags.get(kinds.TAG_SPEC_HASH)}


def _with_cluster(row: ResourceStatus, res: DesiredResource, cluster: ClusterState, region: str) -> ResourceStatus:
    """``row`` with the CR that also manages the resource (its address, or one of its AWS names)."""
    cr = cluster.at_address(str(res.address))
    if cr is None:
        managers = claimed_managers(cluster, region, res.claimed_names(region=region))
        cr = managers[0] if managers else None
    if cr is None:
        return row
    view = {"managed_by": cr.address, "api_version": cr.api_version, "state": cr.state, "message": cr.message}
    return replace(row, in_cluster=view)


def _own(res: DesiredResource, obs: ObservedResource | None, noun: str) -> ObservedResource | None:
    """``obs`` when it may be reported as this resource; a conflicting object's facts are not ours."""
    if obs is None or ownership_conflict(res, obs, noun):
        return None
    return obs


def _seconds_between(start: Any, end: Any) -> int | None:
    """Whole seconds between two ISO-8601 timestamps (None unless both are there)."""
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    try:
        elapsed = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
    except (TypeError, ValueError):  # a naive and an aware time, or not a time at all
        return None
    return max(0, round(elapsed.total_seconds()))


def _job_vocabulary(res: DesiredResource, observed: ObservedState, region: str) -> _Vocabulary:
    noun = kinds.JOB_KINDS[res.kind].noun
    obs = _own(res, spec_job(res=res, region=region, get=observed.get), noun)
    seen: Mapping[str, Any] = obs.details if obs else {}
    moving: Mapping[str, Any] = obs.volatile if obs else {}
    details: dict[str, Any] = {
        "creation_time": seen.get("CreationTime"),
        "failure_reason": seen.get("FailureReason"),
    }
    progress: dict[str, Any] = {}
    if res.kind is Kind.TRAINING_JOB:
        details["model_artifacts"] = seen.get("OutputLocation")
        # BillableTimeInSeconds is not observed; the span from start to end is what the operator showed.
        details["training_time_seconds"] = _seconds_between(
            moving.get("TrainingStartTime"), moving.get("TrainingEndTime")
        )
        progress["secondary_status"] = moving.get("SecondaryStatus")
    elif res.kind is Kind.HYPERPARAMETER_TUNING_JOB:
        progress["training_jobs"] = _tuning_counters(moving.get("TrainingJobStatusCounters"))
        progress["best_training_job"] = _best_training_job(moving.get("BestTrainingJob"))
    elif res.kind is Kind.TRANSFORM_JOB:
        details["output_location"] = seen.get("OutputLocation")
    else:
        location = seen.get("OutputLocation")
        details["output_locations"] = list(location) if isinstance(location, list) else []
    status = obs.status if obs else None
    return _Vocabulary(
        status=status, details=details, progress=progress, final=status in kinds.TERMINAL_JOB_STATUSES
    )


def _tuning_counters(counters: Any) -> dict[str, int] | None:
    """TrainingJobStatusCounters in the seed's words; ``failed`` is its totalError (both error kinds)."""
    if not isinstance(counters, Mapping):
        return None

    def count(key: str) -> int:
        value = counters.get(key)
        return int(value) if isinstance(value, int | float) else 0

    return {
        "completed": count("Completed"),
        "in_progress": count("InProgress"),
        "failed": count("RetryableError") + count("NonRetryableError"),
        "retryable_error": count("RetryableError"),
        "non_retryable_error": count("NonRetryableError"),
        "stopped": count("Stopped"),
    }


def _best_training_job(best: Any) -> dict[str, Any] | None:
    if not isinstance(best, Mapping) or not best.get("TrainingJobName"):
        return None
    metric = best.get("FinalHyperParameterTuningJobObjectiveMetric")
    return {
        "name": best["TrainingJobName"],
        "status": best.get("TrainingJobStatus"),
        "objective_metric": {
            "name": metric.get("MetricName"),
            "type": metric.get("Type"),
            "value": metric.get("Value"),
        }
        if isinstance(metric, Mapping)
        else None,
    }


def _endpoint_vocabulary(res: DesiredResource, observed: ObservedState, region: str) -> _Vocabulary:
    obs = _own(res, observed.get(region, ObservedType.ENDPOINT, res.names["endpoint"]), "Endpoint")
    seen: Mapping[str, Any] = obs.details if obs else {}
    details = {
        "creation_time": seen.get("CreationTime"),
        "failure_reason": seen.get("FailureReason"),
        "endpoint_config": {
            "current": seen.get("EndpointConfigName"),
            "desired": desired_endpoint_config(res),
            "pending": seen.get("PendingEndpointConfigName"),
        },
    }
    # DescribeEndpoint does not return instance types; the running config has them.
    config = observed.get(region, ObservedType.ENDPOINT_CONFIG, str(seen.get("EndpointConfigName")))
    instance_types = {
        v.get("VariantName"): v.get("InstanceType")
        for v in (config.details.get("ProductionVariants") or () if config else ())
        if isinstance(v, Mapping)
    }
    variants = [
        {
            "name": v.get("VariantName"),
            "instance_type": v.get("InstanceType") or instance_types.get(v.get("VariantName")),
            "current_instance_count": v.get("CurrentInstanceCount"),
            "desired_instance_count": v.get("DesiredInstanceCount"),
            "current_weight": v.get("CurrentWeight"),
            "desired_weight": v.get("DesiredWeight"),
        }
        for v in seen.get("ProductionVariants") or ()
        if isinstance(v, Mapping)
    ]
    # Instance counts move with autoscaling at any time: never final, never in a status file.
    return _Vocabulary(status=obs.status if obs else None, details=details, progress={"variants": variants})


def _immutable_vocabulary(
    type_: ObservedType, role: str
) -> Callable[[DesiredResource, ObservedState, str], _Vocabulary]:
    def vocabulary(res: DesiredResource, observed: ObservedState, region: str) -> _Vocabulary:
        obs = _own(res, observed.get(region, type_, res.names[role]), type_.value)
        return _Vocabulary(
            details={
                "exists": obs is not None,
                "creation_time": obs.details.get("CreationTime") if obs else None,
            }
        )

    return vocabulary


def _autoscaling_vocabulary(res: DesiredResource, observed: ObservedState, region: str) -> _Vocabulary:
    rows = []
    for unit in scaling_units(res):
        target = observed.get(region, ObservedType.SCALABLE_TARGET, unit.resource_id)
        policy_name = unit.policy_name
        policy = (
            observed.get(region, ObservedType.SCALING_POLICY, policy_key(unit.resource_id, policy_name))
            if policy_name
            else None
        )
        rows.append(
            {
                "resource_id": unit.resource_id,
                "registered": target is not None,
                "min_capacity": target.details.get("MinCapacity") if target else None,
                "max_capacity": target.details.get("MaxCapacity") if target else None,
                "policy_name": policy_name,
                "policy_present": policy is not None if policy_name else None,
            }
        )
    return _Vocabulary(details={"resource_ids": rows})


_VOCABULARIES: dict[Kind, Callable[[DesiredResource, ObservedState, str], _Vocabulary]] = {
    Kind.TRAINING_JOB: _job_vocabulary,
    Kind.HYPERPARAMETER_TUNING_JOB: _job_vocabulary,
    Kind.TRANSFORM_JOB: _job_vocabulary,
    Kind.PROCESSING_JOB: _job_vocabulary,
    Kind.HOSTING_DEPLOYMENT: _endpoint_vocabulary,
    Kind.ENDPOINT: _endpoint_vocabulary,
    Kind.MODEL: _immutable_vocabulary(ObservedType.MODEL, "model"),
    Kind.ENDPOINT_CONFIG: _immutable_vocabulary(ObservedType.ENDPOINT_CONFIG, "endpoint_config"),
    Kind.HOSTING_AUTOSCALING_POLICY: _autoscaling_vocabulary,
    Kind.SCALABLE_TARGET: _autoscaling_vocabulary,
    Kind.SCALING_POLICY: _autoscaling_vocabulary,
}


def _plain(value: Mapping[str, Any]) -> JsonDict:
    """A JSON-clean copy that keeps the builder's key order (a status file diffs field by field)."""
    data: JsonDict = json.loads(json.dumps(dict(value), ensure_ascii=False, default=str))
    return data


# --------------------------------------------------------------------------- rendering


def render_status_json(report: StatusReport) -> str:
    """``status --output json``: exactly ``StatusReport.to_dict()``, stable key order."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=False, ensure_ascii=False)


_HEALTH_STYLES: dict[Health, str] = {
    Health.HEALTHY: "green",
    Health.PROGRESSING: "cyan",
    Health.DEGRADED: "bold red",
    Health.MISSING: "yellow",
    Health.SUSPENDED: "magenta",
    Health.UNKNOWN: "bold yellow",
    Health.ERROR: "bold red",
}

_COLUMNS = ("ADDRESS", "SAGEMAKER NAME", "REGION", "SYNC", "HEALTH", "STATUS", "DETAILS")
# Below this terminal width the table leaves the details column a few characters wide: each
# resource becomes a line of its own, with its details on indented lines below it.
WIDE_TABLE_COLUMNS = 160
_SYNC_STYLES = {Sync.SYNCED: "green", Sync.OUT_OF_SYNC: "yellow", Sync.PROGRESSING: "cyan"}


def status_summary_line(report: StatusReport) -> str:
    """``5 resources: 2 healthy, 1 progressing, 2 missing.`` (only the healths that occur)."""
    counts = [
        f"{n} {'errors' if health == 'error' and n > 1 else health}"
        for health, n in report.summary.items()
        if n
    ]
    noun = "resource" if len(report.resources) == 1 else "resources"
    head = f"{len(report.resources)} {noun}"
    return f"{head}: {', '.join(counts)}." if counts else f"{head}."


def status_cells(res: ResourceStatus, *, separator: str = "; ") -> tuple[str, str, str, str, str, str, str]:
    """One table row as text (the same cells on a terminal and in plain output); the details
    parts are joined with ``separator`` (a newline in a terminal table cell)."""
    address = res.address or (str(res.source) if res.source else "<unknown>")
    # Nothing in SageMaker yet (or no spec to speak of): the message says all there is.
    summary = [] if res.health in (Health.MISSING, Health.ERROR) else _summary_parts(res)
    details = separator.join(part for part in (res.message, _in_cluster_part(res), *summary) if part)
    sync = res.sync.value if res.sync else "-"
    return (address, res.primary_name or "-", res.region or "-", sync, res.health.value, res.status or "-", details)


def _in_cluster_part(res: ResourceStatus) -> str:
    if not res.in_cluster:
        return ""
    view = ": ".join(str(x) for x in (res.in_cluster.get("state"), res.in_cluster.get("message")) if x)
    return f"managed in-cluster by {res.in_cluster['managed_by']}" + (f" ({view})" if view else "")


def _summary_parts(res: ResourceStatus) -> list[str]:
    d, p = res.details, res.progress
    parts: list[str] = []
    if "secondary_status" in p and p["secondary_status"] and p["secondary_status"] != res.status:
        parts.append(f"secondary status: {p['secondary_status']}")
    if d.get("model_artifacts"):
        parts.append(f"model artifacts: {d['model_artifacts']}")
    if d.get("training_time_seconds") is not None:
        parts.append(f"training time: {d['training_time_seconds']} s")
    if counters := p.get("training_jobs"):
        text = (
            f"training jobs: {counters['completed']} completed, {counters['in_progress']} in progress, "
            f"{counters['failed']} failed, {counters['stopped']} stopped"
        )
        if counters["failed"]:
            text += (
                f" ({counters['retryable_error']} retryable, {counters['non_retryable_error']} non-retryable)"
            )
        parts.append(text)
    if best := p.get("best_training_job"):
        metric = best.get("objective_metric") or {}
        parts.append(
            f"best: {best['name']}"
            + (f" ({metric['name']} = {metric['value']})" if metric.get("name") else "")
        )
    if d.get("output_location"):
        parts.append(f"output: {d['output_location']}")
    if d.get("output_locations"):
        parts.append("outputs: " + ", ".join(d["output_locations"]))
    if config := d.get("endpoint_config"):
        parts.extend(_endpoint_parts(config, p.get("variants") or []))
    for row in d.get("resource_ids") or ():
        parts.append(_scaling_part(row))
    return parts


def _endpoint_parts(config: Mapping[str, Any], variants: Sequence[Mapping[str, Any]]) -> list[str]:
    parts = []
    if config.get("current"):
        text = f"config: {config['current']}"
        if config.get("pending"):
            text += f" (updating to {config['pending']})"
        parts.append(text)
    for v in variants:
        current, desired = v.get("current_instance_count"), v.get("desired_instance_count")
        count = f"{current}" if desired in (None, current) else f"{current}→{desired}"
        weight = v.get("current_weight")
        parts.append(f"{v.get('name')}: {count} x {v.get('instance_type') or '?'}, weight {weight}")
    return parts


def _scaling_part(row: Mapping[str, Any]) -> str:
    if not row["registered"]:
        text = f"{row['resource_id']}: not registered"
    else:
        text = f"{row['resource_id']}: {row['min_capacity']}-{row['max_capacity']} instances"
    if row["policy_name"]:
        text += f", policy {row['policy_name']}" + ("" if row["policy_present"] else " missing")
    return text


def render_status_text(report: StatusReport, *, console: Console, color: bool) -> None:
    """A rich table on a wide terminal, one block per resource on a narrower one (each line fits
    it); aligned plain columns (no ANSI, no wrapping) otherwise."""
    rows = [status_cells(r, separator="\n" if console.is_terminal else "; ") for r in report.resources]
    if console.is_terminal and console.width >= WIDE_TABLE_COLUMNS:
        console.print(_status_table(report, rows, color=color))
    elif console.is_terminal:
        _status_blocks(report, console, color=color)
    elif rows:
        widths = [max(len(c) for c in column) for column in zip(_COLUMNS, *rows, strict=False)]
        for cells in (_COLUMNS, *rows):
            line = "  ".join(cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=False))
            _plain_line(console, f"{line}  {cells[-1]}".rstrip())
        _plain_line(console, "")
    if report.errors:
        _plain_line(console, "Errors:", style="bold red" if color else None)
        for issue in report.errors:
            _plain_line(console, f"  {issue.format()}", style="red" if color else None)
        _plain_line(console, "")
    _plain_line(console, status_summary_line(report), style="bold" if color else None)


def _plain_line(console: Console, text: str, *, style: str | None = None) -> None:
    console.print(Text(text, style=style or ""), soft_wrap=True, highlight=False, markup=False, emoji=False)


def _status_table(report: StatusReport, rows: Sequence[tuple[str, ...]], *, color: bool) -> Table:
    table = Table(
        title="Status",
        box=box.SIMPLE_HEAD,
        expand=True,
        header_style="bold" if color else "",
        title_style="bold" if color else "",
    )
    # Identities keep their natural width where the terminal allows; the details column takes the rest.
    table.add_column("Address", overflow="fold")
    table.add_column("SageMaker name", overflow="fold")
    table.add_column("Region", no_wrap=True)
    table.add_column("Sync", no_wrap=True)
    table.add_column("Health", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Details", ratio=1, overflow="fold")
    for res, cells in zip(report.resources, rows, strict=True):
        style = _HEALTH_STYLES[res.health] if color else ""
        sync_style = _SYNC_STYLES[res.sync] if color and res.sync else ""
        table.add_row(
            *(Text(c) for c in cells[:3]), Text(cells[3], style=sync_style), Text(cells[4], style=style),
            *(Text(c) for c in cells[5:]),
        )
    return table


def _status_blocks(report: StatusReport, console: Console, *, color: bool) -> None:
    """Per resource: ``address  SYNC  HEALTH  STATUS`` on one line (the address folds when it must),
    then the SageMaker name, region and each detail on lines of their own, indented and wrapped."""
    from rich.padding import Padding

    cells = [status_cells(r, separator="\n") for r in report.resources]
    widths = [max(len(c[i]) for c in [_COLUMNS, *cells]) for i in (3, 4, 5)]

    def head(address: Text, right: Text) -> None:
        grid = Table.grid(expand=True, padding=(0, 2))
        grid.add_column(ratio=1, overflow="fold")
        grid.add_column(no_wrap=True, justify="left")
        grid.add_row(address, right)
        console.print(grid, soft_wrap=False)

    def columns(values: Sequence[str], styles: Sequence[str]) -> Text:
        text = Text()
        for index, (value, width, style) in enumerate(zip(values, widths, styles, strict=True)):
            text.append(value.ljust(width), style=style if color else "")
            if index < 2:
                text.append("  ")
        return text

    head(Text("ADDRESS", style="bold" if color else ""), columns(_COLUMNS[3:6], ("bold",) * 3))
    for res, row in zip(report.resources, cells, strict=True):
        styles = (_SYNC_STYLES[res.sync] if res.sync else "", _HEALTH_STYLES[res.health], "")
        head(Text(row[0], style="bold" if color else ""), columns(row[3:6], styles))
        where = " · ".join(part for part in (row[1], row[2]) if part != "-")
        for line in ([where] if where else []) + [part for part in row[6].split("\n") if part]:
            text = Text(line, style="dim" if color and line == where else "", overflow="fold")
            console.print(Padding(text, (0, 0, 0, 4), expand=False), soft_wrap=False)
