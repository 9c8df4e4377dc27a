"""A pass killed right after a Create call is rerun without duplicating the job (design §3).

The crash is real: ``gitops-sm apply`` runs in a child process whose botocore clients get an
``after-call`` hook that ends the process with ``os._exit(137)`` (what a SIGKILL'd container
reports) the moment the first CreateTrainingJob has returned, so nothing after it runs: no
later steps, no report. The rerun is an ordinary ``gitops-sm apply`` process. Both reach the
simulator over HTTP. Two overlapping passes (a CronJob started twice) are run in-process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from gitops_sm import app, kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.execute import Outcome, StepStatus
from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import (
    REGION,
    CallRecorder,
    Dialect,
    address,
    cli_subprocess,
    job_manifest,
    job_names,
    job_tags,
    run_cli,
    subprocess_env,
    write_spec,
)

KILLED = 137

# Runs `gitops-sm apply ROOT --auto-approve` with every new botocore client set to die right
# after its first successful CreateTrainingJob.
CRASH_AFTER_CREATE = """
import os, sys
import botocore.session

_create_client = botocore.session.Session.create_client

def _die_after_create(**_):
    sys.stdout.flush()
    os._exit(137)

def create_client(self, *args, **kwargs):
    client = _create_client(self, *args, **kwargs)
    client.meta.events.register("after-call.sagemaker.CreateTrainingJob", _die_after_create)
    return client

botocore.session.Session.create_client = create_client
from gitops_sm.cli import main
main(["apply", sys.argv[1], "--auto-approve", "--no-color"])
"""


def write_three_jobs(root: Path) -> dict[Kind, str]:
    """A processing job (planned before the training job), the training job, a transform job (after)."""
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep"))
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    write_spec(root, "score.yaml", job_manifest(Kind.TRANSFORM_JOB, Dialect.ACK, "score"))
    return {res.kind: res.names["job"] for res in load_specs(root).resources}


def test_a_pass_killed_after_create_training_job_is_rerun_without_a_duplicate(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    names = write_three_jobs(root)
    env = subprocess_env(aws_env.url)
    sm = boto_client("sagemaker")

    crashed = cli_subprocess(root, env=env, code=CRASH_AFTER_CREATE)

    assert crashed.returncode == KILLED, crashed.stderr
    assert "Apply complete" not in crashed.stdout  # it died mid-pass
    assert job_names(sm, Kind.PROCESSING_JOB) == [names[Kind.PROCESSING_JOB]]
    assert job_names(sm, Kind.TRAINING_JOB) == [names[Kind.TRAINING_JOB]]
    assert job_names(sm, Kind.TRANSFORM_JOB) == []  # planned after the training job: never reached

    rerun = cli_subprocess("apply", root, "--auto-approve", "--output", "json", env=env)

    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    planned = {
        c["address"]: (c["actions"], [s["call"] for s in c["steps"]])
        for c in report["plan"]["resource_changes"]
    }
    assert planned == {
        address(Kind.PROCESSING_JOB, Dialect.ACK, "prep"): (["no-op"], []),
        address(Kind.TRAINING_JOB, Dialect.V1, "train"): (["no-op"], []),
        address(Kind.TRANSFORM_JOB, Dialect.ACK, "score"): (["create"], ["CreateTransformJob"]),
    }
    assert report["apply"]["mutating_calls"] == 1 and report["apply"]["ok"] is True
    assert job_names(sm, Kind.TRAINING_JOB) == [names[Kind.TRAINING_JOB]]  # exactly once
    assert job_names(sm, Kind.PROCESSING_JOB) == [names[Kind.PROCESSING_JOB]]
    assert job_names(sm, Kind.TRANSFORM_JOB) == [names[Kind.TRANSFORM_JOB]]

    assert run_cli("plan", root, "--detailed-exitcode").exit_code == 0


def test_overlapping_passes_create_each_job_once_and_the_late_create_counts_as_done(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    """Two passes plan before either applies; the second one's creates answer ResourceInUse for jobs
    that carry our tags and this spec's hash: success, no second job, no error."""
    root = tmp_path / "specs"
    names = write_three_jobs(root)
    settings = app.Settings(region=REGION)
    first_clients = ClientFactory(region=REGION, max_attempts=1)
    session = boto3.Session()
    recorder = CallRecorder(session)
    second_clients = ClientFactory(session=session, region=REGION, max_attempts=1)
    first = app.plan_pass(spec_root=root, settings=settings, clients=first_clients)
    second = app.plan_pass(spec_root=root, settings=settings, clients=second_clients)
    assert [c.actions for c in second.plan.resource_changes] == [
        c.actions for c in first.plan.resource_changes
    ]

    assert app.apply_plan(the_plan=first.plan, clients=first_clients).ok
    recorded = len(recorder.calls)
    late = app.apply_plan(the_plan=second.plan, clients=second_clients)

    assert late.ok, late.to_json()
    assert {c.address: [s.status for s in c.steps] for c in late.changes} == {
        address(Kind.PROCESSING_JOB, Dialect.ACK, "prep"): [StepStatus.ALREADY_DONE],
        address(Kind.TRAINING_JOB, Dialect.V1, "train"): [StepStatus.ALREADY_DONE],
        address(Kind.TRANSFORM_JOB, Dialect.ACK, "score"): [StepStatus.ALREADY_DONE],
    }
    # Each create was made once more (it is in the plan), then judged by reading the job's tags.
    assert [c.operation for c in recorder.calls[recorded:]] == [
        "CreateProcessingJob", "DescribeProcessingJob", "ListTags",
        "CreateTrainingJob", "DescribeTrainingJob", "ListTags",
        "CreateTransformJob", "DescribeTransformJob", "ListTags",
    ]  # fmt: skip
    assert all(c.outcome is Outcome.APPLIED for c in late.changes)
    sm = boto_client("sagemaker")
    for kind, name in names.items():
        assert job_names(sm, kind) == [name]


