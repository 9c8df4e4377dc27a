"""Adopting compares the live definition with the spec and never hides a difference (issue 12, item 5).

Against the simulator over HTTP with the real CLI: a job (or endpoint) is created by a first
``apply``, then its gitops-sm tags are removed, which makes it exactly what another tool would have
left behind: a same-named resource gitops-sm does not own. Then the spec is edited (or not) and
``plan``/``apply --adopt`` run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_sm.kinds import TAG_SPEC_HASH, Kind
from gitops_sm.sandbox import SandboxServer
from tests.hostingspecs import ENDPOINT, HD, ROLE, write_hosting
from tests.jobspecs import Dialect, job_manifest, run_cli, write_spec

ADDRESS = "TrainingJob/default/train"
LIVE_SECRET = "live-token-0f9e8d7c"
SPEC_SECRET = "spec-token-1a2b3c4d"


def _job(*, max_runtime: int, token: str) -> dict[str, Any]:
    doc = job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train", job_name="legacy-train")
    doc["spec"]["stoppingCondition"]["maxRuntimeInSeconds"] = max_runtime
    doc["spec"]["hyperParameters"]["api_token"] = token
    return doc


def _untag(sm: Any, arn: str) -> None:
    sm.delete_tags(ResourceArn=arn, TagKeys=[t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]])


def _foreign_job(root: Path, sm: Any, *, max_runtime: int, token: str) -> str:
    """A Completed training job ``legacy-train`` with no gitops-sm tags, created from ``_job(...)``."""
    write_spec(root, "train.yaml", _job(max_runtime=max_runtime, token=token))
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    arn: str = sm.describe_training_job(TrainingJobName="legacy-train")["TrainingJobArn"]
    _untag(sm, arn)
    return arn


def _tags(sm: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


def _sync(root: Path) -> str:
    status = run_cli("status", root, "--output", "json")
    (row,) = [r for r in json.loads(status.stdout)["resources"] if r["address"] == ADDRESS]
    return str(row["sync"])


def test_adopting_a_job_that_differs_shows_what_it_accepts_and_records_the_spec_that_matches(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    sm = boto_client("sagemaker")
    arn = _foreign_job(root, sm, max_runtime=3600, token=LIVE_SECRET)
    write_spec(root, "train.yaml", _job(max_runtime=7200, token=SPEC_SECRET))

    text = run_cli("plan", root, "--adopt", ADDRESS, "--no-color")
    shown = run_cli("plan", root, "--adopt", ADDRESS, "--output", "json")
    saved = tmp_path / "plan.json"
    written = run_cli("plan", root, "--adopt", ADDRESS, "--out", saved)

    assert text.exit_code == 0, text.output
    assert ("accepting 2 differences from the spec: HyperParameters.api_token (live (sensitive), spec (sensitive)), "
            "StoppingCondition.MaxRuntimeInSeconds (live 3600, spec 7200)") in " ".join(text.stdout.split())
    assert "accepted_differences.StoppingCondition.MaxRuntimeInSeconds: 3600 -> 7200" in text.stdout
    assert "accepted_differences.HyperParameters.api_token: (sensitive) -> (sensitive)" in text.stdout
    change = json.loads(shown.stdout)["resource_changes"][0]
    assert change["actions"] == ["update"] and [s["call"] for s in change["steps"]] == ["AddTags"]
    assert change["before"]["accepted_differences"] == {
        "HyperParameters": {"api_token": "(sensitive)"}, "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
    assert change["after"]["accepted_differences"] == {
        "HyperParameters": {"api_token": "(sensitive)"}, "StoppingCondition": {"MaxRuntimeInSeconds": 7200}}
    for output in (text.stdout, shown.stdout):
        assert SPEC_SECRET not in output
    assert written.exit_code == 0, written.output
    exact = json.loads(saved.read_text(encoding="utf-8"))["resource_changes"][0]
    assert exact["before"]["accepted_differences"]["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    for output in (text.stdout, shown.stdout, saved.read_text(encoding="utf-8")):
        assert LIVE_SECRET not in output  # a secret read from AWS is copied nowhere
    recorded = exact["after"]["spec_hash"]

    applied = run_cli("apply", saved, "--adopt", ADDRESS, "--auto-approve")

    assert applied.exit_code == 0, applied.output
    spec_hash = json.loads(shown.stdout)["resource_changes"][0]["after"]
    assert _tags(sm, arn)[TAG_SPEC_HASH] == recorded
    # The tag records the spec that matches what runs, not this spec: the spec is not claimed to match.
    later = run_cli("plan", root, "--output", "json")
    assert later.exit_code == 1 and json.loads(later.stdout)["resource_changes"][0]["actions"] == ["error"]
    assert _sync(root) == "OutOfSync"
    assert spec_hash["spec_hash"] == recorded

    # Edited to what runs, the spec matches the recorded hash exactly: a no-op, Synced, no call made.
    write_spec(root, "train.yaml", _job(max_runtime=3600, token=LIVE_SECRET))
    settled = run_cli("plan", root, "--output", "json", "--detailed-exitcode")
    assert settled.exit_code == 0, settled.output
    assert json.loads(settled.stdout)["resource_changes"][0]["actions"] == ["no-op"]
    assert _sync(root) == "Synced"


def test_adopting_a_job_identical_to_its_spec_says_so_and_is_then_in_sync(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    sm = boto_client("sagemaker")
    arn = _foreign_job(root, sm, max_runtime=3600, token=LIVE_SECRET)

    text = run_cli("plan", root, "--adopt", ADDRESS, "--no-color")
    applied = run_cli("apply", root, "--adopt", ADDRESS, "--auto-approve")

    assert text.exit_code == 0, text.output
    assert "add the gitops-sm ownership tags; its live definition matches the spec" in " ".join(text.stdout.split())
    assert "accepted_differences" not in text.stdout
    assert applied.exit_code == 0, applied.output
    later = run_cli("plan", root, "--output", "json", "--detailed-exitcode")
    assert later.exit_code == 0 and json.loads(later.stdout)["resource_changes"][0]["actions"] == ["no-op"]
    assert _tags(sm, arn)[TAG_SPEC_HASH] == json.loads(later.stdout)["resource_changes"][0]["after"]["spec_hash"]
    assert _sync(root) == "Synced"


def _foreign_endpoint(sm: Any) -> None:
    """The endpoint ``shop`` as another tool left it: its own model and config, one variant, no gitops-sm tags."""
    sm.create_model(ModelName="legacy-blue", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/blue:0",
                                      "ModelDataUrl": "s3://bucket/legacy/model.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName="legacy-config", ProductionVariants=[
        {"VariantName": "blue", "ModelName": "legacy-blue", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="legacy-config")


def test_adopting_an_endpoint_that_differs_plans_its_update_in_the_same_plan_and_converges(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    sm = boto_client("sagemaker")
    _foreign_endpoint(sm)
    root = write_hosting(tmp_path / "specs", with_hap=False)

    refused = run_cli("plan", root, "--output", "json")
    shown = run_cli("plan", root, "--adopt", HD, "--output", "json")
    text = run_cli("plan", root, "--adopt", HD, "--no-color")

    assert refused.exit_code == 1, refused.output
    assert shown.exit_code == 0, shown.output
    change = json.loads(shown.stdout)["resource_changes"][0]
    calls = [s["call"] for s in change["steps"]]
    assert change["actions"] == ["update"]
    assert calls[0] == "AddTags" and calls[1:].count("CreateModel") == 2 and "CreateEndpointConfig" in calls
    assert calls.index("UpdateEndpoint") > calls.index("CreateEndpointConfig")
    assert change["before"]["endpoint_config"] == "legacy-config"
    assert change["before"]["variants"]["blue"] == {"model": "legacy-blue", "instanceType": "ml.m5.large",
                                                    "instanceCount": 1, "weight": 1.0}
    assert change["after"]["variants"]["blue"]["instanceType"] == "ml.c5.xlarge"
    flat = " ".join(text.stdout.split())
    assert "adopt Endpoint 'shop': add the gitops-sm ownership tags, then move it to the spec (" in flat
    assert ("8 differences from the spec: endpoint_config (live legacy-config, spec shop-46f9ba46), "
            "variants.blue.instanceCount (live 1, spec 2), variants.blue.instanceType (live ml.m5.large, spec "
            "ml.c5.xlarge)") in flat
    assert '~ variants.blue.instanceType: "ml.m5.large" -> "ml.c5.xlarge"' in text.stdout
    assert '+ variants.green.instanceType: "ml.m5.large"' in text.stdout

    applied = run_cli("apply", root, "--adopt", HD, "--auto-approve", "--wait", "--timeout", "60", "--poll", "1")

    assert applied.exit_code == 0, applied.output
    described = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert described["EndpointStatus"] == "InService" and described["EndpointConfigName"] == change["after"][
        "endpoint_config"]
    assert sm.describe_model(ModelName="legacy-blue")  # what the other tool made is left alone
    later = run_cli("plan", root, "--output", "json", "--detailed-exitcode")
    assert later.exit_code == 0, later.output
    status = json.loads(run_cli("status", root, "--output", "json").stdout)["resources"]
    assert [(r["sync"], r["health"]) for r in status if r["address"] == HD] == [("Synced", "healthy")]
