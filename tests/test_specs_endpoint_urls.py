"""Specs cannot redirect credentials: the endpoint-URL corpus for v1 ``spec.sageMakerEndpoint`` (issue 7 item 3).

A pull request's ``plan`` in CI signs requests with the CI's credentials (session token included),
so a spec may only name an https AWS service endpoint. Everything else is a located error at the
field, unless the operator (``--allow-endpoint-url`` / ``GITOPS_SM_ALLOWED_ENDPOINT_URLS``, never a
spec) allowed that URL. End to end: a foreign loopback server named by a spec receives no request
at all, and receives them once the operator allows it (so the refusal is what keeps it quiet).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_sm.allowlist import endpoint_problem
from gitops_sm.awsclients import CODE_ENDPOINT_NOT_ALLOWED, ClientFactory
from gitops_sm.errors import AwsError
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.foreign_server import foreign_server
from tests.jobspecs import run_cli
from tests.manifests import valid_training_job

REFUSED = [
    "http://sagemaker.us-east-1.amazonaws.com",
    "https://169.254.169.254",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:4566",
    "https://127.0.0.1",
    "https://localhost",
    "https://[::1]:443",
    "https://evil.example.com",
    "https://amazonaws.com.evil.example.com",
    "https://sagemaker.us-east-1.amazonaws.com@evil.example.com",
    "https://user:pw@sagemaker.us-east-1.amazonaws.com",
    "https://sagemaker.us-east-1.amazonaws.com:8443",
    "https://sagemaker.us-east-1.amazonaws.com/proxy",
    "https://sagemaker.us-east-1.amazonaws.com?x=1",
    "https://evil.example.com#.amazonaws.com",
    "https://evil.example.com\\.amazonaws.com",
    "https://sagemaker.us-east-1.amazonaws.com.",
    "https://sagemaker.us-east-1.amazonaws.com.evil.example.com",
    "file:///etc/passwd",
    "ftp://sagemaker.us-east-1.amazonaws.com",
    "sagemaker.us-east-1.amazonaws.com",
]
ACCEPTED = [
    "https://sagemaker.us-east-1.amazonaws.com",
    "https://api.sagemaker.us-west-2.amazonaws.com/",
    "https://sagemaker-fips.us-gov-west-1.amazonaws.com",
    "https://vpce-0a1b2c3d4e5f-abcdefgh.api.sagemaker.eu-west-1.vpce.amazonaws.com",
    "https://api.sagemaker.cn-north-1.amazonaws.com.cn",
    "https://sagemaker.us-east-1.amazonaws.com:443",
]


def _spec_with_endpoint(root: Path, url: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    text = valid_training_job("redirected").replace("spec:\n", f"spec:\n  sageMakerEndpoint: {json.dumps(url)}\n", 1)
    (root / "job.yaml").write_text(text)
    return root


@pytest.mark.parametrize("url", REFUSED)
def test_a_spec_naming_a_non_aws_endpoint_is_a_located_error(url: str, tmp_path: Path) -> None:
    loaded = load_specs(_spec_with_endpoint(tmp_path, url))

    assert loaded.resources == ()
    (issue,) = loaded.issues
    assert (str(issue.source), issue.path) == ("job.yaml:6", "spec.sageMakerEndpoint")
    assert "--allow-endpoint-url" in issue.message


@pytest.mark.parametrize("url", ACCEPTED)
def test_https_aws_service_endpoints_are_accepted(url: str, tmp_path: Path) -> None:
    loaded = load_specs(_spec_with_endpoint(tmp_path, url))

    assert loaded.issues == ()
    assert loaded.resources[0].endpoint_url == url


def test_only_the_operator_can_allow_another_endpoint(tmp_path: Path) -> None:
    url = "http://127.0.0.1:4566"
    assert endpoint_problem(url, operator_allowed=["http://127.0.0.1:4566/"]) is None
    assert endpoint_problem(url, operator_allowed=["http://127.0.0.1:4567"]) is not None

    loaded = load_specs(_spec_with_endpoint(tmp_path, url), allowed_endpoint_urls=[url])

    assert loaded.issues == () and loaded.resources[0].endpoint_url == url


def test_the_client_factory_refuses_a_per_call_endpoint_the_rule_refuses() -> None:
    clients = ClientFactory(region="us-east-1", allowed_endpoint_urls=["http://127.0.0.1:4566"])

    with pytest.raises(AwsError) as refused:
        clients.client("sagemaker", endpoint_url="http://169.254.169.254")

    assert refused.value.code == CODE_ENDPOINT_NOT_ALLOWED
    assert clients.client("sagemaker", endpoint_url="http://127.0.0.1:4566") is not None


def test_a_pull_requests_plan_sends_nothing_to_the_host_its_spec_names(
    tmp_path: Path, aws_env: SandboxServer
) -> None:
    with foreign_server() as foreign:
        root = _spec_with_endpoint(tmp_path / "specs", foreign.url)

        refused = run_cli("plan", root, "--max-attempts", "1")

        assert refused.exit_code == 1
        assert "spec.sageMakerEndpoint" in refused.output
        assert foreign.requests == []

        allowed = run_cli("--allow-endpoint-url", foreign.url, "plan", root, "--max-attempts", "1")

        assert "spec.sageMakerEndpoint" not in allowed.output
        assert foreign.requests  # the operator's choice: now the requests do go there
