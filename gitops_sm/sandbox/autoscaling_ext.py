"""Application Auto Scaling in the simulator: what moto 5.2 lacks for SageMaker variants.

Extends moto's ``applicationautoscaling`` backend and response class (installed by
``extensions.install``):

- ``RegisterScalableTarget`` keeps ``Tags``; ``TagResource``/``UntagResource``/``ListTagsForResource``
  work on scalable-target ARNs (moto has none of them).
- A ``sagemaker`` target must name an existing endpoint variant (ValidationException otherwise), and
  registering clamps the variant's instance count into [MinCapacity, MaxCapacity] as AWS does.
- ``PutScalingPolicy`` needs a registered target (ObjectNotFoundException, AWS wording).
- ``DeregisterScalableTarget`` also deletes the target's scaling policies (AWS documents this).
- ``DescribeScalableTargets`` (1-50, default 50) and ``DescribeScalingPolicies`` (1-10, default 10:
  moto gives 100) page as botocore's model documents, refusing a ``MaxResults`` out of range
  (``paging``); moto's DescribeScalableTargets NextToken was off by a page.

``sagemaker_ext`` uses :func:`registered_variants` for the UpdateEndpoint rule and
:func:`deregister_endpoint` for DeleteEndpoint (AWS deregisters an endpoint's targets silently).
"""

from __future__ import annotations

import json
from typing import Any

from gitops_sm.sandbox import paging

# moto's handlers that ours replace, by method name; filled once by install().
_ORIGINALS: dict[str, Any] = {}
SAGEMAKER_NAMESPACE = "sagemaker"
SERVICE = "application-autoscaling"


def _backend(account: str, region: str) -> Any:
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    return applicationautoscaling_backends[account][region]


def _variant_of(resource_id: str, endpoint_name: str) -> str | None:
    parts = resource_id.split("/")
    if len(parts) == 4 and parts[0] == "endpoint" and parts[1] == endpoint_name and parts[2] == "variant":
        return parts[3]
    return None


def registered_variants(*, account: str, region: str, endpoint_name: str) -> list[str]:
    """Names of the endpoint's variants registered as scalable targets, in registration order."""
    backend = _backend(account, region)
    found: list[str] = []
    for targets in backend.targets.values():
        for target in targets.values():
            if target.service_namespace != SAGEMAKER_NAMESPACE:
                continue
            variant = _variant_of(target.resource_id, endpoint_name)
            if variant is not None and variant not in found:
                found.append(variant)
    return found


def _delete_policies_of(backend: Any, *, namespace: str, resource_id: str, dimension: str) -> None:
    for key, policy in list(backend.policies.items()):
        if (
            policy.service_namespace == namespace
            and policy.resource_id == resource_id
            and policy.scalable_dimension == dimension
        ):
            policy.delete_alarms(backend.account_id, backend.region_name)
            del backend.policies[key]


def deregister_endpoint(*, account: str, region: str, endpoint_name: str) -> None:
    """Drop every scalable target (and its policies) of the endpoint's variants."""
    backend = _backend(account, region)
    for dimension, targets in backend.targets.items():
        for resource_id, target in list(targets.items()):
            if target.service_namespace == SAGEMAKER_NAMESPACE and _variant_of(resource_id, endpoint_name):
                _delete_policies_of(
                    backend, namespace=SAGEMAKER_NAMESPACE, resource_id=resource_id, dimension=dimension
                )
                del targets[resource_id]


def _error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _validation(message: str) -> Exception:
    return _error("ValidationException", message)


def _all_targets(backend: Any) -> list[Any]:
    return [target for targets in backend.targets.values() for target in targets.values()]


def _target_by_arn(backend: Any, arn: str) -> Any:
    for target in _all_targets(backend):
        if target.arn == arn:
            return target
    raise _error("ResourceNotFoundException", f"No scalable target found for ARN: {arn}")


def _check_sagemaker_variant(response: Any, resource_id: str) -> tuple[Any, dict[str, Any]] | None:
    """The (endpoint, variant) a sagemaker resource ID names; ValidationException when absent."""
    from moto.sagemaker.models import sagemaker_backends

    parts = resource_id.split("/")
    if len(parts) != 4 or parts[0] != "endpoint" or parts[2] != "variant":
        return None
    sagemaker = sagemaker_backends[response.current_account][response.region]
    endpoint = sagemaker.endpoints.get(parts[1])
    variant = None
    if endpoint is not None:
        variant = next((v for v in endpoint.production_variants if v.get("VariantName") == parts[3]), None)
    if endpoint is None or variant is None:
        raise _error(
            "ValidationException",
            f"The endpoint variant {resource_id} does not exist (sandbox: create the endpoint first).",
        )
    return endpoint, variant


