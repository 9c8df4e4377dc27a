"""`apply --wait`: the state-change line of a job that failed while the wait watched it names
SageMaker's FailureReason, as the closing summary does.

A job under its generated name that finished costs its pass no Describe, so the pass's own view
has no FailureReason; the line used to say "no FailureReason given" right above the summary
that named it. Against the simulator over HTTP with the real CLI (click's runner).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import OUTCOME_TAG, SandboxServer
from gitops_sm.sandbox.state import FAILURE_REASON_TAG
from tests.jobspecs import Dialect, job_manifest, run_cli, write_spec

REASON = "AlgorithmError: out of memory"


def test_the_line_that_reports_a_job_failed_names_its_failure_reason(
    tmp_path: Path, aws_env: SandboxServer, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=2)  # seen InProgress first, so the wait prints its "→ Failed" line
    root = tmp_path / "specs"
    tags = {OUTCOME_TAG: "Failed", FAILURE_REASON_TAG: REASON}
    write_spec(root, "oom.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "oom", tags=tags))  # generated name

    result = run_cli("apply", root, "--auto-approve", "--wait", "--poll", "1s")

    assert result.exit_code == 1, result.output
    changed = [line for line in result.output.splitlines() if "InProgress → Failed" in line]
    assert len(changed) == 1, result.output
    assert changed[0].startswith("  TrainingJob/default/oom: InProgress → Failed after ")
    assert changed[0].endswith(f": {REASON}")
    assert "no FailureReason given" not in result.output
    assert result.output.splitlines()[-1] == f"  TrainingJob/default/oom: Failed: {REASON}"
