"""``gitops-sm plan`` against a simulator seeded with pre-existing resources.

The simulator runs over real HTTP (``AWS_ENDPOINT_URL`` from the ``aws_env`` fixture); resources are
seeded with boto3 using exactly the requests gitops-sm itself would make (``load_specs(root)`` →
``resource.requests``: names and ownership tags included), or foreign ones without our tags. The
CLI runs through click's CliRunner. Covers: no-op for our own resources, conflicts with foreign
same-named ones, replace of a changed job (with a stop when the old one still runs), autoscaling
waiting for an endpoint that is still Creating, errors beside valid specs, the exit codes of
``--detailed-exitcode`` and the text and Markdown renderings.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from click.testing import Result

from gitops_sm.model import Address
from gitops_sm.specs import load_specs
from tests.jobspecs import invoke_cli
from tests.manifests import (
    ROLE_ARN,
    hosting_autoscaling_policy,
    hosting_deployment,
    valid_training_job,
    write_spec_files,
)

REGION = "us-east-1"
ROLE = ROLE_ARN

V1_TRAINING_JOB = valid_training_job("churn", region=REGION)  # trainingInputMode on line 10

ACK_TRAINING_JOB = f"""\
apiVersion: sagemaker.services.k8s.aws/v1alpha1
kind: TrainingJob
metadata:
  name: ranker
