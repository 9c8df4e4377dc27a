"""Sandbox server lifecycle, timing configuration and state kept in a file between runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from gitops_sm import sandbox as sandbox_module
from gitops_sm.errors import ConfigError
from gitops_sm.sandbox import JOB_SECONDS_ENV, SandboxServer, current_timing, reset, start_server
from tests.sandboxcalls import create_training_job

ROLE = "arn:aws:iam::123456789012:role/sandbox"


def client(server: SandboxServer, service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_reset_forgets_every_resource(boto_client: Callable[..., Any], aws_env: SandboxServer) -> None:
    sm = boto_client("sagemaker")
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "i"})
    aws_env.reset()
    assert sm.list_models()["Models"] == []


def test_timing_defaults_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, aws_env: SandboxServer
) -> None:
    monkeypatch.setenv(JOB_SECONDS_ENV, "7.5")
    reset()
    assert current_timing().job_seconds == 7.5
    monkeypatch.setenv(JOB_SECONDS_ENV, "soon")
    reset()
    with pytest.raises(ConfigError, match=JOB_SECONDS_ENV):
        current_timing()
    monkeypatch.delenv(JOB_SECONDS_ENV)
    reset()
    assert current_timing() == sandbox_module.Timing(
        job_seconds=sandbox_module.DEFAULT_JOB_SECONDS,
        endpoint_seconds=sandbox_module.DEFAULT_ENDPOINT_SECONDS,
    )


def test_state_file_carries_resources_to_the_next_server(aws_env: SandboxServer, tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox.state"
    sandbox_module.configure_timing(job_seconds=3600, endpoint_seconds=0)
    with start_server(state_file=state_file) as first:
        sm = client(first, "sagemaker")
        create_training_job(sm, "persisted-job")
        sm.create_model(ModelName="persisted-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "i"})
    assert state_file.exists()
    reset()
    assert client(aws_env, "sagemaker").list_models()["Models"] == []

    with start_server(state_file=state_file) as second:
        sm = client(second, "sagemaker")
        assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["persisted-model"]
        assert sm.describe_training_job(TrainingJobName="persisted-job")["TrainingJobStatus"] == "InProgress"
        second.advance_clock(3601)
        assert sm.describe_training_job(TrainingJobName="persisted-job")["TrainingJobStatus"] == "Completed"


def test_unusable_state_file_is_ignored_with_a_warning(
    aws_env: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = tmp_path / "broken.state"
    state_file.write_bytes(b"not a pickle")
    with start_server(state_file=state_file) as server:
        assert client(server, "sagemaker").list_models()["Models"] == []
    assert "ignoring state file" in capsys.readouterr().err


def test_state_survives_into_another_process(aws_env: SandboxServer, tmp_path: Path) -> None:
    """What `apply --sandbox` then `status --sandbox` relies on: a new process reads the same file."""
    state_file = tmp_path / "cli.state"
    with start_server(state_file=state_file) as writer:
        client(writer, "sagemaker").create_model(
            ModelName="from-this-process", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "i"}
        )
    script = """
import sys, boto3
from pathlib import Path
from gitops_sm.sandbox import start_server
with start_server(state_file=Path(sys.argv[1])) as server:
    sm = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=server.url,
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    print(",".join(m["ModelName"] for m in sm.list_models()["Models"]))
"""
    listed = subprocess.run(
        [sys.executable, "-c", script, str(state_file)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.stdout.strip() == "from-this-process"
