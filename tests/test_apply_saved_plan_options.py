"""`apply PLANFILE` honours a widening option in the file only if `apply` is given it too (issue 7 follow-up).

A saved plan records its options, and `apply` re-plans with them. An edited file could therefore turn
on prune (or adoption, retries, a higher prune threshold, mass prune) if it also adds exactly the
steps the planner would then produce. Each widening option must now be passed to `apply` as well;
otherwise `apply` refuses (exit 1, the option named) before any request reaches the simulator (it
records every request). Given the same flags, the same file applies; extra flags that the file did
not use are fine (the file's narrower options are what is planned).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import Dialect, job_manifest, run_cli, write_spec


def _apply(sandbox: SandboxServer, *args: str | Path) -> tuple[Any, list[str]]:
    sandbox.clear_requests()
    result = run_cli("apply", *args)
    return result, [r.operation for r in sandbox.requests]


def _plan(root: Path, out: Path, *flags: str) -> dict[str, Any]:
    planned = run_cli("plan", root, "--out", out, *flags)
    assert planned.exit_code == 0, planned.output
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _calls(data: dict[str, Any]) -> list[str]:
    return [step["call"] for change in data["resource_changes"] for step in change["steps"]]


def test_a_file_edited_to_turn_prune_on_is_refused_until_apply_gets_prune(
    aws_env: SandboxServer, sandbox_timing: Callable[..., None], tmp_path: Path
) -> None:
    sandbox_timing(job_seconds=600.0)  # the victim job stays InProgress, so prune would stop it
    root = tmp_path / "specs"
    write_spec(root, "keeper.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "keeper"))
    write_spec(root, "victim.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "victim"))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    (root / "victim.yaml").unlink()
    plain = _plan(root, tmp_path / "plain.json")
    assert "StopTrainingJob" not in _calls(plain)
    # The edit: prune switched on, plus exactly the steps (and digest) planning with --prune gives.
    pruned = _plan(root, tmp_path / "pruned.json", "--prune")
    edited = dict(plain, options=dict(plain["options"], prune=True), resource_changes=pruned["resource_changes"],
                  summary=pruned["summary"], observed_digest=pruned["observed_digest"])
    assert "StopTrainingJob" in _calls(edited)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(edited))

    refused, operations = _apply(aws_env, path)

    assert refused.exit_code == 1, refused.output
    assert "this plan was made with --prune; pass --prune to apply it" in refused.output
    assert operations == []  # refused before any request, reads included

    applied, operations = _apply(aws_env, path, "--prune")

    assert applied.exit_code == 0, applied.output
    assert "StopTrainingJob" in operations


@pytest.fixture
def saved_plan(aws_env: SandboxServer, tmp_path: Path) -> tuple[Path, dict[str, Any], str]:
    root = tmp_path / "specs"
    write_spec(root, "job.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "tj"))
    (res,) = load_specs(root).resources
    out = tmp_path / "plan.json"
    return out, _plan(root, out), str(res.address)


WIDENING: dict[str, tuple[str, Any, str]] = {  # option in the file, its edited value, the flag apply must get
    "allow_mass_prune": ("allow_mass_prune", True, "--allow-mass-prune"),
    "higher prune threshold": ("prune_threshold", 1000, "--prune-threshold 1000"),
    "adopt": ("adopt", ["ADDRESS"], "--adopt ADDRESS"),
    "retry_failed": ("retry_failed", ["ADDRESS"], "--retry-failed ADDRESS"),
}


@pytest.mark.parametrize("name", list(WIDENING))
def test_each_widening_option_in_the_file_needs_the_same_flag_on_apply(
    name: str, saved_plan: tuple[Path, dict[str, Any], str], aws_env: SandboxServer, tmp_path: Path
) -> None:
    _, data, address = saved_plan
    option, value, flag = WIDENING[name]
    value = [address] if value == ["ADDRESS"] else value
    flag = flag.replace("ADDRESS", address)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(dict(data, options=dict(data["options"], **{option: value}))))

    refused, operations = _apply(aws_env, path)

    assert refused.exit_code == 1, refused.output
    assert f"this plan was made with {flag}; pass {flag} to apply it" in refused.output
    assert operations == []

    applied, operations = _apply(aws_env, path, *flag.split())

    assert applied.exit_code == 0, applied.output
    assert "CreateTrainingJob" in operations


def test_flags_wider_than_the_file_are_fine(saved_plan: tuple[Path, dict[str, Any], str], aws_env: SandboxServer) -> None:
    path, _, address = saved_plan

    applied, operations = _apply(aws_env, path, "--prune", "--allow-mass-prune", "--prune-threshold", "50",
                                 "--adopt", address, "--retry-failed", address)

    assert applied.exit_code == 0, applied.output
    assert "CreateTrainingJob" in operations
    assert not [op for op in operations if op.startswith(("Stop", "Delete"))]


def test_the_region_comes_from_the_invocation_never_from_the_file(
    aws_env: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A plan made for eu-west-1 is applied only where eu-west-1 is configured: with no region at
    all, or another one, apply names ``--region eu-west-1`` and sends nothing."""
    root = tmp_path / "specs"
    write_spec(root, "job.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "tj"))
    out = tmp_path / "plan.json"
    data = _plan(root, out, "--region", "eu-west-1")
    assert data["options"]["default_region"] == "eu-west-1"

    other, operations = _apply(aws_env, out)  # the environment says the sandbox region

    assert other.exit_code == 1, other.output
    assert "made for region eu-west-1, but this invocation is configured for us-east-1" in other.output
    assert "pass --region eu-west-1" in other.output
    assert operations == []

    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    unset, operations = _apply(aws_env, out)

    assert unset.exit_code == 1, unset.output
    assert "this plan was made for region eu-west-1; pass --region eu-west-1 to apply it" in unset.output
    assert operations == []

    applied, operations = _apply(aws_env, out, "--region", "eu-west-1")

    assert applied.exit_code == 0, applied.output
    assert "CreateTrainingJob" in operations
