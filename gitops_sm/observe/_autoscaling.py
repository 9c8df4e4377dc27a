"""Reading Application Auto Scaling targets and policies of SageMaker variants in one region.

Called by :func:`gitops_sm.observe.observe` once per region that holds hosting or autoscaling
resources: two paginated calls for the whole ``sagemaker`` namespace, whatever the number of
endpoints (design section 10).

Tags of scalable targets cost one ListTagsForResource each, so they are read only for: targets no
desired spec declares on a desired endpoint (a HostingAutoscalingPolicy that dropped a variant
finds it by its ``gitops-sm/address`` tag); declared targets whose endpoint was described in this
pass, i.e. not reused from the ledger nor proven settled by its Search record (the planner tags a
target an older gitops-sm registered without tags, and refuses one tagged for another address); and, with ``read_all_tags`` (prune),
every undeclared one. A steady-state pass over the ledger reads none (``tags`` stays None); ownership of a
declared target then follows its spec.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from gitops_sm.kinds import AUTOSCALING, HAP_DEFAULT_SCALABLE_DIMENSION, HAP_DEFAULT_SERVICE_NAMESPACE
from gitops_sm.model import ObservedResource, ObservedType, policy_key
from gitops_sm.observe._reader import Reader, ReadFailed, Scope, pick

TARGETS_PAGE_SIZE = 50  # DescribeScalableTargets' maximum
# DescribeScalingPolicies' maximum is 10 (botocore's model: "between 1 and 10"), not 50.
POLICIES_PAGE_SIZE = 10

_POLICY_CONFIG_KEYS = (
    "TargetTrackingScalingPolicyConfiguration",
    "StepScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
)


def observe_autoscaling(
    reader: Reader,
    *,
    region: str,
    addresses: Iterable[str],
    declared: Collection[str] = (),
    endpoints: Collection[str] = (),
    described: Collection[str] = (),
    read_all_tags: bool = False,
) -> None:
    """Every scalable target and scaling policy of the ``sagemaker`` namespace in ``region``.

    ``declared`` are the resource IDs desired specs declare, ``endpoints`` the desired endpoint names,
    ``described`` the endpoints read from AWS (not the ledger) in this pass.
    """
    scope = Scope(region=region)  # a SageMaker endpoint override does not apply to this service
    client = reader.client(AUTOSCALING, scope)
    affected = list(addresses)
    try:
        targets = reader.paginate(
            client,
            "DescribeScalableTargets",
            result_key="ScalableTargets",
            page_size=TARGETS_PAGE_SIZE,
            target=f"scalable targets in {region}",
            ServiceNamespace=HAP_DEFAULT_SERVICE_NAMESPACE,
        )
    except ReadFailed as failure:
        reader.record_failure(failure, addresses=affected)
    else:
        reader.listed.add((region, ObservedType.SCALABLE_TARGET.value))
        # Variants are keyed by ResourceId; prefer the instance-count dimension if a resource has several.
        targets.sort(key=lambda t: t.get("ScalableDimension") == HAP_DEFAULT_SCALABLE_DIMENSION)
        for target in targets:
            endpoint = target["ResourceId"].split("/")[1] if target["ResourceId"].count("/") == 3 else ""
            if target["ResourceId"] in declared:
                wanted = endpoint in described
            else:
                wanted = read_all_tags or endpoint in endpoints
            tags = _target_tags(reader, client, target, addresses=affected) if wanted else None
            reader.put(
                ObservedResource(
                    type=ObservedType.SCALABLE_TARGET,
                    region=region,
                    name=target["ResourceId"],
                    arn=target.get("ScalableTargetARN"),
                    tags=tags,
                    details=pick(
                        target,
                        (
                            "ServiceNamespace",
                            "ScalableDimension",
                            "MinCapacity",
                            "MaxCapacity",
                            "RoleARN",
                            "SuspendedState",
                        ),
                    ),
                    volatile=pick(target, ("CreationTime",)),
                )
            )
    try:
        policies = reader.paginate(
            client,
            "DescribeScalingPolicies",
            result_key="ScalingPolicies",
            page_size=POLICIES_PAGE_SIZE,
            target=f"scaling policies in {region}",
            ServiceNamespace=HAP_DEFAULT_SERVICE_NAMESPACE,
        )
    except ReadFailed as failure:
        reader.record_failure(failure, addresses=affected)
        return
    reader.listed.add((region, ObservedType.SCALING_POLICY.value))
    for policy in policies:
        details = pick(
            policy, ("ResourceId", "PolicyName", "ServiceNamespace", "ScalableDimension", "PolicyType")
        )
        details.update(pick(policy, _POLICY_CONFIG_KEYS))
        reader.put(
            ObservedResource(
                type=ObservedType.SCALING_POLICY,
                region=region,
                name=policy_key(policy["ResourceId"], policy["PolicyName"]),
                arn=policy.get("PolicyARN"),
                details=details,
                volatile=pick(policy, ("CreationTime", "Alarms")),
            )
        )


def _target_tags(reader: Reader, client: Any, target: Mapping[str, Any], *, addresses: Iterable[str]) -> dict[str, str] | None:
    arn = target.get("ScalableTargetARN")
    if not arn:
        return None
    try:
        response = reader.call(client, "ListTagsForResource", target=str(target["ResourceId"]), ResourceARN=arn)
    except ReadFailed as failure:
        if not failure.not_found:
            reader.record_failure(failure, addresses=addresses)
        return None
    return {str(k): str(v) for k, v in (response.get("Tags") or {}).items()}
