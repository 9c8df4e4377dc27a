"""`gitops-sm apply --wait`: repeat observe→plan→apply until every resource is healthy.

Against the simulator over HTTP with the real CLI (click's runner, output piped: one line per
state change), except the polling test, which drives ``app.wait_until_converged`` with a clock of
its own (a pause moves the simulator's clock instead of sleeping) so it can read the pauses, and
the Ctrl-C test, which runs a real process and interrupts it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_sm import app
from gitops_sm.kinds import Kind
from gitops_sm.sandbox import OUTCOME_TAG, SandboxServer
from gitops_sm.sandbox.state import FAILURE_REASON_TAG
from tests.jobspecs import REGION, Dialect, job_manifest, run_cli, subprocess_env, write_spec
from tests.manifests import hosting_autoscaling_policy, hosting_deployment, write_spec_files
from tests.test_apply_failures import FaultProxy

REASON = "AlgorithmError: out of memory"


def failing_job(root: Path) -> None:
    tags = {OUTCOME_TAG: "Failed", FAILURE_REASON_TAG: REASON}
    write_spec(root, "oom.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "oom", tags=tags))


def test_a_job_that_failed_is_a_failure_named_with_its_reason(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    failing_job(root)
    write_spec(root, "ok.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep"))

    result = run_cli("apply", root, "--auto-approve", "--wait")

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "Failed after 1 pass" in lines[-2]
    assert lines[-1] == f"  TrainingJob/default/oom: Failed: {REASON}"
    assert "  TrainingJob/default/oom: missing → Failed" not in result.output  # first seen Failed
    assert "No changes. SageMaker matches the specs." not in result.output

    again = run_cli("apply", root, "--auto-approve", "--wait")  # nothing to apply: still a failure

    assert again.exit_code == 1 and again.output.splitlines()[-1] == lines[-1]
    assert run_cli("apply", root, "--auto-approve").exit_code == 0  # without --wait: nothing to do


def test_an_endpoint_that_failed_is_named_with_its_failure_reason(tmp_path: Path, aws_env: SandboxServer) -> None:
    failed = hosting_deployment("scoring") + "  tags:\n    - key: gitops-sm-sandbox/outcome\n      value: Failed\n"
    root = write_spec_files(tmp_path / "specs", {
        "hosting.yaml": failed.replace("spec:\n", "spec:\n  region: us-east-1\n", 1),
        "hap.yaml": hosting_autoscaling_policy("scoring-hap", endpoint="scoring", region=REGION),
    })  # fmt: skip

    result = run_cli("apply", root, "--auto-approve", "--wait")

    assert result.exit_code == 1, result.output
    failure = result.output.splitlines()[-2:]
    assert failure[0].startswith("Failed after ") and "1 resource ended in a state the spec does not ask for" in failure[0]
    assert failure[1].startswith("  HostingDeployment/default/scoring: Failed: ")
    assert len(failure[1]) > len("  HostingDeployment/default/scoring: Failed: ")  # the simulator's FailureReason


def test_an_error_is_not_convergence_each_one_is_named(
    tmp_path: Path, aws_env: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Processing jobs cannot be listed (access denied): the training job converges and nothing is
    left to wait for, but the wait says the pass settled in error, names the resource and why, and
    exits 1 (it used to print "Converged … 1 in error")."""
    proxy = FaultProxy(aws_env.url, {"ListProcessingJobs": ("AccessDeniedException", "not allowed here")})
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep"))
    try:
        result = run_cli("apply", root, "--auto-approve", "--wait", "--poll", "1")
    finally:
        proxy.close()

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert not any(line.startswith("Converged") for line in lines), result.output
    assert lines[-2].startswith("Settled after ") and lines[-2].endswith(
        " with 1 in error (1 resource healthy):"), result.output
    assert lines[-1].startswith("  ProcessingJob/default/prep: ") and "AccessDenied" in lines[-1], result.output


def test_wait_converges_with_headers_before_each_pass_s_calls(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = write_spec_files(tmp_path / "specs", {
        "hosting.yaml": hosting_deployment("scoring", region=REGION),
        "hap.yaml": hosting_autoscaling_policy("scoring-hap", endpoint="scoring", region=REGION),
    })  # fmt: skip
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    result = run_cli("apply", root, "--auto-approve", "--wait", "--poll", "1")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1].startswith("Converged after ") and lines[-1].endswith(": 3 resources healthy.")
    # The autoscaling calls belong to a later pass, and its header comes before them.
    register = next(i for i, line in enumerate(lines) if "RegisterScalableTarget" in line)
    header = max(i for i, line in enumerate(lines[:register]) if line.startswith("[pass "))
    assert lines[header].split("] ", 1)[1].startswith("Plan: 1 to create")
    assert "HostingAutoscalingPolicy/default/scoring-hap: missing → healthy after " in result.output


def test_timeout_accepts_units_and_names_what_it_was_waiting_for(
    tmp_path: Path, aws_env: SandboxServer, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=600)
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    result = run_cli("apply", root, "--auto-approve", "--wait", "--timeout", "0s")

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[-2].startswith("Timed out after ") and "(--timeout 0.0s) waiting for 1 resource:" in lines[-2]
    assert lines[-1].startswith("  TrainingJob/default/train: InProgress (for ")
    for good in ("90", "90s", "45m", "2h", "1h30m"):  # parsed before anything else runs
        assert run_cli("apply", root / "absent", "--timeout", good).exit_code == 1
        assert "--timeout" not in run_cli("apply", root / "absent", "--timeout", good).output
    bad = run_cli("apply", root, "--wait", "--timeout", "soon")
    assert bad.exit_code == 1 and "Invalid value for '--timeout': 'soon' is not a duration" in bad.output


def test_polling_is_fast_while_things_move_and_backs_off_to_the_poll_ceiling(
    tmp_path: Path, aws_env: SandboxServer, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=20)
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    settings = app.Settings(region=REGION)
    clock = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock[0] += seconds
        aws_env.advance_clock(seconds)

    outcome = app.wait_until_converged(
        spec_root=root, settings=settings, clients=app.make_clients(settings), timeout_seconds=600,
        poll_seconds=15, sleep=sleep, monotonic=lambda: clock[0],
    )

    assert outcome.end is app.WaitEnd.CONVERGED
    # Pass 1 creates the job, pass 2 sees it InProgress (both moved), then 2, 4, 8, capped at 15;
    # the pass after the job completed converges.
    assert pauses == [1.0, 1.0, 2.0, 4.0, 8.0, 15.0]
    assert outcome.last.verdict.get("TrainingJob/default/train") is not None


def test_ctrl_c_while_waiting_exits_130_without_a_traceback(
    tmp_path: Path, aws_env: SandboxServer, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=600)
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    process = subprocess.Popen(
        [sys.executable, "-c", "from gitops_sm.cli import main; main()",
         "apply", str(root), "--auto-approve", "--wait", "--poll", "1"],
        env=subprocess_env(aws_env.url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("  waiting for TrainingJob/default/train: InProgress"):
            break
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=30)

    assert process.returncode == 130, (seen, rest, stderr)
    assert "Traceback" not in stderr and "Interrupted." in stderr
