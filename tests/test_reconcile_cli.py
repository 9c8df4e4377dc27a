"""``gitops-sm reconcile`` as a real process: JSON-lines logs when stdout is not a terminal, one
status commit on a copy of the example repository, then none and no create against the same
simulator server; ``--sandbox`` with a spec folder that is not a git repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gitops_sm.sandbox import SandboxServer
from tests.gitrepos import branch_log, files_at, make_remote
from tests.jobspecs import cli_subprocess, subprocess_env

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "repo"


def _example_files() -> dict[str, str]:
    return {str(p.relative_to(EXAMPLES)): p.read_text(encoding="utf-8") for p in EXAMPLES.rglob("*") if p.is_file()}


def _lines(stdout: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    for line in lines:
        assert {"time", "level", "event", "message"} <= set(line)
    return lines


def test_reconcile_of_the_example_repo_commits_once_then_nothing_and_creates_nothing(
    aws_env: SandboxServer, tmp_path: Path
) -> None:
    bare = make_remote(tmp_path, _example_files())
    env = subprocess_env(aws_env.url)

    first = cli_subprocess("reconcile", "--repo", bare, "--committer-name", "ci-bot", env=env)

    assert first.returncode == 0, first.stderr + first.stdout
    lines = _lines(first.stdout)
    finished = lines[-1]
    assert finished["event"] == "pass-finished" and finished["exit_code"] == 0
    log = branch_log(bare)
    assert len(log) == 2 and log[0][1].endswith("[skip ci]") and log[0][2] == "ci-bot"
    steps = [line for line in lines if line["event"] == "step"]
    assert steps and all(line.get("address") and line.get("action") and line.get("outcome") for line in steps)
    assert len(files_at(bare)) == 19

    second = cli_subprocess("reconcile", "--repo", bare, env=env)

    assert second.returncode == 0, second.stderr
    lines = _lines(second.stdout)
    assert branch_log(bare) == log
    calls = lines[-1]["calls_by_operation"]
    assert isinstance(calls, dict) and not [op for op in calls if op.startswith("Create")]
    assert not [line for line in lines if line["event"] == "step"]


def test_sandbox_reconcile_of_a_plain_folder_keeps_a_sandbox_repository(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    shutil.copytree(EXAMPLES, folder)
    env = subprocess_env("http://127.0.0.1:9", GITOPS_SM_SANDBOX_STATE=str(tmp_path / "sandbox.state"),
                         GITOPS_SM_SANDBOX_JOB_SECONDS="0", GITOPS_SM_SANDBOX_ENDPOINT_SECONDS="0")
    env.pop("AWS_ENDPOINT_URL")

    done = cli_subprocess("reconcile", "--sandbox", "--repo", folder, env=env)

    assert done.returncode == 0, done.stderr + done.stdout
    sandbox_repo = tmp_path / ".gitops-sm-sandbox.git"
    subjects = [subject for _, subject, _ in branch_log(sandbox_repo)]
    assert len(subjects) == 2 and subjects[0].endswith("[skip ci]") and subjects[1].startswith("sandbox: specs from")
    assert not (folder / ".gitops-sm").exists()  # the user's folder is left as it was
