"""Prune: what we own whose spec left git, planned only with ``--prune`` (design section 4).

Called by :mod:`gitops_sm.plan.planner` once per pass. The gates hold for every stop and delete:
nothing when a spec failed to load, and more than the threshold needs ``--allow-mass-prune``.
"""

from __future__ import annotations

from gitops_sm import kinds
from gitops_sm.kinds import JOB_KINDS
from gitops_sm.model import JOB_OBSERVED_TYPES, Action, ObservedResource, ResourceChange, Step
from gitops_sm.plan._context import Context, is_ours, tags_of


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
    if ctx.incomplete and changes:
        return [blocked(c, "not pruned: a spec failed to load in this pass, so nothing is stopped or deleted") for c in changes]
    if len(changes) > ctx.options.prune_threshold and not ctx.options.allow_mass_prune:
        why = (f"prune would stop or delete {len(changes)} resources, more than the threshold of "
               f"{ctx.options.prune_threshold}; rerun with --allow-mass-prune if that is intended")
        return [blocked(c, why, error=True) for c in changes]
    return changes


def blocked(change: ResourceChange, why: str, *, error: bool = False) -> ResourceChange:
    return ResourceChange(
        address=change.address, kind=change.kind, api_version=change.api_version, source=change.source,
        region=change.region, names=change.names, actions=(Action.ERROR if error else Action.NOOP,),
        reason=f"{why} ({change.reason})", before=change.before, after=None, steps=(),
    )
