"""``--adopt ADDRESS``: take over a same-named resource gitops-sm did not create, for a spec that exists.

An address no spec defines (or text that is no address at all) is an error before anything is read:
an adoption that silently did nothing would leave the conflict it was meant to resolve (plan, apply and
reconcile share the rule). Against the
simulator with the real CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from tests.gitrepos import branch_log, make_remote
from tests.jobspecs import Dialect, job_manifest, run_cli, write_spec


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("TrainingJob/default/nope", "--adopt TrainingJob/default/nope: no spec under "),
        ("garbage", "--adopt garbage: not a resource address (Kind/namespace/name): 'garbage'"),
        ("Endpoint/legacy", "--adopt Endpoint/default/legacy: no spec under "),
    ],
)
def test_adopting_an_address_no_spec_defines_is_an_error(
    tmp_path: Path, aws_env: SandboxServer, given: str, says: str
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    for command in ("plan", "apply"):
        result = run_cli(command, root, "--adopt", given, "--auto-approve") if command == "apply" else \
            run_cli(command, root, "--adopt", given)

        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines()[-1].startswith(f"Error: {says}"), result.stderr
        assert "will perform these actions" not in result.stdout


@pytest.mark.parametrize("given", ["TrainingJob/default/nope", "garbage"])
def test_reconcile_refuses_an_address_no_spec_defines_before_planning(
    tmp_path: Path, aws_env: SandboxServer, given: str
) -> None:
    spec = yaml.safe_dump(job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    bare = make_remote(tmp_path, {"train.yaml": spec})

    result = run_cli("reconcile", "--repo", bare, "--no-cluster", "--output", "json", "--adopt", given)

    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert lines[-1]["event"] == "pass-finished" and lines[-1]["outcome"] == "error"
    assert f"--adopt {given}" in str(lines[-1]["message"])
    assert not [line for line in lines if line["event"] in ("plan", "step")]
    assert len(branch_log(bare)) == 1  # no status commit: the pass stopped before planning


def test_adopting_a_foreign_job_of_a_spec_adds_our_tags(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train", job_name="legacy-train"))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    sm = boto_client("sagemaker")
    arn = sm.describe_training_job(TrainingJobName="legacy-train")["TrainingJobArn"]
    sm.delete_tags(ResourceArn=arn, TagKeys=[t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]])

    refused = run_cli("plan", root, "--output", "json")
    adopted = run_cli("plan", root, "--adopt", "TrainingJob/train", "--output", "json")  # namespace defaults

    assert refused.exit_code == 1 and json.loads(refused.stdout)["resource_changes"][0]["actions"] == ["error"]
    change = json.loads(adopted.stdout)["resource_changes"][0]
    assert adopted.exit_code == 0, adopted.output
    assert change["actions"] == ["update"] and [s["call"] for s in change["steps"]] == ["AddTags"]
