"""Shared pytest fixtures: the SageMaker simulator (moto + gitops_sm.sandbox) over real HTTP.

Every AWS-facing test talks to one loopback simulator started once per session; state is wiped
before each test that asks for ``aws_env`` (directly or through ``boto_client``).

Fixtures (names are stable, other modules rely on them):

``sandbox``        session-scoped :class:`gitops_sm.sandbox.SandboxServer` (``.url``, ``.port``).
``aws_env``        function-scoped: resets all simulator state, makes timing *instant* (jobs are
                   ``Completed`` and endpoints ``InService`` on the first Describe after creation),
                   and sets AWS_ENDPOINT_URL / fake credentials / AWS_DEFAULT_REGION=us-east-1 with
                   monkeypatch, so any boto3 client created in the test reaches the simulator.
                   Returns the server.
``boto_client``    factory ``boto_client(service, region="us-east-1")`` -> a boto3 client bound to
                   the simulator (implies ``aws_env``).
``kube_api``       function-scoped: a fresh :class:`tests.kubeapi.FakeKubeApi` (a stateful Kubernetes API
                   server on a loopback port) with no CRDs installed; Leases always exist.
``kubeconfig``     function-scoped: writes a kubeconfig for ``kube_api`` (context ``fake``, namespace
                   ``default``), points ``KUBECONFIG`` at it and returns its path.
(autouse)          every test starts with ``KUBECONFIG`` at an absent file and no in-cluster variables,
                   so a developer's cluster is never read.
``sandbox_timing`` callable ``sandbox_timing(job_seconds=..., endpoint_seconds=...)`` for a test that
                   needs to observe transitional states (InProgress, Creating, Updating, Stopping).
                   Combine with ``sandbox.advance_clock(seconds)`` to move simulated time forward
                   without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from gitops_sm.sandbox import SandboxServer, configure_timing, start_server
from tests.kubeapi import FakeKubeApi, running

SANDBOX_REGION = "us-east-1"

# Fail fast in tests: a simulator bug must not be hidden behind boto3's retries.
_CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One loopback simulator for the whole test session."""
    with start_server() as server:
        yield server


@pytest.fixture
def aws_env(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SandboxServer:
    """Fresh simulator state, instant timing and an environment that points boto3 at the simulator."""
    sandbox.reset()
    configure_timing(job_seconds=0.0, endpoint_seconds=0.0)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    # Keep the developer's ~/.aws out of the tests.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config-absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials-absent"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", sandbox.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", SANDBOX_REGION)
    monkeypatch.setenv("AWS_REGION", SANDBOX_REGION)
    return sandbox


@pytest.fixture
def boto_client(aws_env: SandboxServer) -> Callable[..., Any]:
    """Factory for boto3 clients bound to the simulator: ``boto_client("sagemaker")``."""

    def make(service: str, region: str = SANDBOX_REGION) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=aws_env.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=_CLIENT_CONFIG,
        )

    return make


@pytest.fixture
def sandbox_timing(aws_env: SandboxServer) -> Iterator[Callable[..., None]]:
    """Setter for slow timing in one test; timing goes back to instant afterwards."""

    def set_timing(*, job_seconds: float = 60.0, endpoint_seconds: float = 60.0) -> None:
        configure_timing(job_seconds=job_seconds, endpoint_seconds=endpoint_seconds)

    yield set_timing
    configure_timing(job_seconds=0.0, endpoint_seconds=0.0)


@pytest.fixture(autouse=True)
def _no_developer_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's ~/.kube/config or an in-cluster service account by accident."""
    monkeypatch.setenv("KUBECONFIG", str(tmp_path_factory.getbasetemp() / "kubeconfig-absent"))
    for name in ("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def kube_api() -> Iterator[FakeKubeApi]:
    """A fresh fake Kubernetes API server for one test."""
    yield from running()


@pytest.fixture
def kubeconfig(kube_api: FakeKubeApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A kubeconfig for ``kube_api``; KUBECONFIG points at it."""
    path = kube_api.write_kubeconfig(tmp_path / "kubeconfig")
    monkeypatch.setenv("KUBECONFIG", str(path))
    return path
