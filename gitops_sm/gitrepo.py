"""Git access for gitops-sm: the only module that imports GitPython.

``app`` asks it which commit a spec root belongs to (recorded in every plan). ``reconcile`` uses
the rest: a shallow single-branch clone of the spec branch (and of an orphan status branch), a
commit of the status files, and a push that, when rejected as non-fast-forward, fetches, rebases
the status commit onto what arrived and tries again a bounded number of times.

Credentials never reach a URL, a command line, ``.git/config``, a log line or a commit: a token is
handed to git through a ``GIT_ASKPASS`` helper script that reads it from the environment of the
git process only (the script itself holds no secret), credential helpers are switched off for
our git processes so nothing stores it, and an SSH key is given through ``GIT_SSH_COMMAND``. A
repository URL that carries a password is refused. Every message of a git failure is passed
through :func:`redact` before it becomes a :class:`gitops_sm.errors.GitError`.
"""

from __future__ import annotations

import contextlib
import os
import random
import shlex
import shutil
import stat
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import git

from gitops_sm.errors import ConfigError, GitError

DEFAULT_TOKEN_USERNAME = "x-access-token"  # GitHub's; GitLab accepts any name with a token, Bitbucket wants x-token-auth
REDACTED = "***"

_ASKPASS_SCRIPT = """#!/bin/sh
# gitops-sm askpass helper: answers git's prompts from its own environment; holds no secret itself.
case "$1" in
  Username*|username*) printf '%s\\n' "$GITOPS_SM_GIT_USERNAME" ;;
  *) printf '%s\\n' "$GITOPS_SM_GIT_PASSWORD" ;;
esac
"""


# --------------------------------------------------------------------------- plain queries


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


def repository_top(*, path: Path) -> Path | None:
    """The top of the git repository (work tree, or a bare repository) at ``path``; None when
    ``path`` is not the top of one (a plain directory, or a subdirectory of a work tree)."""
    try:
        repo = git.Repo(path.resolve())
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        top = Path(repo.working_tree_dir) if repo.working_tree_dir else Path(repo.git_dir)
        return top.resolve() if top.resolve() == path.resolve() else None
    finally:
        repo.close()


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True, kw_only=True)
class GitAuth:
    """How git authenticates: a token (HTTPS) and/or an SSH key file. ``repr`` never shows the token."""

    token: str | None = field(default=None, repr=False)
    username: str = DEFAULT_TOKEN_USERNAME
    ssh_key_file: Path | None = None
    known_hosts_file: Path | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in any output."""
        return (self.token,) if self.token else ()


@dataclass(frozen=True, kw_only=True)
class Identity:
    """Author and committer of status commits."""

    name: str = "gitops-sm"
    email: str = "gitops-sm@localhost"

    def env(self) -> dict[str, str]:
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced by ``***``."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, urllib.parse.quote(secret, safe="")}:
            text = text.replace(form, REDACTED)
    return text


def display_url(url: str) -> str:
    """The repository URL as we print it: never with a user's password (refused earlier anyway)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def resolve_url(repo: str) -> str:
    """The URL git is given: a local path becomes ``file://`` (so ``--depth`` applies); a URL that
    embeds a password or token is refused, because git would store it in ``.git/config``."""
    parts = urllib.parse.urlsplit(repo)
    if parts.scheme in ("http", "https", "ssh", "git", "file"):
        if parts.password is not None:
            raise ConfigError(
                f"--repo {display_url(repo)}: the URL carries a password or token; give the token in "
                "GIT_TOKEN or --git-token-file instead, so it never lands in .git/config or a log"
            )
        return repo
    if "://" not in repo and ":" in repo.split("/", 1)[0] and not Path(repo).exists():
        return repo  # scp-like SSH syntax: git@host:org/repo.git
    path = Path(repo).expanduser().resolve()
    if not path.exists():
        raise ConfigError(f"--repo {repo}: no such directory, and not a git URL")
    return path.as_uri()


