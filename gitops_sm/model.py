"""Value types shared by every layer: what is desired, what was observed, and the plan.

``specs`` produces ``DesiredResource``/``Issue``; ``observe`` produces ``ObservedState``; the pure
planner turns both into a ``Plan`` of ``ResourceChange``s, each with the exact ``Step``s (AWS API
calls) that ``execute`` will make. All of them are frozen, JSON-serialisable values; a plan
round-trips through ``Plan.to_dict``/``Plan.from_dict`` so ``apply PLANFILE`` runs exactly what
``plan --out`` showed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gitops_sm.errors import PlanError
from gitops_sm.kinds import Kind
from gitops_sm.redaction import scrub_text

PLAN_FORMAT_VERSION = 1

JsonDict = dict[str, Any]


def canonical_json(value: Any) -> str:
    """Stable JSON text used for hashing: sorted keys, no whitespace, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Any) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``value``."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


SPEC_HASH_LENGTH = 16


def content_hash(value: Any) -> str:
    """16 hex digits of sha256 over the canonical JSON of ``value`` (spec hashes, content-addressed names)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()[:SPEC_HASH_LENGTH]


def request_view(service: str, operation: str, params: Mapping[str, Any], user_tags: Any) -> dict[str, Any]:
    """What a request contributes to a spec hash: its params with the user's tags, never ours.

    ``specs`` hashes every request through this; the planner uses it to record, when it adopts a
    resource whose live definition differs from the spec, the hash of the spec that matches it."""
    body = dict(params)
    if user_tags:
        body["Tags"] = user_tags
    return {"service": service, "operation": operation, "params": body}


# Observe's ``details`` key holding the live definition of an adoption candidate: the Describe
# response's members that the spec's create request sets. Never written to status files.
DEFINITION = "Definition"


# --------------------------------------------------------------------------- sources and issues


@dataclass(frozen=True, kw_only=True, order=True)
class SourceLocation:
    """Where a document or node starts: a path relative to the spec root and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    @classmethod
    def parse(cls, text: str) -> SourceLocation:
        path, _, line = text.rpartition(":")
        return cls(path=path, line=int(line)) if path and line.isdigit() else cls(path=text, line=0)


@dataclass(frozen=True, kw_only=True, order=True)
class Address:
    """``Kind/namespace/name``: the identity of a manifest, stable across renames in AWS."""

    kind: str
    namespace: str
    name: str
    # The text form, made once: planners key their maps by it for every resource of a pass.
    _text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_text", f"{self.kind}/{self.namespace}/{self.name}")

    def __str__(self) -> str:
        return self._text

    @classmethod
    def parse(cls, text: str) -> Address:
        parts = text.split("/")
        if len(parts) == 2:
            return cls(kind=parts[0], namespace="default", name=parts[1])
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"not a resource address (Kind/namespace/name): {text!r}")
        return cls(kind=parts[0], namespace=parts[1], name=parts[2])


# How every observation error's message starts (observe writes it, renderers count it).
READ_FAILURE_PREFIX = "cannot read AWS state: "


