"""``reconcile`` passes against a bare repository on disk and the simulator (``gitops_sm.reconcile``):
one status commit when something changed, none when nothing did, a spec commit landing mid-pass,
the orphan status branch, status files following specs that leave git, invalid specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_sm.reconcile import PassEvent
from gitops_sm.sandbox import SandboxServer
from tests.gitrepos import BOT, branch_log, files_at, make_remote, push_files, run_pass, status_doc
from tests.manifests import hosting_autoscaling_policy, hosting_deployment, valid_training_job

SPECS = {
    "teams/a/train.yaml": valid_training_job("train-a", namespace="team-a", region="us-east-1"),
    "teams/a/hosting.yaml": hosting_deployment("scoring", namespace="team-a", region="us-east-1")
    + "---\n"
    + hosting_autoscaling_policy("scoring-hap", endpoint="scoring", namespace="team-a", region="us-east-1"),
    "deploy/cronjob.yaml": "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\n",
}
JOB_FILE = "team-a/TrainingJob/train-a.json"


def _creates(calls: dict[str, int]) -> dict[str, int]:
    return {op: n for op, n in calls.items() if op.startswith(("Create", "Register", "Put", "Update"))}


def test_first_pass_makes_one_status_commit_and_a_second_pass_none(aws_env: SandboxServer, tmp_path: Path) -> None:
    bare = make_remote(tmp_path, SPECS)
    spec_commit = branch_log(bare)[0][0]

    first, events, _ = run_pass(bare)

    assert first.exit_code == 0 and first.pushed
    log = branch_log(bare)
    assert len(log) == 2
    sha, subject, committer = log[0]
    assert subject == f"gitops-sm: 3 created (specs {spec_commit[:7]}) [skip ci]"
    assert committer == BOT.name and sha == first.status_commit
    assert sorted(files_at(bare)) == [
        "team-a/HostingAutoscalingPolicy/scoring-hap.json",
        "team-a/HostingDeployment/scoring.json",
        JOB_FILE,
    ]
    job = status_doc(bare, JOB_FILE)
    assert list(job)[:8] == ["format_version", "address", "kind", "api_version", "source", "spec_path", "region", "names"]
    assert (job["health"], job["status"], job["commit"]) == ("healthy", "Completed", spec_commit)
    assert job["last_apply"]["action"] == "create" and job["last_apply"]["outcome"] == "applied"
    assert job["arn"].endswith(f":training-job/{job['names']['job']}")
    endpoint = status_doc(bare, "team-a/HostingDeployment/scoring.json")
    assert endpoint["endpoint_url"] == "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/scoring/invocations"
    hap = status_doc(bare, "team-a/HostingAutoscalingPolicy/scoring-hap.json")
    assert hap["health"] == "healthy"
    assert [r["resource_id"] for r in hap["autoscaling"]] == ["endpoint/scoring/variant/AllTraffic"]
    assert hap["autoscaling"][0]["policy_arn"]
    assert any(e.event == "step" and e.request_id for e in events)  # AWS request ids reach the log
    assert first.calls_by_operation["DescribeTrainingJob"] == 1  # read once after its create, not once per round
    # Where the pass's time went, phase by phase in pass order, also in its last event.
    assert list(first.phase_seconds) == [
        "clone", "ledger", "load", "observe", "plan", "apply", "status", "write", "commit", "push"
    ]
    assert all(seconds >= 0 for seconds in first.phase_seconds.values())
    assert [e.fields["phase_seconds"] for e in events if e.event == "pass-finished"] == [dict(first.phase_seconds)]

    second, events, _ = run_pass(bare)

    assert second.exit_code == 0
    assert second.status_commit is None and not second.pushed
    assert _creates(dict(second.calls_by_operation)) == {}
    assert branch_log(bare) == log
    assert [e.outcome for e in events if e.event == "commit"] == ["unchanged"]
    assert list(second.phase_seconds) == ["clone", "ledger", "load", "observe", "plan", "status", "write", "commit"]
    assert second.plan is not None  # the status files beside the specs are never read as specs
    assert [str(s.source) for s in second.plan.skipped] == ["deploy/cronjob.yaml:1"]
    assert not [e for e in second.plan.errors if ".gitops-sm" in str(e.source)]


def test_a_spec_commit_landing_mid_pass_is_rebased_under_the_status_commit_and_left_for_the_next_pass(
    aws_env: SandboxServer, tmp_path: Path
) -> None:
    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"]})
    started_at = branch_log(bare)[0][0]
    newcomer = valid_training_job("train-b", namespace="team-a", region="us-east-1")
    landed: list[str] = []

    def land_spec_commit(event: PassEvent) -> None:
        if event.event == "commit" and event.outcome == "committed" and not landed:
            landed.append(push_files(bare, tmp_path / "dev", {"teams/a/train-b.yaml": newcomer}, message="add train-b"))

    result, events, _ = run_pass(bare, emit=land_spec_commit)

    assert result.pushed
    assert [e.outcome for e in events if e.event == "push"] == ["rejected", "pushed"]
    log = branch_log(bare)
    assert [subject for _, subject, _ in log][1:] == ["add train-b", "specs"]
    assert log[0][0] == result.status_commit and log[1][0] == landed[0]
    assert sorted(files_at(bare)) == [JOB_FILE]  # this pass did not read train-b
    assert status_doc(bare, JOB_FILE)["commit"] == started_at

    following, _, _ = run_pass(bare)

    assert sorted(files_at(bare)) == [JOB_FILE, "team-a/TrainingJob/train-b.json"]
    assert status_doc(bare, "team-a/TrainingJob/train-b.json")["commit"] == result.status_commit  # the tip it read
    assert following.calls_by_operation.get("CreateTrainingJob") == 1


def test_status_branch_is_an_orphan_that_keeps_spec_history_clean(aws_env: SandboxServer, tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"]})
    spec_log = branch_log(bare)

    run_pass(bare, status_branch="gitops-sm-status")
    again, _, _ = run_pass(bare, status_branch="gitops-sm-status")

    assert branch_log(bare) == spec_log
    status_log = branch_log(bare, "gitops-sm-status")
    assert len(status_log) == 1 and again.status_commit is None
    assert sorted(files_at(bare, "gitops-sm-status")) == [JOB_FILE]
    assert files_at(bare, "gitops-sm-status", under="teams") == {}  # status only: no specs on that branch


def test_a_spec_that_leaves_git_loses_its_status_file_in_the_same_commit(aws_env: SandboxServer, tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"],
                                  "teams/a/train-b.yaml": valid_training_job("train-b", namespace="team-a")})
    run_pass(bare)
    assert len(files_at(bare)) == 2
    push_files(bare, tmp_path / "dev", {"teams/a/train-b.yaml": None}, message="drop train-b")

    result, _, _ = run_pass(bare)

    assert result.files_changed == ("team-a/TrainingJob/train-b.json",)
    assert sorted(files_at(bare)) == [JOB_FILE]


def test_an_invalid_spec_fails_the_pass_is_recorded_and_valid_specs_still_apply(
    aws_env: SandboxServer, tmp_path: Path
) -> None:
    broken = valid_training_job("broken", namespace="team-a").replace("instanceCount: 1", "instanceCount: many")
    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"], "teams/a/broken.yaml": broken})

    result, events, _ = run_pass(bare)

    assert result.exit_code == 1
    assert result.calls_by_operation.get("CreateTrainingJob") == 1
    doc = status_doc(bare, "team-a/TrainingJob/broken.json")
    assert doc["health"] == "error" and "instanceCount" in doc["message"]
    assert any(e.event == "change" and e.outcome == "invalid" for e in events) or any(
        e.event == "change" and e.action == "error" for e in events
    )
    assert [e.outcome for e in events if e.event == "pass-finished"] == ["invalid-specs"]


def test_dry_run_applies_commits_and_pushes_nothing(aws_env: SandboxServer, tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"]})
    log = branch_log(bare)

    result, events, _ = run_pass(bare, dry_run=True)

    assert branch_log(bare) == log
    assert _creates(dict(result.calls_by_operation)) == {}
    assert result.files_changed == (JOB_FILE,)
    assert [e.outcome for e in events if e.event == "commit"] == ["dry-run"]


def test_path_shards_the_repository_and_each_shard_keeps_only_its_own_files(
    aws_env: SandboxServer, tmp_path: Path
) -> None:
    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"],
                                  "teams/b/train.yaml": valid_training_job("train-b", namespace="team-b")})
    run_pass(bare, path="teams/a")
    run_pass(bare, path="teams/b")
    assert sorted(files_at(bare)) == [JOB_FILE, "team-b/TrainingJob/train-b.json"]
    assert json.loads(files_at(bare)[JOB_FILE])["spec_path"] == "teams/a"
    again, _, _ = run_pass(bare, path="teams/a")
    assert again.status_commit is None  # shard a neither rewrites nor removes shard b's file


@pytest.mark.parametrize("path", ["../elsewhere", "/etc"])
def test_path_must_stay_inside_the_repository(aws_env: SandboxServer, tmp_path: Path, path: str) -> None:
    from gitops_sm.errors import ConfigError

    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"]})
    with pytest.raises(ConfigError, match="--path"):
        run_pass(bare, path=path)


def test_a_failed_action_fails_the_pass_and_its_status_file_records_it(
    aws_env: SandboxServer, boto_client, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    bare = make_remote(tmp_path, {"teams/a/train.yaml": SPECS["teams/a/train.yaml"]})
    sm = boto_client("sagemaker")

    def someone_takes_the_name(event: PassEvent) -> None:
        if event.event == "plan" and event.plan is not None and event.plan.has_changes:
            (step,) = [s for _, s in event.plan.steps()]
            sm.create_training_job(**{k: v for k, v in step.params.items() if k != "Tags"})  # not ours

    result, events, _ = run_pass(bare, emit=someone_takes_the_name)

    assert result.exit_code == 1 and result.apply is not None and not result.apply.ok
    assert [e.outcome for e in events if e.event == "pass-finished"] == ["failed"]
    doc = status_doc(bare, JOB_FILE)
    assert doc["last_apply"]["action"] == "create" and doc["last_apply"]["outcome"] == "failed"
    assert doc["last_apply"]["error"].startswith("OwnershipConflict")
    assert doc["health"] == "degraded" and doc["arn"] is None  # the object in the way is not ours to report
