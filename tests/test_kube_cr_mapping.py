"""Which AWS resources each operator CR manages, read from its status/spec as each operator writes it.

Pure (gitops_sm.kube.cluster_resource on plain dicts), one case per CR kind not already covered by
the seeded-cluster tests; the field names are the CRDs' in ../shared/conformance.
"""

from __future__ import annotations

from typing import Any

import pytest

from gitops_sm import kube
from gitops_sm.kinds import OPERATOR_KINDS
from gitops_sm.model import ClusterRef, ObservedType, policy_key

V1 = "sagemaker.aws.amazon.com/v1"
ACK = "sagemaker.services.k8s.aws/v1alpha1"
AAS = "applicationautoscaling.services.k8s.aws/v1alpha1"
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:x/y"


def _view(api_version: str, kind: str, *, spec: dict[str, Any], status: dict[str, Any] | None = None,
          annotations: dict[str, str] | None = None) -> Any:
    operator_kind = next(k for k in OPERATOR_KINDS if k.api_version == api_version and k.kind == kind)
    obj = {"apiVersion": api_version, "kind": kind,
           "metadata": {"name": "n", "namespace": "ns", "annotations": annotations or {}},
           "spec": spec, "status": status or {}}
    return kube.cluster_resource(obj, operator_kind=operator_kind)


@pytest.mark.parametrize(("kind", "status_field", "type_", "status_word"), [
    ("HyperparameterTuningJob", "sageMakerHyperParameterTuningJobName", ObservedType.HYPERPARAMETER_TUNING_JOB,
     "hyperParameterTuningJobStatus"),
    ("BatchTransformJob", "sageMakerTransformJobName", ObservedType.TRANSFORM_JOB, "transformJobStatus"),
    ("ProcessingJob", "sageMakerProcessingJobName", ObservedType.PROCESSING_JOB, "processingJobStatus"),
    ("Model", "sageMakerModelName", ObservedType.MODEL, "status"),
    ("EndpointConfig", "sageMakerEndpointConfigName", ObservedType.ENDPOINT_CONFIG, "status"),
])
def test_v1_kinds_name_their_resource_in_status(kind: str, status_field: str, type_: ObservedType,
                                                status_word: str) -> None:
    view = _view(V1, kind, spec={"region": "eu-west-1"},
                 status={status_field: "n-0a1b2c", status_word: "InProgress", "additional": "waiting"})
    assert view.manages == (ClusterRef(type=type_, name="n-0a1b2c", region="eu-west-1"),)
    assert (view.state, view.message) == ("InProgress", "waiting")


def test_a_v1_job_not_created_yet_manages_nothing_known() -> None:
    assert _view(V1, "TrainingJob", spec={"region": "eu-west-1"}).manages == ()


@pytest.mark.parametrize(("kind", "field", "type_"), [
    ("TrainingJob", "trainingJobName", ObservedType.TRAINING_JOB),
    ("HyperParameterTuningJob", "hyperParameterTuningJobName", ObservedType.HYPERPARAMETER_TUNING_JOB),
    ("TransformJob", "transformJobName", ObservedType.TRANSFORM_JOB),
    ("ProcessingJob", "processingJobName", ObservedType.PROCESSING_JOB),
    ("Model", "modelName", ObservedType.MODEL),
    ("EndpointConfig", "endpointConfigName", ObservedType.ENDPOINT_CONFIG),
])
def test_ack_kinds_name_their_resource_in_spec_and_region_from_the_controller(kind: str, field: str,
                                                                             type_: ObservedType) -> None:
    view = _view(ACK, kind, spec={field: "explicit"},
                 status={"ackResourceMetadata": {"arn": ARN},
                         "conditions": [{"type": "ACK.Terminal", "status": "True", "message": "bad input"}]})
    assert view.manages == (ClusterRef(type=type_, name="explicit", region="eu-west-1"),)
    assert (view.state, view.message) == ("Terminal", "bad input")


def test_ack_scalable_target_of_sagemaker_only() -> None:
    rid = "endpoint/e/variant/v"
    target = _view(AAS, "ScalableTarget", spec={"resourceID": rid, "serviceNamespace": "sagemaker"},
                   annotations={"services.k8s.aws/region": "us-west-2"})
    assert target.manages == (ClusterRef(type=ObservedType.SCALABLE_TARGET, name=rid, region="us-west-2"),)
    other = _view(AAS, "ScalableTarget", spec={"resourceID": "table/t", "serviceNamespace": "dynamodb"})
    assert other.manages == ()
    policy = _view(AAS, "ScalingPolicy", spec={"resourceID": rid, "policyName": "p"})
    assert policy.manages == (ClusterRef(type=ObservedType.SCALING_POLICY, name=policy_key(rid, "p")),)


def test_retain_and_release() -> None:
    ack = _view(ACK, "Endpoint", spec={"endpointName": "e"}, annotations={"services.k8s.aws/deletion-policy": "retain"})
    assert ack.retains and not ack.released  # retained, but the controller still reconciles it
    v1 = _view(V1, "HostingDeployment", spec={"region": "r"}, status={"endpointName": "e"})
    assert v1.retains  # no finalizer on this literal: deleting it would not touch the endpoint
