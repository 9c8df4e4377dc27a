"""The cross-resource rollout stage: what one endpoint update means for its autoscaling.

An endpoint (HostingDeployment or ACK Endpoint) and the autoscaling of its variants
(HostingAutoscalingPolicy, ACK ScalableTarget / ScalingPolicy) are separate specs, planned by
``_hosting`` and ``_autoscaling``. Both ask :func:`rollout_of` about an endpoint, so they agree on
one reading of the observed state (design section 4, issue 8):

* how the endpoint must change (:class:`Change`): not at all, counts/weights only
  (``UpdateEndpointWeightsAndCapacities``), a new config with autoscaling left in place, or the
  **sequence**: AWS refuses an ``UpdateEndpoint`` that changes the instance type of (or removes) a
  variant registered for autoscaling, so those variants are detached first, the endpoint is
  updated, and the first pass that sees it ``InService`` on the new config re-attaches them;
* which variants must stay detached *now* (``detach``): their autoscaling is not re-registered
  before the endpoint runs the new config (no flip-flop), whichever step a crashed pass reached;
* whether the update to the desired config already failed (a marker tag on the endpoint,
  ``gitops-sm/update-to``, plus AWS's ``FailureReason``): it is reported, not retried, until the
  spec changes or ``--retry-failed ADDRESS``.

Everything is derived from observation; nothing is remembered between passes except what AWS
itself holds (the endpoint's tags). Pure, called once per endpoint per pass (cached on the context).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from gitops_sm import kinds
from gitops_sm.kinds import ENDPOINT_KINDS, SCALING_KINDS, Kind
from gitops_sm.model import DesiredResource, ObservedResource, ObservedType, policy_key
from gitops_sm.plan._context import Context, tags_of
from gitops_sm.plan.health import config_shape, scaling_units

DETACH_ANNOTATION_VALUE = "detach-autoscaling"
_COUNT = "InitialInstanceCount"
_WEIGHT = "InitialVariantWeight"


class Change(StrEnum):
    """How the running endpoint has to change to match the spec."""

    NONE = "none"  # runs the desired config (or one that differs only in counts/weights already applied)
    CAPACITY = "capacity"  # counts/weights only: UpdateEndpointWeightsAndCapacities
    CONFIG = "config"  # new config, autoscaling left in place (model/image/... changes)
    SEQUENCE = "sequence"  # new config that AWS refuses while some variants are autoscaled


@dataclass(frozen=True, kw_only=True)
class Autoscaled:
    """One variant registered with Application Auto Scaling, as observed."""

    variant: str
    resource_id: str
    target: ObservedResource
    policies: tuple[ObservedResource, ...]
    declared_by: str | None  # address of the autoscaling spec in this repo that declares it

    def view(self) -> dict[str, Any]:
        """What detaching removes (MinCapacity/MaxCapacity and the policy names), for the plan."""
        return {
            "MinCapacity": self.target.details.get("MinCapacity"),
            "MaxCapacity": self.target.details.get("MaxCapacity"),
            "policies": sorted(str(p.details.get("PolicyName")) for p in self.policies),
        }


@dataclass(frozen=True, kw_only=True)
class Rollout:
    """One endpoint's reading of the observed state, shared by its hosting and autoscaling specs."""

    region: str
    endpoint: str
    address: str  # the HostingDeployment / Endpoint spec
    observed: ObservedResource | None
    current_config: str | None
    desired_config: str
    change: Change = Change.NONE
    reasons: tuple[str, ...] = ()  # why the variants in ``detach`` must be detached
    detach: tuple[str, ...] = ()  # variants whose autoscaling must be absent until the new config runs
    autoscaled: Mapping[str, Autoscaled] = field(default_factory=dict)
    failed_update: str | None = None  # FailureReason of the update to ``desired_config`` (not retried)
    capacity: tuple[dict[str, Any], ...] = ()  # DesiredWeightsAndCapacities entries still to apply
    capacity_notes: tuple[str, ...] = ()
    in_service: bool = False
    scaled: frozenset[str] = frozenset()  # variants autoscaled now or declared by a spec


    @property
    def updated_by_us(self) -> bool:
        """Whether gitops-sm moved this endpoint to the config it runs now (the marker tag)."""
        return bool(self.observed and tags_of(self.observed).get(kinds.TAG_UPDATE_TO) == self.current_config)


