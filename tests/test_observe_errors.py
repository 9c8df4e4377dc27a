"""A read failure in one place becomes an Issue; missing credentials or an unreachable endpoint for the
default region abort the pass with one error."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from gitops_sm import kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.errors import ObservationError
from gitops_sm.kinds import Kind
from gitops_sm.model import Address, DesiredResource, ObservedType, SourceLocation
from gitops_sm.observe import observe

REGION = "us-east-1"


def desired_job(name: str, *, region: str | None = None, endpoint_url: str | None = None) -> DesiredResource:
    return DesiredResource(
        address=Address(kind="TrainingJob", namespace="default", name=name),
        kind=Kind.TRAINING_JOB,
        manifest_kind="TrainingJob",
        api_version=kinds.API_V1,
        source=SourceLocation(path=f"{name}.yaml", line=3),
        region=region,
        endpoint_url=endpoint_url,
        spec_hash="abcdef0123",
        explicit_name=False,
        names={"job": f"{name}-abcdef01"},
        requests=(),
    )


def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_an_unreachable_region_becomes_an_issue_and_other_regions_are_still_read(
    boto_client: Callable[..., Any],
) -> None:
    boto_client("sagemaker").create_training_job(
        TrainingJobName="ok-abcdef01",
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/sm",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    healthy = desired_job("ok")
    broken = desired_job("far", region="eu-west-1", endpoint_url=closed_port_url())
    clients = ClientFactory(region=REGION, max_attempts=1, allowed_endpoint_urls=[str(broken.endpoint_url)])

    state = observe(desired=[healthy, broken], clients=clients, default_region=REGION)

    assert state.get(REGION, ObservedType.TRAINING_JOB, "ok-abcdef01") is not None
    assert state.was_listed(REGION, ObservedType.TRAINING_JOB)
    assert not state.was_listed("eu-west-1", ObservedType.TRAINING_JOB)
    assert len(state.errors) == 1
    issue = state.errors[0]
    assert issue.address == "TrainingJob/default/far"
    assert issue.source is None and issue.path == ""
    assert "ListTrainingJobs" in issue.message and "EndpointConnectionError" in issue.message


def test_a_failed_read_changes_the_observed_digest(boto_client: Callable[..., Any]) -> None:
    dead = closed_port_url()
    clients = ClientFactory(region=REGION, max_attempts=1, allowed_endpoint_urls=[dead])
    job = desired_job("far", region="eu-west-1")

    reachable = observe(desired=[job], clients=clients, default_region=REGION)
    unreachable = observe(desired=[replace(job, endpoint_url=dead)], clients=clients, default_region=REGION)

    assert reachable.errors == ()
    assert unreachable.errors
    assert reachable.digest() != unreachable.digest()


def test_missing_credentials_abort_the_pass_with_a_clear_error(
    aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata probing on a laptop
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    clients = ClientFactory(region=REGION, max_attempts=1)

    with pytest.raises(ObservationError) as raised:
        observe(desired=[desired_job("any")], clients=clients, default_region=REGION)

    assert raised.value.code == "NoCredentials"
    assert "no AWS credentials found" in str(raised.value)


def test_an_unreachable_endpoint_for_the_default_region_aborts_the_pass_with_one_error(
    aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    clients = ClientFactory(region=REGION, max_attempts=1)
    desired = [desired_job("one"), desired_job("two"), desired_job("far", region="eu-west-1")]

    with pytest.raises(ObservationError) as raised:
        observe(desired=desired, clients=clients, default_region=REGION)

    assert raised.value.code == "EndpointConnectionError"
    assert "could not connect to the endpoint" in str(raised.value)
    # eu-west-1 is read first (regions in order) and fails alone; the default region's failure ends it.
    assert [c.region for c in clients.counter.calls] == ["eu-west-1", REGION]


class RefusingEndpoint:
    """A loopback HTTP endpoint that answers every request with one AWS JSON error (403/400)."""

    def __init__(self, code: str, status: int) -> None:
        import http.server
        import threading

        body = json.dumps({"__type": code, "message": f"simulated {code}"}).encode()
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    ("code", "status", "attempts"),
    [("AccessDeniedException", 403, 1), ("ThrottlingException", 400, 2)],
)
def test_access_denied_or_throttling_after_retries_in_one_place_is_an_issue_with_the_aws_code(
    aws_env: Any, code: str, status: int, attempts: int
) -> None:
    refusing = RefusingEndpoint(code, status)
    try:
        clients = ClientFactory(region=REGION, max_attempts=2, allowed_endpoint_urls=[refusing.url])
        denied = desired_job("denied", region="eu-west-1", endpoint_url=refusing.url)

        state = observe(desired=[desired_job("ok"), denied], clients=clients, default_region=REGION)
    finally:
        refusing.close()

    assert state.was_listed(REGION, ObservedType.TRAINING_JOB)
    assert [(i.address, code in i.message) for i in state.errors] == [("TrainingJob/default/denied", True)]
    assert refusing.requests == attempts  # throttling was retried by botocore, access denied was not
