"""`gitops-sm status` and `gitops-sm logs` against jobs that `apply` created in the simulator.

The CLI runs in-process (click's runner: output is piped, so plain text / JSON) except for
``logs --follow``, which runs as a real process that keeps polling while the test moves the
simulator's clock forward. Log lines are the simulator's own (it writes a training job's log
as the job runs); a tuning job's trials and older lines for ``--since`` are seeded with the
CloudWatch Logs API, as SageMaker would have written them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import OUTCOME_TAG, SandboxServer
from gitops_sm.sandbox.state import FAILURE_REASON_TAG
from gitops_sm.specs import load_specs
from tests.jobspecs import Dialect, job_manifest, model_manifest, run_cli, subprocess_env, write_spec

JOB_SECONDS = 600.0
TRAINING_LOG = "/aws/sagemaker/TrainingJobs"
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<stream>\S+) (?P<message>.*)$")


def write_jobs(root: Path) -> dict[str, str]:
    """One job of each kind, both dialects; returns address -> SageMaker job name."""
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    write_spec(root, "tune.yaml", job_manifest(Kind.HYPERPARAMETER_TUNING_JOB, Dialect.ACK, "tune"))
    write_spec(root, "score.yaml", job_manifest(Kind.TRANSFORM_JOB, Dialect.V1, "score"))
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep"))
    return {str(r.address): r.names["job"] for r in load_specs(root).resources}


def status_json(root: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    result = run_cli("status", root, "--output", "json")
    return result.exit_code, {r["address"]: r for r in json.loads(result.stdout)["resources"]}


def log_lines(output: str) -> list[tuple[str, str]]:
    """(stream, message) of each printed line; every line must have the documented shape."""
    lines = []
    for line in output.splitlines():
        match = LINE.match(line)
        assert match, line
        lines.append((match["stream"], match["message"]))
    return lines


@pytest.fixture
def slow(sandbox_timing: Callable[..., None]) -> None:
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)


def test_status_shows_each_job_kind_running_then_its_results(
    tmp_path: Path, aws_env: SandboxServer, slow: None
) -> None:
    root = tmp_path / "specs"
    names = write_jobs(root)
    assert run_cli("apply", root, "--auto-approve").exit_code == 0

    code, running = status_json(root)

    assert code == 0
    train = running["TrainingJob/default/train"]
    assert (train["names"]["job"], train["health"], train["status"]) == (
        names["TrainingJob/default/train"],
        "progressing",
        "InProgress",
    )
    assert train["progress"]["secondary_status"] == "Starting"
    assert train["details"]["model_artifacts"] is None
    tune = running["HyperParameterTuningJob/default/tune"]
    assert tune["status"] == "InProgress" and tune["progress"]["training_jobs"]["in_progress"] == 3
    assert tune["progress"].get("best_training_job") is None
    text = run_cli("status", root, "--output", "text")
    assert text.exit_code == 0
    header, *rows = text.stdout.splitlines()
    assert header.split() == ["ADDRESS", "SAGEMAKER", "NAME", "REGION", "SYNC", "HEALTH", "STATUS", "DETAILS"]
    train_row = next(r for r in rows if r.startswith("TrainingJob/default/train "))
    assert train_row.split()[1:6] == [
        names["TrainingJob/default/train"],
        "us-east-1",
        "Progressing",
        "progressing",
        "InProgress",
    ]
    assert train_row.endswith("secondary status: Starting")
    assert "\x1b[" not in text.stdout and "4 resources: 4 progressing." in text.stdout
    # Piped without --output: JSON.
    assert json.loads(run_cli("status", root).stdout)["summary"]["progressing"] == 4

    aws_env.advance_clock(JOB_SECONDS + 1)
    code, done = status_json(root)

    assert code == 0
    train_name = names["TrainingJob/default/train"]
    train = done["TrainingJob/default/train"]
    assert (train["health"], train["status"], train["progress"]) == (
        "healthy",
        "Completed",
        {"secondary_status": "Completed"},
    )
    assert (
        train["details"]["model_artifacts"]
        == f"s3://acme-ml-e2e/models/train/{train_name}/output/model.tar.gz"
    )
    assert train["details"]["training_time_seconds"] == pytest.approx(JOB_SECONDS, abs=2)
    tune = done["HyperParameterTuningJob/default/tune"]
    assert tune["status"] == "Completed"
    assert tune["progress"]["training_jobs"] == {
        "completed": 3, "in_progress": 0, "failed": 0, "retryable_error": 0, "non_retryable_error": 0, "stopped": 0,
    }  # fmt: skip
    best = tune["progress"]["best_training_job"]
    assert best["name"].startswith(names["HyperParameterTuningJob/default/tune"] + "-")
    assert (best["status"], best["objective_metric"]["name"]) == ("Completed", "validation:auc")
    assert (
        done["BatchTransformJob/default/score"]["details"]["output_location"]
        == "s3://acme-ml-e2e/batch/score/out/"
    )
    assert done["ProcessingJob/default/prep"]["details"]["output_locations"] == [
        "s3://acme-ml-e2e/features/prep/"
    ]

    final = run_cli("status", root, "--output", "text").stdout
    assert f"model artifacts: s3://acme-ml-e2e/models/train/{train_name}/output/model.tar.gz" in final
    assert "training jobs: 3 completed, 0 in progress, 0 failed, 0 stopped" in final
    assert f"best: {best['name']} (validation:auc = {best['objective_metric']['value']})" in final
    assert "output: s3://acme-ml-e2e/batch/score/out/" in final
    assert "outputs: s3://acme-ml-e2e/features/prep/" in final
    assert "4 resources: 4 healthy." in final


def test_status_of_a_failed_job_shows_its_failure_reason_and_exits_1(
    tmp_path: Path, aws_env: SandboxServer
) -> None:
    root = tmp_path / "specs"
    failing = job_manifest(
        Kind.TRAINING_JOB, Dialect.ACK, "oom",
        tags={OUTCOME_TAG: "Failed", FAILURE_REASON_TAG: "AlgorithmError: out of memory"},
    )  # fmt: skip
    write_spec(root, "oom.yaml", failing)
    assert run_cli("apply", root, "--auto-approve").exit_code == 0

    code, report = status_json(root)
    text = run_cli("status", root, "--output", "text")

    assert code == 1 and text.exit_code == 1
    oom = report["TrainingJob/default/oom"]
    assert (oom["health"], oom["status"], oom["message"]) == (
        "degraded",
        "Failed",
        "AlgorithmError: out of memory",
    )
    assert oom["details"]["failure_reason"] == "AlgorithmError: out of memory"
    assert "degraded" in text.stdout and "AlgorithmError: out of memory" in text.stdout


def test_logs_print_the_training_jobs_log_with_tail_and_since(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], slow: None
) -> None:
    root = tmp_path / "specs"
    name = write_jobs(root)["TrainingJob/default/train"]
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    aws_env.advance_clock(JOB_SECONDS + 1)  # the whole run: every phase and metric line

    full = run_cli("logs", "TrainingJob/default/train", "--specs", root)

    assert full.exit_code == 0, full.output
    assert full.stderr.strip() == f"{TRAINING_LOG} {name}/*"
    lines = log_lines(full.stdout)
    assert {stream for stream, _ in lines} == {next(s for s, _ in lines)}
    assert lines[0][0].startswith(f"{name}/algo-1-")
    messages = [m for _, m in lines]
    assert messages[0] == "[sandbox] Starting: Preparing the instances for training"
    assert messages[-2:] == [
        "[sandbox] Uploading: Uploading generated training model",
        "[sandbox] Completed: Training job completed",
    ]
    assert sum(m.startswith("#metrics epoch=") for m in messages) == 3

    tail = run_cli("logs", "TrainingJob/default/train", "--specs", root, "--tail", "2")

    assert [m for _, m in log_lines(tail.stdout)] == messages[-2:]

    # Lines the job wrote half an hour and five minutes ago (its log stream, CloudWatch's API).
    logs = boto_client("logs")
    now_ms = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=TRAINING_LOG,
        logStreamName=lines[0][0],
        logEvents=[
            {"timestamp": now_ms - 30 * 60_000, "message": "half an hour ago"},
            {"timestamp": now_ms - 5 * 60_000, "message": "five minutes ago"},
        ],
    )
    everything = [
        m for _, m in log_lines(run_cli("logs", "TrainingJob/default/train", "--specs", root).stdout)
    ]
    recent = run_cli("logs", "TrainingJob/default/train", "--specs", root, "--since", "10m")

    assert everything[:2] == ["half an hour ago", "five minutes ago"]
    assert [m for _, m in log_lines(recent.stdout)] == ["five minutes ago", *messages]


def test_logs_of_a_processing_job_come_from_its_own_log_group_in_its_own_words(
    tmp_path: Path, aws_env: SandboxServer, slow: None
) -> None:
    root = tmp_path / "specs"
    name = write_jobs(root)["ProcessingJob/default/prep"]
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    aws_env.advance_clock(JOB_SECONDS + 1)  # the whole run, every phase

    result = run_cli("logs", "ProcessingJob/default/prep", "--specs", root)

    assert result.exit_code == 0
    assert result.stderr.strip() == f"/aws/sagemaker/ProcessingJobs {name}/*"
    lines = log_lines(result.stdout)
    assert lines and all(stream.startswith(f"{name}/") for stream, _ in lines)
    assert [m for _, m in lines] == [
        "[sandbox] Starting: Preparing the instances for the processing job",
        "[sandbox] Downloading: Downloading input data",
        "[sandbox] Running: Processing job in progress",
        "[sandbox] Uploading: Uploading the output data",
        "[sandbox] Completed: Processing job completed",
    ]
    assert "training" not in result.stdout.lower()


def test_logs_of_a_completed_job_without_log_lines_say_it_ended(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_jobs(root)
    assert run_cli("apply", root, "--auto-approve").exit_code == 0  # instant: every job is Completed

    result = run_cli("logs", "HyperParameterTuningJob/default/tune", "--specs", root)

    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == "no log events (the job ended without writing any)"


def test_logs_follow_prints_until_the_running_job_completes(
    tmp_path: Path, aws_env: SandboxServer, slow: None
) -> None:
    root = tmp_path / "specs"
    name = write_jobs(root)["TrainingJob/default/train"]
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    follower = subprocess.Popen(
        [sys.executable, "-c", "from gitops_sm.cli import main; main()",
         "logs", "TrainingJob/default/train", "--specs", str(root), "--follow", "--poll", "0.2"],
        env=subprocess_env(aws_env.url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert follower.stdout is not None
        first = follower.stdout.readline()  # the job has started: it is running, and followed
        assert first.endswith("[sandbox] Starting: Preparing the instances for training\n"), first
        assert follower.poll() is None

        aws_env.advance_clock(JOB_SECONDS + 1)
        rest, errors = follower.communicate(timeout=30)
    finally:
        follower.kill()

    assert follower.returncode == 0, errors
    messages = [m for _, m in log_lines(first + rest)]
    assert messages[-1] == "[sandbox] Completed: Training job completed"
    assert len(messages) == len(set(messages))  # each line once, although every poll re-reads the last one
    assert all(stream.startswith(f"{name}/") for stream, _ in log_lines(first + rest))


def test_logs_of_a_tuning_job_show_every_trial_or_only_the_best(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    tuning = write_jobs(root)["HyperParameterTuningJob/default/tune"]
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    sm, logs = boto_client("sagemaker"), boto_client("logs")
    trials = [t["TrainingJobName"] for t in sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuning)["TrainingJobSummaries"]]  # fmt: skip
    best = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning)["BestTrainingJob"][
        "TrainingJobName"
    ]
    assert len(trials) == 3 and best in trials
    # Each trial logs like a training job: /aws/sagemaker/TrainingJobs, stream <trial>/algo-1-<epoch>.
    now_ms = int(time.time() * 1000)
    for index, trial in enumerate(sorted(trials)):
        stream = f"{trial}/algo-1-{now_ms // 1000}"
        logs.create_log_stream(logGroupName=TRAINING_LOG, logStreamName=stream)
        logs.put_log_events(
            logGroupName=TRAINING_LOG,
            logStreamName=stream,
            logEvents=[{"timestamp": now_ms - 1000 + index, "message": f"trial {trial} validation:auc=0.9"}],
        )

    every = run_cli("logs", "HyperParameterTuningJob/default/tune", "--specs", root)
    only_best = run_cli("logs", "HyperParameterTuningJob/default/tune", "--specs", root, "--best")

    assert every.exit_code == 0 and only_best.exit_code == 0
    assert every.stderr.strip() == f"{TRAINING_LOG} {tuning}-*"
    assert [m for _, m in log_lines(every.stdout)] == [
        f"trial {t} validation:auc=0.9" for t in sorted(trials)
    ]
    assert only_best.stderr.strip() == f"{TRAINING_LOG} {best}/*"
    assert [m for _, m in log_lines(only_best.stdout)] == [f"trial {best} validation:auc=0.9"]


def test_logs_of_an_unknown_address_or_a_non_job_is_a_one_line_error(
    tmp_path: Path, aws_env: SandboxServer
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    write_spec(root, "model.yaml", model_manifest())

    unknown = run_cli("logs", "TrainingJob/default/nope", "--specs", root)
    not_a_job = run_cli("logs", "Model/default/scoring-model", "--specs", root)

    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == (
        f"Error: no spec for TrainingJob/default/nope under {root} (jobs there: TrainingJob/default/train)"
    )
    assert not_a_job.exit_code == 1
    assert not_a_job.stderr.strip() == (
        "Error: Model/default/scoring-model is a Model; logs exist for training, tuning, transform and processing jobs"
    )
    assert "Traceback" not in unknown.output + not_a_job.output
    write_spec(root, "endpoint.yaml", {
        "apiVersion": Dialect.ACK.value, "kind": "Endpoint", "metadata": {"name": "scoring"},
        "spec": {"endpointName": "scoring", "endpointConfigName": "scoring-config"},
    })  # fmt: skip
    endpoint = run_cli("logs", "Endpoint/default/scoring", "--specs", root)
    assert endpoint.exit_code == 1 and endpoint.stderr.startswith("Error: Endpoint/default/scoring is an Endpoint;")
