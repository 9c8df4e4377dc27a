"""Git plumbing of reconcile against real repositories: shallow clone, and a push race that is
really rejected, then fetched, rebased and retried (``gitops_sm.gitrepo``)."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from gitops_sm import gitrepo
from gitops_sm.errors import ConfigError, GitError
from gitops_sm.gitrepo import Checkout, GitAuth
from tests.gitrepos import BOT, branch_log, files_at, make_remote, push_files


def _checkout(bare: Path, dest: Path, *, branch: str = "main", orphan: bool = False) -> Checkout:
    env = gitrepo.git_environment(auth=GitAuth(), scratch=dest.parent)
    return gitrepo.clone_branch(url=bare.as_uri(), branch=branch, dest=dest, env=env, create_orphan=orphan)


def _status_commit(checkout: Checkout, files: dict[str, str], message: str) -> str | None:
    for relative, text in files.items():
        path = checkout.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return gitrepo.commit_paths(checkout, paths=[".gitops-sm"], message=message, identity=BOT)


def _rewriter(checkout: Checkout, files: dict[str, str], message: str):  # type: ignore[no-untyped-def]
    def rewrite(amend: bool) -> str | None:
        for relative, text in files.items():
            (checkout.path / relative).write_text(text, encoding="utf-8")
        return gitrepo.commit_paths(checkout, paths=[".gitops-sm"], message=message, identity=BOT, amend=amend)

    return rewrite


def test_clone_is_shallow_and_single_branch(tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"specs/a.yaml": "a: 1\n"}, history=4)
    push_files(bare, tmp_path / "other", {"x.txt": "x\n"}, message="a fifth commit")
    with git.Repo(bare) as repo:
        repo.git.branch("feature", "main~1")
    checkout = _checkout(bare, tmp_path / "clone")
    try:
        assert checkout.repo.git.rev_list("--count", "HEAD") == "1"
        assert (Path(checkout.repo.git_dir) / "shallow").is_file()
        remote_refs = checkout.repo.git.for_each_ref("refs/remotes", "--format=%(refname:short)").split()
        assert [ref for ref in remote_refs if not ref.endswith("HEAD")] == ["origin/main"]  # not origin/feature
        assert (checkout.path / "specs" / "a.yaml").read_text() == "a: 1\n"
    finally:
        checkout.close()


def test_push_race_is_rejected_then_rebased_and_both_commits_land(tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"specs/a.yaml": "a: 1\n"})
    first = _checkout(bare, tmp_path / "first")
    second = _checkout(bare, tmp_path / "second")
    retries: list[tuple[int, str]] = []
    try:
        a = _status_commit(first, {".gitops-sm/status/a.json": '{"a": 1}\n'}, "status a [skip ci]")
        b_files = {".gitops-sm/status/b.json": '{"b": 2}\n'}
        b = _status_commit(second, b_files, "status b [skip ci]")
        assert a and b
        won = gitrepo.push_with_retry(first, identity=BOT, rewrite=_rewriter(first, {}, "unused"), sleep=lambda _: None)
        lost = gitrepo.push_with_retry(
            second, identity=BOT, rewrite=_rewriter(second, b_files, "status b [skip ci]"),
            sleep=lambda _: None, on_retry=lambda n, upstream: retries.append((n, upstream)),
        )
    finally:
        first.close()
        second.close()
    assert (won.attempts, won.rebased) == (1, 0)
    assert retries == [(1, a)]  # the rejection really happened, against the winner's commit
    assert (lost.attempts, lost.rebased, lost.pushed) == (2, 1, True)
    log = branch_log(bare)
    assert [subject for _, subject, _ in log] == ["status b [skip ci]", "status a [skip ci]", "specs"]
    assert log[0][2] == BOT.name
    assert files_at(bare) == {"a.json": '{"a": 1}\n', "b.json": '{"b": 2}\n'}


def test_conflicting_status_file_ends_as_the_later_pass_wrote_it(tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"specs/a.yaml": "a: 1\n"})
    first = _checkout(bare, tmp_path / "first")
    second = _checkout(bare, tmp_path / "second")
    old = json.dumps({"health": "progressing", "status": "InProgress", "x": 1}, indent=2) + "\n"
    new = json.dumps({"health": "healthy", "status": "Completed", "x": 1}, indent=2) + "\n"
    try:
        _status_commit(first, {".gitops-sm/status/job.json": old}, "first [skip ci]")
        _status_commit(second, {".gitops-sm/status/job.json": new}, "second [skip ci]")
        gitrepo.push_with_retry(first, identity=BOT, rewrite=_rewriter(first, {}, "x"), sleep=lambda _: None)
        outcome = gitrepo.push_with_retry(
            second, identity=BOT, rewrite=_rewriter(second, {".gitops-sm/status/job.json": new}, "second [skip ci]"),
            sleep=lambda _: None,
        )
    finally:
        first.close()
        second.close()
    assert outcome.rebased == 1
    assert files_at(bare) == {"job.json": new}
    assert [s for _, s, _ in branch_log(bare)][:2] == ["second [skip ci]", "first [skip ci]"]


def test_push_gives_up_after_the_attempts_with_a_clear_error(tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"specs/a.yaml": "a: 1\n"})
    checkout = _checkout(bare, tmp_path / "clone")
    files = {".gitops-sm/status/a.json": '{"a": 1}\n'}
    counter = iter(range(100))

    def someone_else_commits() -> None:
        push_files(bare, tmp_path / "busy", {"specs/b.yaml": f"b: {next(counter)}\n"}, message="busy")

    someone_else_commits()
    try:
        _status_commit(checkout, files, "status [skip ci]")
        with pytest.raises(GitError, match="rejected 3 times"):
            gitrepo.push_with_retry(
                checkout, identity=BOT, rewrite=_rewriter(checkout, files, "status [skip ci]"), attempts=3,
                sleep=lambda _: someone_else_commits(),
            )
    finally:
        checkout.close()
    assert "status [skip ci]" not in [s for _, s, _ in branch_log(bare)]


def test_orphan_status_branch_starts_empty_and_is_created_by_the_push(tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"specs/a.yaml": "a: 1\n"})
    checkout = _checkout(bare, tmp_path / "status", branch="gitops-sm-status", orphan=True)
    try:
        assert checkout.base_commit is None
        assert _status_commit(checkout, {".gitops-sm/status/a.json": "{}\n"}, "status [skip ci]")
        gitrepo.push_with_retry(checkout, identity=BOT, rewrite=_rewriter(checkout, {}, "x"), sleep=lambda _: None)
    finally:
        checkout.close()
    log = branch_log(bare, "gitops-sm-status")
    assert [s for _, s, _ in log] == ["status [skip ci]"]
    with git.Repo(bare) as repo:
        assert not repo.commit("gitops-sm-status").parents
        assert sorted(b.path for b in repo.commit("gitops-sm-status").tree.traverse() if b.type == "blob") == [
            ".gitops-sm/status/a.json"
        ]


def test_nothing_to_commit_makes_no_commit(tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {".gitops-sm/status/a.json": "{}\n"})
    checkout = _checkout(bare, tmp_path / "clone")
    try:
        assert _status_commit(checkout, {".gitops-sm/status/a.json": "{}\n"}, "again") is None
    finally:
        checkout.close()


def test_a_url_with_a_token_in_it_is_refused_without_printing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        gitrepo.resolve_url("https://bot:s3cr3t-t0ken@git.example.com/ml/platform.git")
    assert "s3cr3t-t0ken" not in str(caught.value)
    assert "GIT_TOKEN" in str(caught.value)
