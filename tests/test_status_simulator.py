"""The status report over the SageMaker simulator: real specs, real boto3 creates, real observe().

Resources are created with the exact requests ``load_specs`` builds (our names and ownership
tags), then observed through HTTP and turned into a report; simulated time moves them from
InProgress/Creating to their final states.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name

from gitops_sm.awsclients import ClientFactory
from gitops_sm.model import DesiredResource, LoadResult
from gitops_sm.observe import Reads, observe
from gitops_sm.plan.health import Health
from gitops_sm.plan.status import ResourceStatus, StatusReport, build_status
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs

REGION = "us-east-1"
ROLE = "arn:aws:iam::111122223333:role/sm"

TRAINING = f"""\
apiVersion: sagemaker.aws.amazon.com/v1
kind: TrainingJob
metadata:
  name: xgb
spec:
  roleArn: {ROLE}
  algorithmSpecification:
    trainingImage: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
    trainingInputMode: File
  outputDataConfig:
    s3OutputPath: s3://bucket/models/
  resourceConfig:
    instanceCount: 1
    instanceType: ml.m5.large
    volumeSizeInGB: 10
  stoppingCondition:
    maxRuntimeInSeconds: 3600
"""

HOSTING = f"""\
apiVersion: sagemaker.aws.amazon.com/v1
kind: HostingDeployment
metadata:
  name: web
spec:
  productionVariants:
    - variantName: main
      modelName: m
      initialInstanceCount: 2
      instanceType: ml.c5.large
      initialVariantWeight: 1
  models:
    - name: m
      executionRoleArn: {ROLE}
      containers:
        - image: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
          modelDataUrl: s3://bucket/models/model.tar.gz
"""

TUNING = f"""\
apiVersion: sagemaker.services.k8s.aws/v1alpha1
kind: HyperParameterTuningJob
metadata:
  name: hpo
spec:
  hyperParameterTuningJobName: hpo-2024-06
  hyperParameterTuningJobConfig:
    strategy: Bayesian
    hyperParameterTuningJobObjective:
      type_: Maximize
      metricName: validation:auc
    resourceLimits:
      maxNumberOfTrainingJobs: 2
      maxParallelTrainingJobs: 2
    parameterRanges:
      continuousParameterRanges:
        - name: eta
          minValue: "0.1"
          maxValue: "0.5"
  trainingJobDefinition:
    roleARN: {ROLE}
    algorithmSpecification:
      trainingImage: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
      trainingInputMode: File
    outputDataConfig:
      s3OutputPath: s3://bucket/tuning/
    resourceConfig:
      instanceCount: 1
      instanceType: ml.m5.large
      volumeSizeInGB: 10
    stoppingCondition:
      maxRuntimeInSeconds: 3600
"""

# The simulator ends a job Failed when it carries this tag (gitops_sm.sandbox OUTCOME_TAG).
FAILING = (
    TRAINING.replace("name: xgb", "name: broken")
    + """\
  tags:
    - key: gitops-sm-sandbox/outcome
      value: Failed
    - key: gitops-sm-sandbox/failure-reason
      value: "AlgorithmError: out of memory"
