"""The pure planner: ``plan(desired, observed, options) -> Plan`` (design §4).

Called by ``gitops_sm.app`` once per pass (and again by ``apply PLANFILE`` to detect a stale
plan). No I/O, no clock, no randomness: the same inputs give the same plan, which is why the
tests drive it with literals. Each desired resource is planned by a function of its kind; the
result is a ``ResourceChange`` with a reason a human can read and the exact API calls apply makes.

Only the observed resources the planner actually consulted go into ``observed_digest``, so an
unrelated job finishing elsewhere in the account does not make a plan stale.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_sm import kinds
from gitops_sm.kinds import JOB_KINDS, JobKindInfo, Kind
from gitops_sm.model import (
    Action,
    AwsRequest,
    DesiredResource,
    Issue,
    LoadResult,
    ObservedResource,
    ObservedState,
    ObservedType,
    Plan,
    PlanSource,
    ResourceChange,
    Step,
    digest,
    policy_key,
    sorted_changes,
)
from gitops_sm.plan.health import JOB_OBSERVED_TYPES, ownership_conflict, scaling_units

DEFAULT_PRUNE_THRESHOLD = 5
_DESCRIBED_BY_NAME = (ObservedType.MODEL, ObservedType.ENDPOINT_CONFIG)


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """Knobs that change what the planner may do."""

    default_region: str
    prune: bool = False
    prune_threshold: int = DEFAULT_PRUNE_THRESHOLD
    allow_mass_prune: bool = False
    adopt: frozenset[str] = frozenset()  # addresses the user allowed to adopt (--adopt)

    def to_dict(self) -> dict[str, Any]:
        return {
            "default_region": self.default_region,
            "prune": self.prune,
            "prune_threshold": self.prune_threshold,
            "allow_mass_prune": self.allow_mass_prune,
            "adopt": sorted(self.adopt),
        }




def plan(*, load: LoadResult, observed: ObservedState, options: PlanOptions, commit: str | None = None) -> Plan:
    """Plan every resource of ``load`` against ``observed``."""
    ctx = _Context(
        observed=observed, options=options, incomplete=load.incomplete, desired=tuple(load.resources)
    )
    collisions = _name_collisions(ctx)
    changes = [
        _change(res, ctx.region(res), [Action.ERROR], collisions[str(res.address)])
        if str(res.address) in collisions
        else _plan_one(ctx, res)
        for res in load.resources
    ]
    changes.extend(_plan_prune(ctx))
    ordered = sorted_changes(changes)
    errors = list(load.issues)
    errors.extend(
        Issue(source=c.source, address=c.address, path="", message=c.reason)
        for c in ordered
        if Action.ERROR in c.actions
    )
    explained = {(e.address, e.message) for e in errors}
    explained |= {(c.address, c.reason) for c in ordered if Action.ERROR in c.actions}
    errors.extend(
        i for i in observed.errors
        if (i.address, i.message) not in explained and not (i.address and _mentions(ordered, i.address, i.message))
    )
    return Plan(
        source=PlanSource(path=load.root, commit=commit, specs_digest=load.specs_digest),
        observed_digest=ctx.observed_digest(),
        resource_changes=ordered,
        errors=tuple(errors),
        skipped=load.skipped,
        options=options.to_dict(),
    )


def _claimed_names(res: DesiredResource, region: str) -> list[tuple[str, str, str]]:
    """(region, observed type, name) of every AWS object ``res`` creates or manages."""
    out: list[tuple[str, str, str]] = []
    for role, name in res.names.items():
        head, _, rid = role.partition(":")
        if head == "job":
            out.append((region, JOB_OBSERVED_TYPES[res.kind].value, name))
        elif head in ("endpoint", "endpoint_config", "model"):
            type_ = {"endpoint": ObservedType.ENDPOINT, "endpoint_config": ObservedType.ENDPOINT_CONFIG}.get(
                head, ObservedType.MODEL
            )
            out.append((region, type_.value, name))
        elif head == "target":
            out.append((region, ObservedType.SCALABLE_TARGET.value, name))
        elif head == "policy":
            out.append((region, ObservedType.SCALING_POLICY.value, policy_key(rid, name)))
    return out


def _name_collisions(ctx: _Context) -> dict[str, str]:
    """Addresses that claim an AWS name another address also claims, with the reason to show.

    Two specs (say the same ``metadata.name`` in two namespaces with an identical spec) would
    otherwise both own one SageMaker job or endpoint and fight over it on every pass.
    """
    claims: dict[tuple[str, str, str], list[DesiredResource]] = {}
    for res in ctx.desired:
        for claim in dict.fromkeys(_claimed_names(res, ctx.region(res))):
            claims.setdefault(claim, []).append(res)
    out: dict[str, str] = {}
    for (region, type_, name), owners in sorted(claims.items()):
        if len(owners) < 2:
            continue
        for res in owners:
            others = ", ".join(f"{o.address} ({o.source})" for o in owners if o is not res)
            out.setdefault(
                str(res.address),
                f"the {type_} {name!r} in {region} is also claimed by {others}; give each spec its own name",
            )
    return out


def _mentions(changes: Sequence[ResourceChange], address: str, message: str) -> bool:
    """Whether an error change of ``address`` already carries the observation error ``message``."""
    return any(c.address == address and Action.ERROR in c.actions and message in c.reason for c in changes)


# --------------------------------------------------------------------------- context


@dataclass(kw_only=True)
class _Context:
    observed: ObservedState
    options: PlanOptions
    incomplete: bool
    desired: tuple[DesiredResource, ...]
    consulted: dict[tuple[str, str, str], ObservedResource] = field(default_factory=dict)

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


def _plan_one(ctx: _Context, res: DesiredResource) -> ResourceChange:
    if res.kind.is_job:
        return _plan_job(ctx, res)
    planner = _PLANNERS[res.kind]
    return planner(ctx, res)


def _change(
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


def _step(res: DesiredResource, region: str, request: AwsRequest, target: str) -> Step:
    return Step(
        service=request.service,
        call=request.operation,
        region=region,
        target=target,
        params=dict(request.params),
        endpoint_url=res.endpoint_url if request.service == kinds.SAGEMAKER else None,
    )


def _call(res: DesiredResource, region: str, service: str, call: str, target: str, **params: Any) -> Step:
    return Step(
        service=service,
        call=call,
        region=region,
        target=target,
        params=params,
        endpoint_url=res.endpoint_url if service == kinds.SAGEMAKER else None,
    )


def _tags(obs: ObservedResource) -> Mapping[str, str]:
    return obs.tags or {}


def _is_ours(obs: ObservedResource) -> bool:
    return _tags(obs).get(kinds.TAG_MANAGED_BY) == kinds.TAG_MANAGED_BY_VALUE


def _owner_problem(ctx: _Context, res: DesiredResource, obs: ObservedResource, what: str) -> str | None:
    """Why we may not touch ``obs`` on behalf of ``res`` (None when it is ours to manage)."""
    return ownership_conflict(res, obs, what) or None


def _adopt_step(res: DesiredResource, region: str, obs: ObservedResource, tags: Sequence[Mapping[str, str]]) -> Step:
    ours = [t for t in tags if t.get("Key") in kinds.OUR_TAG_KEYS]
    return _call(res, region, kinds.SAGEMAKER, "AddTags", obs.name, ResourceArn=obs.arn or "", Tags=ours)


def _claim(
    ctx: _Context,
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
    conflict = _owner_problem(ctx, res, obs, noun)
    if conflict is None:
        return None
    if not _is_ours(obs) and ctx.adoptable(res):
        return _change(
            res, region, [Action.UPDATE], f"adopt {noun} {obs.name!r}: add the gitops-sm ownership tags",
            before=before, after=after, steps=[_adopt_step(res, region, obs, _request_tags(request))],
            depends_on=depends_on,
        )
    return _change(res, region, [Action.ERROR], conflict, before=before)


def _request_tags(request: AwsRequest) -> list[Mapping[str, str]]:
    tags = request.params.get("Tags")
    return list(tags) if isinstance(tags, list) else []


# --------------------------------------------------------------------------- jobs


_HEX8 = re.compile(r"-[0-9a-f]{8}$")


def _job_prefix(name: str) -> str | None:
    return name[: -9] if _HEX8.search(name) else None


def _plan_job(ctx: _Context, res: DesiredResource) -> ResourceChange:
    info = JOB_KINDS[res.kind]
    type_ = JOB_OBSERVED_TYPES[res.kind]
    region = ctx.region(res)
    name = res.names["job"]
    request = res.requests[0]
    after = {"name": name, "spec_hash": res.spec_hash, "request": _without_tags(request.params)}
    obs = ctx.get(region, type_, name)
    problem = ctx.read_error(res, region, [type_])
    if problem and obs is None:
        return _change(res, region, [Action.ERROR], problem)

    if obs is not None:
        before = {"name": obs.name, "status": obs.status, "spec_hash": _tags(obs).get(kinds.TAG_SPEC_HASH)}
        if claimed := _claim(ctx, res, region, obs, noun=info.noun, request=request, before=before, after=after):
            return claimed
        observed_hash = _tags(obs).get(kinds.TAG_SPEC_HASH)
        field = info.name_member[0].lower() + info.name_member[1:]  # as both dialects spell it: trainingJobName
        if obs.tags is not None and observed_hash != res.spec_hash:
            # Only an explicit name can collide with a different spec: generated names embed the hash.
            return _change(
                res, region, [Action.ERROR],
                f"the spec changed but the job name is explicit (spec.{field}: {name}); SageMaker jobs are "
                f"immutable, so set a new spec.{field} to run a new job (the existing one is {obs.status})",
                before=before, after=after,
            )
        current = f"{info.noun} {name} is {obs.status or 'present'}"
        # Earlier jobs of this address still running: a reverted spec, or a replace that died
        # between its create and its stop. Their spec is no longer the one in git.
        leftovers = [p for p in _previous_jobs(ctx, res, region, type_, name) if p.status == "InProgress" and p.tags]
        if leftovers:
            stops, note = _stop_steps(ctx, res, region, info, leftovers)
            if stops:
                return _change(res, region, [Action.STOP], f"{current}; the running job of an earlier spec version "
                               f"{note}", before=before, after=after, steps=stops)
            current += f"; the running job of an earlier spec version {note}"
        return _change(res, region, [Action.NOOP], current, before=before, after=after,
                       depends_on=_references(ctx, res, region))

    # Not there: create it, and find earlier jobs of the same address (a changed spec).
    previous = _previous_jobs(ctx, res, region, type_, name)
    create = _step(res, region, request, name)
    running = [p for p in previous if p.status in kinds.RUNNING_JOB_STATUSES and p.tags is not None]
    depends = _references(ctx, res, region)
    if not previous:
        return _change(res, region, [Action.CREATE], f"{info.noun} {name} does not exist", after=after, steps=[create],
                       depends_on=depends)
    latest = max(previous, key=lambda p: (p.status in kinds.RUNNING_JOB_STATUSES, p.name))
    before = {"name": latest.name, "status": latest.status, "spec_hash": _tags(latest).get(kinds.TAG_SPEC_HASH)}
    reason = f"the spec changed since {info.noun} {latest.name} ({latest.status}); a new job {name} is created"
    steps = [create]
    to_stop = [p for p in running if p.status == "InProgress"]
    if to_stop:
        stops, note = _stop_steps(ctx, res, region, info, to_stop)
        steps.extend(stops)
        reason += f"; the running job {note}" if not stops else f" and the running {note}"
    return _change(res, region, [Action.REPLACE], reason, before=before, after=after, steps=steps, depends_on=depends)


def _stop_steps(
    ctx: _Context, res: DesiredResource, region: str, info: JobKindInfo, running: Sequence[ObservedResource]
) -> tuple[list[Step], str]:
    """Stop calls for earlier running jobs of ``res``, unless this pass may not stop anything."""
    names = ", ".join(p.name for p in running)
    if ctx.incomplete:
        return [], f"{names} is NOT stopped because a spec failed to load in this pass"
    if res.prune_protected:
        return [], f'{names} is not stopped ({kinds.ANNOTATION_PRUNE}: "false")'
    steps = [_call(res, region, kinds.SAGEMAKER, info.stop_call, p.name, **{info.name_member: p.name}) for p in running]
    return steps, f"{names} is stopped"


def _previous_jobs(
    ctx: _Context, res: DesiredResource, region: str, type_: ObservedType, name: str
) -> list[ObservedResource]:
    if res.explicit_name:
        return []
    prefix = _job_prefix(name)
    if prefix is None:
        return []

    def belongs(obs: ObservedResource) -> bool:
        if obs.name == name or _job_prefix(obs.name) != prefix:
            return False
        if obs.tags is None:
            return True  # a terminal job whose tags were not read: history, reported but never touched
        return _is_ours(obs) and _tags(obs).get(kinds.TAG_ADDRESS) == str(res.address)

    return ctx.scan(region, type_, belongs)


def _without_tags(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "Tags"}


# --------------------------------------------------------------------------- hosting


def _endpoint_providers(ctx: _Context) -> dict[tuple[str, str], str]:
    """(region, endpoint name) -> address of the desired resource that creates that endpoint."""
    out: dict[tuple[str, str], str] = {}
    for res in ctx.desired:
        if res.kind in (Kind.HOSTING_DEPLOYMENT, Kind.ENDPOINT):
            out[(ctx.region(res), res.names["endpoint"])] = str(res.address)
    return out


def _name_providers(ctx: _Context, kind: Kind, role: str) -> dict[tuple[str, str], str]:
    return {(ctx.region(r), r.names[role]): str(r.address) for r in ctx.desired if r.kind is kind and role in r.names}


def _plan_hosting_deployment(ctx: _Context, res: DesiredResource) -> ResourceChange:
    region = ctx.region(res)
    endpoint = res.names["endpoint"]
    config = res.names["endpoint_config"]
    problem = ctx.read_error(res, region, [ObservedType.ENDPOINT])
    if problem:
        return _change(res, region, [Action.ERROR], problem)
    model_requests = [r for r in res.requests if r.operation == "CreateModel"]
    config_request = next(r for r in res.requests if r.operation == "CreateEndpointConfig")
    endpoint_request = next(r for r in res.requests if r.operation == "CreateEndpoint")
    after = {
        "endpoint": endpoint,
        "endpoint_config": config,
        "models": sorted(str(r.params["ModelName"]) for r in model_requests),
        "production_variants": _variants_view(config_request.params.get("ProductionVariants")),
    }

    # Content-addressed models and config: create the ones that are missing.
    prereq_steps: list[Step] = []
    for request in model_requests:
        model_name = str(request.params["ModelName"])
        obs_model = ctx.get(region, ObservedType.MODEL, model_name)
        if obs_model is None:
            prereq_steps.append(_step(res, region, request, model_name))
        elif conflict := _owner_problem(ctx, res, obs_model, "Model"):
            return _change(res, region, [Action.ERROR], conflict)
    obs_config = ctx.get(region, ObservedType.ENDPOINT_CONFIG, config)
    if obs_config is None:
        prereq_steps.append(_step(res, region, config_request, config))
    elif conflict := _owner_problem(ctx, res, obs_config, "EndpointConfig"):
        return _change(res, region, [Action.ERROR], conflict)

    obs = ctx.get(region, ObservedType.ENDPOINT, endpoint)
    if obs is None:
        steps = [*prereq_steps, _step(res, region, endpoint_request, endpoint)]
        return _change(res, region, [Action.CREATE], f"endpoint {endpoint} does not exist", after=after, steps=steps)
    return _endpoint_update(ctx, res, region, obs, config, prereq_steps, after)


def _endpoint_update(
    ctx: _Context,
    res: DesiredResource,
    region: str,
    obs: ObservedResource,
    config: str,
    prereq_steps: list[Step],
    after: Mapping[str, Any],
    depends_on: Iterable[str] = (),
) -> ResourceChange:
    endpoint = obs.name
    current = obs.details.get("EndpointConfigName")
    before = {"endpoint": endpoint, "status": obs.status, "endpoint_config": current}
    request = next(r for r in res.requests if r.operation == "CreateEndpoint")
    if claimed := _claim(ctx, res, region, obs, noun="Endpoint", request=request, before=before, after=after,
                         depends_on=depends_on):
        return claimed
    if current == config:
        if obs.status == kinds.ENDPOINT_FAILED:
            reason = f"endpoint {endpoint} is Failed: {obs.details.get('FailureReason', 'no reason given')}"
            return _change(res, region, [Action.ERROR], reason, before=before, after=after)
        if obs.status != kinds.ENDPOINT_IN_SERVICE:
            return _change(
                res, region, [Action.WAIT], f"endpoint {endpoint} is {obs.status}; waiting for InService",
                before=before, after=after, depends_on=depends_on,
            )
        return _change(res, region, [Action.NOOP], f"endpoint {endpoint} is InService on {config}", before=before, after=after)
    if obs.status != kinds.ENDPOINT_IN_SERVICE and obs.status != kinds.ENDPOINT_FAILED:
        return _change(
            res, region, [Action.WAIT],
            f"endpoint {endpoint} must move to {config} but is {obs.status}; the update waits until it is InService",
            before=before, after=after, depends_on=depends_on,
        )
    steps = [
        *prereq_steps,
        _call(res, region, kinds.SAGEMAKER, "UpdateEndpoint", endpoint, EndpointName=endpoint, EndpointConfigName=config),
    ]
    reason = f"endpoint {endpoint} runs {current}; the spec asks for {config}"
    if obs.status == kinds.ENDPOINT_FAILED:
        reason += " (the endpoint is Failed; the update retries it)"
    return _change(res, region, [Action.UPDATE], reason, before=before, after=after, steps=steps, depends_on=depends_on)


def _variants_view(variants: Any) -> list[dict[str, Any]]:
    if not isinstance(variants, list):
        return []
    keep = ("VariantName", "ModelName", "InstanceType", "InitialInstanceCount", "InitialVariantWeight")
    return [{k: v[k] for k in keep if k in v} for v in variants if isinstance(v, dict)]


def _plan_immutable(type_: ObservedType, role: str, noun: str) -> Callable[[_Context, DesiredResource], ResourceChange]:
    """ACK/v1 Model and EndpointConfig: explicit names, immutable in SageMaker."""

    def planner(ctx: _Context, res: DesiredResource) -> ResourceChange:
        region = ctx.region(res)
        name = res.names[role]
        request = res.requests[0]
        depends = _references(ctx, res, region)
        after = {"name": name, "spec_hash": res.spec_hash, "request": _without_tags(request.params)}
        if problem := ctx.read_error(res, region, [type_]):
            return _change(res, region, [Action.ERROR], problem)
        obs = ctx.get(region, type_, name)
        if obs is None:
            return _change(res, region, [Action.CREATE], f"{noun} {name} does not exist", after=after,
                           steps=[_step(res, region, request, name)], depends_on=depends)
        before = {"name": name, "spec_hash": _tags(obs).get(kinds.TAG_SPEC_HASH)}
        if claimed := _claim(ctx, res, region, obs, noun=noun, request=request, before=before, after=after):
            return claimed
        if obs.tags is not None and _tags(obs).get(kinds.TAG_SPEC_HASH) != res.spec_hash:
            return _change(
                res, region, [Action.ERROR],
                f"the spec of {noun} {name} changed, but a SageMaker {noun} cannot be modified; give it a new name "
                f"and point its users at the new name",
                before=before, after=after,
            )
        return _change(res, region, [Action.NOOP], f"{noun} {name} exists", before=before, after=after, depends_on=depends)

    return planner


def _references(ctx: _Context, res: DesiredResource, region: str) -> list[str]:
    """Addresses this ACK resource depends on, found by the SageMaker names its request mentions."""
    params = res.requests[0].params
    out: list[str] = []
    if res.kind is Kind.TRANSFORM_JOB:  # a transform job runs a model another spec may create
        models = _name_providers(ctx, Kind.MODEL, "model")
        if addr := models.get((region, str(params.get("ModelName")))):
            out.append(addr)
    if res.kind is Kind.ENDPOINT_CONFIG:
        models = _name_providers(ctx, Kind.MODEL, "model")
        for variant in params.get("ProductionVariants") or []:
            if isinstance(variant, dict) and (addr := models.get((region, str(variant.get("ModelName"))))):
                out.append(addr)
    if res.kind is Kind.ENDPOINT:
        configs = _name_providers(ctx, Kind.ENDPOINT_CONFIG, "endpoint_config")
        if addr := configs.get((region, str(params.get("EndpointConfigName")))):
            out.append(addr)
    return out


def _plan_ack_endpoint(ctx: _Context, res: DesiredResource) -> ResourceChange:
    region = ctx.region(res)
    endpoint = res.names["endpoint"]
    request = res.requests[0]
    config = str(request.params["EndpointConfigName"])
    depends = _references(ctx, res, region)
    after = {"endpoint": endpoint, "endpoint_config": config}
    if problem := ctx.read_error(res, region, [ObservedType.ENDPOINT]):
        return _change(res, region, [Action.ERROR], problem)
    obs = ctx.get(region, ObservedType.ENDPOINT, endpoint)
    if obs is None:
        return _change(res, region, [Action.CREATE], f"endpoint {endpoint} does not exist", after=after,
                       steps=[_step(res, region, request, endpoint)], depends_on=depends)
    return _endpoint_update(ctx, res, region, obs, config, [], after, depends)


# --------------------------------------------------------------------------- autoscaling


def _autoscaling_step(region: str, call: str, target: str, params: Mapping[str, Any]) -> Step:
    return Step(service=kinds.AUTOSCALING, call=call, region=region, target=target, params=dict(params))


def _endpoint_of(resource_id: str) -> str:
    # endpoint/<endpoint>/variant/<variant>, validated by specs.
    parts = resource_id.split("/")
    return parts[1] if len(parts) >= 4 else resource_id


def _subset_equal(want: Any, have: Any) -> bool:
    """True when every field of ``want`` is present and equal in ``have`` (numbers compared as floats)."""
    if isinstance(want, Mapping):
        return isinstance(have, Mapping) and all(_subset_equal(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(_subset_equal(a, b) for a, b in zip(want, have, strict=True))
    if isinstance(want, bool) or isinstance(have, bool):
        return bool(want == have)
    if isinstance(want, int | float) and isinstance(have, int | float):
        return float(want) == float(have)
    return bool(want == have)


_TARGET_FIELDS = ("MinCapacity", "MaxCapacity", "SuspendedState")
_POLICY_FIELDS = (
    "PolicyType",
    "TargetTrackingScalingPolicyConfiguration",
    "StepScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
)


def _plan_autoscaling(ctx: _Context, res: DesiredResource) -> ResourceChange:
    """HAP (v1) and ACK ScalableTarget/ScalingPolicy: register targets and put policies per resource ID."""
    region = ctx.region(res)
    units = scaling_units(res)
    providers = _endpoint_providers(ctx)
    target_providers = {
        (ctx.region(r), rid): str(r.address)
        for r in ctx.desired
        if r.kind in (Kind.SCALABLE_TARGET,)
        for rid in (str(q.params.get("ResourceId")) for q in r.requests)
    }
    depends: set[str] = set()
    if problem := ctx.read_error(res, region, [ObservedType.ENDPOINT, ObservedType.SCALABLE_TARGET, ObservedType.SCALING_POLICY]):
        return _change(res, region, [Action.ERROR], problem)

    steps: list[Step] = []
    waits: list[str] = []
    changed: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for unit in units:
        rid = unit.resource_id
        endpoint = _endpoint_of(rid)
        if provider := providers.get((region, endpoint)):
            depends.add(provider)
        obs_endpoint = ctx.get(region, ObservedType.ENDPOINT, endpoint)
        if obs_endpoint is None:
            if provider:
                waits.append(f"endpoint {endpoint} does not exist yet ({provider} creates it)")
            else:
                waits.append(f"endpoint {endpoint} does not exist and no spec in this repo creates it")
            continue
        if obs_endpoint.status != kinds.ENDPOINT_IN_SERVICE:
            waits.append(f"endpoint {endpoint} is {obs_endpoint.status}; autoscaling waits until it is InService")
            continue
        obs_target = ctx.get(region, ObservedType.SCALABLE_TARGET, rid)
        if unit.target is not None:
            want = {k: unit.target[k] for k in _TARGET_FIELDS if k in unit.target}
            have = {k: obs_target.details.get(k) for k in _TARGET_FIELDS} if obs_target else None
            before[f"target:{rid}"] = have
            after[f"target:{rid}"] = want
            if obs_target is None or not _subset_equal(want, obs_target.details):
                steps.append(_autoscaling_step(region, "RegisterScalableTarget", rid, unit.target))
                changed.append(f"{'register' if obs_target is None else 'update'} scalable target {rid}")
        elif obs_target is None:
            provider_target = target_providers.get((region, rid))
            if provider_target:
                depends.add(provider_target)
            waits.append(f"scalable target {rid} is not registered yet" + (f" ({provider_target} registers it)" if provider_target else ""))
            continue
        if unit.policy is not None:
            policy_name = str(unit.policy["PolicyName"])
            obs_policy = ctx.get(region, ObservedType.SCALING_POLICY, policy_key(rid, policy_name))
            want = {k: unit.policy[k] for k in _POLICY_FIELDS if k in unit.policy}
            before[f"policy:{rid}"] = {k: obs_policy.details.get(k) for k in want} if obs_policy else None
            after[f"policy:{rid}"] = want
            if obs_policy is None or not _subset_equal(want, obs_policy.details):
                steps.append(_autoscaling_step(region, "PutScalingPolicy", f"{rid}#{policy_name}", unit.policy))
                changed.append(f"{'put' if obs_policy is None else 'update'} policy {policy_name} on {rid}")

    waits = list(dict.fromkeys(waits))  # several variants of one endpoint wait for the same reason
    if waits and not steps:
        return _change(res, region, [Action.WAIT], "; ".join(waits), depends_on=depends, before=before or None, after=after or None)
    if not steps:
        return _change(res, region, [Action.NOOP], "autoscaling matches the spec", depends_on=depends, before=before, after=after)
    created = not any(v for v in before.values())
    reason = "; ".join(changed)
    if waits:
        reason += "; still waiting: " + "; ".join(waits)
    action = Action.CREATE if created else Action.UPDATE
    return _change(res, region, [action], reason, before=before, after=after, depends_on=depends, steps=steps)


# --------------------------------------------------------------------------- prune


def _plan_prune(ctx: _Context) -> list[ResourceChange]:
    """Stop running jobs we own whose spec left git (completed jobs are history and kept)."""
    if not ctx.options.prune:
        return []
    desired_addresses = {str(r.address) for r in ctx.desired}
    regions = sorted({ctx.region(r) for r in ctx.desired} | {ctx.options.default_region})
    changes: list[ResourceChange] = []
    for region in regions:
        for kind, type_ in JOB_OBSERVED_TYPES.items():
            info = JOB_KINDS[kind]

            def orphan(obs: ObservedResource) -> bool:
                return bool(
                    obs.status == "InProgress"
                    and _is_ours(obs)
                    and _tags(obs).get(kinds.TAG_ADDRESS) not in desired_addresses
                    and _tags(obs).get(kinds.TAG_PRUNE) != "false"
                )

            for obs in ctx.scan(region, type_, orphan):
                address = _tags(obs).get(kinds.TAG_ADDRESS, f"{info.noun}/?/{obs.name}")
                reason = f"the spec of {address} left git; its running {info.noun} {obs.name} is stopped (--prune)"
                step = Step(service=kinds.SAGEMAKER, call=info.stop_call, region=region, target=obs.name,
                            params={info.name_member: obs.name})
                changes.append(ResourceChange(
                    address=address, kind=info.noun, api_version=None, source=None, region=region,
                    names={"job": obs.name}, actions=(Action.STOP,), reason=reason,
                    before={"name": obs.name, "status": obs.status}, after=None, steps=(step,),
                ))
    if ctx.incomplete and changes:
        return [_blocked(c, "not pruned: a spec failed to load in this pass, so nothing is stopped or deleted") for c in changes]
    if len(changes) > ctx.options.prune_threshold and not ctx.options.allow_mass_prune:
        why = (f"prune would stop or delete {len(changes)} resources, more than the threshold of "
               f"{ctx.options.prune_threshold}; rerun with --allow-mass-prune if that is intended")
        return [_blocked(c, why, error=True) for c in changes]
    return changes


def _blocked(change: ResourceChange, why: str, *, error: bool = False) -> ResourceChange:
    return ResourceChange(
        address=change.address, kind=change.kind, api_version=change.api_version, source=change.source,
        region=change.region, names=change.names, actions=(Action.ERROR if error else Action.NOOP,),
        reason=f"{why} ({change.reason})", before=change.before, after=None, steps=(),
    )


_PLANNERS: dict[Kind, Callable[[_Context, DesiredResource], ResourceChange]] = {
    Kind.HOSTING_DEPLOYMENT: _plan_hosting_deployment,
    Kind.HOSTING_AUTOSCALING_POLICY: _plan_autoscaling,
    Kind.SCALABLE_TARGET: _plan_autoscaling,
    Kind.SCALING_POLICY: _plan_autoscaling,
    Kind.MODEL: _plan_immutable(ObservedType.MODEL, "model", "Model"),
    Kind.ENDPOINT_CONFIG: _plan_immutable(ObservedType.ENDPOINT_CONFIG, "endpoint_config", "EndpointConfig"),
    Kind.ENDPOINT: _plan_ack_endpoint,
}
