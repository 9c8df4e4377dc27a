"""Before a plan is final: the tags of every existing object one of its steps would modify.

``observe`` skips the tags of objects no decision in the pass is expected to touch (a settled
endpoint, a finished job whose generated name proves its spec). The planner cannot tell unread
tags from "ours" (nor tags a Search record supplied, ``observe._search``), so ``gitops_sm.app`` calls :func:`verify_ownership` with the plan it got: every
object a step would modify (update, stop, delete, autoscale) whose tags this pass did not read
gets them read now, and the app plans again with them. The ownership check before any mutation is
therefore exactly as strict as with every tag read up front. An object whose tags cannot be read
now (gone since it was listed, access denied) becomes an observation error naming the change's
address, so that change is an ``error``, never a blind mutation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import AUTOSCALING, SAGEMAKER
from gitops_sm.model import Issue, ObservedResource, ObservedState, ObservedType, Plan, Step
from gitops_sm.observe._reader import Reader, Scope
from gitops_sm.observe._sagemaker import read_tags
from gitops_sm.observe._search import TAGS_FROM_SEARCH

# SageMaker objects a step can modify, looked up by the step's target name.
_MODIFIABLE = (
    ObservedType.ENDPOINT,
    ObservedType.ENDPOINT_CONFIG,
    ObservedType.MODEL,
    ObservedType.TRAINING_JOB,
    ObservedType.HYPERPARAMETER_TUNING_JOB,
    ObservedType.TRANSFORM_JOB,
    ObservedType.PROCESSING_JOB,
)


def verify_ownership(*, observed: ObservedState, plan: Plan, clients: ClientFactory) -> ObservedState:
    """``observed`` with the tags of every object ``plan`` would modify; the same object when
    nothing was missing (then the plan is final)."""
    unread: dict[tuple[str, str, str], tuple[ObservedResource, Scope, set[str]]] = {}
    for change in plan.resource_changes:
        for step in change.steps:
            for obs, scope in _modified(observed, step):
                if obs.tags is None or obs.volatile.get(TAGS_FROM_SEARCH):  # a Search record proves no ownership
                    unread.setdefault(obs.key, (obs, scope, set()))[2].add(change.address)
    if not unread:
        return observed

    reader = Reader(clients=clients)
    reader.resources.update({r.key: r for r in observed.resources})
    reader.listed.update(observed.listed)
    reader.issues.extend(observed.errors)
    for key in sorted(unread):
        obs, scope, addresses = unread[key]
        client = reader.client(SAGEMAKER, scope)
        if read_tags(reader, client, key=key, addresses=addresses) is None and not _reported(reader, addresses):
            message = (
                f"cannot verify that {obs.type.value} {obs.name!r} in {obs.region} is ours: its tags could not "
                "be read (it may have been deleted since it was listed); nothing is changed on it in this pass"
            )
            reader.issues.extend(Issue(source=None, address=a, path="", message=message) for a in sorted(addresses))
    return replace(
        observed,
        resources=tuple(reader.resources[k] for k in sorted(reader.resources)),
        errors=tuple(reader.issues),
    )


def _modified(observed: ObservedState, step: Step) -> Iterator[tuple[ObservedResource, Scope]]:
    """The existing SageMaker objects ``step`` modifies (creates modify nothing that exists)."""
    if step.call.startswith("Create"):
        return
    if step.service == SAGEMAKER:
        scope = Scope(region=step.region, endpoint_url=step.endpoint_url)
        for type_ in _MODIFIABLE:
            if (found := observed.get(step.region, type_, step.target)) is not None:
                yield found, scope
    elif step.service == AUTOSCALING:
        # Targets are "endpoint/<endpoint>/variant/<variant>[#policy]": autoscaling a variant
        # modifies that endpoint, whose tags decide ownership (observe._autoscaling).
        parts = step.target.split("#", 1)[0].split("/")
        if len(parts) >= 4 and parts[0] == "endpoint":
            found = observed.get(step.region, ObservedType.ENDPOINT, parts[1])
            if found is not None:
                yield found, Scope(region=step.region)


def _reported(reader: Reader, addresses: set[str]) -> bool:
    """Whether the failed tag read already recorded an issue for these addresses."""
    return any(issue.address in addresses for issue in reader.issues)
