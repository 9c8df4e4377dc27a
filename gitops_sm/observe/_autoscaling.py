"""Reading Application Auto Scaling targets and policies of SageMaker variants in one region.

Called by :func:`gitops_sm.observe.observe` once per region that holds hosting or autoscaling
resources: two paginated calls for the whole ``sagemaker`` namespace, whatever the number of
endpoints (design section 10).

Tags of scalable targets are not read (``tags`` stays None): reading them costs one
ListTagsForResource per target, and the simulator does not implement it. Ownership of a target
or policy follows the ownership of its endpoint (ResourceId ``endpoint/<name>/variant/<v>``).
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_sm.kinds import AUTOSCALING, HAP_DEFAULT_SCALABLE_DIMENSION, HAP_DEFAULT_SERVICE_NAMESPACE
from gitops_sm.model import ObservedResource, ObservedType, policy_key
from gitops_sm.observe._reader import Reader, ReadFailed, Scope, pick

PAGE_SIZE = 50  # the maximum of DescribeScalableTargets / DescribeScalingPolicies

_POLICY_CONFIG_KEYS = (
    "TargetTrackingScalingPolicyConfiguration",
    "StepScalingPolicyConfiguration",
    "PredictiveScalingPolicyConfiguration",
)


def observe_autoscaling(reader: Reader, *, region: str, addresses: Iterable[str]) -> None:
    """Every scalable target and scaling policy of the ``sagemaker`` namespace in ``region``."""
    scope = Scope(region=region)  # a SageMaker endpoint override does not apply to this service
    client = reader.client(AUTOSCALING, scope)
    affected = list(addresses)
    try:
        targets = reader.paginate(
            client,
            "DescribeScalableTargets",
            result_key="ScalableTargets",
            page_size=PAGE_SIZE,
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
            reader.put(
                ObservedResource(
                    type=ObservedType.SCALABLE_TARGET,
                    region=region,
                    name=target["ResourceId"],
                    arn=target.get("ScalableTargetARN"),
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
            page_size=PAGE_SIZE,
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
