"""Planning hosting: HostingDeployment (v1) and the ACK Endpoint, Model and EndpointConfig kinds.

Called by :mod:`gitops_sm.plan.planner`. A HostingDeployment's Models and EndpointConfig are
content-addressed and never mutated. How the running endpoint moves to the spec is read by the
rollout stage (:mod:`gitops_sm.plan._rollout`) and becomes, while the endpoint is ``InService``:

* counts/weights only → ``UpdateEndpointWeightsAndCapacities`` (no new config, no new instances);
  also how weight drift and count drift of variants without autoscaling are repaired;
* a new config → the missing Models and config, then ``UpdateEndpoint`` that keeps the live
  capacity of autoscaled variants (``RetainAllVariantProperties``, weights and data capture from
  the spec), then the ``gitops-sm/update-to`` marker tag;
* a new config AWS refuses while variants are autoscaled → phase 1 of the sequence: delete those
  variants' scaling policies and deregister their targets, then the update (phase 2 waits while
  ``Updating``; phase 3, re-attaching, is the autoscaling spec's own change);
* once the endpoint runs the spec: Models and EndpointConfigs this spec created that nothing
  references any more are deleted.

Not ``InService`` (Creating, Updating, SystemUpdating, RollingBack, Deleting) is ``wait``. A
``Failed`` endpoint can only be deleted: a changed spec replaces it (delete, then create once it
is gone), an unchanged one is an error carrying AWS's FailureReason. A failed update is reported
and not retried until the spec changes or ``--retry-failed ADDRESS``.

``before``/``after`` are one projection (:func:`endpoint_view`) so renderers show only what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from gitops_sm import kinds
from gitops_sm.kinds import ENDPOINT_KINDS, Kind
from gitops_sm.model import (
    Action,
    AwsRequest,
    DesiredResource,
    ObservedResource,
    ObservedType,
    ResourceChange,
    Step,
)
from gitops_sm.plan import _adopt
from gitops_sm.plan._autoscaling import detach_steps
from gitops_sm.plan._context import (
    Context,
    adopt_step,
    call,
    change,
    claim,
    is_ours,
    owner_problem,
    references,
    request_tags,
    step,
    tags_of,
    without_tags,
)
from gitops_sm.plan._rollout import (
    Autoscaled,
    Change,
    Rollout,
    declared_variants,
    desired_config_params,
    rollout_of,
)
from gitops_sm.plan.health import config_shape

_RETAIN_EXCLUDES = ({"VariantPropertyType": "DesiredWeight"}, {"VariantPropertyType": "DataCaptureConfig"})


def plan_hosting_deployment(ctx: Context, res: DesiredResource) -> ResourceChange:
    region = ctx.region(res)
    endpoint = res.names["endpoint"]
    config = res.names["endpoint_config"]
    problem = ctx.read_error(res, region, [ObservedType.ENDPOINT])
    if problem:
        return change(res, region, [Action.ERROR], problem)
    model_requests = [r for r in res.requests if r.operation == "CreateModel"]
    config_request = next(r for r in res.requests if r.operation == "CreateEndpointConfig")
    endpoint_request = next(r for r in res.requests if r.operation == "CreateEndpoint")

    # Content-addressed models and config: create the ones that are missing.
    prereq_steps: list[Step] = []
    for request in model_requests:
        model_name = str(request.params["ModelName"])
        obs_model = ctx.get(region, ObservedType.MODEL, model_name)
        if obs_model is None:
            prereq_steps.append(step(res, region, request, model_name))
        elif conflict := owner_problem(ctx, res, obs_model, "Model"):
            return change(res, region, [Action.ERROR], conflict)
    obs_config = ctx.get(region, ObservedType.ENDPOINT_CONFIG, config)
    if obs_config is None:
        prereq_steps.append(_config_step(res, region, config_request.params, config))
    elif conflict := owner_problem(ctx, res, obs_config, "EndpointConfig"):
        return change(res, region, [Action.ERROR], conflict)

    obs = ctx.get(region, ObservedType.ENDPOINT, endpoint)
    if obs is None:
        after = endpoint_view(endpoint, config, config_request.params)
        steps = [*prereq_steps, step(res, region, endpoint_request, endpoint)]
        return change(res, region, [Action.CREATE], f"endpoint {endpoint} does not exist", after=after, steps=steps)
    return endpoint_update(ctx, res, region, obs, prereq_steps)


def _config_step(res: DesiredResource, region: str, params: Mapping[str, Any], name: str) -> Step:
    """CreateEndpointConfig with the ``gitops-sm/config-shape`` tag (see ``_rollout.config_shape``)."""
    tags = [t for t in params.get("Tags") or () if isinstance(t, Mapping)]
    tagged = {**params, "Tags": [*tags, {"Key": kinds.TAG_CONFIG_SHAPE, "Value": config_shape(params)}]}
    return call(res, region, kinds.SAGEMAKER, "CreateEndpointConfig", name, **tagged)


def endpoint_view(
    endpoint: str,
    config: str | None,
    config_params: Mapping[str, Any] | None,
    *,
    live: Mapping[str, Mapping[str, Any]] | None = None,
    autoscaled: Iterable[str] = (),
) -> dict[str, Any]:
    """The one projection of an endpoint for ``before`` and ``after``.

    ``variants.<name>`` holds model, instance type, count and weight. A running autoscaled variant
    shows ``autoscaled: true`` instead of a count on both sides: its autoscaler owns the count (an
    update keeps it), so it never shows as changing, and a saved plan does not go stale when the
    autoscaler scales between ``plan --out`` and ``apply``.
    """
    scaled = set(autoscaled)
    variants: dict[str, Any] = {}
    for variant in (config_params or {}).get("ProductionVariants") or ():
        if not isinstance(variant, Mapping) or "VariantName" not in variant:
            continue
        name = str(variant["VariantName"])
        running = (live or {}).get(name) or {}
        view: dict[str, Any] = {}
        for key, member in (("model", "ModelName"), ("instanceType", "InstanceType"),
                            ("acceleratorType", "AcceleratorType"), ("serverless", "ServerlessConfig")):
            if variant.get(member) is not None:
                view[key] = variant[member]
        count = variant.get("InitialInstanceCount")
        if name in scaled and running.get("DesiredInstanceCount") is not None:
            view["autoscaled"] = True
        elif count is not None:
            view["instanceCount"] = count
        if variant.get("InitialVariantWeight") is not None:
            view["weight"] = float(variant["InitialVariantWeight"])
        variants[name] = view
    return {"endpoint": endpoint, "endpoint_config": config, "variants": variants}


def _observed_view(ctx: Context, ro: Rollout) -> dict[str, Any]:
    """``before``: the config the endpoint runs, with the live counts and weights."""
    obs = ro.observed
    assert obs is not None
    live = {str(v.get("VariantName")): v for v in obs.details.get("ProductionVariants") or () if isinstance(v, Mapping)}
    config_obs = ctx.get(ro.region, ObservedType.ENDPOINT_CONFIG, ro.current_config) if ro.current_config else None
    params: dict[str, Any] = {"ProductionVariants": []}
    if config_obs is not None and config_obs.details.get("ProductionVariants") is not None:
        params["ProductionVariants"] = [dict(v) for v in config_obs.details["ProductionVariants"]]
    else:
        params["ProductionVariants"] = [{"VariantName": name} for name in live]
    for variant in params["ProductionVariants"]:
        running = live.get(str(variant.get("VariantName"))) or {}
        if running.get("DesiredInstanceCount") is not None:
            variant["InitialInstanceCount"] = running["DesiredInstanceCount"]
        weight = running.get("DesiredWeight", running.get("CurrentWeight"))
        if weight is not None:
            variant["InitialVariantWeight"] = weight
    return endpoint_view(ro.endpoint, ro.current_config, params, live=live, autoscaled=ro.scaled)


def _desired_view(ctx: Context, res: DesiredResource, ro: Rollout) -> dict[str, Any]:
    obs = ro.observed
    live = {
        str(v.get("VariantName")): v
        for v in (obs.details.get("ProductionVariants") if obs else None) or ()
        if isinstance(v, Mapping)
    }
    config: str | None = ro.desired_config
    if ro.change in (Change.NONE, Change.CAPACITY):
        config = ro.current_config  # counts/weights are changed in place: the running config stays
    return endpoint_view(ro.endpoint, config, desired_config_params(ctx, res, ro.region), live=live,
                         autoscaled=ro.scaled)


def endpoint_update(
    ctx: Context,
    res: DesiredResource,
    region: str,
    obs: ObservedResource,
    prereq_steps: list[Step],
    depends_on: Iterable[str] = (),
) -> ResourceChange:
    ro = rollout_of(ctx, res)
    before = _observed_view(ctx, ro)
    after = _desired_view(ctx, res, ro)
    request = next(r for r in res.requests if r.operation == "CreateEndpoint")
    conflict = owner_problem(ctx, res, obs, "Endpoint")
    if conflict is None:
        return _endpoint_change(ctx, res, region, obs, ro, before, after, prereq_steps, depends_on)
    if is_ours(obs) or not ctx.adoptable(res):
        return change(res, region, [Action.ERROR], conflict, before=before)
    planned = _endpoint_change(ctx, res, region, obs, ro, before, after, prereq_steps, depends_on)
    return _adopted_endpoint(res, region, obs, planned, request)


def _adopted_endpoint(
    res: DesiredResource, region: str, obs: ObservedResource, planned: ResourceChange, request: AwsRequest
) -> ResourceChange:
    """Adopt a foreign endpoint: our tags first, then the change the spec needs, in the same plan.

    An endpoint can be moved to the spec (a new content-addressed config, models, ``UpdateEndpoint``),
    so adopting one that differs plans that update (the replacement of its config) right after
    ``AddTags``; ``before``/``after`` are the usual endpoint views, so the rendered diff shows what
    changes, and the reason names it. One that runs what the spec asks is only tagged. One that must
    wait (not ``InService``) is tagged now and updated by a later pass; an error stays an error."""
    what = f"adopt Endpoint {obs.name!r}: add the gitops-sm ownership tags"
    if planned.action is Action.ERROR:
        return replace(planned, reason=f"cannot {what.split(':')[0]}: {planned.reason}", steps=())
    tags = adopt_step(res, region, obs, request_tags(request))
    diffs = _adopt.view_differences(planned.before or {}, planned.after or {})
    if planned.action in (Action.NOOP, Action.WAIT) or not planned.steps:
        if planned.action is Action.WAIT:
            reason = f"{what} now; the change the spec needs waits: {planned.reason}"
        else:
            reason = f"{what}; it runs what the spec asks for ({planned.reason})"
        return replace(planned, actions=(Action.UPDATE,), reason=reason, steps=(tags,))
    differs = f" ({_adopt.plural(len(diffs), 'difference')} from the spec: {_adopt.describe_views(diffs)})" if diffs else ""
    how = planned.reason.removeprefix("drift: ")  # the config it runs is not ours: it is being adopted, not drift
    reason = f"{what}, then move it to the spec{differs}: {how}"
    return replace(planned, reason=reason, steps=(tags, *planned.steps))


def _endpoint_change(
    ctx: Context,
    res: DesiredResource,
    region: str,
    obs: ObservedResource,
    ro: Rollout,
    before: dict[str, Any],
    after: dict[str, Any],
    prereq_steps: list[Step],
    depends_on: Iterable[str],
) -> ResourceChange:
    """What the endpoint needs to run the spec, once it is ours (or is being adopted)."""
    endpoint = obs.name
    current, config = ro.current_config, ro.desired_config
    address = str(res.address)

    def out(actions: list[Action], reason: str, steps: Iterable[Step] = ()) -> ResourceChange:
        return change(res, region, actions, reason, before=before, after=after, steps=steps, depends_on=depends_on)

    if obs.status == kinds.ENDPOINT_FAILED:
        failure = str(obs.details.get("FailureReason") or "no reason given")
        unchanged = ro.change in (Change.NONE, Change.CAPACITY)
        if unchanged and address not in ctx.options.retry_failed:
            return out([Action.ERROR], f"endpoint {endpoint} is Failed: {failure}. AWS can only delete a Failed "
                       f"endpoint; change the spec, or rerun with --retry-failed {address} to delete and create it again")
        steps = [*_detach_steps(res, region, ro.autoscaled.values()),
                 call(res, region, kinds.SAGEMAKER, "DeleteEndpoint", endpoint, EndpointName=endpoint)]
        return out([Action.REPLACE], f"endpoint {endpoint} is Failed ({failure}); AWS can only delete a Failed "
                   f"endpoint: it is deleted now and created on {config} by the first pass that sees it gone", steps)

    if obs.status != kinds.ENDPOINT_IN_SERVICE:
        return out([Action.WAIT], _waiting_reason(ctx, res, ro, obs))

    if ro.failed_update is not None:
        return out([Action.ERROR], f"the update of endpoint {endpoint} to {config} failed: {ro.failed_update}; it runs "
                   f"{current} again and its autoscaling is restored. The update is not retried until the spec "
                   f"changes or you rerun with --retry-failed {address}")

    if ro.change is Change.NONE:
        collect, collected = _garbage(ctx, res, region, ro)
        reason = f"endpoint {endpoint} is InService on {current}"
        if current != config:
            reason += f" (the spec's {config} differs from it only in counts/weights, already applied)"
        if collect:
            return out([Action.DELETE], f"{reason}; delete what no endpoint or spec uses any more: {collected}", collect)
        return out([Action.NOOP], reason)

    if ro.change is Change.CAPACITY:
        collect, collected = _garbage(ctx, res, region, ro)
        why = "drift" if current == config else "the spec changes only counts/weights"
        steps = [call(res, region, kinds.SAGEMAKER, "UpdateEndpointWeightsAndCapacities", endpoint,
                      EndpointName=endpoint, DesiredWeightsAndCapacities=list(ro.capacity)), *collect]
        reason = (f"{why}: {'; '.join(ro.capacity_notes)} — changed in place with UpdateEndpointWeightsAndCapacities "
                  f"(no new config, no new instances)")
        if collect:
            reason += f"; then delete what nothing uses any more: {collected}"
        return out([Action.UPDATE], reason, steps)

    update = _update_step(ctx, res, region, ro)
    marker = _marker_step(res, region, obs, config)
    drifted = _config_drift(ctx, res, region, ro)
    if ro.change is Change.CONFIG:
        kept = sorted(ro.autoscaled)
        reason = f"{'drift: ' if drifted else ''}endpoint {endpoint} runs {current}; the spec asks for {config}: " \
                 f"UpdateEndpoint"
        if kept:
            reason += f", keeping the autoscaling and live capacity of {', '.join(kept)}"
        return out([Action.UPDATE], reason, [*prereq_steps, update, *marker])

    # The sequence. Only autoscaling a spec in this repo declares can be put back afterwards.
    undeclared = [v for v in ro.detach if v in ro.autoscaled and ro.autoscaled[v].declared_by is None]
    if undeclared:
        return out([Action.ERROR], f"endpoint {endpoint} must move to {config}, which AWS refuses while variant(s) "
                   f"{', '.join(undeclared)} are registered for autoscaling ({'; '.join(ro.reasons)}), and no spec in "
                   f"this repo declares that autoscaling, so gitops-sm could not restore it afterwards; declare it in "
                   f"a HostingAutoscalingPolicy (or ScalableTarget/ScalingPolicy) or deregister it")
    detached = [ro.autoscaled[v] for v in ro.detach if v in ro.autoscaled]
    owners = sorted(set(declared_variants(ctx, region, endpoint).values())) or ["their specs"]
    before = {**before, "autoscaling": {a.variant: _registered(a) for a in detached}}
    after = {**after, "autoscaling": {a.variant: f"detached until InService on {config}" for a in detached}}
    first = (f"delete the scaling policies and deregister the scalable targets of {', '.join(a.variant for a in detached)}, then "
             if detached else "")
    reason = (f"phase 1 of 3 (detach, update): {'; '.join(ro.reasons)}, which AWS refuses while the variant is "
              f"registered for autoscaling: {first}UpdateEndpoint to {config}. Next: phase 2 waits while "
              f"{endpoint} is Updating; phase 3 re-attaches autoscaling from {', '.join(owners)} once it is InService")
    steps = [*prereq_steps, *_detach_steps(res, region, detached), update, *marker]
    return change(res, region, [Action.UPDATE], reason, before=before, after=after, steps=steps, depends_on=depends_on)


def _registered(scaled: Autoscaled) -> str:
    view = scaled.view()
    return (f"registered (MinCapacity {view['MinCapacity']}, MaxCapacity {view['MaxCapacity']}, "
            f"policies {', '.join(view['policies']) or 'none'})")


def _waiting_reason(ctx: Context, res: DesiredResource, ro: Rollout, obs: ObservedResource) -> str:
    endpoint, config, current = ro.endpoint, ro.desired_config, ro.current_config
    pending = obs.details.get("PendingEndpointConfigName")
    if obs.status == "Deleting":
        return f"endpoint {endpoint} is Deleting; it is created on {config} by the first pass that sees it gone"
    if current == config or pending == config or (ro.change in (Change.NONE, Change.CAPACITY)):
        detached = _detached_declared(ctx, res, ro)
        if detached and obs.status == "Updating":
            return (f"phase 2 of 3 (wait): endpoint {endpoint} is Updating to {config}; next: phase 3 re-attaches "
                    f"autoscaling of {', '.join(detached)} once it is InService")
        return f"endpoint {endpoint} is {obs.status}; waiting for InService"
    return f"endpoint {endpoint} must move to {config} but is {obs.status}; the update waits until it is InService"


def _detached_declared(ctx: Context, res: DesiredResource, ro: Rollout) -> list[str]:
    """Variants whose autoscaling a spec declares but that are not registered now (detached)."""
    from gitops_sm.plan._rollout import declared_autoscaling, variant_of

    out: list[str] = []
    for (region, rid), _spec in sorted(declared_autoscaling(ctx).items()):
        parsed = variant_of(rid)
        if region == ro.region and parsed and parsed[0] == ro.endpoint and parsed[1] not in ro.autoscaled:
            out.append(parsed[1])
    return out


def _update_step(ctx: Context, res: DesiredResource, region: str, ro: Rollout) -> Step:
    """UpdateEndpoint that never drops an autoscaled variant's live capacity to the config's initial count."""
    params: dict[str, Any] = {"EndpointName": ro.endpoint, "EndpointConfigName": ro.desired_config}
    want = desired_config_params(ctx, res, region) or {}
    staying = {str(v.get("VariantName")) for v in want.get("ProductionVariants") or () if isinstance(v, Mapping)}
    keeps_autoscaled = any(variant in staying for variant in ro.scaled)
    options = dict(res.update_options)
    if keeps_autoscaled or options.get("RetainAllVariantProperties"):
        params["RetainAllVariantProperties"] = True
        excludes = options.get("ExcludeRetainedVariantProperties", list(_RETAIN_EXCLUDES))
        if excludes:
            params["ExcludeRetainedVariantProperties"] = excludes
    elif "RetainAllVariantProperties" in options:
        params["RetainAllVariantProperties"] = options["RetainAllVariantProperties"]
    create = next(r for r in res.requests if r.operation == "CreateEndpoint")
    if create.params.get("DeploymentConfig") is not None:  # ACK Endpoint: blue/green, canary, linear, rolling
        params["DeploymentConfig"] = create.params["DeploymentConfig"]
    return call(res, region, kinds.SAGEMAKER, "UpdateEndpoint", ro.endpoint, **params)


def _marker_step(res: DesiredResource, region: str, obs: ObservedResource, config: str) -> list[Step]:
    """Tag the endpoint with the config it is moving to, so a failed update is known to every later pass."""
    if not obs.arn:
        return []
    return [call(res, region, kinds.SAGEMAKER, "AddTags", obs.name, ResourceArn=obs.arn,
                 Tags=[{"Key": kinds.TAG_UPDATE_TO, "Value": config}])]


def _detach_steps(res: DesiredResource, region: str, detached: Iterable[Autoscaled]) -> list[Step]:
    return [s for scaled in detached for s in detach_steps(region, scaled.target, scaled.policies)]


def _config_drift(ctx: Context, res: DesiredResource, region: str, ro: Rollout) -> bool:
    """The running config was not put there by this spec (swapped by hand)."""
    if ro.current_config is None:
        return False
    obs_config = ctx.get(region, ObservedType.ENDPOINT_CONFIG, ro.current_config)
    if obs_config is None or obs_config.tags is None:
        return False
    return not is_ours(obs_config) or tags_of(obs_config).get(kinds.TAG_ADDRESS) != str(res.address)


def referenced_names(ctx: Context) -> frozenset[str]:
    """Every Model / EndpointConfig name some desired resource names or mentions in a request."""

    def build() -> frozenset[str]:
        out: set[str] = set()
        # Only these kinds name a Model or EndpointConfig or mention one in a request (a transform
        # job runs a model); job and autoscaling specs do neither, so they are not visited.
        for res in ctx.desired_of(*ENDPOINT_KINDS, Kind.MODEL, Kind.ENDPOINT_CONFIG, Kind.TRANSFORM_JOB):
            out.update(res.names.values())
            for request in res.requests:
                for key in ("ModelName", "EndpointConfigName"):
                    if isinstance(request.params.get(key), str):
                        out.add(request.params[key])
                for variant in request.params.get("ProductionVariants") or ():
                    if isinstance(variant, Mapping) and isinstance(variant.get("ModelName"), str):
                        out.add(variant["ModelName"])
        return frozenset(out)

    return ctx.once("referenced_names", build)


def _garbage(ctx: Context, res: DesiredResource, region: str, ro: Rollout) -> tuple[list[Step], str]:
    """Delete steps for this spec's Models / EndpointConfigs that nothing references any more.

    Only once the endpoint is InService on what the spec asks for, and never in a pass where a
    spec failed to load (design section 4: such a pass deletes nothing).
    """
    if ctx.incomplete or res.kind is not Kind.HOSTING_DEPLOYMENT or not ro.in_service or ro.observed is None:
        return [], ""
    address = str(res.address)
    referenced = referenced_names(ctx)
    keep = {n for n in (ro.current_config, ro.desired_config) if n}
    pending = ro.observed.details.get("PendingEndpointConfigName")
    if pending:
        keep.add(str(pending))
    if ro.current_config:
        running = ctx.get(region, ObservedType.ENDPOINT_CONFIG, ro.current_config)
        for variant in (running.details.get("ProductionVariants") if running else None) or ():
            if isinstance(variant, Mapping) and variant.get("ModelName"):
                keep.add(str(variant["ModelName"]))

    def ours_unused(obs: ObservedResource) -> bool:
        return (
            obs.name not in keep and obs.name not in referenced and is_ours(obs)
            and tags_of(obs).get(kinds.TAG_ADDRESS) == address
        )

    configs = sorted(ctx.owned_by(region, ObservedType.ENDPOINT_CONFIG, address, ours_unused), key=lambda o: o.name)
    models = sorted(ctx.owned_by(region, ObservedType.MODEL, address, ours_unused), key=lambda o: o.name)
    steps = [call(res, region, kinds.SAGEMAKER, "DeleteEndpointConfig", c.name, EndpointConfigName=c.name) for c in configs]
    steps += [call(res, region, kinds.SAGEMAKER, "DeleteModel", m.name, ModelName=m.name) for m in models]
    parts = []
    if configs:
        parts.append(f"EndpointConfig {', '.join(c.name for c in configs)}")
    if models:
        parts.append(f"Model {', '.join(m.name for m in models)}")
    return steps, "; ".join(parts)


def plan_immutable(type_: ObservedType, role: str, noun: str) -> Callable[[Context, DesiredResource], ResourceChange]:
    """ACK/v1 Model and EndpointConfig: explicit names, immutable in SageMaker."""

    def planner(ctx: Context, res: DesiredResource) -> ResourceChange:
        region = ctx.region(res)
        name = res.names[role]
        request = res.requests[0]
        depends = references(ctx, res, region)
        after = {"name": name, "spec_hash": res.spec_hash, "request": without_tags(request.params)}
        if problem := ctx.read_error(res, region, [type_]):
            return change(res, region, [Action.ERROR], problem)
        obs = ctx.get(region, type_, name)
        if obs is None:
            return change(res, region, [Action.CREATE], f"{noun} {name} does not exist", after=after,
                           steps=[step(res, region, request, name)], depends_on=depends)
        before = {"name": name, "spec_hash": tags_of(obs).get(kinds.TAG_SPEC_HASH)}
        if claimed := claim(ctx, res, region, obs, noun=noun, request=request, before=before, after=after):
            return claimed
        if obs.tags is not None and tags_of(obs).get(kinds.TAG_SPEC_HASH) != res.spec_hash:
            return change(
                res, region, [Action.ERROR],
                f"the spec of {noun} {name} changed, but a SageMaker {noun} cannot be modified; give it a new name "
                f"and point its users at the new name",
                before=before, after=after,
            )
        return change(res, region, [Action.NOOP], f"{noun} {name} exists", before=before, after=after, depends_on=depends)

    return planner


def plan_ack_endpoint(ctx: Context, res: DesiredResource) -> ResourceChange:
    region = ctx.region(res)
    endpoint = res.names["endpoint"]
    request = res.requests[0]
    config = str(request.params["EndpointConfigName"])
    depends = references(ctx, res, region)
    if problem := ctx.read_error(res, region, [ObservedType.ENDPOINT]):
        return change(res, region, [Action.ERROR], problem)
    obs = ctx.get(region, ObservedType.ENDPOINT, endpoint)
    if obs is None:
        after = endpoint_view(endpoint, config, desired_config_params(ctx, res, region))
        return change(res, region, [Action.CREATE], f"endpoint {endpoint} does not exist", after=after,
                      steps=[step(res, region, request, endpoint)], depends_on=depends)
    return endpoint_update(ctx, res, region, obs, [], depends)
