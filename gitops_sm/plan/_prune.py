"""Prune: what we own whose spec left git, planned only with ``--prune`` (design section 4).

Called by :mod:`gitops_sm.plan.planner` once per pass. Running jobs are stopped (finished jobs are
history). Hosting is deleted in AWS's order: an endpoint's scaling policies and scalable targets,
then ``DeleteEndpoint``; once it is gone (a later pass), its EndpointConfigs and Models. The
targets and policies of an autoscaling spec that left git are found by their tags. The gates hold
for every stop and delete: nothing when a spec failed to load, nothing with the
``gitops-sm/prune: "false"`` tag, and more than the threshold needs ``--allow-mass-prune``.
"""

from __future__ import annotations

from gitops_sm import kinds
from gitops_sm.kinds import JOB_KINDS
from gitops_sm.model import JOB_OBSERVED_TYPES, Action, ObservedResource, ObservedType, ResourceChange, Step
from gitops_sm.plan._autoscaling import detach_steps, policies_of
from gitops_sm.plan._context import Context, is_ours, tags_of
from gitops_sm.plan._hosting import referenced_names


def plan_prune(ctx: Context) -> list[ResourceChange]:
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
                    and is_ours(obs)
                    and tags_of(obs).get(kinds.TAG_ADDRESS) not in desired_addresses
                    and tags_of(obs).get(kinds.TAG_PRUNE) != "false"
                )

            for obs in ctx.scan(region, type_, orphan):
                address = tags_of(obs).get(kinds.TAG_ADDRESS, f"{info.noun}/?/{obs.name}")
                reason = f"the spec of {address} left git; its running {info.noun} {obs.name} is stopped (--prune)"
                step = Step(service=kinds.SAGEMAKER, call=info.stop_call, region=region, target=obs.name,
                            params={info.name_member: obs.name})
                changes.append(ResourceChange(
                    address=address, kind=info.noun, api_version=None, source=None, region=region,
                    names={"job": obs.name}, actions=(Action.STOP,), reason=reason,
                    before={"name": obs.name, "status": obs.status}, after=None, steps=(step,),
                ))
        changes.extend(_hosting(ctx, region, desired_addresses))
    if ctx.incomplete and changes:
        return [blocked(c, "not pruned: a spec failed to load in this pass, so nothing is stopped or deleted") for c in changes]
    destructive = [c for c in changes if any(a.is_destructive for a in c.actions)]
    if len(destructive) > ctx.options.prune_threshold and not ctx.options.allow_mass_prune:
        why = (f"prune would stop or delete {len(destructive)} resources, more than the threshold of "
               f"{ctx.options.prune_threshold}; rerun with --allow-mass-prune if that is intended")
        return [blocked(c, why, error=True) for c in changes]
    return changes


def blocked(change: ResourceChange, why: str, *, error: bool = False) -> ResourceChange:
    return ResourceChange(
        address=change.address, kind=change.kind, api_version=change.api_version, source=change.source,
        region=change.region, names=change.names, actions=(Action.ERROR if error else Action.NOOP,),
        reason=f"{why} ({change.reason})", before=change.before, after=None, steps=(),
    )


_DELETABLE_ENDPOINT = frozenset({kinds.ENDPOINT_IN_SERVICE, kinds.ENDPOINT_FAILED, "OutOfService", "UpdateRollbackFailed"})


