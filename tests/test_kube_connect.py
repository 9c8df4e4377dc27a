"""Finding the cluster (gitops_sm.kube.connect) and translating the client's failures, over real HTTP.

The official kubernetes client talks to the fake API server in ``tests/kubeapi.py`` through a
kubeconfig; in-cluster config is read from a service-account directory written by the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_sm import kube
from gitops_sm.errors import ClusterConflictError, ClusterError, ClusterNotFoundError
from tests.kubeapi import FakeKubeApi


def test_no_cluster_is_not_an_error_and_says_why(tmp_path: Path) -> None:
    found = kube.connect(environ={"KUBECONFIG": str(tmp_path / "absent")})
    assert isinstance(found, kube.NoCluster)
    assert "no kubeconfig at" in found.message and "cluster CR state is not read" in found.message


def test_no_cluster_flag_skips_a_configured_kubeconfig(kubeconfig: Path) -> None:
    found = kube.connect(kube.KubeSettings(disabled=True))
    assert isinstance(found, kube.NoCluster) and "--no-cluster" in found.reason


def test_kubeconfig_from_environment_reaches_the_api(kube_api: FakeKubeApi, kubeconfig: Path) -> None:
    cluster = kube.connect()
    assert isinstance(cluster, kube.Cluster)
    assert cluster.context == "fake" and cluster.namespace == "default" and cluster.host == kube_api.url
    with kube.api_call(operation="list Leases"):
        leases = cluster.coordination().list_namespaced_lease("default", _request_timeout=kube.REQUEST_TIMEOUT)
    assert leases.items == []
    cluster.close()


def test_kube_context_picks_a_named_context(kube_api: FakeKubeApi, tmp_path: Path) -> None:
    path = kube_api.write_kubeconfig(tmp_path / "kc", context="fake", extra_contexts=("other",))
    cluster = kube.connect(kube.KubeSettings(context="other", kubeconfig=str(path)))
    assert isinstance(cluster, kube.Cluster) and cluster.context == "other"


def test_unknown_kube_context_is_an_error_naming_the_known_ones(kube_api: FakeKubeApi, kubeconfig: Path) -> None:
    with pytest.raises(ClusterError, match=r"--kube-context nope: no such context .* \(contexts: fake\)"):
        kube.connect(kube.KubeSettings(context="nope"))


def test_in_cluster_config_from_the_service_account(tmp_path: Path) -> None:
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text("tok", encoding="utf-8")
    (sa / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    (sa / "namespace").write_text("sagemaker-gitops\n", encoding="utf-8")
    env = {"KUBECONFIG": str(tmp_path / "absent"), "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    cluster = kube.connect(environ=env, service_account_dir=sa)
    assert isinstance(cluster, kube.Cluster)
    assert (cluster.source, cluster.namespace, cluster.host) == ("in-cluster", "sagemaker-gitops", "https://10.0.0.1:443")


def test_in_cluster_without_a_token_is_a_cluster_error(tmp_path: Path) -> None:
    env = {"KUBECONFIG": str(tmp_path / "absent"), "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    with pytest.raises(ClusterError, match="Service token file does not exist"):
        kube.connect(environ=env, service_account_dir=tmp_path)


def test_api_failures_become_the_error_tree(kube_api: FakeKubeApi, kubeconfig: Path, tmp_path: Path) -> None:
    cluster = kube.connect()
    assert isinstance(cluster, kube.Cluster)
    leases = cluster.coordination()
    with pytest.raises(ClusterNotFoundError) as missing, kube.api_call(operation="get Lease", target="default/x"):
        leases.read_namespaced_lease("x", "default")
    assert missing.value.status == 404 and missing.value.reason == kube.REASON_NOT_FOUND
    body = {"metadata": {"name": "x"}, "spec": {"holderIdentity": "a"}}
    with kube.api_call(operation="create Lease"):
        leases.create_namespaced_lease("default", body)
    with pytest.raises(ClusterConflictError) as exists, kube.api_call(operation="create Lease"):
        leases.create_namespaced_lease("default", body)
    assert exists.value.reason == kube.REASON_ALREADY_EXISTS

    text = kubeconfig.read_text(encoding="utf-8").replace("fake-kube-token", "wrong")
    (tmp_path / "wrong").write_text(text, encoding="utf-8")
    wrong = kube.connect(kube.KubeSettings(kubeconfig=str(tmp_path / "wrong")))
    assert isinstance(wrong, kube.Cluster)
    with pytest.raises(ClusterError, match=r"401 Unauthorized.*check the credentials") as denied, \
            kube.api_call(operation="list Leases"):
        wrong.coordination().list_namespaced_lease("default")
    assert "wrong" not in str(denied.value)


def test_an_unreachable_api_server_is_a_cluster_error(kube_api: FakeKubeApi, kubeconfig: Path) -> None:
    cluster = kube.connect()
    assert isinstance(cluster, kube.Cluster)
    cluster.api_client.configuration.retries = 0
    kube_api.stop()
    with pytest.raises(ClusterError, match="cannot reach the API server") as unreachable, \
            kube.api_call(operation="list Leases"):
        cluster.coordination().list_namespaced_lease("default", _request_timeout=kube.REQUEST_TIMEOUT)
    assert unreachable.value.reason == "Unreachable"
