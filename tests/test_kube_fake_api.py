"""The fake Kubernetes API server (tests/kubeapi.py) behaves like the real one where our code relies on it.

Driven through the official kubernetes client over HTTP: CRD discovery from the operators' real
CRDs in ../shared/conformance, list pagination and label selectors, merge- and JSON-patches of
metadata, resourceVersion conflicts, the status subresource, delete with finalizers, and Leases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from gitops_sm import kube
from gitops_sm.errors import ClusterConflictError, ClusterError, ClusterNotFoundError
from tests.kubeapi import FakeKubeApi

CONFORMANCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "conformance"
TRAINING_CRD = CONFORMANCE / "original-operator" / "crds" / "sagemaker.aws.amazon.com_trainingjobs.yaml"
GROUP, VERSION, PLURAL = "sagemaker.aws.amazon.com", "v1", "trainingjobs"

needs_conformance = pytest.mark.skipif(not TRAINING_CRD.exists(), reason=f"conformance corpus not found at {CONFORMANCE}")


@pytest.fixture
def api(kube_api: FakeKubeApi, kubeconfig: Path) -> Any:
    kube_api.install_crd_file(TRAINING_CRD)
    cluster = kube.connect()
    assert isinstance(cluster, kube.Cluster)
    return cluster.custom_objects()


def _job(name: str, *, namespace: str = "default", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TrainingJob",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {},
                         "finalizers": ["sagemaker-operator-finalizer"]},
            "spec": {"region": "us-east-1"}, "status": {"trainingJobStatus": "InProgress"}}


@needs_conformance
def test_discovery_lists_installed_crds_only(kube_api: FakeKubeApi, api: Any) -> None:
    resources = api.get_api_resources(GROUP, VERSION)
    assert {r.name for r in resources.resources} == {"trainingjobs", "trainingjobs/status"}
    with pytest.raises(ClusterNotFoundError), kube.api_call(operation="discover"):
        api.get_api_resources("sagemaker.services.k8s.aws", "v1alpha1")


@needs_conformance
def test_list_pages_with_limit_and_continue_and_filters_by_label(kube_api: FakeKubeApi, api: Any) -> None:
    for i in range(5):
        kube_api.put_object(_job(f"job-{i}", labels={"team": "fraud" if i % 2 else "search"}))
    kube_api.put_object(_job("elsewhere", namespace="other"))
    names, token, pages = [], None, 0
    while True:
        page = api.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, limit=2, _continue=token)
        pages += 1
        names += [o["metadata"]["name"] for o in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert pages == 3 and names == [f"job-{i}" for i in range(5)]
    fraud = api.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, label_selector="team=fraud")
    assert [o["metadata"]["name"] for o in fraud["items"]] == ["job-1", "job-3"]
    not_in = api.list_cluster_custom_object(GROUP, VERSION, PLURAL, label_selector="team notin (fraud),!missing")
    assert [o["metadata"]["name"] for o in not_in["items"]] == ["job-0", "job-2", "job-4", "elsewhere"]


@needs_conformance
def test_patches_conflicts_status_and_finalizers(kube_api: FakeKubeApi, api: Any) -> None:
    seeded = kube_api.put_object(_job("j"))
    rv = seeded["metadata"]["resourceVersion"]
    merged = api.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "j", {"metadata": {"annotations": {"a": "b"}, "resourceVersion": rv}})
    assert merged["metadata"]["annotations"] == {"a": "b"} and merged["metadata"]["resourceVersion"] != rv
    with pytest.raises(ClusterConflictError), kube.api_call(operation="patch"):
        api.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "j", {"metadata": {"resourceVersion": rv}})
    # The main resource ignores status; the status subresource writes only status.
    replaced = api.replace_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "j",
                                                    {**merged, "status": {"trainingJobStatus": "Hacked"}})
    assert replaced["status"] == {"trainingJobStatus": "InProgress"}
    status = api.patch_namespaced_custom_object_status(GROUP, VERSION, "default", PLURAL, "j",
                                                       {"status": {"trainingJobStatus": "Completed"}})
    assert status["status"]["trainingJobStatus"] == "Completed"
    # Delete waits for the finalizer; a JSON patch that tests and removes it lets the object go.
    deleting = api.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "j")
    assert deleting["metadata"]["deletionTimestamp"]
    ops = [{"op": "test", "path": "/metadata/finalizers/0", "value": "sagemaker-operator-finalizer"},
           {"op": "remove", "path": "/metadata/finalizers/0"}]
    api.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "j", ops,
                                       _content_type="application/json-patch+json")
    assert kube_api.object(api_version=f"{GROUP}/{VERSION}", kind="TrainingJob", namespace="default", name="j") is None
    with pytest.raises(ClusterError, match="422"), kube.api_call(operation="patch"):
        kube_api.put_object(_job("k"))
        api.patch_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "k",
                                           [{"op": "test", "path": "/metadata/finalizers/0", "value": "other"}],
                                           _content_type="application/json-patch+json")


def test_leases_create_get_replace_with_conflicts(kube_api: FakeKubeApi, kubeconfig: Path) -> None:
    cluster = kube.connect()
    assert isinstance(cluster, kube.Cluster)
    leases = cluster.coordination()
    body = k8s.V1Lease(metadata=k8s.V1ObjectMeta(name="gitops-sm", namespace="default"),
                       spec=k8s.V1LeaseSpec(holder_identity="pass-1", lease_duration_seconds=60))
    with kube.api_call(operation="create Lease"):
        created = leases.create_namespaced_lease("default", body)
    got = leases.read_namespaced_lease("gitops-sm", "default")
    assert got.spec.holder_identity == "pass-1" and got.metadata.resource_version == created.metadata.resource_version
    got.spec.holder_identity = "pass-2"
    renewed = leases.replace_namespaced_lease("gitops-sm", "default", got)
    assert renewed.spec.holder_identity == "pass-2"
    created.spec.holder_identity = "pass-3"  # stale resourceVersion
    with pytest.raises(ClusterConflictError), kube.api_call(operation="replace Lease"):
        leases.replace_namespaced_lease("gitops-sm", "default", created)
    assert leases.read_namespaced_lease("gitops-sm", "default").spec.holder_identity == "pass-2"
