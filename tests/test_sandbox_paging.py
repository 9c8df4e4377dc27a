"""The simulator pages the List*/Describe* calls gitops-sm makes as AWS does.

Over HTTP with boto3: ``MaxResults`` cuts pages and ``NextToken`` walks them (every item once),
the default page size is the documented one (SageMaker's lists 10, DescribeScalingPolicies 10),
a ``MaxResults`` outside botocore's range is a ValidationException, filters such as
``StatusEquals`` apply before the page is cut, and ``SortBy``/``SortOrder`` default as documented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from gitops_sm.sandbox import OUTCOME_TAG, SandboxServer, paging
from tests.sandboxcalls import create_training_job

ROLE = "arn:aws:iam::123456789012:role/sandbox"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"


def create_models(sm: Any, count: int) -> list[str]:
    names = [f"model-{index:02d}" for index in range(count)]
    for name in names:
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    return names


def pages_of(call: Callable[..., dict[str, Any]], key: str, **params: Any) -> Iterator[list[dict[str, Any]]]:
    """Walk a list call by hand with NextToken, one page at a time."""
    while True:
        page = call(**params)
        yield page[key]
        if not page.get("NextToken"):
            return
        params["NextToken"] = page["NextToken"]


@pytest.fixture
def unvalidated(aws_env: SandboxServer) -> Callable[[str], Any]:
    """Clients that send what they are given: botocore itself refuses a MaxResults below the model's min."""

    def make(service: str) -> Any:
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=aws_env.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, parameter_validation=False),
        )

    return make


def test_list_models_pages_every_model_exactly_once(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    names = create_models(sm, 25)

    pages = list(pages_of(sm.list_models, "Models", MaxResults=10))
    assert [len(page) for page in pages] == [10, 10, 5]
    listed = [model["ModelName"] for page in pages for model in page]
    assert sorted(listed) == names

    paginated = sm.get_paginator("list_models").paginate(PaginationConfig={"PageSize": 10})
    assert sorted(model["ModelName"] for page in paginated for model in page["Models"]) == names


def test_default_page_size_is_ten(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    create_models(sm, 12)
    for index in range(12):
        sm.create_endpoint_config(
            EndpointConfigName=f"config-{index:02d}",
            ProductionVariants=[
                {"VariantName": "v", "ModelName": f"model-{index:02d}", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
            ],
        )
        create_training_job(sm, f"job-{index:02d}")

    for call, key in (
        (sm.list_models, "Models"),
        (sm.list_endpoint_configs, "EndpointConfigs"),
        (sm.list_training_jobs, "TrainingJobSummaries"),
    ):
        first = call()
        assert len(first[key]) == 10 and first["NextToken"], key
        assert len(call(NextToken=first["NextToken"])[key]) == 2, key


def test_out_of_range_max_results_is_refused(
    boto_client: Callable[..., Any], unvalidated: Callable[[str], Any]
) -> None:
    sm = boto_client("sagemaker")
    (name,) = create_models(sm, 1)
    arn = sm.describe_model(ModelName=name)["ModelArn"]
    raw = unvalidated("sagemaker")
    refused = [
        lambda: sm.list_models(MaxResults=101),
        lambda: raw.list_models(MaxResults=0),
        lambda: sm.list_endpoints(MaxResults=101),
        lambda: sm.list_training_jobs(MaxResults=101),
        lambda: raw.list_tags(ResourceArn=arn, MaxResults=10),  # ListTags' minimum is 50
        lambda: unvalidated("application-autoscaling").describe_scaling_policies(
            ServiceNamespace="sagemaker", MaxResults=50
        ),
        lambda: unvalidated("application-autoscaling").describe_scalable_targets(
            ServiceNamespace="sagemaker", MaxResults=51
        ),
    ]
    for call in refused:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "ValidationException"
        assert "maxResults" in caught.value.response["Error"]["Message"]
    assert len(sm.list_models(MaxResults=100)["Models"]) == 1
    with pytest.raises(ClientError, match="pagination token"):
        sm.list_models(NextToken="not-a-token")


def test_status_filter_applies_before_the_page_is_cut(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    failed = []
    for index in range(25):
        create_training_job(sm, f"job-{index:02d}", tags=[{"Key": OUTCOME_TAG, "Value": "Failed"}] if index % 2 else [])
        if index % 2:
            failed.append(f"job-{index:02d}")

    pages = list(pages_of(sm.list_training_jobs, "TrainingJobSummaries", StatusEquals="Failed", MaxResults=5))
    assert [len(page) for page in pages] == [5, 5, 2]
    assert all(job["TrainingJobStatus"] == "Failed" for page in pages for job in page)
    assert sorted(job["TrainingJobName"] for page in pages for job in page) == failed

    named = sm.list_training_jobs(NameContains="job-1", MaxResults=3)
    assert [job["TrainingJobName"] for job in named["TrainingJobSummaries"]] == ["job-10", "job-11", "job-12"]


def test_sort_defaults_follow_the_documentation(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    names = create_models(sm, 5)  # created in name order, so newest first is reverse name order
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == names[::-1]
    by_name = sm.list_models(SortBy="Name", SortOrder="Ascending")["Models"]
    assert [m["ModelName"] for m in by_name] == names
    for index in range(3):
        create_training_job(sm, f"job-{index}")
    # ListTrainingJobs documents CreationTime Ascending as its default.
    jobs = sm.list_training_jobs()["TrainingJobSummaries"]
    assert [job["TrainingJobName"] for job in jobs] == ["job-0", "job-1", "job-2"]
    newest = sm.list_training_jobs(SortBy="Name", SortOrder="Descending", MaxResults=1)
    assert newest["TrainingJobSummaries"][0]["TrainingJobName"] == "job-2"


def test_scaling_policies_come_ten_to_a_page(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    autoscaling = boto_client("application-autoscaling")
    create_models(sm, 1)
    sm.create_endpoint_config(
        EndpointConfigName="config",
        ProductionVariants=[
            {"VariantName": "v", "ModelName": "model-00", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
        ],
    )
    sm.create_endpoint(EndpointName="endpoint", EndpointConfigName="config")
    resource = "endpoint/endpoint/variant/v"
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension=DIMENSION, MinCapacity=1, MaxCapacity=3
    )
    for index in range(12):
        autoscaling.put_scaling_policy(
            PolicyName=f"policy-{index:02d}",
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            },
        )
    pages = list(pages_of(autoscaling.describe_scaling_policies, "ScalingPolicies", ServiceNamespace="sagemaker"))
    assert [len(page) for page in pages] == [10, 2]
    assert len({policy["PolicyName"] for page in pages for policy in page}) == 12


def test_limits_are_read_from_botocores_model() -> None:
    assert paging.limits("sagemaker", "ListModels") == paging.Limits(low=1, high=100, default=10)
    assert paging.limits("sagemaker", "ListTags") == paging.Limits(low=50, high=None, default=50)
    # Application Auto Scaling states its ranges in the members' documentation only.
    assert paging.limits("application-autoscaling", "DescribeScalingPolicies") == paging.Limits(
        low=1, high=10, default=10
    )
    assert paging.limits("application-autoscaling", "DescribeScalableTargets") == paging.Limits(
        low=1, high=50, default=50
    )
