"""How the command line answers before any pass runs: usage errors, help texts, bad settings.

Exit code 2 is "changes pending" (``--detailed-exitcode``), so a usage error exits 1 with click's
usage text. The top-level help lists every command with a whole one-line description. A bad AWS
profile, or a bad ``GITOPS_SM_SANDBOX_*`` value, is one line on stderr and exit 1, before anything
is read or created.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from tests.jobspecs import Dialect, cli_subprocess, invoke_cli, job_manifest, subprocess_env, write_spec


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["plan", "--detailed-exitcode", "--snadbox", "specs"], "No such option '--snadbox'"),
        (["plna", "specs"], "No such command 'plna'"),
        (["apply"], "Missing argument 'TARGET'"),
        (["status", "specs", "--output", "yaml"], "Invalid value for '--output'"),
        (["apply", "specs", "--poll", "often"], "Invalid value for '--poll': 'often' is not a duration"),
        (["sandbox", "serve", "--port", "-3"], "Invalid value for '--port'"),
    ],
)
def test_a_usage_error_exits_1_with_the_usage_text(args: list[str], says: str) -> None:
    result = invoke_cli(*args)

    assert result.exit_code == 1, result.output
    assert result.output.startswith("Usage: ") and "--help' for help." in result.output
    assert says in result.output


def test_detailed_exitcode_2_still_means_changes_pending(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    assert invoke_cli("plan", "--detailed-exitcode", str(root)).exit_code == 2


def test_top_level_help_lists_each_command_with_a_whole_description() -> None:
    result = invoke_cli("--help")

    assert result.exit_code == 0
    commands = result.output.split("Commands:\n", 1)[1].splitlines()
    described = dict(re.match(r"^  (\S+)\s+(.*)$", line).groups() for line in commands if line.strip())  # type: ignore[union-attr]
    assert sorted(described) == ["apply", "logs", "migrate", "plan", "reconcile", "sandbox", "status", "validate"]
    for command, text in described.items():
        assert text.endswith(".") and not text.endswith("..."), (command, text)


def test_a_profile_that_does_not_exist_is_one_line_and_exit_1(tmp_path: Path, aws_env: SandboxServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    config = tmp_path / "aws-config"
    config.write_text("[profile dev]\nregion = us-east-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))

    by_flag = invoke_cli("plan", str(root), "--profile", "prod")
    monkeypatch.setenv("AWS_PROFILE", "prod")
    by_env = [invoke_cli(*args) for args in (["plan", str(root)], ["status", str(root)],
                                               ["logs", "TrainingJob/default/train", "--specs", str(root)])]

    for result in (by_flag, *by_env):
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            "Error: AWS profile 'prod' not found (from --profile or AWS_PROFILE); the profiles are in "
            "~/.aws/config and ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)"
        ]


def test_an_unreadable_aws_config_file_is_one_line_and_exit_1(tmp_path: Path, aws_env: SandboxServer,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    config = tmp_path / "aws-config"
    config.write_text("[profile dev\nregion = us-east-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "dev")

    result = invoke_cli("plan", str(root))

    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: the AWS configuration is not usable: ")


def test_a_bad_sandbox_timing_is_refused_before_anything_runs(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    state = tmp_path / "sandbox.state"
    env = subprocess_env(aws_env.url, GITOPS_SM_SANDBOX_JOB_SECONDS="abc", GITOPS_SM_SANDBOX_STATE=str(state))

    for args in (["apply", root, "--sandbox", "--auto-approve"], ["sandbox", "serve", "--port", "0"]):
        run = cli_subprocess(*args, env=env)

        assert run.returncode == 1, (run.stdout, run.stderr)
        assert run.stdout == ""
        assert run.stderr.strip().splitlines() == [
            "Error: GITOPS_SM_SANDBOX_JOB_SECONDS='abc' is not a number of seconds "
            "(for example GITOPS_SM_SANDBOX_JOB_SECONDS=3)"
        ]
    assert not state.exists()  # the simulator never started