def test_the_same_spec_under_two_addresses_gets_two_jobs_each_owned_by_its_address(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    """Team A and team B copy the same spec under the same metadata.name. The generated name hashes
    the address too (issue 7), so each gets its own job; before, both wanted one name and both were
    errors forever (and a job moved to another namespace could never be created)."""
    root = tmp_path / "specs"
    write_spec(root, "a.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", namespace="team-a"))
    write_spec(root, "b.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", namespace="team-b"))

    applied = run_cli("apply", root, "--auto-approve", "--no-color")

    assert applied.exit_code == 0, applied.output
    sm = boto_client("sagemaker")
    names = job_names(sm, Kind.TRAINING_JOB)
    assert len(names) == 2
    owners = sorted(job_tags(sm, Kind.TRAINING_JOB, name)[kinds.TAG_ADDRESS] for name in names)
    assert owners == ["TrainingJob/team-a/train", "TrainingJob/team-b/train"]


def test_a_replace_killed_between_create_and_stop_stops_the_old_job_on_the_rerun(
    tmp_path: Path,
    aws_env: SandboxServer,
    boto_client: Callable[..., Any],
    sandbox_timing: Callable[..., None],
) -> None:
    sandbox_timing(job_seconds=600, endpoint_seconds=60)
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=1))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    sm = boto_client("sagemaker")
    (old,) = job_names(sm, Kind.TRAINING_JOB)
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", revision=2))
    env = subprocess_env(aws_env.url)

    crashed = cli_subprocess(root, env=env, code=CRASH_AFTER_CREATE)  # plan: create new, stop old

    assert crashed.returncode == KILLED, crashed.stderr
    (new,) = set(job_names(sm, Kind.TRAINING_JOB)) - {old}
    assert sm.describe_training_job(TrainingJobName=old)["TrainingJobStatus"] == "InProgress"

    rerun = cli_subprocess("apply", root, "--auto-approve", "--output", "json", env=env)

    assert rerun.returncode == 0, rerun.stderr
    (change,) = json.loads(rerun.stdout)["plan"]["resource_changes"]
    assert [(s["call"], s["target"]) for s in change["steps"]] == [("StopTrainingJob", old)]
    assert sm.describe_training_job(TrainingJobName=old)["TrainingJobStatus"] == "Stopping"
    assert job_names(sm, Kind.TRAINING_JOB) == sorted([old, new])