def endpoint_resources(ctx: Context) -> dict[tuple[str, str], DesiredResource]:
    """(region, endpoint name) -> the HostingDeployment / ACK Endpoint spec that runs it."""
    return ctx.once(
        "endpoint_resources",
        lambda: {(ctx.region(r), r.names["endpoint"]): r for r in ctx.desired_of(*ENDPOINT_KINDS) if "endpoint" in r.names},
    )


def declared_autoscaling(ctx: Context) -> dict[tuple[str, str], DesiredResource]:
    """(region, resource ID) -> the autoscaling spec that declares it."""

    def build() -> dict[tuple[str, str], DesiredResource]:
        out: dict[tuple[str, str], DesiredResource] = {}
        for res in ctx.desired_of(*SCALING_KINDS):
            for unit in scaling_units(res):
                out.setdefault((ctx.region(res), unit.resource_id), res)
        return out

    return ctx.once("declared_autoscaling", build)


def _config_specs(ctx: Context) -> dict[tuple[str, str], DesiredResource]:
    """(region, endpoint config name) -> the first ACK EndpointConfig spec of that name."""

    def build() -> dict[tuple[str, str], DesiredResource]:
        out: dict[tuple[str, str], DesiredResource] = {}
        for other in ctx.desired_of(Kind.ENDPOINT_CONFIG):
            if "endpoint_config" in other.names:
                out.setdefault((ctx.region(other), other.names["endpoint_config"]), other)
        return out

    return ctx.once("config_specs", build)


def resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


def variant_of(rid: str) -> tuple[str, str] | None:
    parts = rid.split("/")
    if len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant":
        return parts[1], parts[3]
    return None


def desired_config_params(ctx: Context, res: DesiredResource, region: str) -> Mapping[str, Any] | None:
    """The CreateEndpointConfig parameters of the config ``res`` asks the endpoint to run."""
    if res.kind is Kind.HOSTING_DEPLOYMENT:
        return next(r.params for r in res.requests if r.operation == "CreateEndpointConfig")
    name = desired_config_name(res)
    if (other := _config_specs(ctx).get((region, name))) is not None:
        return other.requests[0].params
    obs = ctx.get(region, ObservedType.ENDPOINT_CONFIG, name)
    if obs is not None and obs.details.get("ProductionVariants") is not None:
        return {"ProductionVariants": obs.details["ProductionVariants"]}
    return None


def desired_config_name(res: DesiredResource) -> str:
    if "endpoint_config" in res.names:
        return res.names["endpoint_config"]
    request = next(r for r in res.requests if r.operation == "CreateEndpoint")
    return str(request.params["EndpointConfigName"])


def _variants(params: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]] | None:
    if params is None:
        return None
    return {
        str(v["VariantName"]): v
        for v in params.get("ProductionVariants") or ()
        if isinstance(v, Mapping) and "VariantName" in v
    }


def _number_differs(want: Any, have: Any) -> bool:
    if want is None or have is None:
        return False
    try:
        return float(want) != float(have)
    except (TypeError, ValueError):
        return bool(want != have)


def _autoscaled(ctx: Context, region: str, endpoint: str) -> dict[str, Autoscaled]:
    """Every registered variant of the endpoint (also one the spec drops)."""
    declared = declared_autoscaling(ctx)
    found: dict[str, Autoscaled] = {}
    prefix = f"endpoint/{endpoint}/variant/"
    targets = ctx.on_endpoint(region, ObservedType.SCALABLE_TARGET, endpoint, lambda t: t.name.startswith(prefix))
    policies = ctx.on_endpoint(region, ObservedType.SCALING_POLICY, endpoint, lambda p: p.name.startswith(prefix))
    for target in targets:
        parsed = variant_of(target.name)
        if parsed is None or parsed[0] != endpoint:
            continue
        variant = parsed[1]
        declaring = declared.get((region, target.name))
        found[variant] = Autoscaled(
            variant=variant,
            resource_id=target.name,
            target=target,
            policies=tuple(p for p in policies if p.details.get("ResourceId") == target.name),
            declared_by=str(declaring.address) if declaring else None,
        )
    return found


