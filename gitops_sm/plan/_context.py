"""What every per-kind planner shares: the options, the pass context and the change builders.

Used by the planner modules of this package (``_jobs``, ``_hosting``, ``_autoscaling``, ``_prune``)
and by :mod:`gitops_sm.plan.planner`, which creates one :class:`Context` per pass. ``Context``
records every observed resource a planner consults, so only those go into ``observed_digest``
and an unrelated job finishing elsewhere in the account does not make a plan stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_sm import kinds, ownership
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    Action,
    AwsRequest,
    DesiredResource,
    ObservedResource,
    ObservedState,
    ObservedType,
    ResourceChange,
    Step,
    digest,
)
from gitops_sm.plan.health import ownership_conflict

DEFAULT_PRUNE_THRESHOLD = kinds.DEFAULT_PRUNE_THRESHOLD
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


@dataclass(kw_only=True)
class Context:
    observed: ObservedState
    options: PlanOptions
    incomplete: bool
    desired: tuple[DesiredResource, ...]
    consulted: dict[tuple[str, str, str], ObservedResource] = field(default_factory=dict)
    memo: dict[tuple[str, str], object] = field(default_factory=dict)  # per-pass results shared by planners

    def region(self, res: DesiredResource) -> str:
        return res.region or self.options.default_region

    def get(self, region: str, type_: ObservedType, name: str) -> ObservedResource | None:
        found = self.observed.get(region, type_, name)
        if found is not None:
            self.consulted[found.key] = found
        return found

    def scan(self, region: str, type_: ObservedType, keep: Callable[[ObservedResource], bool]) -> list[ObservedResource]:
        found = [r for r in self.observed.of_type(region, type_) if keep(r)]
        for r in found:
            self.consulted[r.key] = r
        return found

    def read_error(self, res: DesiredResource, region: str, types: Iterable[ObservedType]) -> str | None:
        for issue in self.observed.errors:
            if issue.address == str(res.address):
                return issue.message
        for type_ in types:
            # Models and configs are described by name, never listed: for them only an error counts.
            if type_ not in _DESCRIBED_BY_NAME and not self.observed.was_listed(region, type_):
                return f"the {type_.value} list of {region} could not be read; see the observation errors"
        return None

    def adoptable(self, res: DesiredResource) -> bool:
        flag = str(res.annotations.get(kinds.ANNOTATION_ADOPT, "")).lower() == "true"
        return flag or str(res.address) in self.options.adopt

    def observed_digest(self) -> str:
        views = sorted((r.digest_view() for r in self.consulted.values()), key=lambda v: (v["region"], v["type"], v["name"]))
        return digest({"resources": views, "errors": [e.to_dict() for e in self.observed.errors]})


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
        depends_on=tuple(sorted(set(depends_on) - {str(res.address)})),
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
    """None when ``obs`` is ours to manage; else adopt it (tags only) when allowed, or the conflict error."""
    conflict = owner_problem(ctx, res, obs, noun)
    if conflict is None:
        return None
    if not is_ours(obs) and ctx.adoptable(res):
        return change(
            res, region, [Action.UPDATE], f"adopt {noun} {obs.name!r}: add the gitops-sm ownership tags",
            before=before, after=after, steps=[adopt_step(res, region, obs, request_tags(request))],
            depends_on=depends_on,
        )
    return change(res, region, [Action.ERROR], conflict, before=before)


def request_tags(request: AwsRequest) -> list[Mapping[str, str]]:
    tags = request.params.get("Tags")
    return list(tags) if isinstance(tags, list) else []


def without_tags(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "Tags"}


def endpoint_providers(ctx: Context) -> dict[tuple[str, str], str]:
    """(region, endpoint name) -> address of the desired resource that creates that endpoint."""
    out: dict[tuple[str, str], str] = {}
    for res in ctx.desired:
        if res.kind in (Kind.HOSTING_DEPLOYMENT, Kind.ENDPOINT):
            out[(ctx.region(res), res.names["endpoint"])] = str(res.address)
    return out


def name_providers(ctx: Context, kind: Kind, role: str) -> dict[tuple[str, str], str]:
    return {(ctx.region(r), r.names[role]): str(r.address) for r in ctx.desired if r.kind is kind and role in r.names}


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


