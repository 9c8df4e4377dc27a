"""Reading cluster CR state: installed CRDs discovered, CRs listed in pages, each mapped to what it manages.

The official kubernetes client reads the fake API server (tests/kubeapi.py) seeded by
tests/clusterseed.py with CRs built from the operators' upstream samples and status shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm import kube
from gitops_sm.kinds import OPERATOR_KINDS
from gitops_sm.model import ClusterRef, ObservedType, policy_key
from tests.clusterseed import HAVE_CONFORMANCE, REGION, SKIP_REASON, seed
from tests.kubeapi import FakeKubeApi

pytestmark = pytest.mark.skipif(not HAVE_CONFORMANCE, reason=SKIP_REASON)


def _cluster() -> kube.Cluster:
    found = kube.connect()
    assert isinstance(found, kube.Cluster)
    return found


def test_every_cr_maps_to_the_aws_resources_its_operator_wrote_in_its_status(
    kube_api: FakeKubeApi, kubeconfig: Path, boto_client: Callable[..., Any]
) -> None:
    seeded = seed(kube_api, boto_client)
    state = kube.read_cluster_state(_cluster())
    by_address = {cr.address: cr for cr in state.resources}
    assert set(by_address) == {
        "TrainingJob/default/xgboost-mnist", "HostingDeployment/fraud/fraud-scorer",
        "HostingAutoscalingPolicy/fraud/fraud-scorer-hap", "Endpoint/search/ack-endpoint",
        "ScalingPolicy/search/ack-endpoint-policy",
    }
    assert by_address["TrainingJob/default/xgboost-mnist"].manages == (
        ClusterRef(type=ObservedType.TRAINING_JOB, name=seeded.job, region=REGION),)
    hd = by_address["HostingDeployment/fraud/fraud-scorer"]
    assert set(hd.manages) == {
        ClusterRef(type=ObservedType.ENDPOINT, name=seeded.endpoint, region=REGION),
        ClusterRef(type=ObservedType.ENDPOINT_CONFIG, name=seeded.endpoint_config, region=REGION),
        ClusterRef(type=ObservedType.MODEL, name=seeded.model, region=REGION),
    }
    assert hd.state == "InService" and not hd.retains
    hap = by_address["HostingAutoscalingPolicy/fraud/fraud-scorer-hap"]
    assert {m.type for m in hap.manages} == {ObservedType.SCALABLE_TARGET, ObservedType.SCALING_POLICY}
    ack = by_address["Endpoint/search/ack-endpoint"]
    assert ack.manages == (ClusterRef(type=ObservedType.ENDPOINT, name="ack-endpoint", region=REGION),)
    assert (ack.state, ack.message) == ("Synced", "Resource synced successfully")
    policy = by_address["ScalingPolicy/search/ack-endpoint-policy"]
    assert policy.manages == (ClusterRef(type=ObservedType.SCALING_POLICY, region=REGION,
                                         name=policy_key(seeded.ack_resource_id, "ack-endpoint-policy")),)
    assert state.managing(region=REGION, type_=ObservedType.ENDPOINT, name=seeded.endpoint) is hd


def test_missing_crds_are_not_an_error_and_lists_page_with_limit_and_continue(
    kube_api: FakeKubeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    from tests.clusterseed import V1_CRDS

    kube_api.install_crd_file(V1_CRDS / "sagemaker.aws.amazon.com_trainingjobs.yaml")
    for i in range(5):
        kube_api.put_object({"apiVersion": "sagemaker.aws.amazon.com/v1", "kind": "TrainingJob",
                             "metadata": {"name": f"job-{i}", "namespace": "ml"}, "spec": {"region": REGION},
                             "status": {"sageMakerTrainingJobName": f"job-{i}-abc"}})
    cluster = _cluster()
    assert [k.label for k in kube.installed_kinds(cluster)] == ["TrainingJob.sagemaker.aws.amazon.com/v1"]
    kind = next(k for k in OPERATOR_KINDS if k.label == "TrainingJob.sagemaker.aws.amazon.com/v1")
    names = [o["metadata"]["name"] for o in kube.list_objects(cluster, kind, namespace="ml", page_size=2)]
    assert names == [f"job-{i}" for i in range(5)]
    lists = [r for r in kube_api.requests if r.method == "GET" and r.path.endswith("/namespaces/ml/trainingjobs")]
    assert [r.query.get("limit") for r in lists] == [["2"]] * 3
    assert [bool(r.query.get("continue")) for r in lists] == [False, True, True]
    # Only the chosen namespaces are read.
    assert kube.read_cluster_state(cluster, namespaces=("other",)).resources == ()