def local_path(url: str) -> Path | None:
    """The directory of a ``file://`` URL; None for remote URLs."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "file":
        return None
    return Path(urllib.parse.unquote(parts.path))


def git_environment(*, auth: GitAuth, scratch: Path) -> dict[str, str]:
    """Environment for every git process of a pass: no prompts, no credential storage, our askpass."""
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        # Reset credential helpers (an empty value clears the list) and never sign or run hooks'
        # pagers: the pass runs unattended and must not persist the token anywhere.
        "GIT_CONFIG_COUNT": "3",
        "GIT_CONFIG_KEY_0": "credential.helper",
        "GIT_CONFIG_VALUE_0": "",
        "GIT_CONFIG_KEY_1": "commit.gpgsign",
        "GIT_CONFIG_VALUE_1": "false",
        "GIT_CONFIG_KEY_2": "core.hooksPath",
        "GIT_CONFIG_VALUE_2": os.devnull,
    }
    if auth.token:
        script = scratch / "git-askpass.sh"
        script.write_text(_ASKPASS_SCRIPT, encoding="utf-8")
        script.chmod(stat.S_IRWXU)
        env.update(
            {
                "GIT_ASKPASS": str(script),
                "GITOPS_SM_GIT_USERNAME": auth.username,
                "GITOPS_SM_GIT_PASSWORD": auth.token,
            }
        )
    if auth.ssh_key_file is not None:
        ssh = ["ssh", "-i", str(auth.ssh_key_file), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
        if auth.known_hosts_file is not None:
            ssh += ["-o", f"UserKnownHostsFile={auth.known_hosts_file}", "-o", "StrictHostKeyChecking=yes"]
        env["GIT_SSH_COMMAND"] = shlex.join(ssh)
    return env


# --------------------------------------------------------------------------- checkouts


@dataclass(kw_only=True)
class Checkout:
    """A clone of one branch that a pass reads and may commit to and push."""

    repo: git.Repo = field(repr=False)
    path: Path
    url: str  # as given to git (never with credentials)
    branch: str
    base_commit: str | None  # the commit cloned; None for a status branch that does not exist yet
    env: Mapping[str, str] = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False, default=())
    push_options: dict[str, Any] = field(default_factory=dict)

    @property
    def head(self) -> str | None:
        try:
            return str(self.repo.head.commit.hexsha)
        except ValueError:
            return None

    def close(self) -> None:
        self.repo.close()

    def _fail(self, doing: str, exc: git.GitCommandError) -> GitError:
        detail = str(exc.stderr or "").strip() or str(exc)
        return GitError(redact(f"cannot {doing} ({display_url(self.url)}, branch {self.branch}): {detail}", self.secrets))


def _translate(doing: str, url: str, exc: git.GitCommandError, secrets: tuple[str, ...]) -> GitError:
    detail = str(exc.stderr or "").strip() or str(exc)
    return GitError(redact(f"cannot {doing} {display_url(url)}: {detail}", secrets))


def remote_has_branch(*, url: str, branch: str, env: Mapping[str, str], secrets: tuple[str, ...] = ()) -> bool:
    """Whether ``branch`` exists in the repository at ``url`` (``git ls-remote --heads``)."""
    try:
        out = git.Git().execute(
            ["git", "ls-remote", "--heads", url, f"refs/heads/{branch}"], env=dict(env)
        )
    except git.GitCommandError as exc:
        raise _translate("list the branches of", url, exc, secrets) from exc
    return bool(str(out).strip())


def clone_branch(
    *,
    url: str,
    branch: str,
    dest: Path,
    env: Mapping[str, str],
    secrets: tuple[str, ...] = (),
    create_orphan: bool = False,
) -> Checkout:
    """Shallow (depth 1), single-branch clone of ``branch`` into ``dest``.

    With ``create_orphan`` a branch the remote does not have yet starts as an empty orphan branch
    in a fresh repository whose ``origin`` is ``url`` (the first push creates it).
    """
    push_options: dict[str, Any] = {}
    target = local_path(url)
    if target is not None and (target / ".git").exists():
        # A local work tree refuses a push to its checked-out branch; update it in place instead
        # (git refuses that too if the work tree has uncommitted changes).
        push_options["receive_pack"] = "git -c receive.denyCurrentBranch=updateInstead receive-pack"
    if create_orphan and not remote_has_branch(url=url, branch=branch, env=env, secrets=secrets):
        dest.mkdir(parents=True, exist_ok=True)
        try:
            repo = git.Repo.init(dest)
            repo.git.update_environment(**env)
            repo.git.checkout("--orphan", branch)
            repo.create_remote("origin", url)
        except git.GitCommandError as exc:
            raise _translate("start an orphan branch for", url, exc, secrets) from exc
        return Checkout(repo=repo, path=dest, url=url, branch=branch, base_commit=None, env=env,
                        secrets=secrets, push_options=push_options)
    try:
        repo = git.Repo.clone_from(
            url, dest, env=dict(env), depth=1, single_branch=True, branch=branch, no_tags=True
        )
    except git.GitCommandError as exc:
        raise _translate(f"clone branch {branch} of", url, exc, secrets) from exc
    repo.git.update_environment(**env)
    return Checkout(
        repo=repo, path=dest, url=url, branch=branch, base_commit=str(repo.head.commit.hexsha), env=env,
        secrets=secrets, push_options=push_options,
    )


def commit_paths(
    checkout: Checkout, *, paths: Iterable[str], message: str, identity: Identity, amend: bool = False
) -> str | None:
    """Stage every change under ``paths`` (additions, edits, deletions) and commit them (``amend``:
    into HEAD, keeping its message).

    Returns the new commit, or None when nothing changed (never an empty commit).
    """
    pathspecs = list(paths)
    try:
        checkout.repo.git.add("-A", "--", *pathspecs)
        staged = checkout.repo.git.diff("--cached", "--name-only", "--", *pathspecs)
        if not str(staged).strip():
            return None
        args = ["--amend", "--no-edit"] if amend else ["-m", message]
        checkout.repo.git.commit(*args, "--no-verify", env={**checkout.env, **identity.env()})
    except git.GitCommandError as exc:
        raise checkout._fail("commit status files", exc) from exc
    return checkout.head


@dataclass(frozen=True, kw_only=True)
class PushOutcome:
    """How a push ended: the commit now at the remote branch and how many attempts it took."""

    commit: str | None
    attempts: int
    rebased: int  # times our commit was rebased onto commits that arrived meanwhile
    pushed: bool  # False when, after a rebase, nothing of ours was left to push


def _push_once(checkout: Checkout) -> bool:
    """Push HEAD to the branch; True on success, False when rejected as non-fast-forward."""
    remote = checkout.repo.remote("origin")
    try:
        infos = remote.push(refspec=f"HEAD:refs/heads/{checkout.branch}", env=dict(checkout.env),
                            **checkout.push_options)
    except git.GitCommandError as exc:
        raise checkout._fail("push", exc) from exc
    if not infos:
        try:
            infos.raise_if_error()
        except git.GitCommandError as exc:
            raise checkout._fail("push", exc) from exc
        raise GitError(f"push to {display_url(checkout.url)} reported nothing (branch {checkout.branch})")
    rejected = False
    for info in infos:
        if info.flags & git.PushInfo.REJECTED:
            rejected = True
        elif info.flags & (git.PushInfo.REMOTE_REJECTED | git.PushInfo.REMOTE_FAILURE | git.PushInfo.ERROR):
            raise GitError(redact(
                f"push to {display_url(checkout.url)} (branch {checkout.branch}) failed: {info.summary.strip()}",
                checkout.secrets,
            ))
    if not rejected:
        try:
            infos.raise_if_error()
        except git.GitCommandError as exc:
            raise checkout._fail("push", exc) from exc
    return not rejected


def _fetch(checkout: Checkout) -> str:
    """Fetch the branch (in a shallow clone, down to the commits we already have); its tip."""
    ref = f"refs/remotes/origin/{checkout.branch}"
    try:
        checkout.repo.git.fetch("--no-tags", "origin", f"+refs/heads/{checkout.branch}:{ref}")
        return str(checkout.repo.git.rev_parse(ref))
    except git.GitCommandError as exc:
        raise checkout._fail("fetch", exc) from exc


def _rebase(checkout: Checkout, *, upstream: str, identity: Identity, rewrite: Callable[[bool], str | None]) -> None:
    """Replay our commit on ``upstream`` (our side wins a conflicting hunk), then let ``rewrite``
    put our files back exactly as this pass rendered them (``amend``: fold into our commit). If git
    cannot rebase at all, reset to ``upstream`` and let ``rewrite`` commit the files again."""
    env = {**checkout.env, **identity.env()}
    try:
        checkout.repo.git.rebase("-X", "theirs", upstream, env=env)
    except git.GitCommandError:
        with contextlib.suppress(git.GitCommandError):
            checkout.repo.git.rebase("--abort", env=env)
        try:
            checkout.repo.git.reset("--hard", upstream)
        except git.GitCommandError as exc:
            raise checkout._fail("reset to the fetched branch", exc) from exc
    # A commit that became empty was dropped by the rebase: HEAD is then upstream itself.
    rewrite(checkout.head != upstream)


def push_with_retry(
    checkout: Checkout,
    *,
    identity: Identity,
    rewrite: Callable[[bool], str | None],
    attempts: int = 5,
    backoff_seconds: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, str], None] | None = None,
) -> PushOutcome:
    """Push the status commit; on a non-fast-forward rejection fetch, rebase and retry.

    ``rewrite(amend)`` writes this pass's files again after the rebase and commits them (amending
    our rebased commit, or as a new commit when the rebase dropped or could not replay it; None
    when the files already match). Gives up with a
    :class:`GitError` after ``attempts`` rejected pushes. Backoff doubles from ``backoff_seconds``
    with jitter.
    """
    for attempt in range(1, attempts + 1):
        if _push_once(checkout):
            return PushOutcome(commit=checkout.head, attempts=attempt, rebased=attempt - 1, pushed=True)
        if attempt == attempts:
            break
        upstream = _fetch(checkout)
        if on_retry is not None:
            on_retry(attempt, upstream)
        _rebase(checkout, upstream=upstream, identity=identity, rewrite=rewrite)
        if checkout.head == upstream:  # what we had to say is already there
            return PushOutcome(commit=upstream, attempts=attempt, rebased=attempt, pushed=False)
        sleep(backoff_seconds * (2 ** (attempt - 1)) * (0.5 + random.random()))
    raise GitError(
        f"push to {display_url(checkout.url)} (branch {checkout.branch}) was rejected {attempts} times: "
        "other commits keep arriving; the next pass will try again"
    )


# --------------------------------------------------------------------------- the sandbox's repository


def seed_from_directory(
    *, source: Path, bare: Path, branch: str, identity: Identity, keep: tuple[str, ...] = (".gitops-sm",)
) -> bool:
    """Make the branch of the bare repository ``bare`` hold exactly the files under ``source``
    (besides the ``keep`` folders it already has), creating it on first use; True when a commit
    was made. ``reconcile --sandbox`` uses it for a spec folder that is not a git repository."""
    env = git_environment(auth=GitAuth(), scratch=bare.parent)
    try:
        if not bare.exists():
            git.Repo.init(bare, bare=True, initial_branch=branch).close()
        work = bare.parent / f"{bare.name}.seed"
        shutil.rmtree(work, ignore_errors=True)
        url = bare.resolve().as_uri()
        checkout = clone_branch(url=url, branch=branch, dest=work, env=env, create_orphan=True)
        try:
            for entry in checkout.path.iterdir():
                if entry.name == ".git" or entry.name in keep:
                    continue
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            for entry in source.iterdir():
                if entry.name == ".git" or entry.name in keep:
                    continue
                if entry.is_dir():
                    shutil.copytree(entry, checkout.path / entry.name)
                else:
                    shutil.copy2(entry, checkout.path / entry.name)
            made = commit_paths(checkout, paths=["."], message=f"sandbox: specs from {source}", identity=identity)
            if made is not None and not _push_once(checkout):
                raise GitError(f"cannot update the sandbox repository {bare}")
            return made is not None
        finally:
            checkout.close()
            shutil.rmtree(work, ignore_errors=True)
    except git.GitCommandError as exc:
        raise _translate("seed the sandbox repository", str(bare), exc, ()) from exc
