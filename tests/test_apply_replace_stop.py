"""A changed job spec replaces the job: create the new one, stop the old one while it still runs.

Jobs are immutable (design §4). With slow simulator timing the first apply leaves real jobs
InProgress; the spec change is planned (CLI), applied in-process with every API call recorded
through botocore's event hooks, and the simulator shows the old jobs Stopping/Stopped and the
new ones InProgress. An explicit job name with a changed spec is an error asking for a new name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from gitops_sm import app
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import JOB_KINDS, Kind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import (
    REGION,
    CallRecorder,
    Dialect,
    address,
    job_manifest,
    job_names,
    job_status,
    run_cli,
    write_spec,
)

JOB_SECONDS = 600.0  # a stop takes half of it in the simulator

# Each kind once, both dialects, none with an explicit name.
REPLACED = (
    (Kind.TRAINING_JOB, Dialect.V1, "train"),
    (Kind.PROCESSING_JOB, Dialect.ACK, "prep"),
    (Kind.HYPERPARAMETER_TUNING_JOB, Dialect.ACK, "tune"),
    (Kind.TRANSFORM_JOB, Dialect.V1, "score"),
)


@pytest.fixture
def slow(sandbox_timing: Callable[..., None]) -> None:
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)


def write_jobs(root: Path, *, revision: int) -> dict[Kind, str]:
    for kind, dialect, name in REPLACED:
        write_spec(root, f"{name}.yaml", job_manifest(kind, dialect, name, revision=revision))
    return {res.kind: res.names["job"] for res in load_specs(root).resources}


def test_a_changed_spec_creates_the_new_job_and_stops_the_running_old_one(
    tmp_path: Path, boto_client: Callable[..., Any], sandbox: SandboxServer, slow: None
) -> None:
    root = tmp_path / "specs"
    old = write_jobs(root, revision=1)
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    sm = boto_client("sagemaker")
    assert {kind: job_status(sm, kind, name) for kind, name in old.items()} == dict.fromkeys(
        old, "InProgress"
    )

    new = write_jobs(root, revision=2)
    assert all(new[kind] != old[kind] for kind in new)
    shown = run_cli("plan", root, "--no-color", "--detailed-exitcode")
    as_json = run_cli("plan", root, "--output", "json")

    assert shown.exit_code == 2, shown.output
    assert "Plan: 0 to create, 0 to update, 4 to replace, 0 to delete" in shown.stdout
    for kind, name in old.items():
        assert f"will call {JOB_KINDS[kind].create_call} {new[kind]} in us-east-1" in shown.stdout
        assert f"will call {JOB_KINDS[kind].stop_call} {name} in us-east-1" in shown.stdout
    planned = {c["address"]: c for c in json.loads(as_json.stdout)["resource_changes"]}
    for kind, dialect, name in REPLACED:
        change = planned[address(kind, dialect, name)]
        info = JOB_KINDS[kind]
        assert change["actions"] == ["replace"]
        assert [(s["call"], s["target"]) for s in change["steps"]] == [
            (info.create_call, new[kind]),
            (info.stop_call, old[kind]),
        ]
        assert change["steps"][1]["params"] == {info.name_member: old[kind]}
        assert change["before"]["name"] == old[kind] and change["after"]["name"] == new[kind]
        assert f"the running {old[kind]} is stopped" in change["reason"]

    # Apply in-process, recording every call: exactly the plan's steps, create before stop.
    session = boto3.Session()
    recorder = CallRecorder(session)
    clients = ClientFactory(session=session, region=REGION, max_attempts=1)
    outcome = app.plan_pass(spec_root=root, settings=app.Settings(region=REGION), clients=clients)
    steps = [s for c in outcome.plan.resource_changes for s in c.steps]
    seen = len(recorder.calls)
    result = app.apply_plan(the_plan=outcome.plan, clients=clients)

    assert result.ok, result.to_json()
    assert [(c.operation, c.params) for c in recorder.calls[seen:]] == [(s.call, s.params) for s in steps]
    assert len(steps) == 8
    for kind in old:
        assert job_status(sm, kind, old[kind]) == "Stopping"
        assert job_status(sm, kind, new[kind]) == "InProgress"
        assert job_names(sm, kind) == sorted([old[kind], new[kind]])

    sandbox.advance_clock(JOB_SECONDS / 2 + 1)

    for kind in old:
        assert job_status(sm, kind, old[kind]) == "Stopped"
        assert job_status(sm, kind, new[kind]) == "InProgress"
    # Converged: the new jobs are the specs' jobs; the stopped ones are history.
    assert run_cli("plan", root, "--detailed-exitcode").exit_code == 0


def test_a_changed_spec_of_a_finished_job_only_creates_the_new_job(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train", revision=1))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    sm = boto_client("sagemaker")
    (old,) = job_names(sm, Kind.TRAINING_JOB)
    assert job_status(sm, Kind.TRAINING_JOB, old) == "Completed"  # instant timing

    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train", revision=2))
    applied = run_cli("apply", root, "--auto-approve", "--output", "json")

    assert applied.exit_code == 0, applied.output
    (change,) = json.loads(applied.stdout)["plan"]["resource_changes"]
    (new,) = set(job_names(sm, Kind.TRAINING_JOB)) - {old}
    assert change["actions"] == ["replace"]
    assert [(s["call"], s["target"]) for s in change["steps"]] == [("CreateTrainingJob", new)]
    assert f"since TrainingJob {old} (Completed)" in change["reason"]
    assert job_status(sm, Kind.TRAINING_JOB, old) == "Completed"  # history is kept as it is


def test_a_changed_spec_with_an_explicit_job_name_is_an_error_asking_for_a_new_name(
    tmp_path: Path, boto_client: Callable[..., Any], slow: None
) -> None:
    root = tmp_path / "specs"
    explicit = "ranker-2024-06-03"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "ranker", job_name=explicit))
    write_spec(
        root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep", job_name="prep-2024-06")
    )
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    sm = boto_client("sagemaker")

    changed = job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "ranker", job_name=explicit, revision=2)
    write_spec(root, "train.yaml", changed)
    refused = run_cli("apply", root, "--auto-approve", "--no-color")

    assert refused.exit_code == 1, refused.output
    assert "x TrainingJob/default/ranker (train.yaml:1)" in refused.stdout
    assert f"the spec changed but the job name is explicit (spec.trainingJobName: {explicit})" in refused.stdout
    assert "set a new spec.trainingJobName to run a new job (the existing one is InProgress)" in refused.stdout
    assert "1 error" in refused.stdout
    assert "Apply complete" not in refused.stdout  # nothing else to do, nothing was called
    assert job_names(sm, Kind.TRAINING_JOB) == [explicit]
    assert job_status(sm, Kind.TRAINING_JOB, explicit) == "InProgress"  # not stopped either
    assert job_status(sm, Kind.PROCESSING_JOB, "prep-2024-06") == "InProgress"


def test_a_saved_replace_plan_applies_while_the_old_job_runs_and_is_refused_once_it_finished(
    tmp_path: Path, boto_client: Callable[..., Any], sandbox: SandboxServer, slow: None
) -> None:
    root = tmp_path / "specs"
    plan_file = tmp_path / "plan.json"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=1))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    sm = boto_client("sagemaker")
    (first,) = job_names(sm, Kind.TRAINING_JOB)

    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=2))
    assert run_cli("plan", root, "--out", plan_file).exit_code == 0
    sandbox.advance_clock(JOB_SECONDS / 3)  # the old job moves on (secondary status), still InProgress
    applied = run_cli("apply", plan_file, "--no-color")

    assert applied.exit_code == 0, applied.output
    (second,) = set(job_names(sm, Kind.TRAINING_JOB)) - {first}
    assert f"StopTrainingJob {first} (us-east-1) ... ok" in applied.stdout
    assert job_status(sm, Kind.TRAINING_JOB, first) == "Stopping"

    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=3))
    assert run_cli("plan", root, "--out", plan_file).exit_code == 0  # would stop `second`
    sandbox.advance_clock(JOB_SECONDS)  # … which finishes before the plan is applied
    stale = run_cli("apply", plan_file, "--no-color")

    assert stale.exit_code == 1
    assert "SageMaker changed since this plan was made (observed state differs); plan again" in stale.stderr
    assert job_names(sm, Kind.TRAINING_JOB) == sorted([first, second])


def test_reverting_a_spec_stops_the_running_job_of_the_reverted_change(
    tmp_path: Path, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=1))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0  # instant timing: Completed
    sm = boto_client("sagemaker")
    (good,) = job_names(sm, Kind.TRAINING_JOB)
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=2))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    (bad,) = set(job_names(sm, Kind.TRAINING_JOB)) - {good}
    assert job_status(sm, Kind.TRAINING_JOB, bad) == "InProgress"

    # `git revert`: the spec is revision 1 again, whose job exists (Completed).
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=1))
    reverted = run_cli("apply", root, "--auto-approve", "--output", "json")

    assert reverted.exit_code == 0, reverted.output
    (change,) = json.loads(reverted.stdout)["plan"]["resource_changes"]
    assert [(s["call"], s["target"]) for s in change["steps"]] == [("StopTrainingJob", bad)]
    assert job_status(sm, Kind.TRAINING_JOB, bad) == "Stopping"
    assert job_names(sm, Kind.TRAINING_JOB) == sorted([good, bad])  # nothing re-created
