"""The plan JSON contract (``plan --output json`` / ``plan --out FILE``) and ``apply PLANFILE``.

CI scripts parse this JSON and ``apply`` executes it, so its shape is public: ``format_version``,
``source`` {path, commit, specs_digest}, ``observed_digest``, ``resource_changes[]`` (address, kind,
api_version, source, names, actions, reason, before, after, depends_on, steps[] {call, service,
region, target, params}), ``errors[]`` and ``summary``. Then the round trip: ``apply plan.json``
applies exactly that plan, and refuses a stale one (specs or SageMaker changed since planning) or
one from another format version, changing nothing. Real files and a real git repository
(GitPython) in ``tmp_path``; the simulator over HTTP; the CLI through click's CliRunner.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest
from botocore import xform_name

from gitops_sm import kinds
from gitops_sm.model import Action, Address
from gitops_sm.specs import load_specs
from tests.jobspecs import invoke_cli
from tests.manifests import (
    hosting_autoscaling_policy,
    hosting_deployment,
    valid_training_job,
    write_spec_files,
)

REGION = "us-east-1"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
ADDRESS = re.compile(r"^[A-Za-z]+/[a-z0-9.-]+/[a-z0-9.-]+$")
SOURCE = re.compile(r"^[\w./-]+\.ya?ml:[1-9]\d*$")

TRAINING_JOB = valid_training_job("churn", namespace="growth")  # volumeSizeInGB on line 16

# The deployment starts on line 2 and its autoscaling on line 20 (both asserted as plan sources).
HOSTING = (
    "# Two documents: the deployment and its autoscaling.\n"
    + hosting_deployment("scoring", namespace="growth")
    + "---\n"
    + hosting_autoscaling_policy("scoring-hap", endpoint="scoring", namespace="growth")
)

INVALID_JOB = TRAINING_JOB.replace("name: churn", "name: broken").replace(
    "volumeSizeInGB: 5", "volumeSizeInGB: -5"
)

CHURN = "TrainingJob/growth/churn"
SCORING = "HostingDeployment/growth/scoring"
SCORING_HAP = "HostingAutoscalingPolicy/growth/scoring-hap"
STEP_KEYS = {"call", "service", "region", "target", "params"}
CHANGE_KEYS = {
    "address",
    "kind",
    "api_version",
    "source",
    "region",
    "names",
    "actions",
    "reason",
    "before",
    "after",
    "depends_on",
    "steps",
}


def plan_to_file(root: Path, plan_file: Path) -> dict[str, Any]:
    result = invoke_cli("plan", "--output", "json", "--out", str(plan_file), str(root))
    assert result.exit_code in (0, 1), result.output
    written: dict[str, Any] = json.loads(plan_file.read_text(encoding="utf-8"))
    # stdout is the same plan, marked as redacted (these specs hold no secret-looking values).
    assert json.loads(result.stdout) == written | {"redacted": True}
    return written


def change_of(the_plan: dict[str, Any], address: str) -> dict[str, Any]:
    matching = [c for c in the_plan["resource_changes"] if c["address"] == address]
    assert len(matching) == 1, [c["address"] for c in the_plan["resource_changes"]]
    return matching[0]


def training_job_names(boto_client: Callable[..., Any]) -> set[str]:
    summaries = boto_client("sagemaker").list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
    return {s["TrainingJobName"] for s in summaries}


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    return write_spec_files(tmp_path / "specs", {"churn.yaml": TRAINING_JOB, "hosting.yaml": HOSTING})


# --------------------------------------------------------------------------- the document


def test_top_level_fields(specs: Path, aws_env: Any, tmp_path: Path) -> None:
    (specs / "broken.yaml").write_text(INVALID_JOB)

    the_plan = plan_to_file(specs, tmp_path / "plan.json")

    assert list(the_plan) == [
        "format_version",
        "source",
        "observed_digest",
        "options",
        "summary",
        "resource_changes",
        "errors",
        "skipped",
    ]
    assert the_plan["format_version"] == 1
    assert set(the_plan["source"]) == {"path", "commit", "specs_digest"}
    assert the_plan["source"]["path"] == str(specs)
    assert DIGEST.match(the_plan["source"]["specs_digest"])
    assert DIGEST.match(the_plan["observed_digest"])
    assert the_plan["summary"] == {
        "no-op": 0,
        "create": 2,
        "update": 0,
        "replace": 0,
        "delete": 0,
        "stop": 0,
        "wait": 1,
        "error": 0,
    }
    for action, count in the_plan["summary"].items():
        assert count == sum(1 for c in the_plan["resource_changes"] if action in c["actions"])


def test_specs_digest_is_the_loaders_and_changes_with_any_spec(
    specs: Path, aws_env: Any, tmp_path: Path
) -> None:
    first = plan_to_file(specs, tmp_path / "first.json")
    validated = json.loads(invoke_cli("validate", "--output", "json", str(specs)).stdout)
    (specs / "churn.yaml").write_text(TRAINING_JOB.replace("instanceCount: 1", "instanceCount: 2"))
    second = plan_to_file(specs, tmp_path / "second.json")

    assert first["source"]["specs_digest"] == validated["specs_digest"]
    assert second["source"]["specs_digest"] == load_specs(specs).specs_digest
    assert second["source"]["specs_digest"] != first["source"]["specs_digest"]
    assert second["observed_digest"] == first["observed_digest"]  # nothing in SageMaker changed


def test_commit_is_the_head_of_the_work_tree_holding_the_specs(tmp_path: Path, aws_env: Any) -> None:
    repo_dir = tmp_path / "platform-repo"
    specs = write_spec_files(repo_dir / "teams" / "growth", {"churn.yaml": TRAINING_JOB})
    repo = git.Repo.init(repo_dir)
    author = git.Actor("Platform Team", "platform@example.com")
    repo.index.add(["teams/growth/churn.yaml"])
    repo.index.commit("Add the churn job", author=author, committer=author)
    (specs / "hosting.yaml").write_text(HOSTING)
    repo.index.add(["teams/growth/hosting.yaml"])
    head = repo.index.commit("Add scoring", author=author, committer=author).hexsha

    the_plan = plan_to_file(specs, tmp_path / "plan.json")

    assert the_plan["source"]["commit"] == head == repo.head.commit.hexsha
    assert re.fullmatch(r"[0-9a-f]{40}", head)


def test_commit_is_null_outside_a_work_tree(specs: Path, aws_env: Any, tmp_path: Path) -> None:
    with pytest.raises(git.InvalidGitRepositoryError):
        git.Repo(specs, search_parent_directories=True)

    the_plan = plan_to_file(specs, tmp_path / "plan.json")

    assert the_plan["source"]["commit"] is None


def test_every_resource_change_has_the_documented_fields(specs: Path, aws_env: Any, tmp_path: Path) -> None:
    the_plan = plan_to_file(specs, tmp_path / "plan.json")

    assert {c["address"] for c in the_plan["resource_changes"]} == {CHURN, SCORING, SCORING_HAP}
    for change in the_plan["resource_changes"]:
        assert set(change) == CHANGE_KEYS
        assert ADDRESS.match(change["address"]) and change["address"].startswith(change["kind"] + "/")
        assert change["api_version"] == "sagemaker.aws.amazon.com/v1"
        assert SOURCE.match(change["source"])
        assert isinstance(change["actions"], list) and change["actions"]
        assert all(a in {action.value for action in Action} for a in change["actions"])
        assert isinstance(change["reason"], str) and change["reason"]
        assert isinstance(change["names"], dict) and change["names"]
        assert isinstance(change["depends_on"], list)
        for step in change["steps"]:
            assert set(step) == STEP_KEYS
            assert step["region"] == REGION and step["service"] in {"sagemaker", "application-autoscaling"}
    assert change_of(the_plan, CHURN)["source"] == "churn.yaml:1"
    assert change_of(the_plan, SCORING)["source"] == "hosting.yaml:2"
    assert change_of(the_plan, SCORING_HAP)["source"] == "hosting.yaml:20"


def test_a_job_create_carries_its_exact_request(specs: Path, aws_env: Any, tmp_path: Path) -> None:
    the_plan = plan_to_file(specs, tmp_path / "plan.json")
    desired = next(r for r in load_specs(specs).resources if r.address == Address.parse(CHURN))

    churn = change_of(the_plan, CHURN)

    name = desired.names["job"]
    assert churn["kind"] == "TrainingJob" and churn["region"] == REGION
    assert churn["names"] == {"job": name} and re.fullmatch(r"churn-[0-9a-f]{8}", name)
    assert churn["actions"] == ["create"]
    assert churn["before"] is None
    assert churn["after"]["name"] == name and churn["after"]["spec_hash"] == desired.spec_hash
    assert churn["depends_on"] == []
    [step] = churn["steps"]
    assert (step["call"], step["service"], step["target"]) == ("CreateTrainingJob", "sagemaker", name)
    assert step["params"] == json.loads(json.dumps(dict(desired.requests[0].params)))
    assert step["params"]["TrainingJobName"] == name
    assert {"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE} in step["params"]["Tags"]
    assert {"Key": kinds.TAG_ADDRESS, "Value": CHURN} in step["params"]["Tags"]
    assert {"Key": kinds.TAG_SPEC_HASH, "Value": desired.spec_hash} in step["params"]["Tags"]


def test_hosting_steps_are_ordered_and_autoscaling_depends_on_its_endpoint(
    specs: Path, aws_env: Any, tmp_path: Path
) -> None:
    the_plan = plan_to_file(specs, tmp_path / "plan.json")

    scoring = change_of(the_plan, SCORING)
    names = scoring["names"]
    assert scoring["actions"] == ["create"]
    assert [(s["call"], s["target"]) for s in scoring["steps"]] == [
        ("CreateModel", names["model:xgb"]),
        ("CreateEndpointConfig", names["endpoint_config"]),
        ("CreateEndpoint", "scoring"),
    ]
    config_params = scoring["steps"][1]["params"]
    assert config_params["ProductionVariants"][0]["ModelName"] == names["model:xgb"]
    assert scoring["steps"][2]["params"]["EndpointConfigName"] == names["endpoint_config"]
    hap = change_of(the_plan, SCORING_HAP)
    assert hap["actions"] == ["wait"] and hap["steps"] == []
    assert hap["depends_on"] == [SCORING]
    order = [c["address"] for c in the_plan["resource_changes"]]
    assert order.index(SCORING) < order.index(SCORING_HAP)


def test_errors_have_source_address_path_and_message(specs: Path, aws_env: Any, tmp_path: Path) -> None:
    (specs / "broken.yaml").write_text(INVALID_JOB)
    (specs / "junk.yaml").write_text("kind: [\n")

    result = invoke_cli("plan", "--output", "json", str(specs))

    assert result.exit_code == 1
    the_plan = json.loads(result.stdout)
    assert sorted(the_plan["errors"], key=lambda e: e["source"]) == [
        {
            "source": "broken.yaml:16",
            "address": "TrainingJob/growth/broken",
            "path": "spec.resourceConfig.volumeSizeInGB",
            "message": "must be at least 0, got -5",
        },
        {
            "source": "junk.yaml:2",
            "address": None,
            "path": "",
            "message": "invalid YAML: did not find expected node content (column 1), while parsing a flow node "
            "that started at line 2",
        },
    ]
    assert "TrainingJob/growth/broken" not in {c["address"] for c in the_plan["resource_changes"]}


# --------------------------------------------------------------------------- apply PLANFILE


def test_apply_runs_exactly_the_saved_plan(tmp_path: Path, boto_client: Callable[..., Any]) -> None:
    specs = write_spec_files(
        tmp_path / "specs",
        {
            "churn.yaml": TRAINING_JOB,
            "retention.yaml": TRAINING_JOB.replace("name: churn", "name: retention"),
            "hosting.yaml": HOSTING.split("---")[0],
        },
    )
    plan_file = tmp_path / "plan.json"
    the_plan = plan_to_file(specs, plan_file)
    planned_steps = [s for c in the_plan["resource_changes"] for s in c["steps"]]

    result = invoke_cli("apply", str(plan_file))

    assert result.exit_code == 0, result.output
    assert (
        f"Apply complete: {len(the_plan['resource_changes'])} applied, 0 failed, 0 skipped "
        f"({len(planned_steps)} API calls)."
    ) in result.output.splitlines()
    planned_jobs = {c["names"]["job"] for c in the_plan["resource_changes"] if c["kind"] == "TrainingJob"}
    assert training_job_names(boto_client) == planned_jobs
    sm = boto_client("sagemaker")
    for step in planned_steps:
        if step["call"] == "CreateTrainingJob":
            described = sm.describe_training_job(TrainingJobName=step["target"])
            assert described["ResourceConfig"] == step["params"]["ResourceConfig"]
            tags = sm.list_tags(ResourceArn=described["TrainingJobArn"])["Tags"]
            assert sorted(tags, key=lambda t: t["Key"]) == sorted(
                step["params"]["Tags"], key=lambda t: t["Key"]
            )
    scoring = change_of(the_plan, SCORING)["names"]
    assert sm.describe_endpoint(EndpointName="scoring")["EndpointConfigName"] == scoring["endpoint_config"]
    # Converged: the next plan has nothing to do.
    assert invoke_cli("plan", "--detailed-exitcode", str(specs)).exit_code == 0


def test_apply_refuses_a_plan_whose_specs_changed(tmp_path: Path, boto_client: Callable[..., Any]) -> None:
    specs = write_spec_files(tmp_path / "specs", {"churn.yaml": TRAINING_JOB})
    plan_file = tmp_path / "plan.json"
    plan_to_file(specs, plan_file)
    (specs / "churn.yaml").write_text(TRAINING_JOB.replace("instanceCount: 1", "instanceCount: 2"))

    result = invoke_cli("apply", str(plan_file))

    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: the specs changed since this plan was made; plan again"
    assert training_job_names(boto_client) == set()


def test_apply_refuses_a_plan_whose_world_changed(tmp_path: Path, boto_client: Callable[..., Any]) -> None:
    specs = write_spec_files(
        tmp_path / "specs",
        {
            "churn.yaml": TRAINING_JOB,
            "retention.yaml": TRAINING_JOB.replace("name: churn", "name: retention"),
        },
    )
    plan_file = tmp_path / "plan.json"
    the_plan = plan_to_file(specs, plan_file)
    # Someone else creates a job with the name the plan consulted (and would create).
    churn_job = change_of(the_plan, CHURN)["names"]["job"]
    request = change_of(the_plan, CHURN)["steps"][0]
    getattr(boto_client(request["service"]), xform_name(request["call"]))(**request["params"])

    result = invoke_cli("apply", str(plan_file))

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: SageMaker changed since this plan was made (observed state differs); plan again"
    )
    assert training_job_names(boto_client) == {churn_job}  # the retention job was not created


def test_apply_refuses_another_format_version(
    specs: Path, boto_client: Callable[..., Any], tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    the_plan = plan_to_file(specs, plan_file)
    plan_file.write_text(json.dumps(the_plan | {"format_version": 99}), encoding="utf-8")

    result = invoke_cli("apply", str(plan_file))

    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: plan format_version 99 is not supported (this gitops-sm reads 1)"
    assert training_job_names(boto_client) == set()


def test_apply_refuses_a_plan_with_errors(tmp_path: Path, boto_client: Callable[..., Any]) -> None:
    specs = write_spec_files(tmp_path / "specs", {"churn.yaml": TRAINING_JOB, "broken.yaml": INVALID_JOB})
    plan_file = tmp_path / "plan.json"
    plan_to_file(specs, plan_file)

    result = invoke_cli("apply", str(plan_file))

    assert result.exit_code == 1
    assert "the plan contains errors" in result.stderr
    assert training_job_names(boto_client) == set()


def test_stdout_json_redacts_secrets_and_apply_refuses_it_while_the_plan_file_keeps_them(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    specs = write_spec_files(
        tmp_path / "specs",
        {
            "churn.yaml": TRAINING_JOB + "  environment:\n    - name: DB_PASSWORD\n      value: hunter2\n",
        },
    )
    plan_file = tmp_path / "plan.json"
    printed_file = tmp_path / "printed.json"

    result = invoke_cli("plan", "--output", "json", "--out", str(plan_file), str(specs))
    printed_file.write_text(result.stdout, encoding="utf-8")

    printed, exact = json.loads(result.stdout), json.loads(plan_file.read_text(encoding="utf-8"))
    assert printed["redacted"] is True and "redacted" not in exact
    assert change_of(printed, CHURN)["steps"][0]["params"]["Environment"] == {"DB_PASSWORD": "(sensitive)"}
    assert change_of(exact, CHURN)["steps"][0]["params"]["Environment"] == {"DB_PASSWORD": "hunter2"}
    assert "hunter2" not in result.stdout

    refused = invoke_cli("apply", str(printed_file))

    assert refused.exit_code == 1
    assert "is the redacted plan printed by --output json" in refused.stderr
    assert training_job_names(boto_client) == set()
    assert invoke_cli("apply", str(plan_file)).exit_code == 0
    job = change_of(exact, CHURN)["names"]["job"]
    described = boto_client("sagemaker").describe_training_job(TrainingJobName=job)
    assert described["Environment"] == {"DB_PASSWORD": "hunter2"}


def test_stdout_json_keeps_sagemaker_names_whose_spec_names_look_secret(tmp_path: Path, aws_env: Any) -> None:
    hosting = HOSTING.split("---")[0].replace("xgb", "token-classifier")
    specs = write_spec_files(tmp_path / "specs", {"hosting.yaml": hosting})
    plan_file = tmp_path / "plan.json"

    result = invoke_cli("plan", "--output", "json", "--out", str(plan_file), str(specs))

    exact = change_of(json.loads(plan_file.read_text(encoding="utf-8")), SCORING)["names"]
    printed = change_of(json.loads(result.stdout), SCORING)["names"]
    assert exact["model:token-classifier"].startswith("scoring-token-classifier-")
    # A model name is not a secret (it is the target of a printed step, too): CI scripts need it.
    assert printed == exact


def test_apply_of_a_file_that_is_not_a_plan_is_a_clear_error(tmp_path: Path, aws_env: Any) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text('{"format_version": 1, "resource_changes": [', encoding="utf-8")

    result = invoke_cli("apply", str(plan_file))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot read plan file {plan_file}: ")
