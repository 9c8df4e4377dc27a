"""Real git repositories on disk for the reconcile tests: a bare "remote", clones that push to it,
and one in-process reconcile pass against the simulator.

Used by ``test_gitrepo_push_race.py``, ``test_reconcile_pass.py``, ``test_reconcile_ledger.py``,
``test_reconcile_secrets.py`` and ``test_reconcile_lease.py``. Git is driven through GitPython only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import git

from gitops_sm import app, reconcile
from gitops_sm.awsclients import ClientFactory
from gitops_sm.gitrepo import Identity
from gitops_sm.reconcile import PassEvent, PassLock, ReconcileOptions, ReconcileResult

BOT = Identity(name="Reconcile Bot", email="reconcile-bot@example.com")
HUMAN = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
         "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
STATUS = ".gitops-sm/status"


def make_remote(tmp_path: Path, files: Mapping[str, str], *, branch: str = "main", history: int = 1) -> Path:
    """A bare repository whose ``branch`` holds ``files`` after ``history`` commits."""
    bare = tmp_path / "remote.git"
    git.Repo.init(bare, bare=True, initial_branch=branch).close()
    work = clone(bare, tmp_path / "seed", branch=None)
    work.git.checkout("-b", branch)
    for index in range(history - 1):
        write(work, {"HISTORY.md": f"commit {index}\n"})
        commit_all(work, f"commit {index}")
    write(work, {"HISTORY.md": "specs\n", **files})
    commit_all(work, "specs")
    work.git.push("origin", f"HEAD:refs/heads/{branch}")
    work.close()
    return bare


def clone(bare: Path, dest: Path, *, branch: str | None = "main") -> git.Repo:
    """A full (not shallow) clone a developer would have."""
    if branch is None:
        return git.Repo.clone_from(bare.as_uri(), dest)
    return git.Repo.clone_from(bare.as_uri(), dest, branch=branch)


def write(repo: git.Repo, files: Mapping[str, str | None]) -> None:
    """Write (or, for None, delete) files in ``repo``'s work tree."""
    root = Path(repo.working_tree_dir or ".")
    for relative, text in files.items():
        path = root / relative
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit_all(repo: git.Repo, message: str) -> str:
    repo.git.add("-A")
    repo.git.commit("-m", message, env=HUMAN)
    return str(repo.head.commit.hexsha)


def push_files(bare: Path, tmp: Path, files: Mapping[str, str | None], *, message: str, branch: str = "main") -> str:
    """Commit ``files`` on ``branch`` from a fresh clone and push it: someone else's commit."""
    dest = tmp
    n = 0
    while dest.exists():
        n += 1
        dest = tmp.with_name(f"{tmp.name}-{n}")
    repo = clone(bare, dest, branch=branch)
    write(repo, files)
    sha = commit_all(repo, message)
    repo.git.push("origin", f"HEAD:refs/heads/{branch}")
    repo.close()
    return sha


def branch_log(bare: Path, branch: str = "main") -> list[tuple[str, str, str]]:
    """``(sha, subject, committer name)`` of every commit on ``branch``, newest first."""
    with git.Repo(bare) as repo:
        return [(c.hexsha, str(c.summary), str(c.committer.name)) for c in repo.iter_commits(branch)]


def files_at(bare: Path, branch: str = "main", under: str = STATUS) -> dict[str, str]:
    """``path -> text`` of every file under ``under`` at the tip of ``branch``."""
    with git.Repo(bare) as repo:
        tree = repo.commit(branch).tree
        try:
            sub = tree / under
        except KeyError:
            return {}
        return {
            str(blob.path)[len(under) + 1 :]: blob.data_stream.read().decode("utf-8")
            for blob in sub.traverse()
            if blob.type == "blob"
        }


def status_doc(bare: Path, relative: str, branch: str = "main") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files_at(bare, branch)[relative])
    return data


def run_pass(
    repo: Path | str,
    *,
    emit: Callable[[PassEvent], None] | None = None,
    lock: PassLock | None = None,
    clients: ClientFactory | None = None,
    settings: app.Settings | None = None,
    **options: Any,
) -> tuple[ReconcileResult, list[PassEvent], ClientFactory]:
    """One reconcile pass in this process against AWS_ENDPOINT_URL (the simulator)."""
    events: list[PassEvent] = []

    def record(event: PassEvent) -> None:
        events.append(event)
        if emit is not None:
            emit(event)

    settings = settings or app.Settings(region="us-east-1", max_attempts=1)
    clients = clients or app.make_clients(settings)
    opts = {"identity": BOT, "push_backoff_seconds": 0.0, **options}
    result = reconcile.run(
        options=ReconcileOptions(repo=str(repo), **opts), settings=settings, clients=clients, emit=record, lock=lock
    )
    return result, events, clients
