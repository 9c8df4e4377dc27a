"""A seeded cluster and SageMaker: what the original operator and ACK would have left behind.

Used by the cluster CR state tests (``test_cluster_*.py``). :func:`seed` installs the operators'
real CRDs from ``../shared/conformance`` in the fake API server (ACK Application Auto Scaling's two
CRDs are not in the corpus: minimal ones with the upstream group, names and scope are built here),
creates CRs from the upstream samples (placeholders filled, region set to the simulator's) with
the status each operator writes, and creates in the simulator the SageMaker and autoscaling
resources those operators would have created under their own names, untagged by us:

* v1 TrainingJob ``default/xgboost-mnist`` → job ``xgboost-mnist-<uid hex>`` (Completed);
* v1 HostingDeployment ``fraud/fraud-scorer`` → model, endpoint config, endpoint named by the operator,
  and a v1 HostingAutoscalingPolicy ``fraud/fraud-scorer-hap`` on its ``AllTraffic`` variant;
* ACK Endpoint ``search/ack-endpoint`` (its model and config exist, made by someone else) and an ACK
  ScalingPolicy ``search/ack-endpoint-policy`` on its variant (the target registered beforehand).

The SageMaker requests come from our own loader applied to the same manifests (what the operator
sends is the same CreateX request), with the operator's names and without our tags.
"""

from __future__ import annotations

import copy
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitops_sm import kinds
from gitops_sm.model import AwsRequest
from gitops_sm.specs import load_specs
from tests.kubeapi import FakeKubeApi

CONFORMANCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "conformance"
V1_CRDS = CONFORMANCE / "original-operator" / "crds"
ACK_CRDS = CONFORMANCE / "ack-sagemaker" / "crds"
V1_SAMPLES = CONFORMANCE / "original-operator" / "samples"
ACK_SAMPLES = CONFORMANCE / "ack-sagemaker" / "samples"
AAS_SAMPLES = CONFORMANCE / "ack-applicationautoscaling" / "samples"
REGION = "us-east-1"
ACCOUNT = "123456789012"
V1_FINALIZER = "sagemaker-operator-finalizer"

HAVE_CONFORMANCE = (V1_CRDS / "sagemaker.aws.amazon.com_hostingdeployments.yaml").exists()
SKIP_REASON = f"conformance corpus not found at {CONFORMANCE} (see ../shared/conformance/SOURCES.md)"


def sample(path: Path) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return copy.deepcopy(docs[0])


def aas_crd(kind: str, plural: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.applicationautoscaling.services.k8s.aws"},
        "spec": {
            "group": "applicationautoscaling.services.k8s.aws",
            "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()},
            "scope": "Namespaced",
            "versions": [{"name": "v1alpha1", "served": True, "storage": True, "subresources": {"status": {}}}],
        },
    }


def install_crds(api: FakeKubeApi) -> None:
    for path in sorted(V1_CRDS.glob("*.yaml")) + sorted(ACK_CRDS.glob("*.yaml")):
        api.install_crd_file(path)
    api.install_crd(aas_crd("ScalableTarget", "scalabletargets"))
    api.install_crd(aas_crd("ScalingPolicy", "scalingpolicies"))


