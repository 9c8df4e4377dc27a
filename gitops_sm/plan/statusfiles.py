"""Status files under ``.gitops-sm/status/``: what ``reconcile`` commits back to git, and the ledger
(design sections 6 and 10) that the next pass reads from them.

Called by :mod:`gitops_sm.reconcile`. Pure: the caller reads the files (``path -> text``), passes
the clock reading (``now``) in, and writes what :func:`build_status_files` returns.

One JSON file per resource, at ``<namespace>/<Kind>/<name>.json`` (:func:`status_file_path`),
keys in a fixed order (the ``ledger`` part sorted), holding: SageMaker names, ARN, status and
secondary status, failure reason (``details``), endpoint URL, autoscaling resource IDs and policy
ARNs, the spec hash, the git commit the status was last rewritten at, the last apply outcome and
the time of the last *transition*. A pass that sees the same world writes byte-identical files:
``commit`` and ``last_transition_time`` change only together with the state they describe
(``source`` moving lines or the ledger's fingerprints changing rewrite a file but keep both).

The ``ledger`` part of a file is the observation cache behind :class:`gitops_sm.observe.Ledger`
and :class:`gitops_sm.observe.RecordedState`, implemented by :class:`StatusLedger`:

* ``jobs``: a job recorded as terminal for a spec hash, only once its tags were read and showed it
  ours for that very spec hash (a ledger hit carries the record forward);
* ``observed``: endpoints, endpoint configs and models as described and tagged (secret-looking
  values, such as a container's ``DB_PASSWORD``, hidden: the files are committed), with the
  List-summary fingerprint they were described under (``observe`` reuses them only while the
  fingerprint is unchanged). Fingerprints only move when the resource itself changes.

A missing, unparsable or inconsistent file is ignored (the pass reads AWS instead): it can only
cost calls. The ledger is never trusted for a resource whose tags were not read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_sm import kinds
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    DEFINITION,
    JOB_OBSERVED_TYPES,
    DesiredResource,
    JsonDict,
    LoadResult,
    ObservedResource,
    ObservedState,
    ObservedType,
    policy_key,
)
from gitops_sm.observe import LIST_SUMMARY
from gitops_sm.plan.health import scaling_units, spec_job
from gitops_sm.plan.status import STATUS_DIR, ResourceStatus, StatusReport, status_file_path
from gitops_sm.redaction import redact

STATUS_FILE_FORMAT_VERSION = 1
LEDGER_USED = "Ledger"  # observe's details key on a job whose describe the ledger saved

_HOSTING_TYPES = (ObservedType.ENDPOINT, ObservedType.ENDPOINT_CONFIG, ObservedType.MODEL)
# Details that only a Describe call fills in: a resource recorded without them was not described.
_DESCRIBED_MARKERS: Mapping[ObservedType, tuple[str, ...]] = {
    ObservedType.ENDPOINT: ("EndpointConfigName", "ProductionVariants"),
    ObservedType.ENDPOINT_CONFIG: ("ProductionVariants",),
    ObservedType.MODEL: ("ExecutionRoleArn", "PrimaryContainer", "Containers"),
}
# Fields whose change is a transition (everything a reader cares about; not where the spec sits).
_STATE_KEYS = (
    "names", "spec_hash", "health", "status", "secondary_status", "message", "arn", "endpoint_url",
    "details", "progress", "autoscaling", "last_apply",
)
_INVALID_DIR = "_invalid"


# --------------------------------------------------------------------------- paths


def file_path_for(row: ResourceStatus) -> str:
    """Path (relative to :data:`STATUS_DIR`) of the status file for ``row``.

    A spec that failed to load before it had an address is filed by its source file instead.
    """
    if row.address:
        try:
            return status_file_path(row.address)
        except ValueError:
            pass
    source = str(row.source.path) if row.source else "unknown"
    return f"{_INVALID_DIR}/" + re.sub(r"[^A-Za-z0-9._-]", "_", source) + ".json"


def render_file(doc: Mapping[str, Any]) -> str:
    """The bytes of a status file: two-space JSON in the document's own key order, one final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def parse_files(texts: Mapping[str, str]) -> tuple[dict[str, JsonDict], list[str]]:
    """Valid status documents by path, and one message per file that is not one (it is ignored)."""
    docs: dict[str, JsonDict] = {}
    problems: list[str] = []
    for path in sorted(texts):
        try:
            doc = json.loads(texts[path])
        except json.JSONDecodeError as exc:
            problems.append(f"{STATUS_DIR}/{path}: not JSON ({exc.msg} at line {exc.lineno}); ignored")
            continue
        if not isinstance(doc, dict) or doc.get("format_version") != STATUS_FILE_FORMAT_VERSION:
            problems.append(f"{STATUS_DIR}/{path}: not a gitops-sm status file (format_version 1); ignored")
            continue
        docs[path] = doc
    return docs, problems


