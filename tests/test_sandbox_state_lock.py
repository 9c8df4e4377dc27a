"""One directory is one sandbox: the state file is locked (issue 7 item 9).

Two ``apply --sandbox`` processes started together on one state file used to both report success
while the last to save dropped the other's jobs. Now the second waits for the first, and a third
run sees both jobs. A server that cannot get the lock in time says the state is in use.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.errors import ConfigError
from gitops_sm.sandbox import persistence
from tests.jobspecs import subprocess_env
from tests.manifests import valid_training_job


def _spec(root: Path, *names: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        (root / f"{name}.yaml").write_text(valid_training_job(name, region="us-east-1"))
    return root


def test_two_sandbox_applies_in_one_directory_keep_both_runs_jobs(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    env = subprocess_env("", GITOPS_SM_SANDBOX_STATE=str(tmp_path / "sandbox.state"))
    env.pop("AWS_ENDPOINT_URL")
    code = "from gitops_sm.cli import main; main()"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, "apply", str(_spec(tmp_path / name, name)), "--sandbox", "--auto-approve"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in ("alpha", "beta")
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs

    # What the two runs left behind, loaded into this test's (freshly reset) simulator.
    assert persistence.load_state(tmp_path / "sandbox.state")
    jobs = boto_client("sagemaker").list_training_jobs()["TrainingJobSummaries"]

    assert sorted(j["TrainingJobName"].rsplit("-", 1)[0] for j in jobs) == ["alpha", "beta"]


def test_a_state_file_in_use_is_refused_after_the_wait(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.state"
    holder = persistence.StateLock(state)
    holder.acquire(wait_seconds=0)
    try:
        with pytest.raises(ConfigError, match="in use by another gitops-sm"):
            persistence.StateLock(state).acquire(wait_seconds=0.1)
    finally:
        holder.release()
    again = persistence.StateLock(state)
    again.acquire(wait_seconds=0)
    again.release()
