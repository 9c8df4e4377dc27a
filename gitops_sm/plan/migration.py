"""Pure half of ``gitops-sm migrate --from-cluster``: what to write and which tags to add, per CR.

``gitops_sm.app.migrate`` reads the CRs (``gitops_sm.kube``), writes what :func:`manifest_from_cr`
returns, loads it back with ``specs`` (so the spec hash and names are the loader's own), observes
SageMaker, and asks :func:`tag_steps` which ``AddTags`` / ``TagResource`` calls hand the AWS resources to
gitops-sm. :func:`preflight` then plans the written spec against the world as it will be after
tagging, with the CR gone: anything but a no-op (or a wait) means the CR's spec is not what runs
in SageMaker, and the CR is left with its operator untouched. No I/O here.

The manifest keeps the CR's dialect and spec; ``metadata`` keeps only name, namespace, labels and
annotations that are not the server's or the controller's. The names the original operator
generated (``<name>-<uid>`` jobs, a HostingDeployment's endpoint) become explicit spec names; a
HostingDeployment's models and endpoint config keep their operator names through the
``gitops-sm.io/migrated-names`` annotation, valid for exactly the migrated spec hash.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import yaml

from gitops_sm import kinds, ownership
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    JOB_OBSERVED_TYPES,
    Action,
    ClusterResource,
    ClusterState,
    DesiredResource,
    LoadResult,
    ObservedState,
    ObservedType,
    ResourceChange,
    Step,
)
from gitops_sm.plan._context import PlanOptions
from gitops_sm.plan.planner import plan

# v1 kind -> (status field with the SageMaker name, spec field that makes it explicit)
_V1_EXPLICIT: dict[str, tuple[str, str]] = {
    "TrainingJob": ("sageMakerTrainingJobName", "trainingJobName"),
    "HyperparameterTuningJob": ("sageMakerHyperParameterTuningJobName", "hyperParameterTuningJobName"),
    "BatchTransformJob": ("sageMakerTransformJobName", "transformJobName"),
    "ProcessingJob": ("sageMakerProcessingJobName", "processingJobName"),
    "Model": ("sageMakerModelName", "modelName"),
    "EndpointConfig": ("sageMakerEndpointConfigName", "endpointConfigName"),
    "HostingDeployment": ("endpointName", "endpointName"),
}
ACK_REGION_ANNOTATION = "services.k8s.aws/region"
# Annotations that belong to the server, kubectl or the operators, never to a spec in git.
_DROPPED_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io/", "services.k8s.aws/", "deployment.kubernetes.io/")


def file_name(cr: ClusterResource) -> str:
    """Where the spec of ``cr`` goes under ``--to``: ``<namespace>/<Kind>-<name>.yaml``."""
    return f"{cr.namespace}/{cr.kind}-{cr.name}.yaml"


def manifest_from_cr(obj: Mapping[str, Any], cr: ClusterResource) -> dict[str, Any]:
    """The manifest to keep in git for the CR ``obj`` (spec only, dialect kept, names explicit)."""
    meta = obj.get("metadata") or {}
    spec = copy.deepcopy(dict(obj.get("spec") or {}))
    status = obj.get("status") or {}
    annotations = {
        str(k): str(v) for k, v in (meta.get("annotations") or {}).items()
        if not str(k).startswith(_DROPPED_ANNOTATION_PREFIXES) and k != kinds.ANNOTATION_MIGRATED_NAMES
    }
    if cr.is_ack:
        region = (meta.get("annotations") or {}).get(ACK_REGION_ANNOTATION) or next(
            (m.region for m in cr.manages if m.region), None)
        if region:
            annotations[ACK_REGION_ANNOTATION] = str(region)
    elif cr.kind in _V1_EXPLICIT:
        status_field, spec_field = _V1_EXPLICIT[cr.kind]
        if isinstance(status.get(status_field), str) and status[status_field]:
            spec[spec_field] = status[status_field]
    metadata: dict[str, Any] = {"name": cr.name, "namespace": cr.namespace}
    if meta.get("labels"):
        metadata["labels"] = dict(meta["labels"])
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": cr.api_version, "kind": cr.kind, "metadata": metadata, "spec": spec}


def pin_hosting_names(manifest: Mapping[str, Any], obj: Mapping[str, Any], *, spec_hash: str) -> dict[str, Any] | None:
    """A v1 HostingDeployment manifest with the operator's model and config names pinned, or None
    when the CR's status does not name them (nothing to pin)."""
    status = obj.get("status") or {}
    config = status.get("endpointConfigName")
    models = {str(e.get("name")): str(e.get("value")) for e in status.get("modelNames") or []
              if isinstance(e, Mapping) and e.get("name") and e.get("value")}
    if not isinstance(config, str) or not config or not models:
        return None
    out = copy.deepcopy(dict(manifest))
    value = json.dumps({"specHash": spec_hash, "endpointConfigName": config, "models": dict(sorted(models.items()))},
                       sort_keys=True)
    out["metadata"].setdefault("annotations", {})[kinds.ANNOTATION_MIGRATED_NAMES] = value
    return out