@dataclass(frozen=True, kw_only=True)
class Issue:
    """One located problem: ``file:line: address: field.path: message``."""

    source: SourceLocation | None
    address: str | None
    path: str
    message: str

    def format(self) -> str:
        """``file:line: address: path: message``; without a file (a resource whose spec left git,
        an AWS read), it starts at the address, and only an issue with neither says ``<unknown>``."""
        parts = [str(self.source)] if self.source else ([] if self.address else ["<unknown>"])
        if self.address:
            parts.append(self.address)
        if self.path:
            parts.append(self.path)
        parts.append(scrub_text(self.message))
        return ": ".join(parts)

    @property
    def is_read_failure(self) -> bool:
        return self.message.startswith(READ_FAILURE_PREFIX)

    def to_dict(self) -> JsonDict:
        return {
            "source": str(self.source) if self.source else None,
            "address": self.address,
            "path": self.path,
            "message": scrub_text(self.message),  # a URL's password or a token never leaves in a message
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Issue:
        src = data.get("source")
        return cls(
            source=SourceLocation.parse(src) if src else None,
            address=data.get("address"),
            path=data.get("path") or "",
            message=data["message"],
        )


@dataclass(frozen=True, kw_only=True)
class SkippedDocument:
    """A document that is not ours (unknown apiVersion or kind): listed, never an error."""

    source: SourceLocation
    api_version: str | None
    kind: str | None
    reason: str

    def to_dict(self) -> JsonDict:
        return {"source": str(self.source), "api_version": self.api_version, "kind": self.kind, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SkippedDocument:
        return cls(
            source=SourceLocation.parse(data["source"]),
            api_version=data.get("api_version"),
            kind=data.get("kind"),
            reason=data["reason"],
        )


# --------------------------------------------------------------------------- desired state


@dataclass(frozen=True, kw_only=True)
class AwsRequest:
    """One API request in botocore's parameter form (``{"TrainingJobName": …}``)."""

    service: str  # botocore service name: "sagemaker" or "application-autoscaling"
    operation: str  # "CreateTrainingJob"
    params: Mapping[str, Any]

    def to_dict(self) -> JsonDict:
        return {"service": self.service, "operation": self.operation, "params": dict(self.params)}


@dataclass(frozen=True, kw_only=True)
class DesiredResource:
    """A validated manifest turned into the AWS requests that would create it.

    ``requests`` are complete (names and our ownership tags filled in) and ordered as they must
    be made. ``names`` maps a role to a SageMaker name: ``{"job": …}`` for jobs,
    ``{"endpoint": …, "endpoint_config": …, "model:<spec model name>": …}`` for hosting, and
    ``{"target:<resource id>": …, "policy:<resource id>": …}`` for autoscaling.
    """

    address: Address
    kind: Kind
    manifest_kind: str
    api_version: str
    source: SourceLocation
    region: str | None
    endpoint_url: str | None
    spec_hash: str
    explicit_name: bool
    names: Mapping[str, str]
    requests: tuple[AwsRequest, ...]
    annotations: Mapping[str, str] = field(default_factory=dict)
    # UpdateEndpoint-only members a HostingDeployment sets (RetainAllVariantProperties,
    # ExcludeRetainedVariantProperties), in botocore form; the planner adds them to UpdateEndpoint.
    update_options: Mapping[str, Any] = field(default_factory=dict)
    # Names an earlier naming rule gave this very spec (a job's ``<name>-<8 hex of the spec hash>``,
    # before the address joined the hash): the planner keeps a job it finds under one, when its
    # tags say this address and spec hash, instead of running the job again under the new name.
    previous_names: tuple[str, ...] = ()

    @property
    def primary_name(self) -> str:
        for role in ("job", "endpoint", "model", "endpoint_config", "target", "policy"):
            if role in self.names:
                return self.names[role]
        return next(iter(self.names.values()), self.address.name)

    @property
    def prune_protected(self) -> bool:
        from gitops_sm.kinds import ANNOTATION_PRUNE

        return str(self.annotations.get(ANNOTATION_PRUNE, "")).lower() == "false"

    def adoptable(self, adopt: Collection[str]) -> bool:
        """Whether a same-named resource that is not ours may be adopted for this spec: its address
        is in ``adopt`` (``--adopt``) or it carries the annotation ``gitops-sm.io/adopt: "true"``."""
        from gitops_sm.kinds import ANNOTATION_ADOPT

        flagged = str(self.annotations.get(ANNOTATION_ADOPT, "")).lower() == "true"
        return flagged or str(self.address) in adopt

    def claimed_names(self, *, region: str) -> list[tuple[str, str, str]]:
        """(region, observed type, name) of every AWS object this spec creates or manages, by the
        roles of ``names``: what two specs must not share, and what a cluster's CR must not manage."""
        out: list[tuple[str, str, str]] = []
        for role, name in self.names.items():
            head, _, rid = role.partition(":")
            if head == "job":
                out.append((region, JOB_OBSERVED_TYPES[self.kind].value, name))
            elif head in _HOSTING_ROLE_TYPES:
                out.append((region, _HOSTING_ROLE_TYPES[head].value, name))
            elif head == "target":
                out.append((region, ObservedType.SCALABLE_TARGET.value, name))
            elif head == "policy":
                out.append((region, ObservedType.SCALING_POLICY.value, policy_key(rid, name)))
        return out


class DocumentStatusKind(StrEnum):
    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True, kw_only=True)
class DocumentStatus:
    """The outcome of loading one YAML document (``validate --output json`` lists every one)."""

    source: SourceLocation
    api_version: str | None
    kind: str | None
    address: str | None
    status: DocumentStatusKind
    issues: tuple[Issue, ...] = ()
    reason: str = ""  # why it was skipped

    def to_dict(self) -> JsonDict:
        return {
            "source": str(self.source),
            "api_version": self.api_version,
            "kind": self.kind,
            "address": self.address,
            "status": self.status.value,
            "issues": [i.to_dict() for i in self.issues],
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    """Everything ``specs.load_specs`` found under a spec root.

    ``issues`` holds every located error (file-level and document-level). ``incomplete`` is true
    when any file or document failed: the planner then plans no delete, stop or prune at all,
    because a resource whose spec failed to load would look like one that left git.
    """

    root: str
    resources: tuple[DesiredResource, ...]
    issues: tuple[Issue, ...]
    skipped: tuple[SkippedDocument, ...]
    documents: tuple[DocumentStatus, ...]
    specs_digest: str

    @property
    def incomplete(self) -> bool:
        return bool(self.issues)

    def to_dict(self) -> JsonDict:
        return {
            "root": self.root,
            "specs_digest": self.specs_digest,
            "documents": [d.to_dict() for d in self.documents],
            "errors": [i.to_dict() for i in self.issues],
            "summary": {
                status.value: sum(1 for d in self.documents if d.status is status) for status in DocumentStatusKind
            },
        }


# --------------------------------------------------------------------------- observed state


class ObservedType(StrEnum):
    """The AWS resource types ``observe`` reports."""

    TRAINING_JOB = "TrainingJob"
    HYPERPARAMETER_TUNING_JOB = "HyperParameterTuningJob"
    TRANSFORM_JOB = "TransformJob"
    PROCESSING_JOB = "ProcessingJob"
    MODEL = "Model"
    ENDPOINT_CONFIG = "EndpointConfig"
    ENDPOINT = "Endpoint"
    SCALABLE_TARGET = "ScalableTarget"  # name = ResourceId
    SCALING_POLICY = "ScalingPolicy"  # name = policy_key(ResourceId, PolicyName)


# The one Kind -> observed type table of job kinds (observe lists them, the planner and status read them).
JOB_OBSERVED_TYPES: dict[Kind, ObservedType] = {
    Kind.TRAINING_JOB: ObservedType.TRAINING_JOB,
    Kind.HYPERPARAMETER_TUNING_JOB: ObservedType.HYPERPARAMETER_TUNING_JOB,
    Kind.TRANSFORM_JOB: ObservedType.TRANSFORM_JOB,
    Kind.PROCESSING_JOB: ObservedType.PROCESSING_JOB,
}


# The observed type of each hosting role of ``DesiredResource.names``.
_HOSTING_ROLE_TYPES = {
    "endpoint": ObservedType.ENDPOINT,
    "endpoint_config": ObservedType.ENDPOINT_CONFIG,
    "model": ObservedType.MODEL,
}


def policy_key(resource_id: str, policy_name: str) -> str:
    """Observed name of a scaling policy: policies are only unique per resource ID."""
    return f"{resource_id}#{policy_name}"


# An endpoint variant's instance counts move whenever its autoscaler scales, so they stay out of the
# observed digest (a saved plan must outlive a scale-out). Nothing is lost: a count the planner acts
# on shows in the plan's steps, which ``apply PLANFILE`` compares one by one.
_SCALED_COUNTS = frozenset({"CurrentInstanceCount", "DesiredInstanceCount"})


@dataclass(frozen=True, kw_only=True)
class ObservedResource:
    """One AWS resource as seen by a pass.

    ``tags`` is ``None`` when they were not read (the resource was not a candidate for any
    decision that needs ownership). ``details`` holds the describe output fields the planner and
    ``status`` use (JSON-able; timestamps as ISO strings); ``volatile`` fields (timestamps,
    secondary status) are excluded from the observed digest so a plan does not go stale just
    because a running job reported progress; so are an endpoint variant's instance counts, which
    its autoscaler moves.
    """

    type: ObservedType
    region: str
    name: str
    arn: str | None = None
    status: str | None = None
    tags: Mapping[str, str] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    volatile: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        # A StrEnum member hashes and compares as its value, so it stands for it in keys; reading
        # ``.value`` goes through Enum's descriptor, the planner's most frequent call at 10,000 resources.
        return (self.region, self.type, self.name)

    def digest_view(self) -> JsonDict:
        details = dict(self.details)
        if self.type is ObservedType.ENDPOINT and isinstance(details.get("ProductionVariants"), list):
            details["ProductionVariants"] = [
                {k: v for k, v in variant.items() if k not in _SCALED_COUNTS} if isinstance(variant, Mapping) else variant
                for variant in details["ProductionVariants"]
            ]
        return {
            "type": self.type.value,
            "region": self.region,
            "name": self.name,
            "status": self.status,
            "tags": dict(self.tags) if self.tags is not None else None,
            "details": details,
        }

    def to_dict(self) -> JsonDict:
        view = self.digest_view()
        view["arn"] = self.arn
        view["volatile"] = dict(self.volatile)
        return view


# --------------------------------------------------------------------------- cluster CR state


@dataclass(frozen=True, kw_only=True, order=True)
class ClusterRef:
    """One AWS resource an in-cluster CR manages. ``region`` is None when the CR does not say
    (then it matches that name in every region)."""

    type: ObservedType
    name: str
    region: str | None = None

    def matches(self, *, region: str, type_: ObservedType, name: str) -> bool:
        return self.type is type_ and self.name == name and (self.region is None or self.region == region)

    def to_dict(self) -> JsonDict:
        return {"type": self.type.value, "name": self.name, "region": self.region}


# Operator finalizers whose deletion handler deletes/stops the AWS resource, and ACK's retain policy.
V1_FINALIZER = "sagemaker-operator-finalizer"
ACK_DELETION_POLICY = "services.k8s.aws/deletion-policy"
ACK_DELETION_POLICY_RETAIN = "retain"


@dataclass(frozen=True, kw_only=True)
class ClusterResource:
    """An operator CR read from the cluster, as plain values: who it is and what it manages.

    ``state`` is the CR's own view of its resource (v1 ``status.*Status``; ACK: ``Synced``,
    ``Terminal`` or ``Pending`` from its conditions), ``message`` the v1 ``status.additional`` or the
    ACK ``ACK.Terminal`` / ``ACK.ResourceSynced`` condition message."""

    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str = ""
    resource_version: str = ""
    manages: tuple[ClusterRef, ...] = ()
    state: str | None = None
    message: str | None = None
    finalizers: tuple[str, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    deleting: bool = False

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"

    @property
    def is_ack(self) -> bool:
        return self.api_version.split("/")[0].endswith(".services.k8s.aws")

    @property
    def retains(self) -> bool:
        """Deleting this CR leaves its AWS resources alone (no v1 finalizer / ACK retain policy)."""
        if self.is_ack:
            return self.annotations.get(ACK_DELETION_POLICY) == ACK_DELETION_POLICY_RETAIN
        return V1_FINALIZER not in self.finalizers

    @property
    def released(self) -> bool:
        """Being deleted in a way that leaves AWS alone: its operator no longer manages anything."""
        return self.deleting and self.retains

    def to_dict(self) -> JsonDict:
        return {
            "address": self.address,
            "api_version": self.api_version,
            "uid": self.uid,
            "manages": [m.to_dict() for m in self.manages],
            "state": self.state,
            "message": self.message,
            "deleting": self.deleting,
            "retains": self.retains,
        }


@dataclass(frozen=True, kw_only=True)
class ClusterState:
    """Every operator CR a pass read. ``source`` is None when no cluster is configured."""

    source: str | None = None
    resources: tuple[ClusterResource, ...] = ()
    kinds: tuple[str, ...] = ()  # "HostingDeployment.sagemaker.aws.amazon.com/v1" of the CRDs found

    def managing(self, *, region: str, type_: ObservedType, name: str) -> ClusterResource | None:
        """The CR (not released) that manages ``name``, if any."""
        for cr in self.resources:
            if not cr.released and any(m.matches(region=region, type_=type_, name=name) for m in cr.manages):
                return cr
        return None

    def at_address(self, address: str) -> ClusterResource | None:
        return next((cr for cr in self.resources if cr.address == address and not cr.released), None)

    def without(self, addresses: Iterable[str]) -> ClusterState:
        drop = set(addresses)
        kept = tuple(cr for cr in self.resources if cr.address not in drop)
        return ClusterState(source=self.source, resources=kept, kinds=self.kinds)


@dataclass(frozen=True, kw_only=True)
class ObservedState:
    """Everything a pass read. ``listed`` holds the (region, type) pairs that were listed in full,
    so a missing name there means the resource does not exist. ``errors`` are read failures; the
    planner turns resources that depend on unreadable state into ``error`` entries. ``cluster`` is the
    operators' CR state (empty without a cluster), read by ``gitops_sm.kube``."""

    resources: tuple[ObservedResource, ...] = ()
    listed: frozenset[tuple[str, str]] = frozenset()
    errors: tuple[Issue, ...] = ()
    cluster: ClusterState = field(default_factory=ClusterState)
    _index: dict[tuple[str, str, str], ObservedResource] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._index.update({r.key: r for r in self.resources})

    def get(self, region: str, type_: ObservedType, name: str) -> ObservedResource | None:
        return self._index.get((region, type_, name))

    def of_type(self, region: str, type_: ObservedType) -> list[ObservedResource]:
        return [r for r in self.resources if r.region == region and r.type is type_]

    def was_listed(self, region: str, type_: ObservedType) -> bool:
        return (region, type_) in self.listed

    def digest(self) -> str:
        return digest(
            {
                "resources": sorted((r.digest_view() for r in self.resources), key=canonical_json),
                "errors": [e.to_dict() for e in self.errors],
            }
        )


# --------------------------------------------------------------------------- the plan


class Action(StrEnum):
    NOOP = "no-op"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    STOP = "stop"
    WAIT = "wait"
    ERROR = "error"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def is_change(self) -> bool:
        return self in (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE, Action.STOP)

    @property
    def is_destructive(self) -> bool:
        return self in (Action.DELETE, Action.STOP)


_SYMBOLS = {
    Action.NOOP: " ",
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.STOP: "!",
    Action.WAIT: "…",
    Action.ERROR: "x",
}


@dataclass(frozen=True, kw_only=True)
class Step:
    """One exact API call apply will make, in order."""

    service: str
    call: str
    region: str
    target: str
    params: Mapping[str, Any]
    endpoint_url: str | None = None

    def to_dict(self) -> JsonDict:
        data: JsonDict = {
            "service": self.service,
            "call": self.call,
            "region": self.region,
            "target": self.target,
            "params": dict(self.params),
        }
        if self.endpoint_url:
            data["endpoint_url"] = self.endpoint_url
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        return cls(
            service=data["service"],
            call=data["call"],
            region=data["region"],
            target=data["target"],
            params=data.get("params") or {},
            endpoint_url=data.get("endpoint_url"),
        )


@dataclass(frozen=True, kw_only=True)
class ResourceChange:
    """What the plan does to one address, with the reason a human reads and the calls it makes."""

    address: str
    kind: str
    api_version: str | None
    source: SourceLocation | None
    region: str | None
    names: Mapping[str, str]
    actions: tuple[Action, ...]
    reason: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()

    @property
    def action(self) -> Action:
        """The headline action (the first one)."""
        return self.actions[0]

    @property
    def is_change(self) -> bool:
        return any(a.is_change for a in self.actions)

    def to_dict(self) -> JsonDict:
        return {
            "address": self.address,
            "kind": self.kind,
            "api_version": self.api_version,
            "source": str(self.source) if self.source else None,
            "region": self.region,
            "names": dict(self.names),
            "actions": [a.value for a in self.actions],
            "reason": self.reason,
            "before": _plain(self.before),
            "after": _plain(self.after),
            "depends_on": list(self.depends_on),
            "steps": [s.to_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResourceChange:
        src = data.get("source")
        return cls(
            address=data["address"],
            kind=data["kind"],
            api_version=data.get("api_version"),
            source=SourceLocation.parse(src) if src else None,
            region=data.get("region"),
            names=data.get("names") or {},
            actions=tuple(Action(a) for a in data["actions"]),
            reason=data.get("reason") or "",
            before=data.get("before"),
            after=data.get("after"),
            depends_on=tuple(data.get("depends_on") or ()),
            steps=tuple(Step.from_dict(s) for s in data.get("steps") or ()),
        )


@dataclass(frozen=True, kw_only=True)
class PlanSource:
    path: str
    commit: str | None
    specs_digest: str

    def to_dict(self) -> JsonDict:
        return {"path": self.path, "commit": self.commit, "specs_digest": self.specs_digest}


@dataclass(frozen=True, kw_only=True)
class Plan:
    """The result of planning: a value that apply executes or refuses."""

    source: PlanSource
    observed_digest: str
    resource_changes: tuple[ResourceChange, ...]
    errors: tuple[Issue, ...] = ()
    skipped: tuple[SkippedDocument, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    format_version: int = PLAN_FORMAT_VERSION

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(Action.ERROR in c.actions for c in self.resource_changes)

    @property
    def has_changes(self) -> bool:
        return any(c.is_change for c in self.resource_changes)

    @property
    def summary(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Action}
        for change in self.resource_changes:
            for action in set(change.actions):
                counts[action.value] += 1
        return counts

    def steps(self) -> Iterable[tuple[ResourceChange, Step]]:
        for change in self.resource_changes:
            for step in change.steps:
                yield change, step

    def to_dict(self) -> JsonDict:
        return {
            "format_version": self.format_version,
            "source": self.source.to_dict(),
            "observed_digest": self.observed_digest,
            "options": dict(self.options),
            "summary": self.summary,
            "resource_changes": [c.to_dict() for c in self.resource_changes],
            "errors": [e.to_dict() for e in self.errors],
            "skipped": [s.to_dict() for s in self.skipped],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        version = data.get("format_version")
        if version != PLAN_FORMAT_VERSION:
            raise PlanError(f"plan format_version {version!r} is not supported (this gitops-sm reads {PLAN_FORMAT_VERSION})")
        try:
            src = data["source"]
            return cls(
                format_version=version,
                source=PlanSource(path=src["path"], commit=src.get("commit"), specs_digest=src["specs_digest"]),
                observed_digest=data["observed_digest"],
                options=data.get("options") or {},
                resource_changes=tuple(ResourceChange.from_dict(c) for c in data["resource_changes"]),
                errors=tuple(Issue.from_dict(e) for e in data.get("errors") or ()),
                skipped=tuple(SkippedDocument.from_dict(s) for s in data.get("skipped") or ()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"plan file is malformed: {exc!r}") from exc


def _plain(value: Mapping[str, Any] | None) -> JsonDict | None:
    return None if value is None else json.loads(canonical_json(value))


def sorted_changes(changes: Sequence[ResourceChange]) -> tuple[ResourceChange, ...]:
    """Order changes so each comes after everything it depends on (stable by address otherwise)."""
    by_address = {c.address: c for c in changes}
    done: set[str] = set()
    ordered: list[ResourceChange] = []

    def visit(change: ResourceChange, trail: tuple[str, ...]) -> None:
        if change.address in done or change.address in trail:
            return
        for dep in sorted(change.depends_on):
            if dep in by_address:
                visit(by_address[dep], (*trail, change.address))
        done.add(change.address)
        ordered.append(change)

    for change in sorted(changes, key=lambda c: c.address):
        visit(change, ())
    return tuple(ordered)
