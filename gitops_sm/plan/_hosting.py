"""Planning hosting: HostingDeployment (v1) and the ACK Endpoint, Model and EndpointConfig kinds.

Called by :mod:`gitops_sm.plan.planner`. A HostingDeployment's Models and EndpointConfig are
content-addressed and never mutated: an update creates new ones and moves the endpoint; while the
endpoint is not ``InService`` the update waits (design section 4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gitops_sm import kinds
from gitops_sm.model import Action, DesiredResource, ObservedResource, ObservedType, ResourceChange, Step
from gitops_sm.plan._context import (
    Context,
    call,
    change,
    claim,
    owner_problem,
    references,
    step,
    tags_of,
    without_tags,
)


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
    after = {
        "endpoint": endpoint,
        "endpoint_config": config,
        "models": sorted(str(r.params["ModelName"]) for r in model_requests),
        "production_variants": _variants_view(config_request.params.get("ProductionVariants")),
    }

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
        prereq_steps.append(step(res, region, config_request, config))
    elif conflict := owner_problem(ctx, res, obs_config, "EndpointConfig"):
        return change(res, region, [Action.ERROR], conflict)

    obs = ctx.get(region, ObservedType.ENDPOINT, endpoint)
    if obs is None:
        steps = [*prereq_steps, step(res, region, endpoint_request, endpoint)]
        return change(res, region, [Action.CREATE], f"endpoint {endpoint} does not exist", after=after, steps=steps)
    return endpoint_update(ctx, res, region, obs, config, prereq_steps, after)


def endpoint_update(
    ctx: Context,
    res: DesiredResource,
    region: str,
    obs: ObservedResource,
    config: str,
    prereq_steps: list[Step],
    after: Mapping[str, Any],
    depends_on: Iterable[str] = (),
) -> ResourceChange:
    endpoint = obs.name
    current = obs.details.get("EndpointConfigName")
    before = {"endpoint": endpoint, "status": obs.status, "endpoint_config": current}
    request = next(r for r in res.requests if r.operation == "CreateEndpoint")
    if claimed := claim(ctx, res, region, obs, noun="Endpoint", request=request, before=before, after=after,
                         depends_on=depends_on):
        return claimed
    if current == config:
        if obs.status == kinds.ENDPOINT_FAILED:
            reason = f"endpoint {endpoint} is Failed: {obs.details.get('FailureReason', 'no reason given')}"
            return change(res, region, [Action.ERROR], reason, before=before, after=after)
        if obs.status != kinds.ENDPOINT_IN_SERVICE:
            return change(
                res, region, [Action.WAIT], f"endpoint {endpoint} is {obs.status}; waiting for InService",
                before=before, after=after, depends_on=depends_on,
            )
        return change(res, region, [Action.NOOP], f"endpoint {endpoint} is InService on {config}", before=before, after=after)
    if obs.status != kinds.ENDPOINT_IN_SERVICE and obs.status != kinds.ENDPOINT_FAILED:
        return change(
            res, region, [Action.WAIT],
            f"endpoint {endpoint} must move to {config} but is {obs.status}; the update waits until it is InService",
            before=before, after=after, depends_on=depends_on,
        )
    steps = [
        *prereq_steps,
        call(res, region, kinds.SAGEMAKER, "UpdateEndpoint", endpoint, EndpointName=endpoint, EndpointConfigName=config),
    ]
    reason = f"endpoint {endpoint} runs {current}; the spec asks for {config}"
    if obs.status == kinds.ENDPOINT_FAILED:
        reason += " (the endpoint is Failed; the update retries it)"
    return change(res, region, [Action.UPDATE], reason, before=before, after=after, steps=steps, depends_on=depends_on)


def _variants_view(variants: Any) -> list[dict[str, Any]]:
    if not isinstance(variants, list):
        return []
    keep = ("VariantName", "ModelName", "InstanceType", "InitialInstanceCount", "InitialVariantWeight")
    return [{k: v[k] for k in keep if k in v} for v in variants if isinstance(v, dict)]


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
    after = {"endpoint": endpoint, "endpoint_config": config}
    if problem := ctx.read_error(res, region, [ObservedType.ENDPOINT]):
        return change(res, region, [Action.ERROR], problem)
    obs = ctx.get(region, ObservedType.ENDPOINT, endpoint)
    if obs is None:
        return change(res, region, [Action.CREATE], f"endpoint {endpoint} does not exist", after=after,
                       steps=[step(res, region, request, endpoint)], depends_on=depends)
    return endpoint_update(ctx, res, region, obs, config, [], after, depends)


