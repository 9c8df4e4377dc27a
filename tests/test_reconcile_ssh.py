"""``reconcile --ssh-key-file`` clones and pushes over git's SSH transport with that key only.

No SSH server can run here, so ``ssh`` on the PATH is a stand-in that does what the real one does
for git once authenticated: it runs the remote command it is given (``git-upload-pack '…'`` for
the clone and fetch, ``git-receive-pack '…'`` for the push) and connects its stdin/stdout — the
same trick git's own test suite uses. Git itself speaks its real protocol over it. The stand-in
records the options it was called with, so the test sees the key and the strict options git used.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import sys
from pathlib import Path

import git
import pytest

from gitops_sm.gitrepo import GitAuth
from gitops_sm.sandbox import SandboxServer
from tests.gitrepos import branch_log, files_at, make_remote, run_pass
from tests.jobspecs import cli_subprocess, subprocess_env
from tests.manifests import valid_training_job

SPECS = {"teams/a/train.yaml": valid_training_job("train-a", namespace="team-a", region="us-east-1")}

_FAKE_SSH = """\
#!{python}
# Stand-in for ssh: record the options, then run the remote command locally (git speaks over stdio).
import json, os, subprocess, sys
args = sys.argv[1:]
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
command = args[-1]  # git passes: [options...] [-p port] host command
sys.exit(subprocess.call(["sh", "-c", command]))
"""


@pytest.fixture
def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the stand-in ``ssh`` first on the PATH; returns the file its calls are logged to."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "ssh-calls.jsonl"
    script = bin_dir / "ssh"
    script.write_text(_FAKE_SSH.format(python=sys.executable, log=str(log)), encoding="utf-8")
    script.chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_the_pass_clones_and_pushes_over_ssh_with_the_key_only(
    aws_env: SandboxServer, tmp_path: Path, fake_ssh: Path
) -> None:
    bare = make_remote(tmp_path, SPECS)
    key = tmp_path / "deploy-key"
    key_text = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + secrets.token_hex(32) + "\n-----END OPENSSH PRIVATE KEY-----\n"
    key.write_text(key_text, encoding="utf-8")
    key.chmod(0o600)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("git.example.test ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\n", encoding="utf-8")
    url = f"ssh://git@git.example.test{bare}"

    result, events, _ = run_pass(url, auth=GitAuth(ssh_key_file=key, known_hosts_file=known_hosts))

    assert result.pushed, result
    assert files_at(bare), "the status files reached the remote over ssh"
    assert branch_log(bare)[0][1].startswith("gitops-sm: ")
    calls = [json.loads(line) for line in fake_ssh.read_text(encoding="utf-8").splitlines()]
    commands = [call[-1] for call in calls]
    assert any(c.startswith("git-upload-pack") for c in commands), commands  # clone (and fetch)
    assert any(c.startswith("git-receive-pack") for c in commands), commands  # push
    for call in calls:
        options = call[:-1]
        assert options[options.index("-i") + 1] == str(key)
        assert "IdentitiesOnly=yes" in options and "BatchMode=yes" in options
        assert f"UserKnownHostsFile={known_hosts}" in options and "StrictHostKeyChecking=yes" in options
        assert "git@git.example.test" in options
    # The key's contents go nowhere: not into events, not into git.
    secret_line = key_text.splitlines()[1]
    assert all(secret_line not in repr(e.to_dict()) for e in events)
    with git.Repo(bare) as repo:
        assert secret_line not in repo.git.log("--all", "-p", "--format=%B")


def test_the_cli_takes_the_key_from_the_environment(aws_env: SandboxServer, tmp_path: Path, fake_ssh: Path) -> None:
    """``GIT_SSH_KEY_FILE`` (a mounted Secret in deploy/) is ``--ssh-key-file``; without a known_hosts
    file git still runs ssh in batch mode with that key only."""
    bare = make_remote(tmp_path, SPECS)
    key = tmp_path / "mounted" / "ssh-privatekey"
    key.parent.mkdir()
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n")
    key.chmod(0o600)

    proc = cli_subprocess(
        "reconcile", "--repo", f"ssh://git@git.example.test{bare}",
        env=subprocess_env(aws_env.url, PATH=os.environ["PATH"], GIT_SSH_KEY_FILE=str(key)),
    )  # fmt: skip

    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert files_at(bare)
    calls = [json.loads(line) for line in fake_ssh.read_text(encoding="utf-8").splitlines()]
    assert calls and all(c[c.index("-i") + 1] == str(key) and "BatchMode=yes" in c for c in calls)
    assert "not-a-real-key" not in proc.stdout + proc.stderr