class ApplicationAutoScalingExtensions:
    """Methods copied onto moto's ApplicationAutoScalingResponse by :func:`install`."""

    def register_scalable_target(self: Any) -> str:
        namespace = self._get_param("ServiceNamespace")
        resource_id = self._get_param("ResourceId")
        found = _check_sagemaker_variant(self, resource_id) if namespace == SAGEMAKER_NAMESPACE else None
        body: str = _ORIGINALS["register_scalable_target"](self)
        backend = self.applicationautoscaling_backend
        target = backend.targets[self._get_param("ScalableDimension")][resource_id]
        tags = self._get_param("Tags")
        if not hasattr(target, "tags"):
            target.tags = {}
        if tags:
            target.tags.update(tags)
        if found is not None and target.scalable_dimension.endswith(":DesiredInstanceCount"):
            _clamp_variant(found, target)
        return body

    def deregister_scalable_target(self: Any) -> str:
        body: str = _ORIGINALS["deregister_scalable_target"](self)
        _delete_policies_of(
            self.applicationautoscaling_backend,
            namespace=self._get_param("ServiceNamespace"),
            resource_id=self._get_param("ResourceId"),
            dimension=self._get_param("ScalableDimension"),
        )
        return body

    def put_scaling_policy(self: Any) -> str:
        backend = self.applicationautoscaling_backend
        namespace = self._get_param("ServiceNamespace")
        resource_id = self._get_param("ResourceId")
        dimension = self._get_param("ScalableDimension")
        target = backend.targets.get(dimension, {}).get(resource_id)
        if target is None or target.service_namespace != namespace:
            raise _error(
                "ObjectNotFoundException",
                f"No scalable target registered for service namespace: {namespace}, "
                f"resource ID: {resource_id}, scalable dimension: {dimension}",
            )
        body: str = _ORIGINALS["put_scaling_policy"](self)
        return body

    def describe_scalable_targets(self: Any) -> str:
        from moto.applicationautoscaling.responses import _build_target

        self._validate_params()
        targets = self.applicationautoscaling_backend.describe_scalable_targets(
            self._get_param("ServiceNamespace"),
            self._get_param("ResourceIds"),
            self._get_param("ScalableDimension"),
        )
        size = paging.page_size(
            SERVICE, "DescribeScalableTargets", self._get_param("MaxResults"), invalid=_validation
        )
        page, next_token = paging.cut(targets, token=self._get_param("NextToken"), size=size, invalid=_validation)
        return json.dumps({"ScalableTargets": [_build_target(t) for t in page], "NextToken": next_token})

    def describe_scaling_policies(self: Any) -> str:
        from moto.applicationautoscaling.responses import _build_policy

        self._validate_params()
        size = paging.page_size(
            SERVICE, "DescribeScalingPolicies", self._get_param("MaxResults"), invalid=_validation
        )
        backend = self.applicationautoscaling_backend
        # moto's own filtering of the stored policies, every match at once; paged below.
        _token, policies = backend.describe_scaling_policies(
            service_namespace=self._get_param("ServiceNamespace"),
            resource_id=self._get_param("ResourceId"),
            scalable_dimension=self._get_param("ScalableDimension"),
            max_results=len(backend.policies) + 1,
            next_token=None,
        )
        page, next_token = paging.cut(policies, token=self._get_param("NextToken"), size=size, invalid=_validation)
        return json.dumps({"ScalingPolicies": [_build_policy(p) for p in page], "NextToken": next_token})

    def tag_resource(self: Any) -> str:
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        if not hasattr(target, "tags"):
            target.tags = {}
        target.tags.update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        for key in self._get_param("TagKeys") or []:
            getattr(target, "tags", {}).pop(key, None)
        return json.dumps({})

    def list_tags_for_resource(self: Any) -> str:
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        return json.dumps({"Tags": dict(getattr(target, "tags", {}))})


def _clamp_variant(found: tuple[Any, dict[str, Any]], target: Any) -> None:
    _endpoint, variant = found
    current = variant.get("DesiredInstanceCount")
    if current is None:
        return
    low = target.min_capacity if target.min_capacity is not None else current
    high = target.max_capacity if target.max_capacity is not None else current
    clamped = max(low, min(high, current))
    if clamped != current:
        variant["DesiredInstanceCount"] = clamped
        variant["CurrentInstanceCount"] = clamped


def install() -> None:
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    if _ORIGINALS:
        return
    for name, function in vars(ApplicationAutoScalingExtensions).items():
        if name.startswith("_") or not callable(function):
            continue
        original = ApplicationAutoScalingResponse.__dict__.get(name)
        if original is not None:
            _ORIGINALS[name] = original
        setattr(ApplicationAutoScalingResponse, name, function)
    _ORIGINALS.setdefault("installed", True)