# --------------------------------------------------------------------------- the ledger


@dataclass(frozen=True, kw_only=True)
class _JobRecord:
    status: str
    spec_hash: str


class StatusLedger:
    """The ledger read back from status files: implements ``observe``'s ``Ledger`` and ``RecordedState``."""

    def __init__(self, docs: Iterable[Mapping[str, Any]] = ()) -> None:
        self._jobs: dict[tuple[str, str, str], _JobRecord] = {}
        self._observed: dict[tuple[str, str, str], tuple[str, ObservedResource]] = {}
        for doc in docs:
            ledger = doc.get("ledger")
            if isinstance(ledger, Mapping):
                self._add(ledger)

    def _add(self, ledger: Mapping[str, Any]) -> None:
        for entry in _list(ledger.get("jobs")):
            try:
                key = (str(entry["region"]), ObservedType(entry["type"]).value, str(entry["name"]))
                status, spec_hash = str(entry["status"]), str(entry["spec_hash"])
            except (KeyError, TypeError, ValueError):
                continue
            if status in kinds.TERMINAL_JOB_STATUSES:
                self._jobs[key] = _JobRecord(status=status, spec_hash=spec_hash)
        for entry in _list(ledger.get("observed")):
            resource = _resource_from_entry(entry)
            if resource is not None:
                self._observed[resource.key] = (str(entry["summary"]), resource)

    def __len__(self) -> int:
        return len(self._jobs) + len(self._observed)

    def extended(self, *, load: LoadResult, observed: ObservedState, default_region: str) -> StatusLedger:
        """This ledger plus what ``observed`` (a later observation of the same pass) would record,
        so the pass's next observation does not read again what it just read."""
        more = StatusLedger()
        more._jobs = dict(self._jobs)
        more._observed = dict(self._observed)
        for res in load.resources:
            more._add(ledger_entries(res, observed, region=res.region or default_region))
        return more

    def terminal_status(self, *, region: str, kind: Kind, name: str, spec_hash: str) -> str | None:
        record = self._jobs.get((region, JOB_OBSERVED_TYPES[kind].value, name))
        if record is None or record.spec_hash != spec_hash:
            return None
        return record.status

    def recorded(
        self, *, region: str, type_: ObservedType, name: str, summary: str
    ) -> ObservedResource | None:
        entry = self._observed.get((region, type_.value, name))
        if entry is None or entry[0] != summary:
            return None
        return entry[1]


class TerminalJobsLedger:
    """Only the terminal-jobs half of a ledger: what a pass may trust while planning mutations
    (a finished job is never mutated; a recorded endpoint's tags must be read again first)."""

    def __init__(self, ledger: StatusLedger) -> None:
        self._ledger = ledger

    def terminal_status(self, *, region: str, kind: Kind, name: str, spec_hash: str) -> str | None:
        return self._ledger.terminal_status(region=region, kind=kind, name=name, spec_hash=spec_hash)


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _resource_from_entry(entry: Mapping[str, Any]) -> ObservedResource | None:
    try:
        type_ = ObservedType(entry["type"])
        tags = entry["tags"]
        details = entry["details"]
        if type_ not in _HOSTING_TYPES or not isinstance(entry["summary"], str):
            return None
        if not isinstance(tags, Mapping) or not isinstance(details, Mapping):
            return None  # never trust a record without the tags that decide ownership
        if not any(marker in details for marker in _DESCRIBED_MARKERS[type_]):
            return None
        return ObservedResource(
            type=type_,
            region=str(entry["region"]),
            name=str(entry["name"]),
            arn=str(entry["arn"]) if entry.get("arn") else None,
            status=str(entry["status"]) if entry.get("status") else None,
            tags={str(k): str(v) for k, v in tags.items()},
            details=dict(details),
        )
    except (KeyError, TypeError, ValueError):
        return None


