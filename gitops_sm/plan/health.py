"""Pure per-kind health of desired resources, judged from one pass's observed state.

Called by :mod:`gitops_sm.plan.status` (the ``status`` report, which ``--wait`` and ``reconcile``'s
status files are built from) for a one-word verdict per resource, and by the planner modules for
the rules they share with it (``ownership_conflict``, ``spec_job``, ``scaling_units``). Like
gitops-engine's health checks, health is a pure function of what was observed: no I/O, no clock.

:func:`spec_job` is the one rule for which observed job is a job spec's own (its name, or a name an
earlier naming rule gave the same spec); the planner, ``status``, the status files and ``logs`` all
ask it.

Health answers "is the thing the spec asks for there and working?":

* ``missing``      SageMaker has no object with the spec's name (not created yet).
* ``progressing``  it exists and is moving (job InProgress/Stopping, endpoint Creating/Updating, …),
                   or autoscaling is only partly applied (a pass removes and re-adds it around an
                   endpoint update).
* ``healthy``      it finished or serves as asked (job Completed, endpoint InService, model exists).
* ``suspended``    a job that was stopped.
* ``degraded``     failed, or the name is taken by an object gitops-sm does not own for this
                   address (a conflict), or the spec changed under an immutable explicit name.
* ``unknown``      AWS could not be read for it in this pass.
* ``error``        the spec itself failed to load (only :mod:`~gitops_sm.plan.status` uses it: a
                   spec that failed to load has no ``DesiredResource`` to judge).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gitops_sm import kinds, ownership
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    JOB_OBSERVED_TYPES,
    DesiredResource,
    ObservedResource,
    ObservedState,
    ObservedType,
    digest,
    policy_key,
)


class Health(StrEnum):
    HEALTHY = "healthy"
    PROGRESSING = "progressing"
    DEGRADED = "degraded"
    MISSING = "missing"
    SUSPENDED = "suspended"  # a stopped job
    UNKNOWN = "unknown"
    ERROR = "error"  # the spec failed to load


NOT_CREATED = "not created yet"

# Finds one observed object by (region, type, name): ``ObservedState.get``, or the planner's
# ``Context.get`` (which also records what the plan consulted).
Lookup = Callable[[str, ObservedType, str], ObservedResource | None]

_JOB_HEALTH = {
    "Completed": Health.HEALTHY,
    "InProgress": Health.PROGRESSING,
    "Stopping": Health.PROGRESSING,
    "Deleting": Health.PROGRESSING,  # tuning jobs can be deleted
    "Stopped": Health.SUSPENDED,
    "Failed": Health.DEGRADED,
    "DeleteFailed": Health.DEGRADED,
}

_ENDPOINT_HEALTH = {
    kinds.ENDPOINT_IN_SERVICE: Health.HEALTHY,
    "Creating": Health.PROGRESSING,
    "Updating": Health.PROGRESSING,
    "SystemUpdating": Health.PROGRESSING,
    "RollingBack": Health.PROGRESSING,
    "Deleting": Health.PROGRESSING,
    kinds.ENDPOINT_FAILED: Health.DEGRADED,
    # Both the update and its rollback failed: the endpoint serves, but not what anyone asked for.
    "UpdateRollbackFailed": Health.DEGRADED,
    "OutOfService": Health.DEGRADED,
}


def job_health(status: str | None) -> Health:
    """Health of a SageMaker job status (``TrainingJobStatus``, ``HyperParameterTuningJobStatus``, …)."""
    return _JOB_HEALTH.get(status or "", Health.UNKNOWN)


def endpoint_health(status: str | None) -> Health:
    """Health of a SageMaker ``EndpointStatus``."""
    return _ENDPOINT_HEALTH.get(status or "", Health.UNKNOWN)


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """A health verdict with the sentence that explains it ("" when the status says it all)."""

    health: Health
    message: str = ""


def health_of(res: DesiredResource, observed: ObservedState, *, region: str) -> Health:
    """Health of one desired resource; ``region`` is ``res.region or default_region``."""
    return assess(res, observed, region=region).health


def assess(res: DesiredResource, observed: ObservedState, *, region: str) -> Assessment:
    """Health of one desired resource with its explanation."""
    read_error = _read_error(res, observed)
    if read_error:
        return Assessment(health=Health.UNKNOWN, message=read_error)
    if res.kind.is_job:
        return _assess_job(res, observed, region)
    if res.kind.creates_endpoint:
        return _assess_endpoint(res, observed, region)
    if res.kind is Kind.MODEL:
        return _assess_immutable(res, observed, region, ObservedType.MODEL, "model")
    if res.kind is Kind.ENDPOINT_CONFIG:
        return _assess_immutable(res, observed, region, ObservedType.ENDPOINT_CONFIG, "endpoint_config")
    return _assess_autoscaling(res, observed, region)


# --------------------------------------------------------------------------- shared rules


def _read_error(res: DesiredResource, observed: ObservedState) -> str:
    """The observation error that names this resource, if any (observe records them per address)."""
    for issue in observed.errors:
        if issue.address == str(res.address):
            return issue.message
    return ""


def _absent(observed: ObservedState, region: str, type_: ObservedType, noun: str) -> Assessment:
    """No object by that name: ``missing`` only if the whole type was listed, else ``unknown``."""
    if observed.was_listed(region, type_):
        return Assessment(health=Health.MISSING, message=NOT_CREATED)
    return Assessment(health=Health.UNKNOWN, message=f"the {noun}s of {region} were not read in this pass")


def ownership_conflict(res: DesiredResource, obs: ObservedResource, noun: str) -> str:
    """Why ``obs`` is not ours to report as ``res`` ("" when it is, or its tags were not read)."""
    return ownership.ownership_conflict(obs.tags, address=str(res.address), noun=noun, name=obs.name, region=obs.region)


def _stale_spec(res: DesiredResource, obs: ObservedResource, noun: str, fix: str) -> str:
    """Ours, but its spec-hash tag names another version of the spec: it was created from an earlier
    one, or adopted with differences (the tag then records the spec that matches it). Possible only
    under an explicit name."""
    if obs.tags is None:
        return ""
    observed_hash = obs.tags.get(kinds.TAG_SPEC_HASH)
    if observed_hash is None or observed_hash == res.spec_hash:
        return ""
    return f"{noun} {obs.name} was created from an earlier version of this spec, or adopted with differences from it; {fix}"


def spec_job(*, res: DesiredResource, region: str, get: Lookup) -> ObservedResource | None:
    """The observed job that is job spec ``res``'s own, or None when there is none yet.

    That is the job under ``res.names["job"]``; else a job under one of ``res.previous_names`` (the
    names an earlier naming rule gave this very spec: before issue 7 a generated job name hashed
    the spec only, now it hashes the address too). A job under a previous name is this spec's only
    when its tags name this address and spec hash, or when it finished and its tags were not read
    (observe reads no tags of a finished job it lists under a name no spec wants; that name is this
    spec's old one, so it ran this spec). Keeping it means no second run after an upgrade, and
    every reader reports it under its real name, ``obs.name``.

    ``get`` looks one object up: ``observed.get``, or the planner's ``ctx.get`` so the plan records
    what it consulted.
    """
    type_ = JOB_OBSERVED_TYPES[res.kind]
    found = get(region, type_, res.names["job"])
    if found is not None:
        return found
    for legacy in res.previous_names:
        found = get(region, type_, legacy)
        if found is None:
            continue
        if found.tags is None:
            if found.status in kinds.TERMINAL_JOB_STATUSES:
                return found
            continue
        tags = found.tags
        if (
            ownership.is_managed(tags)
            and tags.get(kinds.TAG_ADDRESS) == str(res.address)
            and tags.get(kinds.TAG_SPEC_HASH) == res.spec_hash
        ):
            return found
    return None


# --------------------------------------------------------------------------- per kind


def _assess_job(res: DesiredResource, observed: ObservedState, region: str) -> Assessment:
    type_ = JOB_OBSERVED_TYPES[res.kind]
    noun = kinds.JOB_KINDS[res.kind].noun
    obs = spec_job(res=res, region=region, get=observed.get)
    if obs is None:
        return _absent(observed, region, type_, noun)
    if conflict := ownership_conflict(res, obs, noun):
        return Assessment(health=Health.DEGRADED, message=conflict)
    if stale := _stale_spec(res, obs, noun, "jobs are immutable, so give the spec a new job name to run it"):
        return Assessment(health=Health.DEGRADED, message=stale)
    health = job_health(obs.status)
    reason = str(obs.details.get("FailureReason") or "")
    return Assessment(health=health, message=reason if health is Health.DEGRADED else "")


def desired_endpoint_config(res: DesiredResource) -> str | None:
    """The endpoint config the spec asks the endpoint to run."""
    if "endpoint_config" in res.names:
        return res.names["endpoint_config"]  # HostingDeployment: content-addressed config
    for request in res.requests:  # ACK Endpoint: names an EndpointConfig resource
        if request.operation == "CreateEndpoint":
            value = request.params.get("EndpointConfigName")
            return str(value) if value else None
    return None


def config_shape(params: Mapping[str, Any]) -> str:
    """A hash of endpoint config parameters without the name, tags and initial counts/weights.

    Two configs of the same shape differ only in what ``UpdateEndpointWeightsAndCapacities``
    changes in place, so an endpoint running either one runs what the spec asks for. The planner's
    HostingDeployment ``CreateEndpointConfig`` step records it as the ``gitops-sm/config-shape`` tag.
    """
    variants = [
        {k: v for k, v in variant.items() if k not in ("InitialInstanceCount", "InitialVariantWeight")}
        for variant in params.get("ProductionVariants") or ()
        if isinstance(variant, Mapping)
    ]
    rest = {k: v for k, v in params.items() if k not in ("EndpointConfigName", "Tags", "ProductionVariants")}
    return digest({"variants": variants, "config": rest})[len("sha256:") :][:16]


def _same_shape(res: DesiredResource, observed: ObservedState, region: str, current: str) -> bool:
    """The running config differs from the HostingDeployment's only in counts/weights (applied in place)."""
    config = observed.get(region, ObservedType.ENDPOINT_CONFIG, current)
    want = next((r.params for r in res.requests if r.operation == "CreateEndpointConfig"), None)
    if config is None or config.tags is None or want is None:
        return False
    return config.tags.get(kinds.TAG_CONFIG_SHAPE) == config_shape(want)


def _assess_endpoint(res: DesiredResource, observed: ObservedState, region: str) -> Assessment:
    obs = observed.get(region, ObservedType.ENDPOINT, res.names["endpoint"])
    if obs is None:
        return _absent(observed, region, ObservedType.ENDPOINT, "Endpoint")
    if conflict := ownership_conflict(res, obs, "Endpoint"):
        return Assessment(health=Health.DEGRADED, message=conflict)
    health = endpoint_health(obs.status)
    if health is Health.DEGRADED:
        return Assessment(health=health, message=str(obs.details.get("FailureReason") or ""))
    current = obs.details.get("EndpointConfigName")
    desired = desired_endpoint_config(res)
    if current and desired and current != desired and not _same_shape(res, observed, region, str(current)):
        # Serving, but not yet what the spec asks for: the next apply (or the running update) moves it.
        return Assessment(
            health=health, message=f"runs endpoint config {current}; the spec asks for {desired}"
        )
    return Assessment(health=health)


def _assess_immutable(
    res: DesiredResource, observed: ObservedState, region: str, type_: ObservedType, role: str
) -> Assessment:
    obs = observed.get(region, type_, res.names[role])
    if obs is None:
        return _absent(observed, region, type_, type_.value)
    if conflict := ownership_conflict(res, obs, type_.value):
        return Assessment(health=Health.DEGRADED, message=conflict)
    fix = f"a SageMaker {type_.value} cannot be modified, so give the spec a new name"
    if stale := _stale_spec(res, obs, type_.value, fix):
        return Assessment(health=Health.DEGRADED, message=stale)
    return Assessment(health=Health.HEALTHY)


@dataclass(frozen=True, kw_only=True)
class ScalingUnit:
    """What one autoscaling spec asks for one resource ID (``endpoint/<e>/variant/<v>``)."""

    resource_id: str
    target: Mapping[str, Any] | None  # RegisterScalableTarget parameters
    policy: Mapping[str, Any] | None  # PutScalingPolicy parameters

    @property
    def policy_name(self) -> str | None:
        return str(self.policy["PolicyName"]) if self.policy and "PolicyName" in self.policy else None


def scaling_units(res: DesiredResource) -> list[ScalingUnit]:
    """The resource IDs of a HAP / ScalableTarget / ScalingPolicy, in spec order."""
    by_id: dict[str, dict[str, Mapping[str, Any]]] = {}
    for request in res.requests:
        by_id.setdefault(str(request.params.get("ResourceId")), {})[request.operation] = request.params
    return [
        ScalingUnit(
            resource_id=rid, target=ops.get("RegisterScalableTarget"), policy=ops.get("PutScalingPolicy")
        )
        for rid, ops in by_id.items()
    ]


def _assess_autoscaling(res: DesiredResource, observed: ObservedState, region: str) -> Assessment:
    wanted = 0
    present = 0
    for unit in scaling_units(res):
        if unit.target is not None:
            wanted += 1
            present += observed.get(region, ObservedType.SCALABLE_TARGET, unit.resource_id) is not None
        if unit.policy_name is not None:
            wanted += 1
            key = policy_key(unit.resource_id, unit.policy_name)
            present += observed.get(region, ObservedType.SCALING_POLICY, key) is not None
    for type_ in (ObservedType.SCALABLE_TARGET, ObservedType.SCALING_POLICY):
        if present < wanted and not observed.was_listed(region, type_):
            return Assessment(
                health=Health.UNKNOWN, message=f"the {type_.value}s of {region} were not read in this pass"
            )
    if present == wanted:
        return Assessment(health=Health.HEALTHY, message="; ".join(_capacity_drift(res, observed, region)))
    if present == 0:
        return Assessment(health=Health.MISSING, message=NOT_CREATED)
    return Assessment(
        health=Health.PROGRESSING, message=f"{present} of {wanted} targets and policies are in place"
    )


def _capacity_drift(res: DesiredResource, observed: ObservedState, region: str) -> list[str]:
    """``endpoint/e/variant/v: MaxCapacity 2 (spec 4)`` for registered targets that differ from the spec."""
    drift: list[str] = []
    for unit in scaling_units(res):
        obs = observed.get(region, ObservedType.SCALABLE_TARGET, unit.resource_id)
        if unit.target is None or obs is None:
            continue
        for field_name in ("MinCapacity", "MaxCapacity"):
            want, have = unit.target.get(field_name), obs.details.get(field_name)
            if want is not None and have is not None and want != have:
                drift.append(f"{unit.resource_id}: {field_name} {have} (spec {want})")
    return drift
