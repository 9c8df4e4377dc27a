"""`apply --prune` stops running jobs whose spec left git, within the prune rules of design §4.

Real jobs in the simulator (slow timing keeps them InProgress, instant timing makes finished
history); specs leave git by deleting their files under tmp_path. Rules: completed jobs are
kept; ``gitops-sm.io/prune: "false"`` (carried by the job's ``gitops-sm/prune`` tag once the spec
is gone) protects a job; more stops than ``--prune-threshold`` need ``--allow-mass-prune``; a
pass in which any spec failed to load stops nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm import kinds
from gitops_sm.kinds import Kind
from gitops_sm.specs import load_specs
from tests.jobspecs import Dialect, job_manifest, job_names, job_status, job_tags, run_cli, write_spec

JOB_SECONDS = 600.0


@pytest.fixture
def slow(sandbox_timing: Callable[..., None]) -> Callable[[], None]:
    """Call it to make the jobs created from now on run for ten simulated minutes."""
    return lambda: sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)


@pytest.fixture
def sm(boto_client: Callable[..., Any]) -> Any:
    return boto_client("sagemaker")


def apply(root: Path, *options: str) -> Any:
    return run_cli("apply", root, "--auto-approve", "--output", "json", *options)


def job_of(root: Path, filename: str) -> str:
    """The SageMaker name of the job the spec file defines (read before the file is removed)."""
    (res,) = [r for r in load_specs(root).resources if r.source.path == filename]
    return res.names["job"]


def test_prune_stops_the_running_job_whose_spec_left_git_and_keeps_finished_ones(
    tmp_path: Path, sm: Any, slow: Callable[[], None]
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "kept.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "kept"))
    write_spec(root, "finished.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "finished"))
    assert apply(root).exit_code == 0  # instant timing: these two are Completed
    slow()
    write_spec(root, "running.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "running"))
    write_spec(root, "other.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "other"))
    assert apply(root).exit_code == 0
    finished, running, other = (job_of(root, f) for f in ("finished.yaml", "running.yaml", "other.yaml"))
    assert job_status(sm, Kind.PROCESSING_JOB, running) == "InProgress"

    for gone in ("finished.yaml", "running.yaml"):
        (root / gone).unlink()
    without_prune = apply(root)

    assert without_prune.exit_code == 0
    assert json.loads(without_prune.stdout)["apply"] is None  # nothing to do without --prune
    assert job_status(sm, Kind.PROCESSING_JOB, running) == "InProgress"

    pruned = apply(root, "--prune")

    assert pruned.exit_code == 0, pruned.output
    report = json.loads(pruned.stdout)
    stops = [c for c in report["plan"]["resource_changes"] if c["actions"] == ["stop"]]
    assert [(c["address"], [(s["call"], s["target"]) for s in c["steps"]]) for c in stops] == [
        ("ProcessingJob/default/running", [("StopProcessingJob", running)])
    ]
    assert "left git" in stops[0]["reason"]
    assert report["apply"]["mutating_calls"] == 1
    assert job_status(sm, Kind.PROCESSING_JOB, running) == "Stopping"
    assert job_status(sm, Kind.TRAINING_JOB, finished) == "Completed"  # history, never touched
    assert job_status(sm, Kind.TRAINING_JOB, other) == "InProgress"  # still in git


def test_prune_false_annotation_keeps_the_job_running_after_its_spec_left_git(
    tmp_path: Path, sm: Any, slow: Callable[[], None]
) -> None:
    slow()
    root = tmp_path / "specs"
    protected = job_manifest(
        Kind.TRAINING_JOB, Dialect.V1, "precious", annotations={kinds.ANNOTATION_PRUNE: "false"}
    )
    write_spec(root, "precious.yaml", protected)
    write_spec(root, "plain.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "plain"))
    assert apply(root).exit_code == 0
    precious, plain = job_of(root, "precious.yaml"), job_of(root, "plain.yaml")
    assert job_tags(sm, Kind.TRAINING_JOB, precious)[kinds.TAG_PRUNE] == "false"
    assert kinds.TAG_PRUNE not in job_tags(sm, Kind.TRAINING_JOB, plain)

    (root / "precious.yaml").unlink()
    (root / "plain.yaml").unlink()
    write_spec(root, "unrelated.yaml", job_manifest(Kind.TRANSFORM_JOB, Dialect.ACK, "unrelated"))
    pruned = apply(root, "--prune")

    assert pruned.exit_code == 0, pruned.output
    stopped = [
        c["names"]["job"]
        for c in json.loads(pruned.stdout)["plan"]["resource_changes"]
        if "stop" in c["actions"]
    ]
    assert stopped == [plain]
    assert job_status(sm, Kind.TRAINING_JOB, precious) == "InProgress"
    assert job_status(sm, Kind.TRAINING_JOB, plain) == "Stopping"


def test_more_stops_than_the_threshold_need_allow_mass_prune(
    tmp_path: Path, sm: Any, slow: Callable[[], None]
) -> None:
    slow()
    root = tmp_path / "specs"
    write_spec(root, "a.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "a"))
    write_spec(root, "b.yaml", job_manifest(Kind.HYPERPARAMETER_TUNING_JOB, Dialect.ACK, "b"))
    write_spec(root, "stays.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.V1, "stays"))
    assert apply(root).exit_code == 0
    a, b = job_of(root, "a.yaml"), job_of(root, "b.yaml")
    (root / "a.yaml").unlink()
    (root / "b.yaml").unlink()

    refused = run_cli("apply", root, "--auto-approve", "--no-color", "--prune", "--prune-threshold", "1")

    assert refused.exit_code == 1, refused.output
    assert "prune would stop or delete 2 resources, more than the threshold of 1" in refused.stdout
    assert "--allow-mass-prune" in refused.stdout
    errors = refused.stdout.split("Errors:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert sorted(e.split(": ", 1)[0] for e in errors) == [
        "  HyperParameterTuningJob/default/b", "  TrainingJob/default/a",
    ]  # located at the address whose spec left git, not at "<unknown>"
    assert "<unknown>" not in refused.stdout
    assert job_status(sm, Kind.TRAINING_JOB, a) == "InProgress"
    assert job_status(sm, Kind.HYPERPARAMETER_TUNING_JOB, b) == "InProgress"

    allowed = apply(root, "--prune", "--prune-threshold", "1", "--allow-mass-prune")

    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["apply"]["mutating_calls"] == 2
    assert job_status(sm, Kind.TRAINING_JOB, a) == "Stopping"
    assert job_status(sm, Kind.HYPERPARAMETER_TUNING_JOB, b) == "Stopping"


def test_a_spec_that_fails_to_load_blocks_every_stop_but_valid_specs_still_apply(
    tmp_path: Path, sm: Any, slow: Callable[[], None]
) -> None:
    slow()
    root = tmp_path / "specs"
    write_spec(root, "orphan.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "orphan"))
    write_spec(root, "changing.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "changing", revision=1))
    assert apply(root).exit_code == 0
    orphan, changing_old = job_of(root, "orphan.yaml"), job_of(root, "changing.yaml")

    (root / "orphan.yaml").unlink()
    write_spec(root, "changing.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "changing", revision=2))
    changing_new = job_of(root, "changing.yaml")
    (root / "broken.yaml").write_text(
        "apiVersion: sagemaker.aws.amazon.com/v1\nkind: TrainingJob\nmetadata: [\n"
    )
    write_spec(root, "fresh.yaml", job_manifest(Kind.TRANSFORM_JOB, Dialect.V1, "fresh"))
    fresh = job_of(root, "fresh.yaml")

    result = apply(root, "--prune")

    assert result.exit_code == 1, result.output  # the broken file is an error
    report = json.loads(result.stdout)
    changes = {c["address"]: c for c in report["plan"]["resource_changes"]}
    assert report["plan"]["errors"][0]["source"].startswith("broken.yaml:")
    assert "not pruned: a spec failed to load" in changes["TrainingJob/default/orphan"]["reason"]
    assert changes["TrainingJob/default/orphan"]["steps"] == []
    replace = changes["ProcessingJob/default/changing"]
    assert [s["call"] for s in replace["steps"]] == ["CreateProcessingJob"]  # the old one is not stopped
    assert "NOT stopped because a spec failed to load" in replace["reason"]
    assert job_status(sm, Kind.TRAINING_JOB, orphan) == "InProgress"
    assert job_status(sm, Kind.PROCESSING_JOB, changing_old) == "InProgress"
    assert job_status(sm, Kind.PROCESSING_JOB, changing_new) == "InProgress"  # valid specs still apply
    assert job_names(sm, Kind.TRANSFORM_JOB) == [fresh]
