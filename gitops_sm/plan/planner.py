"""The pure planner: ``plan(desired, observed, options) -> Plan`` (design section 4).

Called by ``gitops_sm.app`` once per pass (and again by ``apply PLANFILE`` to detect a stale
plan), through the package face :mod:`gitops_sm.plan`. No I/O, no clock, no randomness: the same
inputs give the same plan, which is why the tests drive it with literals. Each desired resource is
planned by the module of its concern (``_jobs``, ``_hosting``, ``_autoscaling``); ``_prune`` adds
what left git. The result is a ``ResourceChange`` per resource with a reason a human can read and
the exact API calls apply makes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from dataclasses import replace

from gitops_sm.kinds import Kind
from gitops_sm.model import (
    Action,
    DesiredResource,
    Issue,
    LoadResult,
    ObservedState,
    ObservedType,
    Plan,
    PlanSource,
    ResourceChange,
    digest,
    sorted_changes,
)
from gitops_sm.plan._autoscaling import plan_autoscaling
from gitops_sm.plan._cluster import cluster_digest, guard
from gitops_sm.plan._context import Context, PlanOptions, change
from gitops_sm.plan._hosting import plan_ack_endpoint, plan_hosting_deployment, plan_immutable
from gitops_sm.plan._jobs import plan_job
from gitops_sm.plan._prune import plan_prune


def plan(*, load: LoadResult, observed: ObservedState, options: PlanOptions, commit: str | None = None) -> Plan:
    """Plan every resource of ``load`` against ``observed``."""
    # Planning allocates an almost acyclic heap (changes, steps, views) beside the specs and the
    # observed state already in memory: the cyclic collector would only rescan all of it, a cost
    # that grows with the heap, i.e. faster than the pass (bench/bench_observe.py, as in load_specs).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _plan(load=load, observed=observed, options=options, commit=commit)
    finally:
        if collecting:
            gc.enable()


def _plan(*, load: LoadResult, observed: ObservedState, options: PlanOptions, commit: str | None) -> Plan:
    ctx = Context(
        observed=observed, options=options, incomplete=load.incomplete, desired=tuple(load.resources)
    )
    claims = {str(r.address): r.claimed_names(region=ctx.region(r)) for r in load.resources}
    collisions = _name_collisions(ctx, claims)
    changes = [
        change(res, ctx.region(res), [Action.ERROR], collisions[str(res.address)])
        if str(res.address) in collisions
        else _plan_one(ctx, res)
        for res in load.resources
    ]
    changes.extend(plan_prune(ctx))
    changes = guard(changes, cluster=observed.cluster, claims=claims, default_region=options.default_region)
    ordered = sorted_changes(changes)
    failed = [c for c in ordered if Action.ERROR in c.actions]
    errors = list(load.issues)
    errors.extend(Issue(source=c.source, address=c.address, path="", message=c.reason) for c in failed)
    if observed.errors:
        errors.extend(_unexplained_read_errors(load=load, observed=observed, explained_by=failed, errors=errors))
    return Plan(
        source=PlanSource(path=load.root, commit=commit, specs_digest=load.specs_digest),
        observed_digest=_observed_digest(ctx, observed),
        resource_changes=ordered,
        errors=tuple(errors),
        skipped=load.skipped,
        options=options.to_dict(),
    )


def _unexplained_read_errors(
    *, load: LoadResult, observed: ObservedState, explained_by: list[ResourceChange], errors: list[Issue]
) -> list[Issue]:
    """The observation errors no error change or load issue already states, each located at its
    spec (file:line) when it names a resource, not "<unknown>"."""
    explained = {(e.address, e.message) for e in errors}
    explained |= {(c.address, c.reason) for c in explained_by}
    sources = {str(r.address): r.source for r in load.resources}
    error_reasons: dict[str, list[str]] = {}
    for c in explained_by:
        error_reasons.setdefault(c.address, []).append(c.reason)
    return [
        replace(i, source=sources.get(i.address or "")) if i.source is None and i.address in sources else i
        for i in observed.errors
        if (i.address, i.message) not in explained
        and not (i.address and any(i.message in reason for reason in error_reasons.get(i.address, ())))
    ]


def _observed_digest(ctx: Context, observed: ObservedState) -> str:
    """The AWS state the plan consulted, and the cluster CR state when there is any."""
    aws = ctx.observed_digest()
    cluster = cluster_digest(observed.cluster)
    return aws if cluster is None else digest({"aws": aws, "cluster": cluster})


def _name_collisions(ctx: Context, claims_by_address: Mapping[str, list[tuple[str, str, str]]]) -> dict[str, str]:
    """Addresses that claim an AWS name another address also claims, with the reason to show.

    Two specs (say the same ``metadata.name`` in two namespaces with an identical spec) would
    otherwise both own one SageMaker job or endpoint and fight over it on every pass.
    """
    first: dict[tuple[str, str, str], DesiredResource] = {}
    shared: dict[tuple[str, str, str], list[DesiredResource]] = {}  # only the names claimed twice
    for res in ctx.desired:
        for claim in claims_by_address[str(res.address)]:
            owner = first.setdefault(claim, res)
            if owner is not res:
                owners = shared.setdefault(claim, [owner])
                if owners[-1] is not res:  # one spec claiming a name twice (two variants, one model) is one owner
                    owners.append(res)
    out: dict[str, str] = {}
    # Sorting only the names claimed twice keeps this linear (sorting every claim was not).
    for (region, type_, name), owners in sorted(shared.items()):
        for res in owners:
            others = ", ".join(f"{o.address} ({o.source})" for o in owners if o is not res)
            out.setdefault(
                str(res.address),
                f"the {type_} {name!r} in {region} is also claimed by {others}; give each spec its own name",
            )
    return out


def _plan_one(ctx: Context, res: DesiredResource) -> ResourceChange:
    if res.kind.is_job:
        return plan_job(ctx, res)
    planner = _PLANNERS[res.kind]
    return planner(ctx, res)



_PLANNERS: dict[Kind, Callable[[Context, DesiredResource], ResourceChange]] = {
    Kind.HOSTING_DEPLOYMENT: plan_hosting_deployment,
    Kind.HOSTING_AUTOSCALING_POLICY: plan_autoscaling,
    Kind.SCALABLE_TARGET: plan_autoscaling,
    Kind.SCALING_POLICY: plan_autoscaling,
    Kind.MODEL: plan_immutable(ObservedType.MODEL, "model", "Model"),
    Kind.ENDPOINT_CONFIG: plan_immutable(ObservedType.ENDPOINT_CONFIG, "endpoint_config", "EndpointConfig"),
    Kind.ENDPOINT: plan_ack_endpoint,
}
