"""The status file (and ledger) of a job named by the earlier naming rule are that job's, under its real name.

Before issue 7 a generated job name hashed the spec only; a job the earlier release started sits
under that name (``DesiredResource.previous_names``) and is the spec's job (``plan.health.spec_job``).
``reconcile`` planned it as a no-op but its status file said "missing, not created yet" under the
new name, with no ARN, and never recorded it in the ledger. Real parts: a bare git repository on
disk, the reconcile pass in this process, the simulator over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.gitrepos import make_remote, run_pass, status_doc
from tests.jobspecs import Dialect, create_under_previous_name, job_manifest, write_spec

JOB_SECONDS = 600.0
STATUS_FILE = "default/TrainingJob/train.json"


def test_a_job_under_its_earlier_name_is_reported_and_recorded_under_that_name(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)
    manifest = job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train")
    write_spec(tmp_path / "specs", "train.yaml", manifest)
    (res,) = load_specs(tmp_path / "specs").resources
    legacy = create_under_previous_name(boto_client("sagemaker"), res)
    bare = make_remote(tmp_path, {"jobs/train.yaml": yaml.safe_dump(manifest, sort_keys=False)})

    running, _, _ = run_pass(bare)

    assert running.exit_code == 0 and "CreateTrainingJob" not in running.calls_by_operation
    doc = status_doc(bare, STATUS_FILE)
    assert (doc["names"]["job"], doc["health"], doc["status"]) == (legacy, "progressing", "InProgress")
    assert str(doc["arn"]).endswith(f"/{legacy}")

    aws_env.advance_clock(JOB_SECONDS + 1)
    finished, _, _ = run_pass(bare)

    assert finished.exit_code == 0
    doc = status_doc(bare, STATUS_FILE)
    assert (doc["names"]["job"], doc["health"], doc["status"]) == (legacy, "healthy", "Completed")
    assert [(j["name"], j["spec_hash"]) for j in doc["ledger"]["jobs"]] == [(legacy, res.spec_hash)]

    steady, _, _ = run_pass(bare)

    # The ledger records it as this spec's finished job: no Describe, no ListTags of it any more.
    assert sorted(steady.calls_by_operation) == ["ListTrainingJobs"], steady.calls_by_operation
    assert steady.status_commit is None
