"""What every per-kind planner shares: the options, the pass context and the change builders.

Used by the planner modules of this package (``_jobs``, ``_hosting``, ``_autoscaling``, ``_prune``)
and by :mod:`gitops_sm.plan.planner`, which creates one :class:`Context` per pass. ``Context``
records every observed resource a planner consults, so only those go into ``observed_digest``
and an unrelated job finishing elsewhere in the account does not make a plan stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gitops_sm import kinds, ownership
from gitops_sm.kinds import ENDPOINT_KINDS, Kind
from gitops_sm.model import (
    DEFINITION,
    JOB_OBSERVED_TYPES,
    Action,
    AwsRequest,
    DesiredResource,
    Issue,
    JsonDict,
    ObservedResource,
    ObservedState,
    ObservedType,
    ResourceChange,
    Step,
    digest,
)
from gitops_sm.naming import generated_prefix
from gitops_sm.plan import _adopt
from gitops_sm.plan.health import ownership_conflict

DEFAULT_PRUNE_THRESHOLD = kinds.DEFAULT_PRUNE_THRESHOLD
_T = TypeVar("_T")
_DESCRIBED_BY_NAME = (ObservedType.MODEL, ObservedType.ENDPOINT_CONFIG)


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """Knobs that change what the planner may do."""

    default_region: str
    prune: bool = False
    prune_threshold: int = DEFAULT_PRUNE_THRESHOLD
    allow_mass_prune: bool = False
    adopt: frozenset[str] = frozenset()  # addresses the user allowed to adopt (--adopt)
    retry_failed: frozenset[str] = frozenset()  # addresses whose failed endpoint update is retried (--retry-failed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "default_region": self.default_region,
            "prune": self.prune,
            "prune_threshold": self.prune_threshold,
            "allow_mass_prune": self.allow_mass_prune,
            "adopt": sorted(self.adopt),
            "retry_failed": sorted(self.retry_failed),
        }


_Group = tuple[str, str, str]  # (region, observed type value, group value)
_Keep = Callable[[ObservedResource], bool]


def _everything(_: ObservedResource) -> bool:
    return True


@dataclass(frozen=True, kw_only=True)
class ObservedIndex:
    """One pass's observed resources, indexed once, so no planner scans all of them per resource.

    Every group keeps the resources in ``ObservedState`` order (sorted by key):

    * ``by_type``      (region, type) -> every resource of that type;
    * ``by_prefix``    (region, job type, generated-name prefix) -> jobs named ``<prefix>-<8 hex>``
                       (every run of one job spec's address, design section 3);
    * ``by_owner``     (region, type, ``gitops-sm/address`` tag) -> what we created for that address;
    * ``by_endpoint``  (region, scalable target / scaling policy type, endpoint) -> the autoscaling
                       of that endpoint's variants (``endpoint/<endpoint>/variant/<variant>``);
    * ``by_resource_id`` (region, resource ID) -> the scaling policies of one variant;
    * ``errors_by_address`` -> the observation errors naming each address.
    """

    by_type: Mapping[tuple[str, str], Sequence[ObservedResource]]
    by_prefix: Mapping[_Group, Sequence[ObservedResource]]
    by_owner: Mapping[_Group, Sequence[ObservedResource]]
    by_endpoint: Mapping[_Group, Sequence[ObservedResource]]
    by_resource_id: Mapping[tuple[str, str], Sequence[ObservedResource]]
    errors_by_address: Mapping[str, Sequence[Issue]]

    @classmethod
    def build(cls, observed: ObservedState) -> ObservedIndex:
        by_type: dict[tuple[str, str], list[ObservedResource]] = {}
        by_prefix: dict[_Group, list[ObservedResource]] = {}
        by_owner: dict[_Group, list[ObservedResource]] = {}
        by_endpoint: dict[_Group, list[ObservedResource]] = {}
        by_resource_id: dict[tuple[str, str], list[ObservedResource]] = {}
        job_types = set(JOB_OBSERVED_TYPES.values())
        for r in observed.resources:
            type_ = r.type  # a StrEnum member: keys as its value does, without Enum's slow ``.value``
            by_type.setdefault((r.region, type_), []).append(r)
            if r.type in job_types and (prefix := generated_prefix(r.name)) is not None:
                by_prefix.setdefault((r.region, type_, prefix), []).append(r)
            if r.tags and (owner := r.tags.get(kinds.TAG_ADDRESS)):
                by_owner.setdefault((r.region, type_, owner), []).append(r)
            if r.type in (ObservedType.SCALABLE_TARGET, ObservedType.SCALING_POLICY):
                rid = r.name if r.type is ObservedType.SCALABLE_TARGET else str(r.details.get("ResourceId", ""))
                parts = rid.split("/")
                if len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant":
                    by_endpoint.setdefault((r.region, type_, parts[1]), []).append(r)
                if r.type is ObservedType.SCALING_POLICY:
                    by_resource_id.setdefault((r.region, rid), []).append(r)
        errors: dict[str, list[Issue]] = {}
        for issue in observed.errors:
            if issue.address:
                errors.setdefault(issue.address, []).append(issue)
        return cls(
            by_type=by_type,
            by_prefix=by_prefix,
            by_owner=by_owner,
            by_endpoint=by_endpoint,
            by_resource_id=by_resource_id,
            errors_by_address=errors,
        )


@dataclass(kw_only=True)
class Context:
    """One planning pass: inputs, the observed index, what was consulted, and per-pass memos.

    Planners read observed state only through :meth:`get` and the group readers (:meth:`scan`,
    :meth:`with_prefix`, :meth:`owned_by`, :meth:`on_endpoint`, :meth:`policies_on`), which record
    what they return in ``consulted``; maps derived from the desired specs are built once per pass
    with :meth:`once`. Together they keep a pass linear in the number of resources.
    """

    observed: ObservedState
    options: PlanOptions
    incomplete: bool
    desired: tuple[DesiredResource, ...]
    # Keyed by identity: each observed resource is one object of ``observed`` for the whole pass.
    consulted: dict[int, ObservedResource] = field(default_factory=dict)
    memo: dict[tuple[str, str], object] = field(default_factory=dict)  # per-pass results shared by planners
    index: ObservedIndex = field(init=False)
    _desired_by_kind: dict[Kind, list[DesiredResource]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = ObservedIndex.build(self.observed)
        self._desired_by_kind = {}
        for res in self.desired:
            self._desired_by_kind.setdefault(res.kind, []).append(res)

    def desired_of(self, *kinds: Kind) -> list[DesiredResource]:
        """The desired resources of ``kinds``, in load order within each kind: the per-pass maps of
        a few kinds (endpoints, autoscaling) are built without visiting every job spec."""
        return [res for kind in kinds for res in self._desired_by_kind.get(kind, ())]

    def region(self, res: DesiredResource) -> str:
        return res.region or self.options.default_region

    def once(self, key: str, build: Callable[[], _T]) -> _T:
        """``build()`` the first time a pass asks for ``key`` (a map derived from the desired specs)."""
        memo_key = ("once", key)
        if memo_key not in self.memo:
            self.memo[memo_key] = build()
        return self.memo[memo_key]  # type: ignore[return-value]

    def get(self, region: str, type_: ObservedType, name: str) -> ObservedResource | None:
        found = self.observed.get(region, type_, name)
        if found is not None:
            self.consulted[id(found)] = found
        return found

    def _kept(self, group: Iterable[ObservedResource], keep: _Keep) -> list[ObservedResource]:
        found = [r for r in group if keep(r)]
        for r in found:
            self.consulted[id(r)] = r
        return found

    def scan(self, region: str, type_: ObservedType, keep: _Keep) -> list[ObservedResource]:
        """Every resource of ``type_`` in ``region`` that ``keep`` accepts (a whole-type scan: once per
        pass or region, never per resource — use the narrower readers below for that)."""
        return self._kept(self.index.by_type.get((region, type_), ()), keep)

    def with_prefix(self, region: str, type_: ObservedType, prefix: str, keep: _Keep = _everything) -> list[ObservedResource]:
        """Jobs of ``type_`` whose generated name is ``<prefix>-<8 hex>``."""
        return self._kept(self.index.by_prefix.get((region, type_, prefix), ()), keep)

    def owned_by(self, region: str, type_: ObservedType, address: str, keep: _Keep = _everything) -> list[ObservedResource]:
        """Resources of ``type_`` whose ``gitops-sm/address`` tag is ``address`` (tags read)."""
        return self._kept(self.index.by_owner.get((region, type_, address), ()), keep)

    def on_endpoint(self, region: str, type_: ObservedType, endpoint: str, keep: _Keep = _everything) -> list[ObservedResource]:
        """Scalable targets or scaling policies of ``endpoint``'s variants."""
        return self._kept(self.index.by_endpoint.get((region, type_, endpoint), ()), keep)

    def policies_on(self, region: str, resource_id: str) -> list[ObservedResource]:
        """The observed scaling policies of one resource ID."""
        return self._kept(self.index.by_resource_id.get((region, resource_id), ()), _everything)

    def read_error(self, res: DesiredResource, region: str, types: Iterable[ObservedType]) -> str | None:
        for issue in self.index.errors_by_address.get(str(res.address), ()):
            return issue.message
        for type_ in types:
            # Models and configs are described by name, never listed: for them only an error counts.
            if type_ not in _DESCRIBED_BY_NAME and not self.observed.was_listed(region, type_):
                return f"the {type_.value} list of {region} could not be read; see the observation errors"
        return None

    def adoptable(self, res: DesiredResource) -> bool:
        return res.adoptable(self.options.adopt)

    def observed_digest(self) -> str:
        return digest({"resources": self._consulted_views(), "errors": [e.to_dict() for e in self.observed.errors]})

    def _consulted_views(self) -> list[JsonDict]:
        """Digest views of what was consulted, ordered by (region, type, name). ``ObservedState``
        keeps its resources in that order (``observe`` sorts them), so picking from it is linear;
        a state built in another order is sorted."""
        views: list[JsonDict] = []
        previous: tuple[str, str, str] | None = None
        for resource in self.observed.resources:
            if id(resource) not in self.consulted:
                continue
            key = resource.key
            if previous is not None and key <= previous:
                break  # not in key order: sort below
            previous = key
            views.append(resource.digest_view())
        else:
            if len(views) == len(self.consulted):
                return views
        return sorted(
            (r.digest_view() for r in self.consulted.values()), key=lambda v: (v["region"], v["type"], v["name"])
        )


def change(
    res: DesiredResource,
    region: str,
    actions: Sequence[Action],
    reason: str,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    depends_on: Iterable[str] = (),
    steps: Iterable[Step] = (),
) -> ResourceChange:
    return ResourceChange(
        address=str(res.address),
        kind=res.manifest_kind,
        api_version=res.api_version,
        source=res.source,
        region=region,
        names=dict(res.names),
        actions=tuple(actions),
        reason=reason,
        before=before,
        after=after,
        depends_on=tuple(sorted(set(depends_on) - {str(res.address)})) if depends_on else (),
        steps=tuple(steps),
    )


def step(res: DesiredResource, region: str, request: AwsRequest, target: str) -> Step:
    return Step(
        service=request.service,
        call=request.operation,
        region=region,
        target=target,
        params=dict(request.params),
        endpoint_url=res.endpoint_url if request.service == kinds.SAGEMAKER else None,
    )


def call(res: DesiredResource, region: str, service: str, call: str, target: str, **params: Any) -> Step:
    return Step(
        service=service,
        call=call,
        region=region,
        target=target,
        params=params,
        endpoint_url=res.endpoint_url if service == kinds.SAGEMAKER else None,
    )


def tags_of(obs: ObservedResource) -> Mapping[str, str]:
    return obs.tags or {}


def is_ours(obs: ObservedResource) -> bool:
    return ownership.is_managed(obs.tags)


def owner_problem(ctx: Context, res: DesiredResource, obs: ObservedResource, what: str) -> str | None:
    """Why we may not touch ``obs`` on behalf of ``res`` (None when it is ours to manage)."""
    return ownership_conflict(res, obs, what) or None


def adopt_step(res: DesiredResource, region: str, obs: ObservedResource, tags: Sequence[Mapping[str, str]]) -> Step:
    ours = [t for t in tags if t.get("Key") in kinds.OUR_TAG_KEYS]
    return call(res, region, kinds.SAGEMAKER, "AddTags", obs.name, ResourceArn=obs.arn or "", Tags=ours)


def claim(
    ctx: Context,
    res: DesiredResource,
    region: str,
    obs: ObservedResource,
    *,
    noun: str,
    request: AwsRequest,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    depends_on: Iterable[str] = (),
) -> ResourceChange | None:
    """None when ``obs`` is ours to manage; else adopt it when allowed (:func:`adopt`), or the conflict error."""
    conflict = owner_problem(ctx, res, obs, noun)
    if conflict is None:
        return None
    if not is_ours(obs) and ctx.adoptable(res):
        return adopt(res, region, obs, noun=noun, request=request, depends_on=depends_on)
    return change(res, region, [Action.ERROR], conflict, before=before)


def adopt(
    res: DesiredResource,
    region: str,
    obs: ObservedResource,
    *,
    noun: str,
    request: AwsRequest,
    depends_on: Iterable[str] = (),
) -> ResourceChange:
    """Adopt an immutable resource (a job, an explicitly named Model or EndpointConfig): add our tags.

    It cannot be changed, so it is adopted as it is, as history: its live definition is compared
    with the spec (:mod:`gitops_sm.plan._adopt`), every difference accepted is named in the reason
    and shown in ``before``/``after`` (``accepted_differences``: live, spec), and the spec-hash tag
    records the spec that matches what runs, never a spec it does not run."""
    live = obs.details.get(DEFINITION)
    tag_hash = tags_of(obs).get(kinds.TAG_SPEC_HASH)
    what = f"adopt {noun} {obs.name!r}: add the gitops-sm ownership tags"
    if not isinstance(live, Mapping):
        return change(res, region, [Action.ERROR], f"cannot adopt {noun} {obs.name!r}: its live definition was not "
                      "read in this pass, so it cannot be compared with the spec; plan again",
                      before={"name": obs.name, "status": obs.status, "spec_hash": tag_hash})
    diffs = _adopt.differences(request, live)
    recorded = _adopt.matching_spec_hash(res, request, diffs) if diffs else res.spec_hash
    tags = [{**t, "Value": recorded} if t.get("Key") == kinds.TAG_SPEC_HASH else t for t in request_tags(request)]
    before: dict[str, Any] = {"name": obs.name, "status": obs.status, "spec_hash": tag_hash}
    after: dict[str, Any] = {"name": obs.name, "status": obs.status, "spec_hash": recorded}
    if not diffs:
        reason = f"{what}; its live definition matches the spec"
    else:
        live_view, spec_view = _adopt.views(diffs, request=request, live=live)
        before["accepted_differences"], after["accepted_differences"] = live_view, spec_view  # redacted
        reason = (f"{what}, accepting {_adopt.plural(len(diffs), 'difference')} from the spec: "
                  f"{_adopt.describe(diffs, request=request, live=live)}. A SageMaker {noun} cannot be changed, so it "
                  f"is kept as it runs and its {kinds.TAG_SPEC_HASH} tag records the spec that matches it ({recorded}): "
                  f"later passes report the spec as changed until it matches the {noun} or names a new one")
    return change(res, region, [Action.UPDATE], reason, before=before, after=after,
                  steps=[adopt_step(res, region, obs, tags)], depends_on=depends_on)


def request_tags(request: AwsRequest) -> list[Mapping[str, str]]:
    tags = request.params.get("Tags")
    return list(tags) if isinstance(tags, list) else []


def without_tags(params: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(params)  # a copy made in C, then one pop: the comprehension cost every job of a pass
    out.pop("Tags", None)
    return out


def endpoint_providers(ctx: Context) -> dict[tuple[str, str], str]:
    """(region, endpoint name) -> address of the desired resource that creates that endpoint."""

    def build() -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for res in ctx.desired_of(*ENDPOINT_KINDS):
            out[(ctx.region(res), res.names["endpoint"])] = str(res.address)
        return out

    return ctx.once("endpoint_providers", build)


def name_providers(ctx: Context, kind: Kind, role: str) -> dict[tuple[str, str], str]:
    """(region, SageMaker name) -> address of the desired ``kind`` resource that names it as ``role``."""
    return ctx.once(
        f"name_providers:{kind.value}:{role}",
        lambda: {(ctx.region(r), r.names[role]): str(r.address) for r in ctx.desired_of(kind) if role in r.names},
    )


def references(ctx: Context, res: DesiredResource, region: str) -> list[str]:
    """Addresses this ACK resource depends on, found by the SageMaker names its request mentions."""
    params = res.requests[0].params
    out: list[str] = []
    if res.kind is Kind.TRANSFORM_JOB:  # a transform job runs a model another spec may create
        models = name_providers(ctx, Kind.MODEL, "model")
        if addr := models.get((region, str(params.get("ModelName")))):
            out.append(addr)
    if res.kind is Kind.ENDPOINT_CONFIG:
        models = name_providers(ctx, Kind.MODEL, "model")
        for variant in params.get("ProductionVariants") or []:
            if isinstance(variant, dict) and (addr := models.get((region, str(variant.get("ModelName"))))):
                out.append(addr)
    if res.kind is Kind.ENDPOINT:
        configs = name_providers(ctx, Kind.ENDPOINT_CONFIG, "endpoint_config")
        if addr := configs.get((region, str(params.get("EndpointConfigName")))):
            out.append(addr)
    return out


