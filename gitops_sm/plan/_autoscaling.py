"""Planning autoscaling: HostingAutoscalingPolicy (v1) and ACK ScalableTarget / ScalingPolicy.

Called by :mod:`gitops_sm.plan.planner`. Register/Put are upserts, so an edit is applied in place;
everything waits until its endpoint is ``InService`` (design section 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitops_sm import kinds
from gitops_sm.kinds import Kind
from gitops_sm.model import Action, DesiredResource, ObservedType, ResourceChange, Step, policy_key
from gitops_sm.plan._context import Context, change, endpoint_providers
from gitops_sm.plan.health import scaling_units


def _autoscaling_step(region: str, call: str, target: str, params: Mapping[str, Any]) -> Step:
    return Step(service=kinds.AUTOSCALING, call=call, region=region, target=target, params=dict(params))


def endpoint_of(resource_id: str) -> str:
    # endpoint/<endpoint>/variant/<variant>, validated by specs.
    parts = resource_id.split("/")
    return parts[1] if len(parts) >= 4 else resource_id


def subset_equal(want: Any, have: Any) -> bool:
    """True when every field of ``want`` is present and equal in ``have`` (numbers compared as floats)."""
    if isinstance(want, Mapping):
        return isinstance(have, Mapping) and all(subset_equal(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(subset_equal(a, b) for a, b in zip(want, have, strict=True))
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


def plan_autoscaling(ctx: Context, res: DesiredResource) -> ResourceChange:
    """HAP (v1) and ACK ScalableTarget/ScalingPolicy: register targets and put policies per resource ID."""
    region = ctx.region(res)
    units = scaling_units(res)
    providers = endpoint_providers(ctx)
    target_providers = {
        (ctx.region(r), rid): str(r.address)
        for r in ctx.desired
        if r.kind in (Kind.SCALABLE_TARGET,)
        for rid in (str(q.params.get("ResourceId")) for q in r.requests)
    }
    depends: set[str] = set()
    if problem := ctx.read_error(res, region, [ObservedType.ENDPOINT, ObservedType.SCALABLE_TARGET, ObservedType.SCALING_POLICY]):
        return change(res, region, [Action.ERROR], problem)

    steps: list[Step] = []
    waits: list[str] = []
    changed: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for unit in units:
        rid = unit.resource_id
        endpoint = endpoint_of(rid)
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
            if obs_target is None or not subset_equal(want, obs_target.details):
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
            if obs_policy is None or not subset_equal(want, obs_policy.details):
                steps.append(_autoscaling_step(region, "PutScalingPolicy", f"{rid}#{policy_name}", unit.policy))
                changed.append(f"{'put' if obs_policy is None else 'update'} policy {policy_name} on {rid}")

    waits = list(dict.fromkeys(waits))  # several variants of one endpoint wait for the same reason
    if waits and not steps:
        return change(res, region, [Action.WAIT], "; ".join(waits), depends_on=depends, before=before or None, after=after or None)
    if not steps:
        return change(res, region, [Action.NOOP], "autoscaling matches the spec", depends_on=depends, before=before, after=after)
    created = not any(v for v in before.values())
    reason = "; ".join(changed)
    if waits:
        reason += "; still waiting: " + "; ".join(waits)
    action = Action.CREATE if created else Action.UPDATE
    return change(res, region, [action], reason, before=before, after=after, depends_on=depends, steps=steps)