def _sagemaker_names(res: DesiredResource) -> list[tuple[ObservedType, str]]:
    out: list[tuple[ObservedType, str]] = []
    for role, name in res.names.items():
        head = role.partition(":")[0]
        if head == "job":
            out.append((JOB_OBSERVED_TYPES[res.kind], name))
        elif head == "endpoint":
            out.append((ObservedType.ENDPOINT, name))
        elif head == "endpoint_config":
            out.append((ObservedType.ENDPOINT_CONFIG, name))
        elif head == "model":
            out.append((ObservedType.MODEL, name))
        elif head == "target":
            out.append((ObservedType.SCALABLE_TARGET, name))
    return out


def our_tags(res: DesiredResource) -> dict[str, str]:
    """The ownership tags the loader put on ``res``'s requests (address, spec hash, managed-by, prune)."""
    for request in res.requests:
        tags = request.params.get("Tags")
        if isinstance(tags, list):
            return {str(t["Key"]): str(t["Value"]) for t in tags if isinstance(t, Mapping) and t.get("Key") in kinds.OUR_TAG_KEYS}
        if isinstance(tags, Mapping):
            return {str(k): str(v) for k, v in tags.items() if k in kinds.OUR_TAG_KEYS}
    return {
        kinds.TAG_MANAGED_BY: kinds.TAG_MANAGED_BY_VALUE,
        kinds.TAG_ADDRESS: str(res.address),
        kinds.TAG_SPEC_HASH: res.spec_hash,
    }


def tag_steps(res: DesiredResource, observed: ObservedState, *, region: str) -> tuple[list[Step], list[str]]:
    """The tag calls that hand ``res``'s AWS resources to gitops-sm, and why it cannot be done."""
    wanted = our_tags(res)
    steps: list[Step] = []
    problems: list[str] = []
    for type_, name in _sagemaker_names(res):
        obs = observed.get(region, type_, name)
        if obs is None:
            if type_ is ObservedType.SCALABLE_TARGET:
                continue  # a policy-only CR: the target belongs to whoever registered it
            problems.append(f"SageMaker has no {type_.value} {name} in {region}; migrate the CR once it exists")
            continue
        if ownership.is_managed(obs.tags) and (obs.tags or {}).get(kinds.TAG_ADDRESS) != str(res.address):
            problems.append(f"{type_.value} {name} is already managed by gitops-sm for "
                            f"{(obs.tags or {}).get(kinds.TAG_ADDRESS)}")
            continue
        if obs.tags is not None and all(obs.tags.get(k) == v for k, v in wanted.items()):
            continue
        if type_ is ObservedType.SCALABLE_TARGET:
            if obs.arn:
                steps.append(Step(service=kinds.AUTOSCALING, call="TagResource", region=region, target=name,
                                  params={"ResourceARN": obs.arn, "Tags": dict(wanted)}))
            continue
        if not obs.arn:
            problems.append(f"{type_.value} {name} has no ARN to tag")
            continue
        steps.append(Step(service=kinds.SAGEMAKER, call="AddTags", region=region, target=name,
                          params={"ResourceArn": obs.arn, "Tags": [{"Key": k, "Value": v} for k, v in wanted.items()]},
                          endpoint_url=res.endpoint_url))
    return steps, problems


def tagged(observed: ObservedState, steps: Sequence[Step], *, tags: Mapping[str, str]) -> ObservedState:
    """``observed`` as it will be once ``steps`` ran (pure: for :func:`preflight`)."""
    targets = {(s.region, s.target) for s in steps}
    resources = tuple(
        replace(r, tags={**(r.tags or {}), **tags}) if (r.region, r.name) in targets else r
        for r in observed.resources
    )
    return replace(observed, resources=resources)


def preflight(
    *, load: LoadResult, res: DesiredResource, observed: ObservedState, cluster: ClusterState, region: str
) -> ResourceChange:
    """What a plan of the written spec would do once tagged and with the CR gone."""
    only = replace(load, resources=(res,))
    the_plan = plan(load=only, observed=replace(observed, cluster=cluster), options=PlanOptions(default_region=region))
    return next(c for c in the_plan.resource_changes if c.address == str(res.address))


def preflight_problem(change: ResourceChange) -> str | None:
    """Why ``change`` shows the CR's spec is not what runs (None: a no-op, or a wait with no calls)."""
    if change.steps or any(a not in (Action.NOOP, Action.WAIT) for a in change.actions):
        actions = "/".join(a.value for a in change.actions)
        return f"the written spec would {actions} in SageMaker ({change.reason}); the CR stays with its operator"
    return None


def supported(cr: ClusterResource) -> bool:
    return (cr.api_version, cr.kind) in kinds.MANIFEST_KINDS


def kind_of(cr: ClusterResource) -> Kind:
    return kinds.MANIFEST_KINDS[(cr.api_version, cr.kind)]


def manifest_text(manifest: Mapping[str, Any], *, cr: ClusterResource) -> str:
    """The YAML file written for ``cr`` (a comment naming its origin, then the manifest)."""
    body = yaml.safe_dump(dict(manifest), sort_keys=False, default_flow_style=False, allow_unicode=True)
    return f"# Migrated from the in-cluster {cr.address} ({cr.api_version}) by gitops-sm migrate --from-cluster.\n{body}"
