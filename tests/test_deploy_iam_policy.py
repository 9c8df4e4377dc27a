"""deploy/iam-policy.json grants exactly the AWS calls the code can make: its main statement is
the allow-list (``gitops_sm.allowlist``), and every call a real pass makes is in it."""

from __future__ import annotations

import json
from pathlib import Path

from gitops_sm import allowlist, app, iampolicy
from gitops_sm.sandbox import SandboxServer
from tests.gitrepos import make_remote, push_files, run_pass

POLICY = Path(__file__).resolve().parents[1] / "deploy" / "iam-policy.json"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "repo"


def _calls_statement() -> dict:  # type: ignore[type-arg]
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == iampolicy.CALLS_SID]
    return statement  # type: ignore[no-any-return]


def test_the_policy_file_is_the_one_built_from_the_allow_list() -> None:
    assert POLICY.read_text(encoding="utf-8") == iampolicy.render(), (
        "deploy/iam-policy.json is stale: python -m gitops_sm.iampolicy > deploy/iam-policy.json"
    )
    statement = _calls_statement()
    assert statement["Action"] == list(allowlist.iam_actions())
    planned = {c.iam_action for c in allowlist.PLANNED_CALLS}
    assert planned <= set(statement["Action"])
    assert not [a for a in statement["Action"] if "*" in a]  # no wildcard actions


def test_every_call_of_a_real_pass_with_apply_and_prune_is_granted(aws_env: SandboxServer, tmp_path: Path) -> None:
    files = {str(p.relative_to(EXAMPLES)): p.read_text(encoding="utf-8") for p in EXAMPLES.rglob("*.yaml")}
    bare = make_remote(tmp_path, files)
    _, _, clients = run_pass(bare)
    push_files(bare, tmp_path / "dev", {"teams/search/ranker-training.yaml": None}, message="drop one")
    pruned, _, _ = run_pass(bare, clients=clients, use_ledger=False,
                            settings=app.Settings(region="us-east-1", max_attempts=1, prune=True))
    assert pruned.plan is not None and pruned.plan.options["prune"] is True
    assert pruned.calls_by_operation.get("ListTags", 0) > 0
    granted = set(_calls_statement()["Action"])
    prefixes = allowlist.IAM_PREFIX
    made = {f"{prefixes[c.service]}:{c.operation}" for c in clients.counter.calls}
    assert made and made <= granted, sorted(made - granted)