spec:
  trainingJobName: ranker-2024-06
  roleARN: {ROLE}
  algorithmSpecification: {{trainingImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:1", trainingInputMode: File}}
  outputDataConfig: {{s3OutputPath: "s3://my-bucket/ranker"}}
  resourceConfig: {{instanceCount: 1, instanceType: ml.m5.large, volumeSizeInGB: 5}}
  stoppingCondition: {{maxRuntimeInSeconds: 3600}}
"""

HOSTING = hosting_deployment("scoring", region=REGION)
HAP = hosting_autoscaling_policy("scoring-hap", endpoint="scoring", region=REGION)

CHURN = "TrainingJob/default/churn"
RANKER = "TrainingJob/default/ranker"
SCORING = "HostingDeployment/default/scoring"
SCORING_HAP = "HostingAutoscalingPolicy/default/scoring-hap"


def seed(boto_client: Callable[..., Any], root: Path, address: str) -> dict[str, str]:
    """Create in the simulator exactly what gitops-sm would create for ``address``; return its names."""
    loaded = load_specs(root)
    resource = next(r for r in loaded.resources if r.address == Address.parse(address))
    for request in resource.requests:
        client = boto_client(request.service, resource.region or REGION)
        getattr(client, xform_name(request.operation))(**request.params)
    return dict(resource.names)


def plan_json(root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = invoke_cli("plan", "--output", "json", *extra, str(root))
    return result.exit_code, json.loads(result.stdout)


def plan_text_and_json(root: Path, *extra: str) -> tuple[Result, dict[str, Any]]:
    """One pass: the text rendering on stdout and the same plan as JSON through ``--out``."""
    plan_file = root.parent / "plan.json"
    result = invoke_cli("plan", "--no-color", "--out", str(plan_file), *extra, str(root))
    return result, json.loads(plan_file.read_text(encoding="utf-8"))


def change_of(the_plan: dict[str, Any], address: str) -> dict[str, Any]:
    matching = [c for c in the_plan["resource_changes"] if c["address"] == address]
    assert len(matching) == 1, the_plan["resource_changes"]
    return matching[0]


def calls(change: dict[str, Any]) -> list[tuple[str, str]]:
    return [(step["call"], step["target"]) for step in change["steps"]]


# --------------------------------------------------------------------------- ours, by tags


def test_resources_we_created_are_no_ops_and_detailed_exitcode_is_0(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(
        tmp_path / "specs",
        {"churn.yaml": V1_TRAINING_JOB, "ranker.yaml": ACK_TRAINING_JOB, "hosting.yaml": HOSTING},
    )
    for address in (CHURN, RANKER, SCORING):
        seed(boto_client, root, address)

    result, the_plan = plan_text_and_json(root, "--detailed-exitcode")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "No changes. SageMaker matches the specs."
    assert "3 resources unchanged (--verbose lists them)." in result.output
    assert {c["address"]: c["actions"] for c in the_plan["resource_changes"]} == {
        CHURN: ["no-op"],
        RANKER: ["no-op"],
        SCORING: ["no-op"],
    }
    assert all(c["steps"] == [] for c in the_plan["resource_changes"])


# --------------------------------------------------------------------------- not ours


def test_foreign_job_with_the_explicit_name_is_a_conflict_and_exit_1(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(
        tmp_path / "specs", {"ranker.yaml": ACK_TRAINING_JOB, "churn.yaml": V1_TRAINING_JOB}
    )
    sm = boto_client("sagemaker")
    sm.create_training_job(
        TrainingJobName="ranker-2024-06",
        AlgorithmSpecification={"TrainingImage": "someone-elses:1", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://their-bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        Tags=[{"Key": "team", "Value": "search"}],
    )

    text, the_plan = plan_text_and_json(root, "--detailed-exitcode")

    assert text.exit_code == 1
    ranker = change_of(the_plan, RANKER)
    assert ranker["actions"] == ["error"] and ranker["steps"] == []
    assert ranker["reason"].startswith(
        "conflict: TrainingJob 'ranker-2024-06' already exists in us-east-1 and is not managed by gitops-sm"
    )
    # The error is a located line, and the other job is still planned.
    assert f"  ranker.yaml:1: {RANKER}: {ranker['reason']}" in text.output.splitlines()
    assert change_of(the_plan, CHURN)["actions"] == ["create"]
    # Planning never touches the foreign job.
    arn = sm.describe_training_job(TrainingJobName="ranker-2024-06")["TrainingJobArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "search"}]


def test_foreign_endpoint_with_the_deployment_name_is_a_conflict(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(tmp_path / "specs", {"hosting.yaml": HOSTING})
    sm = boto_client("sagemaker")
    sm.create_model(ModelName="theirs", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "their-image:1"})
    sm.create_endpoint_config(
        EndpointConfigName="theirs",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "theirs",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sm.create_endpoint(EndpointName="scoring", EndpointConfigName="theirs")

    code, the_plan = plan_json(root)

    assert code == 1
    scoring = change_of(the_plan, SCORING)
    assert scoring["actions"] == ["error"] and scoring["steps"] == []
    assert "'scoring'" in scoring["reason"] and "not managed by gitops-sm" in scoring["reason"]


def test_our_job_under_an_explicit_name_from_an_older_spec_is_an_error(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(tmp_path / "specs", {"ranker.yaml": ACK_TRAINING_JOB})
    seed(boto_client, root, RANKER)
    (root / "ranker.yaml").write_text(ACK_TRAINING_JOB.replace("instanceCount: 1", "instanceCount: 2"))

    code, the_plan = plan_json(root, "--detailed-exitcode")

    assert code == 1
    ranker = change_of(the_plan, RANKER)
    assert ranker["actions"] == ["error"] and ranker["steps"] == []
    assert "the job name is explicit (spec.trainingJobName: ranker-2024-06)" in ranker["reason"]
    assert "set a new spec.trainingJobName" in ranker["reason"]


# --------------------------------------------------------------------------- replace


def test_changed_spec_of_a_finished_job_is_a_replace_without_a_stop(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(tmp_path / "specs", {"churn.yaml": V1_TRAINING_JOB})
    old = seed(boto_client, root, CHURN)["job"]
    assert (
        boto_client("sagemaker").describe_training_job(TrainingJobName=old)["TrainingJobStatus"]
        == "Completed"
    )
    (root / "churn.yaml").write_text(V1_TRAINING_JOB.replace("instanceCount: 1", "instanceCount: 2"))
    new = load_specs(root).resources[0].names["job"]

    code, the_plan = plan_json(root, "--detailed-exitcode")

    assert code == 2
    churn = change_of(the_plan, CHURN)
    assert churn["actions"] == ["replace"]
    assert new != old and new.startswith("churn-")
    assert calls(churn) == [("CreateTrainingJob", new)]
    assert churn["before"]["name"] == old and churn["before"]["status"] == "Completed"
    assert churn["after"]["name"] == new
    assert (
        f"the spec changed since TrainingJob {old} (Completed); a new job {new} is created" in churn["reason"]
    )


def test_changed_spec_of_a_running_job_replaces_it_and_stops_the_old_one(
    tmp_path: Path, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=3600)
    root = write_spec_files(tmp_path / "specs", {"churn.yaml": V1_TRAINING_JOB})
    old = seed(boto_client, root, CHURN)["job"]
    assert (
        boto_client("sagemaker").describe_training_job(TrainingJobName=old)["TrainingJobStatus"]
        == "InProgress"
    )
    (root / "churn.yaml").write_text(V1_TRAINING_JOB.replace("instanceCount: 1", "instanceCount: 2"))
    new = load_specs(root).resources[0].names["job"]

    text, the_plan = plan_text_and_json(root)

    assert text.exit_code == 0
    churn = change_of(the_plan, CHURN)
    assert churn["actions"] == ["replace"]
    assert calls(churn) == [("CreateTrainingJob", new), ("StopTrainingJob", old)]
    assert churn["steps"][1]["params"] == {"TrainingJobName": old}
    assert f"the running {old} is stopped" in churn["reason"]
    lines = text.output.splitlines()
    assert f"-/+ {CHURN} (churn.yaml:1)" in lines
    assert f"    will call StopTrainingJob {old} in us-east-1" in lines
    # Planning alone stops nothing.
    assert (
        boto_client("sagemaker").describe_training_job(TrainingJobName=old)["TrainingJobStatus"]
        == "InProgress"
    )


# --------------------------------------------------------------------------- wait


def test_autoscaling_waits_while_its_endpoint_is_creating(
    tmp_path: Path, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(endpoint_seconds=3600)
    root = write_spec_files(tmp_path / "specs", {"hosting.yaml": HOSTING, "hap.yaml": HAP})
    endpoint = seed(boto_client, root, SCORING)["endpoint"]
    assert boto_client("sagemaker").describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Creating"

    text, the_plan = plan_text_and_json(root)

    assert text.exit_code == 0
    hap = change_of(the_plan, SCORING_HAP)
    assert hap["actions"] == ["wait"] and hap["steps"] == []
    assert hap["reason"] == "endpoint scoring is Creating; autoscaling waits until it is InService"
    assert hap["depends_on"] == [SCORING]
    # The endpoint itself has nothing to do but wait for InService either.
    scoring = change_of(the_plan, SCORING)
    assert scoring["actions"] == ["wait"] and scoring["steps"] == []
    assert scoring["reason"] == "endpoint scoring is Creating; waiting for InService"
    lines = text.output.splitlines()
    assert f"… {SCORING} (hosting.yaml:1)" in lines
    assert f"… {SCORING_HAP} (hap.yaml:1)" in lines
    assert (
        lines[-1]
        == "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 0 to stop, 2 waiting, 0 errors."
    )


def test_autoscaling_is_planned_once_its_endpoint_is_in_service(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(tmp_path / "specs", {"hosting.yaml": HOSTING, "hap.yaml": HAP})
    seed(boto_client, root, SCORING)

    code, the_plan = plan_json(root, "--detailed-exitcode")

    assert code == 2
    hap = change_of(the_plan, SCORING_HAP)
    assert hap["actions"] == ["create"]
    rid = "endpoint/scoring/variant/AllTraffic"
    assert calls(hap) == [
        ("RegisterScalableTarget", rid),
        ("PutScalingPolicy", f"{rid}#SageMakerEndpointInvocationScalingPolicy"),
    ]
    assert {s["service"] for s in hap["steps"]} == {"application-autoscaling"}


# --------------------------------------------------------------------------- errors and exit codes


def test_invalid_specs_are_errors_while_valid_specs_are_still_planned(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = write_spec_files(
        tmp_path / "specs",
        {
            "churn.yaml": V1_TRAINING_JOB,
            "ranker.yaml": ACK_TRAINING_JOB,
            "broken.yaml": V1_TRAINING_JOB.replace("name: churn", "name: broken").replace("File", "file"),
        },
    )
    seed(boto_client, root, RANKER)

    text, the_plan = plan_text_and_json(root, "--detailed-exitcode")

    assert text.exit_code == 1  # an error wins over pending changes
    assert {c["address"]: c["actions"] for c in the_plan["resource_changes"]} == {
        CHURN: ["create"],
        RANKER: ["no-op"],
    }
    assert the_plan["errors"] == [
        {
            "source": "broken.yaml:10",
            "address": "TrainingJob/default/broken",
            "path": "spec.algorithmSpecification.trainingInputMode",
            "message": '"file" is not one of: Pipe, File, FastFile; did you mean "File"?',
        }
    ]
    assert (
        "  broken.yaml:10: TrainingJob/default/broken: spec.algorithmSpecification.trainingInputMode: "
        '"file" is not one of: Pipe, File, FastFile; did you mean "File"?'
    ) in text.output.splitlines()
    assert f"+ {CHURN} (churn.yaml:1)" in text.output.splitlines()


@pytest.mark.parametrize(("flags", "exit_code"), [((), 0), (("--detailed-exitcode",), 2)])
def test_pending_changes_exit_2_only_with_detailed_exitcode(
    tmp_path: Path, aws_env: Any, flags: tuple[str, ...], exit_code: int
) -> None:
    root = write_spec_files(tmp_path / "specs", {"churn.yaml": V1_TRAINING_JOB})

    assert invoke_cli("plan", *flags, str(root)).exit_code == exit_code


def test_aws_region_alone_is_the_default_region(
    tmp_path: Path, aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", REGION)
    root = write_spec_files(tmp_path / "specs", {"ranker.yaml": ACK_TRAINING_JOB})  # no spec.region

    result = invoke_cli("plan", "--output", "json", str(root))

    assert result.exit_code == 0, result.output
    assert change_of(json.loads(result.stdout), RANKER)["steps"][0]["region"] == REGION


def test_an_unreachable_sagemaker_is_one_connection_error(
    tmp_path: Path, aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on: connection refused at once
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    root = write_spec_files(tmp_path / "specs", {
        "churn.yaml": V1_TRAINING_JOB,
        "other.yaml": V1_TRAINING_JOB.replace("name: churn", "name: other"),
        "ranker.yaml": ACK_TRAINING_JOB,
        "hosting.yaml": HOSTING,
        "hap.yaml": HAP,
    })  # fmt: skip

    text = invoke_cli("plan", "--no-color", "--max-attempts", "1", str(root))

    assert text.exit_code == 1
    assert text.output.count("EndpointConnectionError") == 1, text.output
    errors = [line for line in text.output.splitlines() if not line.startswith("note: ")]
    assert len(errors) == 1 and errors[0].startswith("Error: "), text.output
    assert f"could not connect to the endpoint http://127.0.0.1:{closed_port}/" in text.output
    assert "will perform these actions" not in text.output


# --------------------------------------------------------------------------- renderings


@pytest.fixture
def busy_root(tmp_path: Path, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]) -> Path:
    """One of each: create, replace, error (foreign job), wait (endpoint Creating), no-op (a seeded job)."""
    sandbox_timing(job_seconds=0, endpoint_seconds=3600)
    root = write_spec_files(
        tmp_path / "specs",
        {
            "churn.yaml": V1_TRAINING_JOB,
            "other.yaml": V1_TRAINING_JOB.replace("name: churn", "name: other"),
            "steady.yaml": V1_TRAINING_JOB.replace("name: churn", "name: steady"),
            "ranker.yaml": ACK_TRAINING_JOB,
            "hosting.yaml": HOSTING,
            "hap.yaml": HAP,
        },
    )
    seed(boto_client, root, CHURN)
    seed(boto_client, root, "TrainingJob/default/steady")
    seed(boto_client, root, SCORING)
    boto_client("sagemaker").create_training_job(
        TrainingJobName="ranker-2024-06",
        AlgorithmSpecification={"TrainingImage": "someone-elses:1", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://their-bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    (root / "churn.yaml").write_text(V1_TRAINING_JOB.replace("instanceCount: 1", "instanceCount: 2"))
    return root


def test_text_output_uses_terraform_like_symbols_and_a_summary_line(busy_root: Path) -> None:
    result = invoke_cli("plan", "--no-color", str(busy_root))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    headlines = [line for line in lines if line and not line.startswith(" ") and "/default/" in line]
    assert headlines == [
        f"… {SCORING} (hosting.yaml:1)",
        f"… {SCORING_HAP} (hap.yaml:1)",
        f"-/+ {CHURN} (churn.yaml:1)",
        "+ TrainingJob/default/other (other.yaml:1)",
        f"x {RANKER} (ranker.yaml:1)",
    ]
    assert "1 resource unchanged (--verbose lists them)." in lines
    assert "Errors:" in lines
    assert (
        lines[-1]
        == "Plan: 1 to create, 0 to update, 1 to replace, 0 to delete, 0 to stop, 2 waiting, 1 error."
    )
    assert "\x1b[" not in result.output  # plain text when not on a terminal


def test_markdown_output_has_the_summary_and_a_table_row_per_change(busy_root: Path) -> None:
    result = invoke_cli("plan", "--output", "markdown", str(busy_root))

    assert result.exit_code == 1
    lines = result.stdout.rstrip("\n").splitlines()
    assert (
        lines[0]
        == "### gitops-sm plan: 1 to create, 0 to update, 1 to replace, 0 to delete, 0 to stop, 2 waiting, 1 error"
    )
    assert "| Action | Address | SageMaker name | Reason | Source |" in lines
    rows = [line for line in lines if line.startswith("| `")]
    assert [row.split(" | ")[0:2] for row in rows] == [
        ["| `…` wait", f"`{SCORING}`"],
        ["| `…` wait", f"`{SCORING_HAP}`"],
        ["| `-/+` replace", f"`{CHURN}`"],
        ["| `+` create", "`TrainingJob/default/other`"],
        ["| `x` error", f"`{RANKER}`"],
    ]
    assert all(row.endswith("|") and row.count(" | ") == 4 for row in rows)
    assert "1 resource unchanged." in lines
    assert "**Errors**" in lines
    assert (
        lines[-1]
        == "**Plan: 1 to create, 0 to update, 1 to replace, 0 to delete, 0 to stop, 2 waiting, 1 error.**"
    )
