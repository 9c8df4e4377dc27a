"""`gitops-sm apply` creates the four job kinds of both dialects, exactly as planned and only once.

End to end over the simulator (AWS_ENDPOINT_URL): specs written to tmp_path, the CLI invoked
in-process with click's runner (standard input is not a terminal there), jobs read back with boto3.
The call-recording test runs ``app.plan_pass`` + ``app.apply_plan`` and records every API call
through botocore's event hooks to compare it with the plan's steps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from gitops_sm import app, kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import (
    JOB_KIND_ORDER,
    REGION,
    CallRecorder,
    Dialect,
    all_job_names,
    job_manifest,
    job_tags,
    model_manifest,
    run_cli,
    write_spec,
)

SHORT = {
    Kind.TRAINING_JOB: "train",
    Kind.HYPERPARAMETER_TUNING_JOB: "tune",
    Kind.TRANSFORM_JOB: "score",
    Kind.PROCESSING_JOB: "prep",
}


def write_every_job(root: Path, *, with_model: bool = False) -> Path:
    """Eight specs: each job kind once per dialect (names ``v1-train``, ``ack-tune``, …)."""
    for dialect in Dialect:
        for kind in JOB_KIND_ORDER:
            name = f"{dialect.name.lower()}-{SHORT[kind]}"
            write_spec(root, f"{name}.yaml", job_manifest(kind, dialect, name))
    if with_model:
        write_spec(root, "model.yaml", model_manifest())
    return root


def test_apply_creates_every_job_kind_of_both_dialects_once_and_a_second_plan_is_all_no_op(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_every_job(tmp_path / "specs")
    loaded = load_specs(root)
    assert len(loaded.resources) == 8 and loaded.issues == ()

    applied = run_cli("apply", root, "--auto-approve", "--no-color")

    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 8 applied, 0 failed, 0 skipped (8 API calls)." in applied.stdout
    sm = boto_client("sagemaker")
    assert all_job_names(sm) == {
        kind: sorted(r.names["job"] for r in loaded.resources if r.kind is kind) for kind in JOB_KIND_ORDER
    }
    for res in loaded.resources:
        assert job_tags(sm, res.kind, res.names["job"]) == {
            kinds.TAG_MANAGED_BY: kinds.TAG_MANAGED_BY_VALUE,
            kinds.TAG_ADDRESS: str(res.address),
            kinds.TAG_SPEC_HASH: res.spec_hash,
            "team": "e2e",
        }, res.address
    # Both dialects reach SageMaker as the same API request: v1 [{name, value}] lists and ACK maps
    # become maps, ACK's s3URI/roleARN become S3Uri/RoleArn.
    by_address = {str(r.address): r for r in loaded.resources}
    v1_train = sm.describe_training_job(
        TrainingJobName=by_address["TrainingJob/default/v1-train"].names["job"]
    )
    ack_train = sm.describe_training_job(
        TrainingJobName=by_address["TrainingJob/default/ack-train"].names["job"]
    )
    for described, name in ((v1_train, "v1-train"), (ack_train, "ack-train")):
        assert described["HyperParameters"] == {
            "objective": "binary:logistic",
            "num_round": "50",
            "revision": "1",
        }
        assert described["RoleArn"] == "arn:aws:iam::111122223333:role/sagemaker-execution"
        channel = described["InputDataConfig"][0]["DataSource"]["S3DataSource"]
        assert channel["S3Uri"] == f"s3://acme-ml-e2e/datasets/{name}/train/"
    ack_prep = sm.describe_processing_job(
        ProcessingJobName=by_address["ProcessingJob/default/ack-prep"].names["job"]
    )
    assert ack_prep["Environment"] == {"REVISION": "1"}
    assert (
        ack_prep["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
        == "s3://acme-ml-e2e/features/ack-prep/"
    )

    second = run_cli("plan", root, "--detailed-exitcode", "--output", "json")

    assert second.exit_code == 0, second.output
    changes = json.loads(second.stdout)["resource_changes"]
    assert {c["address"]: (c["actions"], c["steps"]) for c in changes} == {
        str(r.address): (["no-op"], []) for r in loaded.resources
    }

    again = run_cli("apply", root, "--auto-approve", "--no-color")

    assert again.exit_code == 0, again.output
    assert "No changes. SageMaker matches the specs." in again.stdout
    assert "Apply complete" not in again.stdout
    assert all_job_names(sm) == {
        kind: sorted(r.names["job"] for r in loaded.resources if r.kind is kind) for kind in JOB_KIND_ORDER
    }


def test_apply_without_auto_approve_and_without_a_terminal_refuses_and_creates_nothing(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_every_job(tmp_path / "specs")

    # Even a "yes" piped in is no terminal to ask on.
    refused = run_cli("apply", root, "--no-color", stdin="yes\n")

    assert refused.exit_code == 1
    assert "Plan: 8 to create" in refused.stdout  # the plan is shown before refusing
    assert "refusing to apply without --auto-approve" in refused.stderr
    assert "Traceback" not in refused.output
    assert all_job_names(boto_client("sagemaker")) == {kind: [] for kind in JOB_KIND_ORDER}


def test_apply_makes_exactly_the_calls_the_plan_lists_in_order(
    tmp_path: Path, aws_env: SandboxServer
) -> None:
    root = write_every_job(tmp_path / "specs", with_model=True)
    session = boto3.Session()
    recorder = CallRecorder(session)
    clients = ClientFactory(session=session, region=REGION, max_attempts=1)
    settings = app.Settings(region=REGION)

    outcome = app.plan_pass(spec_root=root, settings=settings, clients=clients)
    steps = [step for change in outcome.plan.resource_changes for step in change.steps]
    assert [s.call for s in steps].count("CreateModel") == 1 and len(steps) == 9
    # The transform jobs run the model another spec creates: that spec comes first.
    calls_in_plan_order = [s.call for s in steps]
    assert calls_in_plan_order.index("CreateModel") < calls_in_plan_order.index("CreateTransformJob")
    before_apply = len(recorder.calls)
    counted_before = len(clients.counter.calls)

    result = app.apply_plan(the_plan=outcome.plan, clients=clients)

    assert result.ok, result.to_json()
    made = recorder.calls[before_apply:]
    counted = clients.counter.calls[counted_before:]
    assert [(c.service, c.operation, c.params) for c in made] == [
        (s.service, s.call, s.params) for s in steps
    ]
    assert [(c.service, c.operation, c.region) for c in counted] == [
        (s.service, s.call, s.region) for s in steps
    ]
    assert [c.params[c.operation.removeprefix("Create") + "Name"] for c in made] == [s.target for s in steps]
    assert result.mutating_calls == len(steps) and result.verification_reads == 0
