"""Start-up cost: ``gitops-sm --help`` loads no AWS, git or sandbox library, and ``--sandbox``
starts its simulator only for a command that reaches AWS.

Each case is a real process (a fresh interpreter, so ``sys.modules`` shows exactly what the command
imported). Whether the in-process simulator ran shows in its state file, which it writes when it
stops.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from tests.jobspecs import Dialect, cli_subprocess, job_manifest, subprocess_env, write_spec

HEAVY = ("boto3", "botocore", "moto", "git", "kubernetes", "rich", "yaml")

REPORT_IMPORTS = (
    "import atexit, json, sys\n"
    f"atexit.register(lambda: print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr))\n"
    "from gitops_sm.cli import main\n"
    "main()\n"
)


def test_help_imports_no_aws_git_sandbox_or_rendering_library(aws_env: SandboxServer) -> None:
    for args in (["--help"], ["plan", "--help"]):
        run = cli_subprocess(*args, env=subprocess_env(aws_env.url), code=REPORT_IMPORTS)

        assert run.returncode == 0, run.stderr
        assert json.loads(run.stderr.splitlines()[-1]) == [], args


def test_the_sandbox_starts_only_for_a_command_that_reaches_aws(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    state = tmp_path / "sandbox.state"
    env = subprocess_env(aws_env.url, GITOPS_SM_SANDBOX_STATE=str(state))

    refused = [  # in parallel: each fails before any AWS call
        subprocess.Popen([sys.executable, "-c", "from gitops_sm.cli import main; main()", *map(str, args)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args in (
            ["plan", "--sandbox", tmp_path / "nowhere"],
            ["logs", "TrainingJob/default/nope", "--specs", root, "--sandbox"],
            ["logs", "TrainingJob/default/train", "--specs", root, "--since", "x", "--sandbox"],
        )
    ]  # fmt: skip

    for run in refused:
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 1 and stderr.splitlines()[-1].startswith("Error: "), stderr
    assert not state.exists()

    planned = cli_subprocess("plan", "--sandbox", root, env=env)

    assert planned.returncode == 0, planned.stderr
    assert state.exists()
