"""Git access for gitops-sm: the only module that imports GitPython.

``app`` asks it which commit a spec root belongs to (recorded in every plan). The reconcile
loop (clone, commit status files, push with rebase-and-retry) builds on it in a later issue.
GitPython's exceptions are translated into ``errors.GitError`` here.
"""

from __future__ import annotations

from pathlib import Path

import git

from gitops_sm.errors import GitError


def head_commit(*, path: Path | str) -> str | None:
    """The commit checked out in the work tree containing ``path``, or None outside a work tree."""
    try:
        repo = git.Repo(Path(path).resolve(), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        return str(repo.head.commit.hexsha)
    except ValueError:
        return None  # a repository without commits yet
    except git.GitCommandError as exc:
        raise GitError(f"cannot read the HEAD commit of {path}: {exc.stderr.strip() or exc}") from exc
    finally:
        repo.close()


def is_dirty(*, path: Path | str) -> bool:
    """True when the work tree containing ``path`` has uncommitted changes under ``path``."""
    try:
        repo = git.Repo(Path(path).resolve(), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return False
    try:
        rel = Path(path).resolve().relative_to(Path(repo.working_tree_dir or ".").resolve())
        return repo.is_dirty(untracked_files=True, path=str(rel) if str(rel) != "." else None)
    except git.GitCommandError as exc:
        raise GitError(f"cannot read the status of {path}: {exc.stderr.strip() or exc}") from exc
    finally:
        repo.close()