def requests_of(manifest: Mapping[str, Any]) -> list[AwsRequest]:
    """The create requests our loader makes of ``manifest``, without our ownership tags."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "m.yaml").write_text(yaml.safe_dump(dict(manifest)), encoding="utf-8")
        loaded = load_specs(Path(tmp))
    assert not loaded.issues, [i.format() for i in loaded.issues]
    out = []
    for request in loaded.resources[0].requests:
        params = dict(request.params)
        tags = params.get("Tags")
        if isinstance(tags, list):
            params["Tags"] = [t for t in tags if t["Key"] not in kinds.OUR_TAG_KEYS] or None
        elif isinstance(tags, dict):
            params["Tags"] = {k: v for k, v in tags.items() if k not in kinds.OUR_TAG_KEYS} or None
        out.append(AwsRequest(service=request.service, operation=request.operation,
                              params={k: v for k, v in params.items() if v is not None}))
    return out


@dataclass(frozen=True, kw_only=True)
class Seeded:
    job: str
    endpoint: str
    endpoint_config: str
    model: str
    hap_resource_id: str
    ack_endpoint: str
    ack_resource_id: str
    ack_policy: str


def _call(client: Any, request: AwsRequest, **overrides: Any) -> Any:
    from botocore import xform_name

    return getattr(client, xform_name(request.operation))(**{**request.params, **overrides})


def seed(api: FakeKubeApi, boto_client: Callable[..., Any]) -> Seeded:
    """Install the CRDs and create the CRs and the AWS resources described in the module docstring."""
    install_crds(api)
    sm = boto_client("sagemaker")
    aas = boto_client("application-autoscaling")

    # --- v1 TrainingJob: the operator named the job <name>-<uid hex>.
    job = sample(V1_SAMPLES / "samples__xgboost-mnist-trainingjob.yaml")
    job["spec"]["region"] = REGION
    job_name = f"xgboost-mnist-{uuid.uuid4().hex}"
    (create_job,) = requests_of({**job, "spec": {**job["spec"], "trainingJobName": job_name}})
    _call(sm, create_job)
    sm.describe_training_job(TrainingJobName=job_name)  # instant timing: Completed from here on
    api.put_object({**job, "metadata": {**job["metadata"], "namespace": "default", "finalizers": [V1_FINALIZER]},
                    "status": {"sageMakerTrainingJobName": job_name, "trainingJobStatus": "Completed",
                               "secondaryStatus": "Completed",
                               "modelPath": f"s3://my-bucket/xgboost/{job_name}/output/model.tar.gz"}})

    # --- v1 HostingDeployment: models, config and endpoint under the operator's names.
    hd = sample(V1_SAMPLES / "samples__xgboost-mnist-hostingdeployment.yaml")
    hd["metadata"] = {"name": "fraud-scorer", "namespace": "fraud", "finalizers": [V1_FINALIZER]}
    hd["spec"]["region"] = REGION
    endpoint = f"fraud-scorer-{uuid.uuid4().hex[:12]}"
    model = f"xgboost-model-{uuid.uuid4().hex[:12]}"
    config = f"fraud-scorer-{uuid.uuid4().hex[:12]}"
    creates = requests_of({**hd, "spec": {**hd["spec"], "endpointName": endpoint}})
    create_model = next(r for r in creates if r.operation == "CreateModel")
    create_config = next(r for r in creates if r.operation == "CreateEndpointConfig")
    _call(sm, create_model, ModelName=model)
    variants = [{**v, "ModelName": model} for v in create_config.params["ProductionVariants"]]
    _call(sm, create_config, EndpointConfigName=config, ProductionVariants=variants)
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    described = sm.describe_endpoint(EndpointName=endpoint)
    api.put_object({**hd, "status": {
        "endpointName": endpoint, "endpointConfigName": config, "endpointStatus": described["EndpointStatus"],
        "endpointArn": described["EndpointArn"], "modelNames": [{"name": "xgboost-model", "value": model}],
    }})

    # --- v1 HostingAutoscalingPolicy on that endpoint's variant.
    hap = sample(V1_SAMPLES / "samples__hap-predefined-metric.yaml")
    hap["metadata"] = {"name": "fraud-scorer-hap", "namespace": "fraud", "finalizers": [V1_FINALIZER]}
    hap["spec"]["region"] = REGION
    hap["spec"]["resourceId"] = [{"endpointName": endpoint, "variantName": "AllTraffic"}]
    hap["spec"]["maxCapacity"] = 2
    rid = f"endpoint/{endpoint}/variant/AllTraffic"
    for request in requests_of(hap):
        _call(aas, request)
    api.put_object({**hap, "status": {"resourceIDList": [rid], "policyName": hap["spec"]["policyName"],
                                      "hostingAutoscalingPolicyStatus": "Created"}})

    # --- ACK Endpoint (model and config made by someone else) and an ACK ScalingPolicy on it.
    ack_endpoint, ack_config = "ack-endpoint", "ack-endpoint-config"
    sm.create_model(ModelName="ack-model", ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sm",
                    PrimaryContainer={"Image": "xgboost:1"})
    sm.create_endpoint_config(EndpointConfigName=ack_config, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "ack-model", "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0}])
    sm.create_endpoint(EndpointName=ack_endpoint, EndpointConfigName=ack_config)
    arn = sm.describe_endpoint(EndpointName=ack_endpoint)["EndpointArn"]
    text = (ACK_SAMPLES / "samples__endpoint__endpoint_base.yaml").read_text(encoding="utf-8")
    text = text.replace("<YOUR ENDPOINT NAME>", ack_endpoint).replace("<YOUR ENDPOINT CONFIG NAME>", ack_config)
    ack = yaml.safe_load(text)
    ack["metadata"].update(namespace="search", finalizers=["finalizers.sagemaker.services.k8s.aws/Endpoint"])
    api.put_object({**ack, "status": {
        "ackResourceMetadata": {"arn": arn, "ownerAccountID": ACCOUNT, "region": REGION},
        "endpointStatus": "InService",
        "conditions": [{"type": "ACK.ResourceSynced", "status": "True", "message": "Resource synced successfully"}],
    }})
    ack_rid = f"endpoint/{ack_endpoint}/variant/AllTraffic"
    aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId=ack_rid,
                                 ScalableDimension=kinds.HAP_DEFAULT_SCALABLE_DIMENSION, MinCapacity=1, MaxCapacity=3)
    text = (AAS_SAMPLES / "test__e2e__resources__sagemaker_endpoint_autoscaling_policy.yaml").read_text(encoding="utf-8")
    text = text.replace("$SCALINGPOLICY_NAME", "ack-endpoint-policy").replace("$RESOURCE_ID", ack_rid)
    policy = yaml.safe_load(text)
    policy["metadata"].update(namespace="search", annotations={"services.k8s.aws/region": REGION},
                              finalizers=["finalizers.applicationautoscaling.services.k8s.aws/ScalingPolicy"])
    (put_policy,) = requests_of(policy)
    _call(aas, put_policy)
    api.put_object({**policy, "status": {
        "ackResourceMetadata": {"ownerAccountID": ACCOUNT, "region": REGION},
        "conditions": [{"type": "ACK.ResourceSynced", "status": "True"}],
    }})
    return Seeded(job=job_name, endpoint=endpoint, endpoint_config=config, model=model, hap_resource_id=rid,
                  ack_endpoint=ack_endpoint, ack_resource_id=ack_rid, ack_policy="ack-endpoint-policy")


MUTATING_PREFIXES = ("Create", "Update", "Delete", "Stop", "Register", "Deregister", "Put")


def mutating(operations: list[str]) -> list[str]:
    """The operations among ``operations`` that change SageMaker or autoscaling (tags excepted)."""
    return [op for op in operations if op.startswith(MUTATING_PREFIXES)]
