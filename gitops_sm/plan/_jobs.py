"""Planning jobs (training, tuning, transform, processing): immutable, replaced on a changed spec.

Called by :mod:`gitops_sm.plan.planner` for every job kind. A generated job name embeds a hash of
the address and the spec hash (:mod:`gitops_sm.naming`), so a changed spec is a new job and two
addresses never want one name; a job under the name the earlier rule gave (spec hash only) carries
over (:func:`gitops_sm.plan.health.spec_job` decides which job is the spec's); an earlier job of
the same address still running is stopped in the same pass (design section 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gitops_sm import kinds
from gitops_sm.kinds import JOB_KINDS, JobKindInfo
from gitops_sm.model import (
    JOB_OBSERVED_TYPES,
    Action,
    DesiredResource,
    ObservedResource,
    ObservedType,
    ResourceChange,
    Step,
)
from gitops_sm.naming import generated_prefix
from gitops_sm.plan._context import (
    Context,
    call,
    change,
    claim,
    is_ours,
    references,
    step,
    tags_of,
    without_tags,
)
from gitops_sm.plan.health import spec_job

# --------------------------------------------------------------------------- jobs


def plan_job(ctx: Context, res: DesiredResource) -> ResourceChange:
    info = JOB_KINDS[res.kind]
    type_ = JOB_OBSERVED_TYPES[res.kind]
    region = ctx.region(res)
    name = res.names["job"]
    request = res.requests[0]
    after = {"name": name, "spec_hash": res.spec_hash, "request": without_tags(request.params)}
    obs = spec_job(res=res, region=region, get=ctx.get)
    if obs is not None and obs.name != name:
        name = obs.name  # this spec's job, named by the rule before issue 7
        after = {**after, "name": name}
        res = replace(res, names={**res.names, "job": name})  # the plan names it as SageMaker does
    problem = ctx.read_error(res, region, [type_])
    if problem:  # a read about this job failed (throttled, denied): never judged from half the facts
        before = {"name": obs.name, "status": obs.status} if obs is not None else None
        return change(res, region, [Action.ERROR], problem, before=before)

    if obs is not None:
        before = {"name": obs.name, "status": obs.status, "spec_hash": tags_of(obs).get(kinds.TAG_SPEC_HASH)}
        if claimed := claim(ctx, res, region, obs, noun=info.noun, request=request, before=before, after=after):
            return claimed
        observed_hash = before["spec_hash"]
        if obs.tags is not None and observed_hash != res.spec_hash:
            # Only an explicit name can collide with a different spec: generated names embed the hash.
            field = info.name_member[0].lower() + info.name_member[1:]  # as both dialects spell it: trainingJobName
            return change(
                res, region, [Action.ERROR],
                f"the spec changed but the job name is explicit (spec.{field}: {name}); SageMaker jobs are "
                f"immutable, so set a new spec.{field} to run a new job (the existing one is {obs.status}). Its "
                f"{kinds.TAG_SPEC_HASH} tag {observed_hash} records the spec it ran (or, if it was adopted, the spec "
                f"that matched it), not this spec's {res.spec_hash}",
                before=before, after=after,
            )
        current = f"{info.noun} {name} is {obs.status or 'present'}"
        # Earlier jobs of this address still running: a reverted spec, or a replace that died
        # between its create and its stop. Their spec is no longer the one in git.
        leftovers = [p for p in _previous_jobs(ctx, res, region, type_, name) if p.status == "InProgress" and p.tags]
        if leftovers:
            stops, note = _stop_steps(ctx, res, region, info, leftovers)
            if stops:
                return change(res, region, [Action.STOP], f"{current}; the running job of an earlier spec version "
                               f"{note}", before=before, after=after, steps=stops)
            current += f"; the running job of an earlier spec version {note}"
        return change(res, region, [Action.NOOP], current, before=before, after=after,
                       depends_on=references(ctx, res, region))

    # Not there: create it, and find earlier jobs of the same address (a changed spec).
    previous = _previous_jobs(ctx, res, region, type_, name)
    create = step(res, region, request, name)
    running = [p for p in previous if p.status in kinds.RUNNING_JOB_STATUSES and p.tags is not None]
    depends = references(ctx, res, region)
    if not previous:
        return change(res, region, [Action.CREATE], f"{info.noun} {name} does not exist", after=after, steps=[create],
                       depends_on=depends)
    latest = max(previous, key=lambda p: (p.status in kinds.RUNNING_JOB_STATUSES, p.name))
    before = {"name": latest.name, "status": latest.status, "spec_hash": tags_of(latest).get(kinds.TAG_SPEC_HASH)}
    reason = f"the spec changed since {info.noun} {latest.name} ({latest.status}); a new job {name} is created"
    steps = [create]
    to_stop = [p for p in running if p.status == "InProgress"]
    if to_stop:
        stops, note = _stop_steps(ctx, res, region, info, to_stop)
        steps.extend(stops)
        reason += f"; the running job {note}" if not stops else f" and the running {note}"
    return change(res, region, [Action.REPLACE], reason, before=before, after=after, steps=steps, depends_on=depends)


def _stop_steps(
    ctx: Context, res: DesiredResource, region: str, info: JobKindInfo, running: Sequence[ObservedResource]
) -> tuple[list[Step], str]:
    """Stop calls for earlier running jobs of ``res``, unless this pass may not stop anything."""
    names = ", ".join(p.name for p in running)
    if ctx.incomplete:
        return [], f"{names} is NOT stopped because a spec failed to load in this pass"
    if res.prune_protected:
        return [], f'{names} is not stopped ({kinds.ANNOTATION_PRUNE}: "false")'
    steps = [call(res, region, kinds.SAGEMAKER, info.stop_call, p.name, **{info.name_member: p.name}) for p in running]
    return steps, f"{names} is stopped"


def _previous_jobs(
    ctx: Context, res: DesiredResource, region: str, type_: ObservedType, name: str
) -> list[ObservedResource]:
    if res.explicit_name:
        return []
    prefix = generated_prefix(name)
    if prefix is None:
        return []

    def belongs(obs: ObservedResource) -> bool:
        if obs.name == name:
            return False
        if obs.tags is None:
            return True  # a terminal job whose tags were not read: history, reported but never touched
        return is_ours(obs) and tags_of(obs).get(kinds.TAG_ADDRESS) == str(res.address)

    return ctx.with_prefix(region, type_, prefix, belongs)