def ledger_entries(res: DesiredResource, observed: ObservedState, *, region: str) -> JsonDict:
    """The ``ledger`` part of ``res``'s status file from this pass's observation."""
    jobs: list[JsonDict] = []
    hosted: list[JsonDict] = []
    if res.kind.is_job:
        type_ = JOB_OBSERVED_TYPES[res.kind]
        obs = spec_job(res=res, region=region, get=observed.get)
        if obs is not None and obs.status in kinds.TERMINAL_JOB_STATUSES:
            verified = obs.tags is not None and _ours_for(obs.tags, res)
            if verified or LEDGER_USED in obs.details:
                jobs.append(
                    {"name": obs.name, "region": region, "spec_hash": res.spec_hash, "status": obs.status,
                     "type": type_.value}
                )
    else:
        for obs in _hosting_resources(res, observed, region=region):
            summary = obs.volatile.get(LIST_SUMMARY)
            described = any(marker in obs.details for marker in _DESCRIBED_MARKERS[obs.type])
            if not summary or obs.tags is None or not described:
                continue
            hosted.append(
                # Committed to git: a model's container environment may hold secrets. Nothing
                # the planner reads from a recorded object is secret-shaped, so it works on this.
                # An adoption candidate's live definition is for the planner only: never recorded.
                {"arn": obs.arn, "details": redact({k: v for k, v in obs.details.items() if k != DEFINITION}),
                 "name": obs.name, "region": region,
                 "status": obs.status, "summary": str(summary), "tags": dict(obs.tags), "type": obs.type.value}
            )
    entries: JsonDict = _sorted({"jobs": jobs, "observed": sorted(hosted, key=lambda e: (e["type"], e["name"]))})
    return entries


def _ours_for(tags: Mapping[str, str], res: DesiredResource) -> bool:
    if tags.get(kinds.TAG_MANAGED_BY) != kinds.TAG_MANAGED_BY_VALUE:
        return False
    owner = tags.get(kinds.TAG_ADDRESS)
    return (owner is None or owner == str(res.address)) and tags.get(kinds.TAG_SPEC_HASH) == res.spec_hash


def _hosting_resources(res: DesiredResource, observed: ObservedState, *, region: str) -> list[ObservedResource]:
    """The endpoints, configs and models a hosting resource names (and its endpoint's current config)."""
    found: dict[tuple[str, str, str], ObservedResource] = {}
    wanted: list[tuple[ObservedType, str]] = []
    for role, name in res.names.items():
        if role == "endpoint":
            wanted.append((ObservedType.ENDPOINT, name))
        elif role == "endpoint_config":
            wanted.append((ObservedType.ENDPOINT_CONFIG, name))
        elif role == "model" or role.startswith("model:"):
            wanted.append((ObservedType.MODEL, name))
    for type_, name in wanted:
        obs = observed.get(region, type_, name)
        if obs is not None:
            found[obs.key] = obs
            if type_ is ObservedType.ENDPOINT and obs.details.get("EndpointConfigName"):
                config = observed.get(region, ObservedType.ENDPOINT_CONFIG, str(obs.details["EndpointConfigName"]))
                if config is not None:
                    found[config.key] = config
    return [found[key] for key in sorted(found)]


# --------------------------------------------------------------------------- building the files


@dataclass(frozen=True, kw_only=True)
class StatusFiles:
    """What a pass writes: documents by path (relative to STATUS_DIR) and the paths it removes."""

    files: Mapping[str, JsonDict]
    removed: tuple[str, ...] = ()
    transitions: tuple[tuple[str, str | None, str], ...] = field(default=())  # (address, before, after)


def build_status_files(
    *,
    report: StatusReport,
    load: LoadResult,
    observed: ObservedState,
    default_region: str,
    previous: Mapping[str, Mapping[str, Any]],
    applied: Mapping[str, Mapping[str, Any]],
    commit: str | None,
    spec_path: str,
    now: str,
) -> StatusFiles:
    """The status file of every row of ``report``, merged with what the files said before.

    ``previous`` is every valid status document by path; ``applied`` the outcome of this pass's
    apply by address (``action``, ``outcome``, ``error``). Files of this ``spec_path`` whose
    resource left git are removed, unless a spec failed to load (it may be one of them).
    """
    by_address = {str(r.address): r for r in load.resources}
    files: dict[str, JsonDict] = {}
    transitions: list[tuple[str, str | None, str]] = []
    for row in report.resources:
        path = file_path_for(row)
        res = by_address.get(row.address or "")
        region = res.region or default_region if res else default_region
        before = previous.get(path)
        doc = _document(
            row=row, res=res, observed=observed, region=region, before=before,
            applied=applied.get(row.address or ""), commit=commit, spec_path=spec_path, now=now,
        )
        files[path] = doc
        if before is None or _state(before) != _state(doc):
            old = str(before.get("health")) if before else None
            transitions.append((row.address or path, old, str(doc["health"])))
    removed: list[str] = []
    if not load.incomplete:
        for path, old_doc in previous.items():
            if path not in files and old_doc.get("spec_path", "") == spec_path:
                removed.append(path)
    return StatusFiles(files=files, removed=tuple(sorted(removed)), transitions=tuple(transitions))


