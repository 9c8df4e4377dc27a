"""Sandbox hyperparameter tuning jobs: child training jobs, counters, best job, stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gitops_sm.sandbox import SandboxServer

ROLE = "arn:aws:iam::123456789012:role/sandbox"


def create_tuning_job(sm: Any, name: str, *, objective_type: str = "Maximize", jobs: int = 3) -> None:
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": objective_type, "MetricName": "validation:auc"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": jobs, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {
                "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}],
                "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "3", "MaxValue": "9"}],
            },
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {"TrainingImage": "xgb:1", "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/hpo"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    )


def test_tuning_job_counts_children_and_reports_the_best_one(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=90)
    sm = boto_client("sagemaker")
    create_tuning_job(sm, "hpo-a")
    started = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo-a")
    assert started["HyperParameterTuningJobStatus"] == "InProgress"
    assert started["TrainingJobStatusCounters"]["InProgress"] == 3
    assert "BestTrainingJob" not in started

    sandbox.advance_clock(31)
    partway = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo-a")
    assert partway["HyperParameterTuningJobStatus"] == "InProgress"
    assert partway["TrainingJobStatusCounters"]["Completed"] == 1
    assert partway["BestTrainingJob"]["TrainingJobStatus"] == "Completed"

    sandbox.advance_clock(60)
    done = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo-a")
    assert done["HyperParameterTuningJobStatus"] == "Completed"
    assert done["TrainingJobStatusCounters"]["Completed"] == 3
    assert done["ObjectiveStatusCounters"] == {"Succeeded": 3, "Pending": 0, "Failed": 0}
    children = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="hpo-a", SortBy="FinalObjectiveMetricValue", SortOrder="Descending"
    )["TrainingJobSummaries"]
    assert len(children) == 3
    assert all(child["TrainingJobName"].startswith("hpo-a-00") for child in children)
    best = done["BestTrainingJob"]
    assert best["TrainingJobName"] == children[0]["TrainingJobName"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == "validation:auc"
    assert set(best["TunedHyperParameters"]) == {"eta", "max_depth"}


def test_stop_tuning_job_and_missing_tuning_job_errors(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=60)
    sm = boto_client("sagemaker")
    create_tuning_job(sm, "hpo-stop", jobs=2)
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo-stop")
    assert (
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo-stop")[
            "HyperParameterTuningJobStatus"
        ]
        == "Stopping"
    )
    sandbox.advance_clock(31)
    stopped = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo-stop")
    assert stopped["HyperParameterTuningJobStatus"] == "Stopped"
    assert stopped["TrainingJobStatusCounters"]["Stopped"] == 2
    for call in (
        lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="nope"),
        lambda: sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="nope"),
        lambda: sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="nope"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "ResourceNotFound"
        assert (
            caught.value.response["Error"]["Message"]
            == "Amazon SageMaker can't find a tuning job with name nope"
        )
