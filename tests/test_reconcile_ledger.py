"""The status files as the observation ledger (design section 10; ``gitops_sm.plan.statusfiles``):
a steady-state pass over finished jobs and settled endpoints describes nothing, a corrupted or
lying status file only costs calls, and recorded state is read again before a mutation."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from tests.gitrepos import files_at, make_remote, push_files, run_pass
from tests.jobspecs import Dialect, job_manifest
from tests.manifests import hosting_deployment, valid_training_job

JOBS = {
    f"jobs/{name}.yaml": yaml.safe_dump(job_manifest(kind, dialect, name), sort_keys=False)
    for kind, dialect, name in (
        (Kind.TRAINING_JOB, Dialect.V1, "train-v1"),
        (Kind.TRAINING_JOB, Dialect.ACK, "train-ack"),
        (Kind.PROCESSING_JOB, Dialect.V1, "prep-v1"),
        (Kind.PROCESSING_JOB, Dialect.ACK, "prep-ack"),
    )
}
HOSTING = {"hosting/scoring.yaml": hosting_deployment("scoring", region="us-east-1")}


def _per_resource_reads(calls: dict[str, int]) -> dict[str, int]:
    return {op: n for op, n in calls.items() if (op.startswith("Describe") and op not in
            ("DescribeScalableTargets", "DescribeScalingPolicies")) or op == "ListTags"}


def _actions(result) -> list[tuple[str, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    return [(c.address, tuple(a.value for a in c.actions)) for c in result.plan.resource_changes]


def test_steady_state_pass_over_finished_jobs_and_a_settled_endpoint_reads_no_resource(
    aws_env: SandboxServer, tmp_path: Path
) -> None:
    bare = make_remote(tmp_path, {**JOBS, **HOSTING})
    first, _, _ = run_pass(bare)
    assert first.pushed and first.calls_by_operation.get("DescribeTrainingJob", 0) >= 2

    steady, _, clients = run_pass(bare)

    calls = dict(steady.calls_by_operation)
    assert _per_resource_reads(calls) == {}, calls  # not one Describe* or ListTags
    assert sorted(calls) == [  # pages only: n/100, not n
        "DescribeScalableTargets", "DescribeScalingPolicies", "ListEndpointConfigs", "ListEndpoints", "ListModels",
        "ListProcessingJobs", "ListTrainingJobs",
    ]
    assert clients.counter.attempts == clients.counter.total  # what was counted is what went over HTTP
    assert all(actions == ("no-op",) for _, actions in _actions(steady))
    assert steady.status_commit is None

    without, _, _ = run_pass(bare, use_ledger=False)
    assert _actions(without) == _actions(steady)
    assert _per_resource_reads(dict(without.calls_by_operation)).get("DescribeTrainingJob") == 2
    assert without.status_commit is None  # what was read from AWS says exactly what the ledger said


def test_a_corrupted_or_lying_status_file_changes_no_action_and_is_repaired(aws_env: SandboxServer, tmp_path: Path) -> None:
    bare = make_remote(tmp_path, JOBS)
    run_pass(bare)
    files = files_at(bare)
    train = next(p for p in files if p.endswith("TrainingJob/train-v1.json"))
    prep = next(p for p in files if p.endswith("ProcessingJob/prep-v1.json"))
    lying = json.loads(files[prep])
    lying["ledger"]["jobs"][0]["spec_hash"] = "0000000000000000"  # recorded for another spec
    push_files(bare, tmp_path / "dev", {f".gitops-sm/status/{train}": files[train][:40],
                                        f".gitops-sm/status/{prep}": json.dumps(lying)}, message="oops")
    reference, _, _ = run_pass(bare, use_ledger=False, dry_run=True)

    result, events, _ = run_pass(bare)

    assert result.exit_code == 0
    assert _actions(result) == _actions(reference)
    warnings = [e.message for e in events if e.event == "ledger"]
    assert len(warnings) == 1 and warnings[0].startswith(f".gitops-sm/status/{train}: not JSON")
    reads = _per_resource_reads(dict(result.calls_by_operation))
    assert reads == {"DescribeTrainingJob": 1, "DescribeProcessingJob": 1, "ListTags": 2}  # only the two
    assert sorted(result.files_changed) == sorted([train, prep])
    assert files_at(bare)[train].startswith("{\n")


def test_recorded_endpoint_state_is_read_again_before_a_mutation(aws_env: SandboxServer, tmp_path: Path) -> None:
    bare = make_remote(tmp_path, {**HOSTING, "jobs/train.yaml": valid_training_job("t", region="us-east-1")})
    run_pass(bare)
    steady, _, _ = run_pass(bare)
    assert "DescribeEndpoint" not in steady.calls_by_operation
    bigger = HOSTING["hosting/scoring.yaml"].replace("initialInstanceCount: 1", "initialInstanceCount: 2")
    push_files(bare, tmp_path / "dev", {"hosting/scoring.yaml": bigger}, message="scale")

    result, events, _ = run_pass(bare)

    assert any("reading it from AWS again" in e.message for e in events if e.event == "ledger")
    assert result.calls_by_operation.get("DescribeEndpoint", 0) >= 1
    assert result.calls_by_operation.get("ListTags", 0) >= 1  # ownership read again, not taken from git
    assert "DescribeTrainingJob" not in result.calls_by_operation  # the finished job still costs nothing
    assert result.apply is not None and result.apply.ok


def test_autoscaling_is_never_put_on_an_endpoint_known_only_from_the_ledger(aws_env: SandboxServer, tmp_path: Path) -> None:
    from tests.manifests import hosting_autoscaling_policy

    bare = make_remote(tmp_path, HOSTING)
    run_pass(bare)
    hap = hosting_autoscaling_policy("scoring-hap", endpoint="scoring", region="us-east-1")
    push_files(bare, tmp_path / "dev", {"hosting/hap.yaml": hap}, message="autoscale it")

    result, events, _ = run_pass(bare)

    assert any("reading it from AWS again" in e.message for e in events if e.event == "ledger")
    assert result.calls_by_operation.get("DescribeEndpoint", 0) >= 1
    assert result.calls_by_operation.get("RegisterScalableTarget") == 1
