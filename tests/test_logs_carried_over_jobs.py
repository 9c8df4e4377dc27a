"""`gitops-sm logs` streams the log of a job named by the earlier naming rule, under its real name.

Before issue 7 a generated job name hashed the spec only; a job the earlier release started sits
under that name (``DesiredResource.previous_names``) and is the spec's job (``plan.health.spec_job``).
``logs`` looked only under the new name: it printed nothing, then failed describing a job that
does not exist. The job is created in the simulator over HTTP as the earlier release's ``apply``
did; the simulator writes its log as it runs; ``logs`` runs through the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import Dialect, create_under_previous_name, job_manifest, run_cli, write_spec
from tests.literals import our_tags

JOB_SECONDS = 600.0
TRAINING_LOG = "/aws/sagemaker/TrainingJobs"


@pytest.fixture
def slow(sandbox_timing: Callable[..., None]) -> None:
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)


def test_logs_of_a_job_under_its_earlier_name_are_that_job_s(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], slow: None
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    (res,) = load_specs(root).resources
    legacy = create_under_previous_name(boto_client("sagemaker"), res)
    aws_env.advance_clock(JOB_SECONDS + 1)  # the whole run: every line of its log

    result = run_cli("logs", "TrainingJob/default/train", "--specs", root)

    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"{TRAINING_LOG} {legacy}/*"
    lines = result.stdout.splitlines()
    assert lines and all(f" {legacy}/algo-1-" in line for line in lines)
    assert lines[-1].endswith("[sandbox] Completed: Training job completed")


def test_a_running_job_under_its_earlier_name_of_another_address_is_not_this_spec_s(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], slow: None
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    (res,) = load_specs(root).resources
    sm = boto_client("sagemaker")
    # The identical spec in another namespace had this very name under the earlier rule.
    foreign = {**res.requests[0].params, "TrainingJobName": res.previous_names[0],
               "Tags": [{"Key": k, "Value": v} for k, v in our_tags("TrainingJob/team-b/train", res.spec_hash).items()]}
    sm.create_training_job(**foreign)

    result = run_cli("logs", "TrainingJob/default/train", "--specs", root)

    assert result.stderr.splitlines()[0] == f"{TRAINING_LOG} {res.names['job']}/*"
    assert result.stdout == "", result.stderr
