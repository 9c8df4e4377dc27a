"""Reading the operators' custom resources: discover installed CRDs, list CRs, map them to AWS resources.

Called by ``gitops_sm.app`` (plan, status, migrate) through :func:`read_cluster_state`. For every
kind of :data:`gitops_sm.kinds.OPERATOR_KINDS` whose group/version the API server serves
(discovery ``/apis/{group}/{version}``, readable by every authenticated user; a missing CRD is not
an error), the CRs are listed with ``CustomObjectsApi`` in pages of :data:`PAGE_SIZE`
(``limit``/``continue``) in the chosen namespaces, or across all namespaces.

:func:`cluster_resource` turns one CR into a plain :class:`gitops_sm.model.ClusterResource`: which
SageMaker and Application Auto Scaling resources it manages, read from its status as each operator
writes it (v1 ``status.sageMakerTrainingJobName`` …, HostingDeployment ``status.endpointName`` /
``endpointConfigName`` / ``modelNames``, HostingAutoscalingPolicy ``status.resourceIDList``; ACK
spec names and ``status.ackResourceMetadata``) and its own view of its state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_sm import kinds
from gitops_sm.errors import ClusterNotFoundError
from gitops_sm.kinds import OPERATOR_KINDS, OperatorKind
from gitops_sm.kube._client import REQUEST_TIMEOUT, Cluster
from gitops_sm.kube._errors import api_call
from gitops_sm.model import (
    ACK_DELETION_POLICY,
    ACK_DELETION_POLICY_RETAIN,
    V1_FINALIZER,
    ClusterRef,
    ClusterResource,
    ClusterState,
    ObservedType,
    policy_key,
)

PAGE_SIZE = 100
ACK_REGION_ANNOTATION = "services.k8s.aws/region"

# v1 kind -> (status field naming the SageMaker job/resource, spec field naming it, observed type, status field)
_V1_SINGLE: dict[str, tuple[str, str | None, ObservedType, str]] = {
    "TrainingJob": ("sageMakerTrainingJobName", "trainingJobName", ObservedType.TRAINING_JOB, "trainingJobStatus"),
    "HyperparameterTuningJob": (
        "sageMakerHyperParameterTuningJobName", "hyperParameterTuningJobName",
        ObservedType.HYPERPARAMETER_TUNING_JOB, "hyperParameterTuningJobStatus",
    ),
    "BatchTransformJob": ("sageMakerTransformJobName", "transformJobName", ObservedType.TRANSFORM_JOB,
                          "transformJobStatus"),
    "ProcessingJob": ("sageMakerProcessingJobName", "processingJobName", ObservedType.PROCESSING_JOB,
                      "processingJobStatus"),
    "Model": ("sageMakerModelName", None, ObservedType.MODEL, "status"),
    "EndpointConfig": ("sageMakerEndpointConfigName", None, ObservedType.ENDPOINT_CONFIG, "status"),
}

# ACK kind -> (spec field naming the SageMaker resource, observed type)
_ACK_SINGLE: dict[str, tuple[str, ObservedType]] = {
    "TrainingJob": ("trainingJobName", ObservedType.TRAINING_JOB),
    "HyperParameterTuningJob": ("hyperParameterTuningJobName", ObservedType.HYPERPARAMETER_TUNING_JOB),
    "TransformJob": ("transformJobName", ObservedType.TRANSFORM_JOB),
    "ProcessingJob": ("processingJobName", ObservedType.PROCESSING_JOB),
    "Model": ("modelName", ObservedType.MODEL),
    "EndpointConfig": ("endpointConfigName", ObservedType.ENDPOINT_CONFIG),
    "Endpoint": ("endpointName", ObservedType.ENDPOINT),
}


@dataclass(frozen=True, kw_only=True)
class CustomResource:
    """One CR as read: the plain view the planner gets, and the object itself (for migrate)."""

    view: ClusterResource
    object: Mapping[str, Any]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _region_from_arn(arn: Any) -> str | None:
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[3] or None if len(parts) > 3 else None


def ack_region(obj: Mapping[str, Any]) -> str | None:
    """The region an ACK CR lives in: its region annotation, else what the controller recorded."""
    meta = _mapping(obj.get("metadata"))
    annotations = _mapping(meta.get("annotations"))
    ack = _mapping(_mapping(obj.get("status")).get("ackResourceMetadata"))
    return _str(annotations.get(ACK_REGION_ANNOTATION)) or _str(ack.get("region")) or _region_from_arn(ack.get("arn"))


def _ack_state(status: Mapping[str, Any]) -> tuple[str | None, str | None]:
    conditions = status.get("conditions")
    by_type = {str(c.get("type")): c for c in conditions or [] if isinstance(c, Mapping)} if isinstance(conditions, list) else {}
    terminal = by_type.get("ACK.Terminal")
    if terminal and str(terminal.get("status")) == "True":
        return "Terminal", _str(terminal.get("message"))
    synced = by_type.get("ACK.ResourceSynced")
    if synced:
        ok = str(synced.get("status")) == "True"
        return ("Synced" if ok else "NotSynced"), _str(synced.get("message"))
    return None, None


def _v1_manages(kind: str, spec: Mapping[str, Any], status: Mapping[str, Any], region: str | None) -> list[ClusterRef]:
    if kind in _V1_SINGLE:
        status_field, spec_field, type_, _ = _V1_SINGLE[kind]
        name = _str(status.get(status_field)) or (_str(spec.get(spec_field)) if spec_field else None)
        return [ClusterRef(type=type_, name=name, region=region)] if name else []
    if kind == "HostingDeployment":
        refs = []
        if endpoint := _str(status.get("endpointName")) or _str(spec.get("endpointName")):
            refs.append(ClusterRef(type=ObservedType.ENDPOINT, name=endpoint, region=region))
        if config := _str(status.get("endpointConfigName")):
            refs.append(ClusterRef(type=ObservedType.ENDPOINT_CONFIG, name=config, region=region))
        for entry in status.get("modelNames") or []:
            if isinstance(entry, Mapping) and (model := _str(entry.get("value"))):
                refs.append(ClusterRef(type=ObservedType.MODEL, name=model, region=region))
        return refs
    if kind == "HostingAutoscalingPolicy":
        ids = [i for i in (status.get("resourceIDList") or []) if isinstance(i, str)]
        for entry in spec.get("resourceId") or []:
            if isinstance(entry, Mapping) and entry.get("endpointName") and entry.get("variantName"):
                ids.append(f"endpoint/{entry['endpointName']}/variant/{entry['variantName']}")
        policy = _str(status.get("policyName")) or _str(spec.get("policyName")) or kinds.HAP_DEFAULT_POLICY_NAME
        refs = []
        for rid in dict.fromkeys(ids):
            refs.append(ClusterRef(type=ObservedType.SCALABLE_TARGET, name=rid, region=region))
            refs.append(ClusterRef(type=ObservedType.SCALING_POLICY, name=policy_key(rid, policy), region=region))
        return refs
    return []


def _ack_manages(kind: str, spec: Mapping[str, Any], region: str | None) -> list[ClusterRef]:
    if kind in _ACK_SINGLE:
        field, type_ = _ACK_SINGLE[kind]
        name = _str(spec.get(field))
        return [ClusterRef(type=type_, name=name, region=region)] if name else []
    if str(spec.get("serviceNamespace", kinds.HAP_DEFAULT_SERVICE_NAMESPACE)) != kinds.HAP_DEFAULT_SERVICE_NAMESPACE:
        return []  # not a SageMaker variant: nothing of ours
    rid = _str(spec.get("resourceID"))
    if not rid:
        return []
    if kind == "ScalableTarget":
        return [ClusterRef(type=ObservedType.SCALABLE_TARGET, name=rid, region=region)]
    if kind == "ScalingPolicy" and (policy := _str(spec.get("policyName"))):
        return [ClusterRef(type=ObservedType.SCALING_POLICY, name=policy_key(rid, policy), region=region)]
    return []


def cluster_resource(obj: Mapping[str, Any], *, operator_kind: OperatorKind) -> ClusterResource:
    """The plain view of one CR (pure)."""
    meta = _mapping(obj.get("metadata"))
    spec = _mapping(obj.get("spec"))
    status = _mapping(obj.get("status"))
    annotations = {str(k): str(v) for k, v in _mapping(meta.get("annotations")).items()}
    kind = operator_kind.kind
    if operator_kind.api_version == kinds.API_V1:
        region = _str(spec.get("region"))
        manages = _v1_manages(kind, spec, status, region)
        status_field = _V1_SINGLE[kind][3] if kind in _V1_SINGLE else {
            "HostingDeployment": "endpointStatus", "HostingAutoscalingPolicy": "hostingAutoscalingPolicyStatus",
        }.get(kind, "status")
        state = _str(status.get(status_field))
        message = _str(status.get("additional")) or _str(status.get("failureReason"))
    else:
        region = ack_region(obj)
        manages = _ack_manages(kind, spec, region)
        state, message = _ack_state(status)
    return ClusterResource(
        api_version=operator_kind.api_version,
        kind=kind,
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name") or ""),
        uid=str(meta.get("uid") or ""),
        resource_version=str(meta.get("resourceVersion") or ""),
        manages=tuple(sorted(set(manages))),
        state=state,
        message=message,
        finalizers=tuple(str(f) for f in meta.get("finalizers") or ()),
        annotations=annotations,
        deleting=bool(meta.get("deletionTimestamp")),
    )


def installed_kinds(cluster: Cluster) -> list[OperatorKind]:
    """The operator kinds whose CRDs the API server serves (discovery; a missing group is no error)."""
    api = cluster.custom_objects()
    served: dict[tuple[str, str], set[str]] = {}
    for group, version in dict.fromkeys((k.group, k.version) for k in OPERATOR_KINDS):
        try:
            with api_call(operation="discover", target=f"{group}/{version}"):
                found = api.get_api_resources(group, version, _request_timeout=REQUEST_TIMEOUT)
        except ClusterNotFoundError:
            continue
        served[(group, version)] = {str(r.name) for r in (found.resources or []) if "/" not in str(r.name)}
    return [k for k in OPERATOR_KINDS if k.plural in served.get((k.group, k.version), set())]


def list_objects(
    cluster: Cluster, kind: OperatorKind, *, namespace: str | None, page_size: int = PAGE_SIZE
) -> Iterator[Mapping[str, Any]]:
    """Every CR of ``kind`` in ``namespace`` (None: all namespaces), page by page."""
    api = cluster.custom_objects()
    token: str | None = None
    where = f"{kind.plural}.{kind.api_version}" + (f" in {namespace}" if namespace else "")
    while True:
        with api_call(operation="list", target=where):
            if namespace:
                page = api.list_namespaced_custom_object(
                    kind.group, kind.version, namespace, kind.plural, limit=page_size, _continue=token,
                    _request_timeout=REQUEST_TIMEOUT,
                )
            else:
                page = api.list_cluster_custom_object(
                    kind.group, kind.version, kind.plural, limit=page_size, _continue=token,
                    _request_timeout=REQUEST_TIMEOUT,
                )
        yield from page.get("items") or []
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            return


def read_custom_resources(cluster: Cluster, *, namespaces: Sequence[str] = ()) -> tuple[ClusterState, list[CustomResource]]:
    """Every operator CR in ``namespaces`` (empty: all namespaces), as plain state and as objects."""
    found = installed_kinds(cluster)
    crs: list[CustomResource] = []
    for kind in found:
        scopes: list[str | None] = list(namespaces) or [None]
        for namespace in scopes:
            for obj in list_objects(cluster, kind, namespace=namespace):
                crs.append(CustomResource(view=cluster_resource(obj, operator_kind=kind), object=obj))
    crs.sort(key=lambda c: (c.view.api_version, c.view.address))
    state = ClusterState(source=cluster.source, resources=tuple(c.view for c in crs), kinds=tuple(k.label for k in found))
    return state, crs


def read_cluster_state(cluster: Cluster, *, namespaces: Sequence[str] = ()) -> ClusterState:
    return read_custom_resources(cluster, namespaces=namespaces)[0]


def _kind_of(cr: ClusterResource) -> OperatorKind:
    return next(k for k in OPERATOR_KINDS if k.api_version == cr.api_version and k.kind == cr.kind)


def release(cluster: Cluster, cr: ClusterResource) -> bool:
    """Make deleting ``cr`` leave its AWS resources alone; False when it already does (no call).

    Original operator: remove ``sagemaker-operator-finalizer`` with a JSON patch that first tests
    the CR's uid and the finalizer's position, so a replaced CR or a concurrent edit fails (409/422)
    instead of removing the wrong entry. ACK: merge-patch ``services.k8s.aws/deletion-policy: retain``.
    """
    if cr.retains:
        return False
    kind = _kind_of(cr)
    api = cluster.custom_objects()
    target = cr.address
    with api_call(operation="release", target=target):
        if cr.is_ack:
            body: Any = {"metadata": {"annotations": {ACK_DELETION_POLICY: ACK_DELETION_POLICY_RETAIN}}}
            api.patch_namespaced_custom_object(kind.group, kind.version, cr.namespace, kind.plural, cr.name, body,
                                               _request_timeout=REQUEST_TIMEOUT)
        else:
            index = cr.finalizers.index(V1_FINALIZER)
            body = [
                {"op": "test", "path": "/metadata/uid", "value": cr.uid},
                {"op": "test", "path": f"/metadata/finalizers/{index}", "value": V1_FINALIZER},
                {"op": "remove", "path": f"/metadata/finalizers/{index}"},
            ]
            api.patch_namespaced_custom_object(kind.group, kind.version, cr.namespace, kind.plural, cr.name, body,
                                               _content_type="application/json-patch+json",
                                               _request_timeout=REQUEST_TIMEOUT)
    return True


def delete(cluster: Cluster, cr: ClusterResource) -> bool:
    """Delete ``cr`` (precondition: its uid); False when it is already gone."""
    kind = _kind_of(cr)
    api = cluster.custom_objects()
    try:
        with api_call(operation="delete", target=cr.address):
            api.delete_namespaced_custom_object(
                kind.group, kind.version, cr.namespace, kind.plural, cr.name,
                body={"preconditions": {"uid": cr.uid}} if cr.uid else None,
                _request_timeout=REQUEST_TIMEOUT,
            )
    except ClusterNotFoundError:
        return False
    return True


def get(cluster: Cluster, cr: ClusterResource) -> CustomResource | None:
    """``cr`` as it is now, or None when it is gone."""
    kind = _kind_of(cr)
    try:
        with api_call(operation="get", target=cr.address):
            obj = cluster.custom_objects().get_namespaced_custom_object(
                kind.group, kind.version, cr.namespace, kind.plural, cr.name, _request_timeout=REQUEST_TIMEOUT
            )
    except ClusterNotFoundError:
        return None
    return CustomResource(view=cluster_resource(obj, operator_kind=kind), object=obj)
