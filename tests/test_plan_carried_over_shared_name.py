"""Identical specs in two namespaces once shared a job name: its tags, never the name, say whose job it is.

Before issue 7 a generated job name hashed the spec only, so identical specs in team-a and team-b
got one name (``DesiredResource.previous_names``). A finished job under such a name counts as the
spec's own when its tags were not read (``plan.health.spec_job``), so observe must read them when
two specs claim that name: otherwise team-b's plan takes team-a's job for its own and its job never
runs. The same holds with the reconcile ledger, which records jobs by name and spec hash. Real
parts: the simulator over HTTP, ``plan`` through the CLI, reconcile passes over a bare repository.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from gitops_sm.kinds import Kind
from gitops_sm.model import DesiredResource
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.gitrepos import make_remote, push_files, run_pass, status_doc
from tests.jobspecs import Dialect, create_under_previous_name, job_manifest, run_cli, write_spec

JOB_SECONDS = 600.0
TEAM_A, TEAM_B = "TrainingJob/team-a/train", "TrainingJob/team-b/train"


def _manifests() -> dict[str, dict[str, Any]]:
    return {f"{team}.yaml": job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train", namespace=team)
            for team in ("team-a", "team-b")}


def _specs(root: Path) -> dict[str, DesiredResource]:
    for file, manifest in _manifests().items():
        write_spec(root, file, manifest)
    specs = {str(r.address): r for r in load_specs(root).resources}
    assert specs[TEAM_A].previous_names == specs[TEAM_B].previous_names  # the shared earlier name
    assert specs[TEAM_A].names["job"] != specs[TEAM_B].names["job"]
    return specs


def test_a_finished_job_under_a_shared_earlier_name_is_only_its_own_spec_s(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)
    root = tmp_path / "specs"
    specs = _specs(root)
    legacy = create_under_previous_name(boto_client("sagemaker"), specs[TEAM_A])  # team-a's, by its tags
    aws_env.advance_clock(JOB_SECONDS + 1)

    shown = run_cli("plan", root, "--output", "json")

    assert shown.exit_code == 0, shown.output
    changes = {c["address"]: c for c in json.loads(shown.stdout)["resource_changes"]}
    assert (changes[TEAM_A]["actions"], changes[TEAM_A]["names"]["job"]) == (["no-op"], legacy)
    assert changes[TEAM_B]["actions"] == ["create"]
    assert [s["target"] for s in changes[TEAM_B]["steps"]] == [specs[TEAM_B].names["job"]]


def test_the_reconcile_ledger_does_not_hand_a_shared_earlier_name_to_a_spec_added_later(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)
    specs = _specs(tmp_path / "specs")
    legacy = create_under_previous_name(boto_client("sagemaker"), specs[TEAM_A])
    aws_env.advance_clock(JOB_SECONDS + 1)
    files = {f"jobs/{file}": yaml.safe_dump(m, sort_keys=False) for file, m in _manifests().items()}
    bare = make_remote(tmp_path, {"jobs/team-a.yaml": files["jobs/team-a.yaml"]})
    alone, _, _ = run_pass(bare)
    assert alone.exit_code == 0 and "CreateTrainingJob" not in alone.calls_by_operation
    # team-a's ledger now records the finished job under the shared name, by name and spec hash.
    assert [j["name"] for j in status_doc(bare, "team-a/TrainingJob/train.json")["ledger"]["jobs"]] == [legacy]

    push_files(bare, tmp_path / "push", {"jobs/team-b.yaml": files["jobs/team-b.yaml"]}, message="team-b copies it")
    added, _, _ = run_pass(bare)

    assert added.exit_code == 0
    assert added.calls_by_operation.get("CreateTrainingJob") == 1  # team-b's own job, under its own name
    team_a = status_doc(bare, "team-a/TrainingJob/train.json")
    team_b = status_doc(bare, "team-b/TrainingJob/train.json")
    assert (team_a["names"]["job"], team_a["status"]) == (legacy, "Completed")
    assert team_b["names"]["job"] == specs[TEAM_B].names["job"] and team_b["status"] == "InProgress"
