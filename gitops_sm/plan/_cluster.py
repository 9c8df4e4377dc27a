"""The in-cluster rule: never create, change, stop or delete what an operator CR manages.

Called by :mod:`gitops_sm.plan.planner` after every resource (and prune) is planned. The planner
gets the operators' CRs as plain values (``ObservedState.cluster``, a
:class:`~gitops_sm.model.ClusterState` read by ``gitops_sm.kube``). Two controllers reconciling
one endpoint is the worst thing this tool could cause, so:

* a change with a step that touches (by service, call and target) a SageMaker or Application Auto
  Scaling resource a CR manages becomes an ``error`` naming the CR, with no steps;
* a desired spec whose address equals a CR's (the same manifest applied in the cluster and kept in
  git) is an ``error`` too: the operator would create its own copy of the resource;
* a no-op or wait on such a resource keeps its action, and its reason says who else manages it.

A CR being deleted with its AWS resources retained (no v1 finalizer left, or ACK's
``deletion-policy: retain``) no longer manages anything (``ClusterResource.released``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from gitops_sm import kinds
from gitops_sm.model import (
    Action,
    ClusterResource,
    ClusterState,
    ObservedType,
    ResourceChange,
    Step,
    digest,
)

_SAGEMAKER_TYPES: dict[str, ObservedType] = {
    "Model": ObservedType.MODEL,
    "EndpointConfig": ObservedType.ENDPOINT_CONFIG,
    "Endpoint": ObservedType.ENDPOINT,
    "EndpointWeightsAndCapacities": ObservedType.ENDPOINT,
    **{info.noun: ObservedType(info.noun) for info in kinds.JOB_KINDS.values()},
}
_VERBS = ("Create", "Update", "Delete", "Stop")


def touched(step: Step) -> list[tuple[ObservedType | None, str]]:
    """(observed type, name) of what ``step`` changes; type None: any type of that name (tags)."""
    if step.service == kinds.AUTOSCALING:
        rid, _, policy = step.target.partition("#")
        if policy:
            return [(ObservedType.SCALING_POLICY, step.target), (ObservedType.SCALABLE_TARGET, rid)]
        return [(ObservedType.SCALABLE_TARGET, rid)]
    if step.call in ("AddTags", "DeleteTags"):
        return [(None, step.target)]
    for verb in _VERBS:
        if step.call.startswith(verb) and (type_ := _SAGEMAKER_TYPES.get(step.call[len(verb):])):
            return [(type_, step.target)]
    return [(None, step.target)]


def _manager(cluster: ClusterState, region: str, type_: ObservedType | None, name: str) -> ClusterResource | None:
    types = [type_] if type_ is not None else list(ObservedType)
    for candidate in types:
        if cr := cluster.managing(region=region, type_=candidate, name=name):
            return cr
    return None


def advice(cr: ClusterResource) -> str:
    return f"managed in-cluster by {cr.address} ({cr.api_version}); run `gitops-sm migrate --from-cluster` or remove the CR"


def claimed_managers(cluster: ClusterState, region: str, claims: Iterable[tuple[str, str, str]]) -> list[ClusterResource]:
    out: dict[str, ClusterResource] = {}
    for claim_region, type_, name in claims:
        if cr := cluster.managing(region=claim_region or region, type_=ObservedType(type_), name=name):
            out.setdefault(cr.address, cr)
    return list(out.values())


def guard(
    changes: Sequence[ResourceChange],
    *,
    cluster: ClusterState,
    claims: Mapping[str, list[tuple[str, str, str]]],
    default_region: str,
) -> list[ResourceChange]:
    """``changes`` with the in-cluster rule applied (see the module docstring). ``claims``: the AWS
    names each desired address claims (``DesiredResource.claimed_names``), keyed by every desired
    address."""
    if not cluster.resources:
        return list(changes)
    out: list[ResourceChange] = []
    for change in changes:
        region = change.region or default_region
        same = cluster.at_address(change.address) if change.address in claims else None
        hit = next(
            (cr for step in change.steps for type_, name in touched(step)
             if (cr := _manager(cluster, step.region or region, type_, name))),
            None,
        )
        if same is not None and same.api_version == (change.api_version or same.api_version):
            reason = f"the same manifest is applied in the cluster: {advice(same)}"
            out.append(replace(change, actions=(Action.ERROR,), reason=reason, steps=()))
        elif hit is not None:
            out.append(replace(change, actions=(Action.ERROR,), reason=f"{advice(hit)} (the plan was: {change.reason})",
                               steps=()))
        elif managers := claimed_managers(cluster, region, claims.get(change.address, [])):
            if Action.ERROR in change.actions:
                out.append(replace(change, reason=f"{advice(managers[0])}; besides: {change.reason}"))
            else:
                who = ", ".join(cr.address for cr in managers)
                out.append(replace(change, reason=f"{change.reason} (also managed in-cluster by {who})"))
        else:
            out.append(change)
    return out


def cluster_digest(cluster: ClusterState) -> str | None:
    """What of the CR state a plan depends on (None without CRs): who manages what, and releases."""
    if not cluster.resources:
        return None
    views = [
        {"address": cr.address, "api_version": cr.api_version, "uid": cr.uid, "manages": [m.to_dict() for m in cr.manages],
         "released": cr.released}
        for cr in cluster.resources
    ]
    return digest(sorted(views, key=lambda v: (str(v["api_version"]), str(v["address"]))))