def rollout_of(ctx: Context, res: DesiredResource) -> Rollout:
    """The rollout reading of the endpoint that ``res`` (HostingDeployment / Endpoint) runs."""
    cached = ctx.memo.get(("rollout", str(res.address)))
    if isinstance(cached, Rollout):
        return cached
    result = _analyse(ctx, res)
    ctx.memo[("rollout", str(res.address))] = result
    return result


def _analyse(ctx: Context, res: DesiredResource) -> Rollout:
    region = ctx.region(res)
    endpoint = res.names["endpoint"]
    desired = desired_config_name(res)
    obs = ctx.get(region, ObservedType.ENDPOINT, endpoint)
    base = Rollout(region=region, endpoint=endpoint, address=str(res.address), observed=obs,
                   current_config=None, desired_config=desired)
    if obs is None:
        return base
    current = obs.details.get("EndpointConfigName")
    current = str(current) if current else None
    want_params = desired_config_params(ctx, res, region)
    want = _variants(want_params) or {}
    live = {str(v.get("VariantName")): v for v in obs.details.get("ProductionVariants") or () if isinstance(v, Mapping)}
    autoscaled = _autoscaled(ctx, region, endpoint)
    in_service = obs.status == kinds.ENDPOINT_IN_SERVICE
    base = Rollout(region=region, endpoint=endpoint, address=str(res.address), observed=obs,
                   current_config=current, desired_config=desired, autoscaled=autoscaled, in_service=in_service,
                   scaled=frozenset(set(autoscaled) | set(declared_variants(ctx, region, endpoint))))

    obs_config = ctx.get(region, ObservedType.ENDPOINT_CONFIG, current) if current else None
    running = _variants({"ProductionVariants": obs_config.details.get("ProductionVariants")}) if (
        obs_config is not None and obs_config.details.get("ProductionVariants") is not None) else None

    same = current == desired
    if not same and res.kind is Kind.HOSTING_DEPLOYMENT and want_params is not None and obs_config is not None:
        shape = tags_of(obs_config).get(kinds.TAG_CONFIG_SHAPE)
        same = shape is not None and shape == config_shape(want_params)
    if same:
        # A variant a spec autoscales keeps the autoscaler's count also while it is detached.
        scaled = set(autoscaled) | set(declared_variants(ctx, region, endpoint))
        capacity, notes = _capacity_changes(want, live, scaled)
        change = Change.CAPACITY if capacity else Change.NONE
        return _with(base, change=change, capacity=tuple(capacity), capacity_notes=tuple(notes))

    # A new config. Which autoscaled variants does AWS refuse to update while registered?
    failure = str(obs.details.get("FailureReason") or "")
    marker = tags_of(obs).get(kinds.TAG_UPDATE_TO)
    if failure and marker == desired and str(res.address) not in ctx.options.retry_failed:
        return _with(base, change=Change.CONFIG, failed_update=failure)
    reasons: list[str] = []
    detach: list[str] = []
    # Variants whose autoscaling matters: registered now, or declared by a spec (a pass that crashed
    # after deregistering must not see them as "not autoscaled" and re-register them too early).
    declared = {v: addr for v, addr in declared_variants(ctx, region, endpoint).items()}
    opted_in = _opted_in(ctx, region, endpoint)
    for variant in sorted(set(autoscaled) | set(declared)):
        new = want.get(variant)
        old = running.get(variant) if running is not None else None
        if new is None:
            if variant not in autoscaled:
                continue  # declared for a variant the endpoint does not have: nothing to detach
            reasons.append(f"the spec removes autoscaled variant {variant}")
        elif running is None:
            reasons.append(f"the instance type of autoscaled variant {variant} is unknown (its config {current} "
                           f"could not be read), so it is treated as changed")
        elif old is None:
            continue  # a variant the update adds: its autoscaling is attached once it exists
        elif old.get("InstanceType") != new.get("InstanceType"):
            reasons.append(f"variants.{variant}.instanceType: {_q(old.get('InstanceType'))} → "
                           f"{_q(new.get('InstanceType'))} on an autoscaled variant")
        elif variant in opted_in:
            reasons.append(f"variant {variant}: {opted_in[variant]} asks to detach autoscaling on "
                           f"every update ({kinds.ANNOTATION_ENDPOINT_UPDATE}: {DETACH_ANNOTATION_VALUE})")
        else:
            continue
        detach.append(variant)
    if detach:
        return _with(base, change=Change.SEQUENCE, detach=tuple(detach), reasons=tuple(reasons))
    return _with(base, change=Change.CONFIG)


