"""Planning autoscaling: HostingAutoscalingPolicy (v1) and ACK ScalableTarget / ScalingPolicy.

Called by :mod:`gitops_sm.plan.planner`. Register/Put are upserts, so an edit is applied in place;
everything waits until its endpoint is ``InService`` (design section 4). The rollout stage
(:mod:`gitops_sm.plan._rollout`) says which variants must stay detached while their endpoint moves
to a config AWS refuses under autoscaling; the first pass that sees the endpoint ``InService`` on
it re-attaches them (phase 3). A resource ID the spec no longer lists is detached in the same
pass (found by the ``gitops-sm/address`` tag of its scalable target); :func:`detach_steps` is the
one way a variant's autoscaling is removed (also used by hosting and prune).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gitops_sm import kinds, ownership
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    Action,
    DesiredResource,
    ObservedResource,
    ObservedType,
    ResourceChange,
    Step,
    policy_key,
)
from gitops_sm.plan._context import Context, change, endpoint_providers, is_ours
from gitops_sm.plan._rollout import endpoint_resources, rollout_of
from gitops_sm.plan.health import scaling_units


def _autoscaling_step(region: str, call: str, target: str, params: Mapping[str, Any]) -> Step:
    return Step(service=kinds.AUTOSCALING, call=call, region=region, target=target, params=dict(params))


def endpoint_of(resource_id: str) -> str:
    # endpoint/<endpoint>/variant/<variant>, validated by specs.
    parts = resource_id.split("/")
    return parts[1] if len(parts) >= 4 else resource_id


def subset_equal(want: Any, have: Any) -> bool:
    """True when every field of ``want`` is present and equal in ``have`` (numbers compared as floats)."""
    if want is None or isinstance(want, str | bool | int | float):
        # Scalars first: a concrete-type check is cheap, the Mapping ABC check below is not.
        return _scalar_equal(want, have)
    if isinstance(want, Mapping):
        return isinstance(have, Mapping) and all(subset_equal(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(subset_equal(a, b) for a, b in zip(want, have, strict=True))
    return _scalar_equal(want, have)


def _scalar_equal(want: Any, have: Any) -> bool:
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
    endpoint_specs = endpoint_resources(ctx)
    target_providers = ctx.once(
        "target_providers",
        lambda: {
            (ctx.region(r), rid): str(r.address)
            for r in ctx.desired_of(Kind.SCALABLE_TARGET)
            for rid in (str(q.params.get("ResourceId")) for q in r.requests)
        },
    )
    depends: set[str] = set()
    if problem := ctx.read_error(res, region, [ObservedType.ENDPOINT, ObservedType.SCALABLE_TARGET, ObservedType.SCALING_POLICY]):
        return change(res, region, [Action.ERROR], problem)

    steps: list[Step] = []
    waits: list[str] = []
    blocked: list[str] = []
    changed: list[str] = []
    reattach: list[str] = []
    missing: list[str] = []
    conflicts: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for unit in units:
        rid = unit.resource_id
        endpoint = endpoint_of(rid)
        variant = rid.rsplit("/", 1)[-1]
        if provider := providers.get((region, endpoint)):
            depends.add(provider)
        obs_endpoint = ctx.get(region, ObservedType.ENDPOINT, endpoint)
        if obs_endpoint is None:
            if provider:
                waits.append(f"endpoint {endpoint} does not exist yet ({provider} creates it)")
            else:  # the endpoint list was read (read_error above): it will never appear by waiting
                missing.append(f"endpoint {endpoint} does not exist and no spec in this repo creates it")
            continue
        spec = endpoint_specs.get((region, endpoint))
        ro = rollout_of(ctx, spec) if spec is not None else None
        if obs_endpoint.status == kinds.ENDPOINT_FAILED:
            blocked.append(f"endpoint {endpoint} is Failed; autoscaling of {variant} is applied once it runs again")
            continue
        if obs_endpoint.status != kinds.ENDPOINT_IN_SERVICE:
            if ro is not None and obs_endpoint.status == "Updating" and variant not in ro.autoscaled:
                waits.append(f"phase 2 of 3: endpoint {endpoint} is Updating; autoscaling of {variant} is re-attached "
                             f"once it is InService")
            else:
                waits.append(f"endpoint {endpoint} is {obs_endpoint.status}; autoscaling waits until it is InService")
            continue
        if ro is not None and variant in ro.detach:
            waits.append(
                f"phase 1 of 3: autoscaling of {variant} stays detached until endpoint {endpoint} runs "
                f"{ro.desired_config} ({ro.address} detaches it and updates the endpoint); it is re-attached once "
                f"the endpoint is InService on it"
            )
            continue
        live = {str(v.get("VariantName")) for v in obs_endpoint.details.get("ProductionVariants") or ()
                if isinstance(v, Mapping)}
        if obs_endpoint.details.get("ProductionVariants") is not None and variant not in live:
            waits.append(f"endpoint {endpoint} has no variant {variant} (yet)")
            continue
        obs_target = ctx.get(region, ObservedType.SCALABLE_TARGET, rid)
        # A policy-only spec (ACK ScalingPolicy) uses a target whoever registered it owns.
        if (unit.target is not None and obs_target is not None
                and (owner := ownership.owner_address(obs_target.tags)) not in (None, str(res.address))):
            conflicts.append(f"conflict: scalable target {rid} in {region} is managed by gitops-sm for {owner}, "
                             f"not {res.address}")
            continue
        if unit.target is not None and obs_target is not None and (tag := _tag_step(region, unit.target, obs_target,
                                                                                     obs_endpoint)) is not None:
            steps.append(tag)
            _put(before, endpoint, variant, "tags", "none")
            _put(after, endpoint, variant, "tags", tag.params["Tags"])
            changed.append(f"tag scalable target {rid}: it carries no gitops-sm tags (registered by a gitops-sm "
                           f"that did not tag targets) and sits on endpoint {endpoint}, which gitops-sm manages")
        if unit.target is not None:
            want = {k: unit.target[k] for k in _TARGET_FIELDS if k in unit.target}
            if obs_target is not None:
                _put(before, endpoint, variant, "target", {k: obs_target.details.get(k) for k in want})
            _put(after, endpoint, variant, "target", want)
            if obs_target is None or not subset_equal(want, obs_target.details):
                params = dict(unit.target)
                if obs_target is not None:
                    params.pop("Tags", None)  # tags are set when a target is created (TagResource otherwise)
                steps.append(_autoscaling_step(region, "RegisterScalableTarget", rid, params))
                changed.append(f"{'register' if obs_target is None else 'update'} scalable target {rid}")
                if obs_target is None and ro is not None and ro.updated_by_us:
                    reattach.append(variant)
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
            if obs_policy is not None:
                _put(before, endpoint, variant, f"policy {policy_name}", {k: obs_policy.details.get(k) for k in want})
            _put(after, endpoint, variant, f"policy {policy_name}", want)
            if obs_policy is None or not subset_equal(want, obs_policy.details):
                steps.append(_autoscaling_step(region, "PutScalingPolicy", f"{rid}#{policy_name}", unit.policy))
                changed.append(f"{'put' if obs_policy is None else 'update'} policy {policy_name} on {rid}")

    dropped, dropped_notes = _dropped(ctx, res, region, {u.resource_id for u in units})
    for rid, view in dropped_notes.items():
        parts = rid.split("/")
        _put(before, parts[1], parts[-1], "target", view)
        _put(after, parts[1], parts[-1], "target", "detached: the spec no longer lists it")
    steps.extend(dropped)
    if dropped_notes:
        changed.append(f"the spec no longer lists {', '.join(sorted(dropped_notes))}: delete its policies and "
                       f"deregister its target")

    if conflicts:
        return change(res, region, [Action.ERROR], "; ".join(conflicts), depends_on=depends)
    if missing and not steps and not dropped:
        # An error, not an eternal wait (issue 7): the endpoint list was read and nothing creates it.
        why = "; ".join(dict.fromkeys(missing))
        return change(res, region, [Action.ERROR], f"{why}; fix spec.resourceId or add the endpoint's spec",
                      depends_on=depends)
    waits.extend(missing)
    waits = list(dict.fromkeys(waits))  # several variants of one endpoint wait for the same reason
    if waits and not steps:
        return change(res, region, [Action.WAIT], "; ".join(waits + blocked), depends_on=depends,
                      before=before or None, after=after or None)
    if not steps:
        reason = "; ".join(blocked) if blocked else "autoscaling matches the spec"
        return change(res, region, [Action.NOOP], reason, depends_on=depends, before=before, after=after)
    created = not any(v for v in before.values())
    reason = "; ".join(changed)
    if reattach:
        reason = (f"phase 3 of 3 (re-attach): the endpoint runs its new config and is InService; {reason} "
                  f"for {', '.join(reattach)}")
    if waits:
        reason += "; still waiting: " + "; ".join(waits)
    action = Action.CREATE if created else Action.UPDATE
    return change(res, region, [action], reason, before=before, after=after, depends_on=depends, steps=steps)


def _tag_step(
    region: str, target: Mapping[str, Any], obs_target: ObservedResource, obs_endpoint: ObservedResource
) -> Step | None:
    """TagResource with our ownership tags for a target whose tags were read and carry no ``gitops-sm/*``
    tag, on an endpoint whose tags say gitops-sm manages it (unread endpoint tags are read before
    the plan is final: ``observe.verify_ownership``, then this is decided again)."""
    if obs_target.tags is None or not obs_target.arn or any(k.startswith(kinds.TAG_PREFIX) for k in obs_target.tags):
        return None
    if obs_endpoint.tags is not None and not is_ours(obs_endpoint):
        return None
    ours = {str(k): str(v) for k, v in (target.get("Tags") or {}).items() if k in kinds.OUR_TAG_KEYS}
    if not ours:
        return None
    return _autoscaling_step(region, "TagResource", obs_target.name, {"ResourceARN": obs_target.arn, "Tags": ours})


def _put(view: dict[str, Any], endpoint: str, variant: str, what: str, value: Any) -> None:
    """``view[endpoint][variant][what] = value``: the one projection of autoscaling for before/after."""
    view.setdefault(endpoint, {}).setdefault(variant, {})[what] = value


def _dropped(ctx: Context, res: DesiredResource, region: str, listed: set[str]) -> tuple[list[Step], dict[str, Any]]:
    """Detach steps for targets this spec registered (by their tags) whose resource ID it no longer lists.

    The spec says so, so no ``--prune`` is needed; like every delete, never in a pass where a spec
    failed to load.
    """
    if ctx.incomplete:
        return [], {}
    address = str(res.address)
    targets = ctx.owned_by(
        region, ObservedType.SCALABLE_TARGET, address, lambda t: t.name not in listed and is_ours(t),
    )
    steps: list[Step] = []
    notes: dict[str, Any] = {}
    for target in sorted(targets, key=lambda t: t.name):
        steps.extend(detach_steps(region, target, policies_of(ctx, region, target.name)))
        notes[target.name] = {k: target.details.get(k) for k in _TARGET_FIELDS if target.details.get(k) is not None}
    return steps, notes


def policies_of(ctx: Context, region: str, rid: str) -> list[ObservedResource]:
    """The observed scaling policies of one resource ID."""
    return ctx.policies_on(region, rid)


def detach_steps(region: str, target: ObservedResource, policies: Iterable[ObservedResource]) -> list[Step]:
    """DeleteScalingPolicy for each policy, then DeregisterScalableTarget: removes a variant's autoscaling."""
    dimension = target.details.get("ScalableDimension", kinds.HAP_DEFAULT_SCALABLE_DIMENSION)
    namespace = target.details.get("ServiceNamespace", kinds.HAP_DEFAULT_SERVICE_NAMESPACE)
    steps: list[Step] = []
    for policy in sorted(policies, key=lambda p: p.name):
        name = str(policy.details.get("PolicyName"))
        steps.append(_autoscaling_step(region, "DeleteScalingPolicy", f"{target.name}#{name}", {
            "PolicyName": name, "ServiceNamespace": namespace, "ResourceId": target.name,
            "ScalableDimension": dimension}))
    steps.append(_autoscaling_step(region, "DeregisterScalableTarget", target.name, {
        "ServiceNamespace": namespace, "ResourceId": target.name, "ScalableDimension": dimension}))
    return steps
