"""The git token given to ``reconcile`` authenticates over HTTPS-style Basic auth (through the
``GIT_ASKPASS`` helper) and appears in no log line, status file, commit message or ``.git/config``."""

from __future__ import annotations

import secrets
from pathlib import Path

import git
import pytest

from gitops_sm.errors import GitError
from gitops_sm.gitrepo import GitAuth
from gitops_sm.reconcile import PassEvent
from gitops_sm.sandbox import SandboxServer
from tests.githttp import serve_git
from tests.gitrepos import branch_log, files_at, make_remote, run_pass
from tests.jobspecs import cli_subprocess, subprocess_env
from tests.manifests import valid_training_job

SPECS = {"teams/a/train.yaml": valid_training_job("train-a", namespace="team-a", region="us-east-1")}


def _everything_in_git(bare: Path) -> str:
    """Every commit message and every blob on every branch of ``bare``, as one text."""
    with git.Repo(bare) as repo:
        texts = [repo.git.log("--all", "--format=%an %ae %cn %ce %B")]
        for commit in repo.iter_commits("--all"):
            texts.extend(b.data_stream.read().decode("utf-8", "replace") for b in commit.tree.traverse() if b.type == "blob")
    return "\n".join(texts)


def test_the_token_authenticates_and_never_shows(aws_env: SandboxServer, tmp_path: Path) -> None:
    token = "ghp_" + secrets.token_hex(16)
    make_remote(tmp_path, SPECS)
    with serve_git(tmp_path, username="x-access-token", token=token) as server:
        url = f"{server.url}/remote.git"
        seen: dict[str, str] = {}

        def look_inside_the_clone(event: PassEvent) -> None:
            if event.event == "commit":
                for config in (tmp_path / "work").glob("*/*/.git/config"):
                    seen[str(config)] = config.read_text(encoding="utf-8")
                for helper in (tmp_path / "work").glob("*/git-askpass.sh"):
                    seen[str(helper)] = helper.read_text(encoding="utf-8")

        (tmp_path / "work").mkdir()
        result, events, _ = run_pass(url, emit=look_inside_the_clone, auth=GitAuth(token=token), workdir=tmp_path / "work")
        assert result.pushed
        assert any(path.endswith(".git/config") for path in seen) and any(p.endswith("askpass.sh") for p in seen)
        for path, text in seen.items():
            assert token not in text, path
            if path.endswith("config"):
                assert "127.0.0.1" in text  # the remote is there, without credentials
        assert not list((tmp_path / "work").iterdir())  # the clone and the helper are gone afterwards
        assert all(token not in repr(e.to_dict()) for e in events)

        proc = cli_subprocess("reconcile", "--repo", url, env=subprocess_env(aws_env.url, GIT_TOKEN=token))
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert server.authorized and server.refused  # git asked, was refused, then sent the token
    assert token not in proc.stdout and token not in proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("{")
    everything = _everything_in_git(tmp_path / "remote.git")
    assert token not in everything
    assert "[skip ci]" in everything
    assert len(branch_log(tmp_path / "remote.git")) == 2


def test_without_the_token_the_pass_fails_cleanly_instead_of_prompting(aws_env: SandboxServer, tmp_path: Path) -> None:
    make_remote(tmp_path, SPECS)
    with serve_git(tmp_path, username="x-access-token", token="right") as server, pytest.raises(GitError) as caught:
        run_pass(f"{server.url}/remote.git", auth=GitAuth(token="wrong-token-value"))
    assert "wrong-token-value" not in str(caught.value)
    assert "cannot clone" in str(caught.value)


def _model_with_environment(environment: dict[str, str]) -> str:
    lines = "".join(f"      {key}: {value}\n" for key, value in environment.items())
    return f"""\
apiVersion: sagemaker.services.k8s.aws/v1alpha1
kind: Model
metadata:
  name: ranker
  namespace: search
  annotations:
    services.k8s.aws/region: us-east-1
spec:
  modelName: ranker-v1
  executionRoleARN: arn:aws:iam::123456789012:role/sagemaker-execution
  primaryContainer:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:1
    modelDataURL: s3://bucket/ranker/model.tar.gz
    environment:
{lines}"""


def test_a_model_s_secret_environment_never_reaches_git_and_the_ledger_still_works(
    aws_env: SandboxServer, tmp_path: Path
) -> None:
    """The status ledger records each described model; its container environment is committed with
    secrets hidden (by key and by value shape), and the recorded model still saves the next pass
    its Describe."""
    password, token = secrets.token_hex(12), "hf_" + secrets.token_hex(16)
    specs = {"search/model.yaml": _model_with_environment(
        {"DB_PASSWORD": password, "MODEL_SOURCE": token, "SAGEMAKER_PROGRAM": "inference.py"})}
    bare = make_remote(tmp_path, specs)

    first, _, _ = run_pass(bare)
    assert first.pushed
    again, _, _ = run_pass(bare)

    status = "\n".join(files_at(bare).values())  # the spec itself is the user's own file
    assert password not in status and token not in status
    assert "inference.py" in status  # the ledger did record the environment, secrets hidden
    with git.Repo(bare) as repo:
        assert password not in repo.git.log("--all", "--format=%B")
    assert again.calls_by_operation.get("DescribeModel", 0) == 0, dict(again.calls_by_operation)