def _declared_by_endpoint(ctx: Context) -> dict[tuple[str, str], dict[str, DesiredResource]]:
    """(region, endpoint) -> {variant: the autoscaling spec that declares it}, built once per pass."""

    def build() -> dict[tuple[str, str], dict[str, DesiredResource]]:
        out: dict[tuple[str, str], dict[str, DesiredResource]] = {}
        for (spec_region, rid), spec in declared_autoscaling(ctx).items():
            parsed = variant_of(rid)
            if parsed is not None:
                out.setdefault((spec_region, parsed[0]), {})[parsed[1]] = spec
        return out

    return ctx.once("declared_by_endpoint", build)


def declared_variants(ctx: Context, region: str, endpoint: str) -> dict[str, str]:
    """Variants of ``endpoint`` an autoscaling spec in this repo declares -> that spec's address."""
    return {variant: str(spec.address) for variant, spec in _declared_by_endpoint(ctx).get((region, endpoint), {}).items()}


def _opted_in(ctx: Context, region: str, endpoint: str) -> dict[str, str]:
    """Variants whose autoscaling spec opts into detach-on-every-update -> that spec's address."""
    return {
        variant: str(spec.address)
        for variant, spec in _declared_by_endpoint(ctx).get((region, endpoint), {}).items()
        if spec.annotations.get(kinds.ANNOTATION_ENDPOINT_UPDATE) == DETACH_ANNOTATION_VALUE
    }


def _capacity_changes(
    want: Mapping[str, Mapping[str, Any]],
    live: Mapping[str, Mapping[str, Any]],
    autoscaled: set[str],
) -> tuple[list[dict[str, Any]], list[str]]:
    """DesiredWeightsAndCapacities entries that bring live weights/counts to the spec.

    An autoscaled variant's count belongs to the autoscaler: never compared, never reset.
    """
    entries: list[dict[str, Any]] = []
    notes: list[str] = []
    for variant, spec in sorted(want.items()):
        running = live.get(variant)
        if running is None:
            continue
        entry: dict[str, Any] = {}
        weight = spec.get(_WEIGHT)
        live_weight = running.get("DesiredWeight", running.get("CurrentWeight"))
        if weight is not None and _number_differs(weight, live_weight):
            entry["DesiredWeight"] = float(weight)
            notes.append(f"variants.{variant}.weight: {_num(live_weight)} → {_num(weight)}")
        count = spec.get(_COUNT)
        live_count = running.get("DesiredInstanceCount", running.get("CurrentInstanceCount"))
        if count is not None and variant not in autoscaled and _number_differs(count, live_count):
            entry["DesiredInstanceCount"] = int(count)
            notes.append(f"variants.{variant}.instanceCount: {_num(live_count)} → {_num(count)}")
        if entry:
            entries.append({"VariantName": variant, **entry})
    return entries, notes


def policy_names(scaled: Autoscaled) -> list[str]:
    return sorted(str(p.details.get("PolicyName")) for p in scaled.policies)


def policy_observed(ctx: Context, region: str, rid: str, name: str) -> ObservedResource | None:
    return ctx.get(region, ObservedType.SCALING_POLICY, policy_key(rid, name))


def _with(base: Rollout, **changes: Any) -> Rollout:
    return replace(base, **changes)


def _q(value: Any) -> str:
    return "none" if value is None else f'"{value}"'


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