"""
)


def write_specs(root: Path, **files: str) -> LoadResult:
    for name, text in files.items():
        (root / f"{name}.yaml").write_text(text, encoding="utf-8")
    loaded = load_specs(root)
    assert loaded.issues == ()
    return loaded


def create_all(resources: Sequence[DesiredResource], boto_client: Callable[..., Any]) -> None:
    """Make every request the specs describe, exactly as built (names and ownership tags included)."""
    sm = boto_client("sagemaker")
    for res in resources:
        for request in res.requests:
            getattr(sm, xform_name(request.operation))(**request.params)


def status(loaded: LoadResult) -> StatusReport:
    observed = observe(desired=loaded.resources, clients=ClientFactory(), default_region=REGION, reads=Reads.REPORT)
    assert observed.errors == ()
    return build_status(load=loaded, observed=observed, default_region=REGION)


def by_kind(report: StatusReport) -> dict[str, ResourceStatus]:
    return {str(r.kind): r for r in report.resources}


@pytest.fixture
def slow(sandbox_timing: Callable[..., None]) -> None:
    sandbox_timing(job_seconds=60, endpoint_seconds=30)


def test_nothing_created_yet_is_missing(tmp_path: Path, aws_env: SandboxServer) -> None:
    loaded = write_specs(tmp_path, training=TRAINING, hosting=HOSTING)

    report = status(loaded)

    assert {r.address: (r.health, r.message) for r in report.resources} == {
        "HostingDeployment/default/web": (Health.MISSING, "not created yet"),
        "TrainingJob/default/xgb": (Health.MISSING, "not created yet"),
    }


def test_training_job_and_endpoint_move_from_running_to_done(
    tmp_path: Path, boto_client: Callable[..., Any], sandbox: SandboxServer, slow: None
) -> None:
    loaded = write_specs(tmp_path, training=TRAINING, hosting=HOSTING)
    create_all(loaded.resources, boto_client)
    job_name = by_kind(status(loaded))["TrainingJob"].names["job"]

    running = by_kind(status(loaded))
    train, web = running["TrainingJob"], running["HostingDeployment"]
    assert (train.health, train.status) == (Health.PROGRESSING, "InProgress")
    assert train.progress["secondary_status"] in {"Starting", "Downloading", "Training"}
    assert train.details["training_time_seconds"] is None
    assert "progress" not in train.to_file_dict()
    assert (web.health, web.status) == (Health.PROGRESSING, "Creating")
    assert web.details["endpoint_config"]["desired"] == web.names["endpoint_config"]

    sandbox.advance_clock(61)
    done = by_kind(status(loaded))
    train, web = done["TrainingJob"], done["HostingDeployment"]
    assert (train.health, train.status, train.message) == (Health.HEALTHY, "Completed", "")
    assert train.names["job"] == job_name
    assert train.details["model_artifacts"] == f"s3://bucket/models/{job_name}/output/model.tar.gz"
    assert train.details["training_time_seconds"] == pytest.approx(60, abs=1)
    assert train.to_file_dict()["progress"] == {"secondary_status": "Completed"}
    assert (web.health, web.status) == (Health.HEALTHY, "InService")
    assert web.details["endpoint_config"]["current"] == web.names["endpoint_config"]
    assert web.progress["variants"] == [
        {
            "name": "main",
            "instance_type": "ml.c5.large",
            "current_instance_count": 2,
            "desired_instance_count": 2,
            "current_weight": 1.0,
            "desired_weight": 1.0,
        }
    ]


def test_tuning_job_counters_and_best_training_job(
    tmp_path: Path, boto_client: Callable[..., Any], sandbox: SandboxServer, slow: None
) -> None:
    loaded = write_specs(tmp_path, tuning=TUNING)
    create_all(loaded.resources, boto_client)

    hpo = status(loaded).resources[0]
    assert (hpo.health, hpo.status) == (Health.PROGRESSING, "InProgress")
    assert hpo.progress["training_jobs"]["completed"] < 2
    assert hpo.progress["training_jobs"]["in_progress"] >= 1

    sandbox.advance_clock(61)
    hpo = status(loaded).resources[0]
    assert (hpo.health, hpo.status) == (Health.HEALTHY, "Completed")
    assert hpo.progress["training_jobs"] == {
        "completed": 2,
        "in_progress": 0,
        "failed": 0,
        "retryable_error": 0,
        "non_retryable_error": 0,
        "stopped": 0,
    }
    best = hpo.progress["best_training_job"]
    assert best["name"].startswith("hpo-2024-06-")
    assert best["status"] == "Completed"
    assert best["objective_metric"]["name"] == "validation:auc"
    assert isinstance(best["objective_metric"]["value"], float)
    assert hpo.to_file_dict()["progress"]["best_training_job"] == best


def test_failed_job_is_degraded_with_its_reason_and_a_foreign_endpoint_is_a_conflict(
    tmp_path: Path, boto_client: Callable[..., Any], aws_env: SandboxServer
) -> None:
    loaded = write_specs(tmp_path, broken=FAILING, hosting=HOSTING)
    sm = boto_client("sagemaker")
    create_all([res for res in loaded.resources if res.kind.is_job], boto_client)
    # Someone else's endpoint already has the name the HostingDeployment wants.
    sm.create_model(ModelName="theirs", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    sm.create_endpoint_config(
        EndpointConfigName="theirs",
        ProductionVariants=[
            {
                "VariantName": "a",
                "ModelName": "theirs",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.c5.large",
            }
        ],
    )
    sm.create_endpoint(EndpointName="web", EndpointConfigName="theirs")

    report = by_kind(status(loaded))

    broken, web = report["TrainingJob"], report["HostingDeployment"]
    assert (broken.health, broken.status) == (Health.DEGRADED, "Failed")
    assert broken.message == "AlgorithmError: out of memory"
    assert broken.details["failure_reason"] == "AlgorithmError: out of memory"
    assert web.health is Health.DEGRADED
    assert web.message.startswith("conflict: Endpoint 'web' already exists in us-east-1 and is not managed")
    assert web.details["endpoint_config"]["current"] is None  # their facts are not reported as ours


def test_status_says_out_of_sync_and_shows_the_previous_spec_s_job_after_an_edit(
    tmp_path: Path, aws_env: SandboxServer, sandbox_timing: Callable[..., None]
) -> None:
    import json

    from tests.jobspecs import run_cli

    sandbox_timing(job_seconds=600)
    root = tmp_path / "specs"
    root.mkdir()
    (root / "xgb.yaml").write_text(TRAINING, encoding="utf-8")
    assert run_cli("apply", root, "--auto-approve").exit_code == 0
    first = {r["address"]: r for r in json.loads(run_cli("status", root).stdout)["resources"]}["TrainingJob/default/xgb"]
    (root / "xgb.yaml").write_text(TRAINING.replace("volumeSizeInGB: 10", "volumeSizeInGB: 11", 1), encoding="utf-8")

    result = run_cli("status", root, "--output", "json")

    row = {r["address"]: r for r in json.loads(result.stdout)["resources"]}["TrainingJob/default/xgb"]
    assert (first["sync"], first["health"]) == ("Progressing", "progressing")
    assert (row["sync"], row["health"], row["status"]) == ("OutOfSync", "missing", None)
    assert row["previous_job"] == {"name": first["names"]["job"], "status": "InProgress", "spec_hash": first["spec_hash"]}
    assert row["message"] == f"not created yet; the job of the previous spec, {first['names']['job']}, is InProgress"
    text = run_cli("status", root, "--output", "text").stdout.splitlines()
    assert text[1].split()[3:6] == ["OutOfSync", "missing", "-"]
