"""`--retry-failed ADDRESS` names a spec, by the same rule as `--adopt`: a malformed address, or one
no spec under the root defines, is a one-line error (exit 1) before any AWS call. A typo used to be
accepted and retry nothing, which looks like a retry that failed again.

The real CLI (click's runner) against the simulator over HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from tests.jobspecs import Dialect, job_manifest, run_cli, write_spec


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_an_address_no_spec_defines_is_an_error(command: str, tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_spec(root, "job.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    result = run_cli(command, root, "--auto-approve" if command == "apply" else "-v",
                     "--retry-failed", "HostingDeployment/default/typo")

    assert result.exit_code == 1, result.output
    assert "--retry-failed HostingDeployment/default/typo: no spec under" in result.output
    assert "CreateTrainingJob" not in result.output  # nothing planned, nothing applied


def test_a_malformed_address_is_an_error(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_spec(root, "job.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    result = run_cli("plan", root, "--retry-failed", "web")

    assert result.exit_code == 1, result.output
    assert "--retry-failed web: not a resource address" in result.output


def test_an_address_a_spec_defines_is_accepted(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_spec(root, "job.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    result = run_cli("plan", root, "--retry-failed", "TrainingJob/default/train")

    assert result.exit_code == 0, result.output