def _hosting(ctx: Context, region: str, desired: set[str]) -> list[ResourceChange]:
    """Endpoints, configs, models and autoscaling we own whose spec left git."""

    def orphan(obs: ObservedResource) -> bool:
        return (is_ours(obs) and tags_of(obs).get(kinds.TAG_ADDRESS) not in desired
                and tags_of(obs).get(kinds.TAG_PRUNE) != "false")

    changes: list[ResourceChange] = []
    endpoints = sorted(ctx.scan(region, ObservedType.ENDPOINT, orphan), key=lambda o: o.name)
    pruned_endpoints = {e.name for e in endpoints}
    for endpoint in endpoints:
        address = tags_of(endpoint).get(kinds.TAG_ADDRESS, f"Endpoint/?/{endpoint.name}")
        targets = targets_of(ctx, region, endpoint.name)
        before = {"endpoint": endpoint.name, "endpoint_config": endpoint.details.get("EndpointConfigName")}
        if endpoint.status in _DELETABLE_ENDPOINT:
            steps = [s for t in targets for s in detach_steps(region, t, policies_of(ctx, region, t.name))]
            steps.append(Step(service=kinds.SAGEMAKER, call="DeleteEndpoint", region=region, target=endpoint.name,
                              params={"EndpointName": endpoint.name}))
            detached = f"delete the scaling policies and deregister the scalable targets of {', '.join(t.name for t in targets)}, then " if targets else ""
            reason = (f"the spec of {address} left git: {detached}delete endpoint {endpoint.name} (--prune); its "
                      f"EndpointConfigs and Models are deleted once it is gone")
            changes.append(_change(address, region, {"endpoint": endpoint.name}, Action.DELETE, reason, before, steps))
        else:
            what = "its configs and models are deleted once it is gone" if endpoint.status == "Deleting" else "it is deleted once it is InService"
            changes.append(_change(address, region, {"endpoint": endpoint.name}, Action.WAIT,
                                   f"the spec of {address} left git; endpoint {endpoint.name} is {endpoint.status}: {what}",
                                   before, []))

    # Configs and models: only once no endpoint of their address exists and no running endpoint uses them.
    live_owners = {tags_of(e).get(kinds.TAG_ADDRESS) for e in ctx.scan(region, ObservedType.ENDPOINT, is_ours)}
    in_use = set(referenced_names(ctx))
    for obs in ctx.observed.of_type(region, ObservedType.ENDPOINT):
        if obs.details.get("EndpointConfigName"):
            in_use.add(str(obs.details["EndpointConfigName"]))
            config = ctx.observed.get(region, ObservedType.ENDPOINT_CONFIG, str(obs.details["EndpointConfigName"]))
            for variant in (config.details.get("ProductionVariants") if config else None) or ():
                if isinstance(variant, dict) and variant.get("ModelName"):
                    in_use.add(str(variant["ModelName"]))

    def leftover(obs: ObservedResource) -> bool:
        return orphan(obs) and obs.name not in in_use and tags_of(obs).get(kinds.TAG_ADDRESS) not in live_owners

    by_address: dict[str, list[Step]] = {}
    for type_, call, member in ((ObservedType.ENDPOINT_CONFIG, "DeleteEndpointConfig", "EndpointConfigName"),
                                (ObservedType.MODEL, "DeleteModel", "ModelName")):
        for obs in sorted(ctx.scan(region, type_, leftover), key=lambda o: o.name):
            by_address.setdefault(tags_of(obs)[kinds.TAG_ADDRESS], []).append(
                Step(service=kinds.SAGEMAKER, call=call, region=region, target=obs.name, params={member: obs.name}))
    for address, steps in sorted(by_address.items()):
        names = ", ".join(s.target for s in steps)
        changes.append(_change(address, region, {}, Action.DELETE,
                               f"the spec of {address} left git and nothing uses them any more: delete {names} (--prune)",
                               None, steps))

    # Autoscaling of a spec that left git (its targets carry the spec's address), on endpoints not deleted above.
    def orphan_target(obs: ObservedResource) -> bool:
        endpoint = obs.name.split("/")[1] if obs.name.count("/") == 3 else ""
        return orphan(obs) and endpoint not in pruned_endpoints

    by_owner: dict[str, list[ObservedResource]] = {}
    for target in sorted(ctx.scan(region, ObservedType.SCALABLE_TARGET, orphan_target), key=lambda t: t.name):
        by_owner.setdefault(tags_of(target)[kinds.TAG_ADDRESS], []).append(target)
    for address, targets in sorted(by_owner.items()):
        steps = [s for t in targets for s in detach_steps(region, t, policies_of(ctx, region, t.name))]
        changes.append(_change(address, region, {}, Action.DELETE,
                               f"the spec of {address} left git: delete the scaling policies and deregister the "
                               f"scalable targets of {', '.join(t.name for t in targets)} (--prune)", None, steps))
    return changes


def targets_of(ctx: Context, region: str, endpoint: str) -> list[ObservedResource]:
    prefix = f"endpoint/{endpoint}/variant/"

    def on_it(target: ObservedResource) -> bool:
        return target.name.startswith(prefix)

    return sorted(ctx.scan(region, ObservedType.SCALABLE_TARGET, on_it), key=lambda t: t.name)


def _change(address: str, region: str, names: dict[str, str], action: Action, reason: str,
            before: dict[str, object] | None, steps: list[Step]) -> ResourceChange:
    return ResourceChange(
        address=address, kind=address.split("/", 1)[0], api_version=None, source=None, region=region, names=names,
        actions=(action,), reason=reason, before=before, after=None, steps=tuple(steps),
    )