def _document(
    *,
    row: ResourceStatus,
    res: DesiredResource | None,
    observed: ObservedState,
    region: str,
    before: Mapping[str, Any] | None,
    applied: Mapping[str, Any] | None,
    commit: str | None,
    spec_path: str,
    now: str,
) -> JsonDict:
    base = row.to_file_dict()
    state: JsonDict = {
        "names": base["names"],
        "spec_hash": base["spec_hash"],
        "health": base["health"],
        "status": base["status"],
        "secondary_status": None,
        "message": base["message"],
        "arn": None,
        "endpoint_url": None,
        "details": base["details"],
    }
    if "progress" in base:
        state["progress"] = base["progress"]
    if res is not None:
        _add_observed_facts(state, res, observed, region=region)
        if _ledger_hit(res, observed, region) and before is not None and before.get("spec_hash") == res.spec_hash:
            # No call was made for this finished job: what the file said is still true.
            for key in ("status", "secondary_status", "arn", "details", "progress", "health", "message"):
                if key in before:
                    state[key] = before[key]
    if applied is not None:
        state["last_apply"] = {**dict(applied), "commit": commit, "time": now}
    elif before is not None and isinstance(before.get("last_apply"), Mapping):
        state["last_apply"] = dict(before["last_apply"])
    else:
        state["last_apply"] = None
    unchanged = before is not None and _state(before) == _state(state)
    doc: JsonDict = {
        "format_version": STATUS_FILE_FORMAT_VERSION,
        "address": base["address"],
        "kind": base["kind"],
        "api_version": base["api_version"],
        "source": base["source"],
        "spec_path": spec_path,
        "region": base["region"],
    }
    doc.update({key: state[key] for key in _STATE_KEYS if key in state})
    doc["commit"] = before.get("commit") if unchanged and before is not None else commit
    doc["last_transition_time"] = before.get("last_transition_time") if unchanged and before is not None else now
    doc["ledger"] = (
        ledger_entries(res, observed, region=region)
        if res is not None
        else _sorted(dict(before["ledger"])) if before is not None and isinstance(before.get("ledger"), Mapping)
        else {"jobs": [], "observed": []}
    )
    return doc


def _state(doc: Mapping[str, Any]) -> JsonDict:
    return {key: doc.get(key) for key in _STATE_KEYS}


def _ledger_hit(res: DesiredResource, observed: ObservedState, region: str) -> bool:
    if not res.kind.is_job:
        return False
    obs = spec_job(res=res, region=region, get=observed.get)
    return obs is not None and LEDGER_USED in obs.details


def _add_observed_facts(state: JsonDict, res: DesiredResource, observed: ObservedState, *, region: str) -> None:
    """ARN, secondary status, endpoint URL and autoscaling policy ARNs of ``res`` (ours only)."""
    healthy_enough = not str(state["message"]).startswith("conflict")  # a conflicting object is not ours
    if res.kind.is_job:
        obs = spec_job(res=res, region=region, get=observed.get)
        if obs is not None and healthy_enough:
            state["arn"] = obs.arn
            secondary = obs.volatile.get("SecondaryStatus")
            state["secondary_status"] = str(secondary) if secondary else None
        return
    if "endpoint" in res.names:
        obs = observed.get(region, ObservedType.ENDPOINT, res.names["endpoint"])
        if obs is not None and healthy_enough:
            state["arn"] = obs.arn
            state["endpoint_url"] = endpoint_invocation_url(region=region, name=obs.name)
        return
    for role, type_ in (("model", ObservedType.MODEL), ("endpoint_config", ObservedType.ENDPOINT_CONFIG)):
        if role in res.names:
            obs = observed.get(region, type_, res.names[role])
            if obs is not None and healthy_enough:
                state["arn"] = obs.arn
            return
    units = scaling_units(res)
    if units:
        rows = []
        for unit in units:
            target = observed.get(region, ObservedType.SCALABLE_TARGET, unit.resource_id)
            policy = (
                observed.get(region, ObservedType.SCALING_POLICY, policy_key(unit.resource_id, unit.policy_name))
                if unit.policy_name
                else None
            )
            rows.append(
                {
                    "resource_id": unit.resource_id,
                    "scalable_target_arn": target.arn if target else None,
                    "policy_name": unit.policy_name,
                    "policy_arn": policy.arn if policy else None,
                }
            )
        state["autoscaling"] = rows


def endpoint_invocation_url(*, region: str, name: str) -> str:
    """``https://runtime.sagemaker.<region>.amazonaws.com/endpoints/<name>/invocations``."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://runtime.sagemaker.{region}.{suffix}/endpoints/{name}/invocations"


def _sorted(value: Any) -> Any:
    """``value`` with every mapping's keys sorted (lists keep their order)."""
    if isinstance(value, Mapping):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_sorted(v) for v in value]
    return value
