"""The simulator's SageMaker ``Search`` of training jobs and endpoints answers as AWS does.

Over HTTP: the raw JSON body is checked against botocore's ``SearchResponse`` shape (members,
types, required members, enums), pages follow ``MaxResults``/``NextToken``, the ``Tags.<key>``
filter selects, and each record shows the same status and ``LastModifiedTime`` as List/Describe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gitops_sm import kinds
from gitops_sm.botocoredata import new_botocore_session

OURS = [{"Name": f"Tags.{kinds.TAG_MANAGED_BY}", "Operator": "Equals", "Value": kinds.TAG_MANAGED_BY_VALUE}]


def _conforms(value: Any, shape: Any, path: str = "$") -> list[str]:
    """Where ``value`` (parsed JSON) departs from the botocore ``shape`` (empty when it conforms)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__} is not a structure"]
        problems = [f"{path}.{key}: not a member of {shape.name}" for key in value if key not in shape.members]
        problems += [f"{path}.{key}: required" for key in shape.required_members if key not in value]
        for key, item in value.items():
            if key in shape.members:
                problems += _conforms(item, shape.members[key], f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [p for i, item in enumerate(value) for p in _conforms(item, shape.member, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: not a map"]
        return [p for k, item in value.items() for p in _conforms(item, shape.value, f"{path}.{k}")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: not a string"]
        return [f"{path}: {value!r} not in the enum"] if shape.enum and value not in shape.enum else []
    if kind == "timestamp":
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [f"{path}: not epoch seconds"]
    if kind in ("integer", "long"):
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: not an integer"]
    if kind in ("float", "double"):
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [f"{path}: not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: not a boolean"]
    return []


def _raw_bodies(sm: Any) -> list[Any]:
    bodies: list[Any] = []
    sm.meta.events.register(
        "after-call.sagemaker.Search", lambda http_response, **_: bodies.append(json.loads(http_response.content))
    )
    return bodies


def _training_job(sm: Any, name: str, *, ours: bool) -> None:
    tags = [{"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE}] if ours else []
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/sm",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters={"eta": "0.1"},
        Tags=[*tags, {"Key": "team", "Value": name}],
    )


def test_training_job_records_page_filter_and_match_list_and_describe(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    for index in range(7):
        _training_job(sm, f"job-{index}", ours=index % 3 != 0)  # job-0, job-3, job-6 are not ours
    bodies = _raw_bodies(sm)

    pages = list(
        sm.get_paginator("search").paginate(
            Resource="TrainingJob", SearchExpression={"Filters": OURS}, PaginationConfig={"PageSize": 2}
        )
    )

    assert [len(page["Results"]) for page in pages] == [2, 2]
    names = sorted(r["TrainingJob"]["TrainingJobName"] for page in pages for r in page["Results"])
    assert names == ["job-1", "job-2", "job-4", "job-5"]
    assert pages[0]["TotalHits"] == {"Value": 4, "Relation": "EqualTo"}
    output = new_botocore_session().get_service_model("sagemaker").operation_model("Search").output_shape
    assert bodies and all(_conforms(body, output) == [] for body in bodies), [_conforms(b, output) for b in bodies]
    listed = {s["TrainingJobName"]: s for s in sm.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]}
    for page in pages:
        for result in page["Results"]:
            record = result["TrainingJob"]
            described = sm.describe_training_job(TrainingJobName=record["TrainingJobName"])
            summary = listed[record["TrainingJobName"]]
            assert record["LastModifiedTime"] == summary["LastModifiedTime"] == described["LastModifiedTime"]
            assert record["TrainingJobStatus"] == summary["TrainingJobStatus"] == described["TrainingJobStatus"]
            assert record["HyperParameters"] == {"eta": "0.1"}
            assert {"Key": "team", "Value": record["TrainingJobName"]} in record["Tags"]


def test_endpoint_records_carry_what_describe_endpoint_says(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    sm.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r", PrimaryContainer={"Image": "i"})
    sm.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}
        ],
    )
    sm.create_endpoint(EndpointName="ours", EndpointConfigName="c", Tags=[{"Key": kinds.TAG_MANAGED_BY,
                                                                          "Value": kinds.TAG_MANAGED_BY_VALUE}])
    sm.create_endpoint(EndpointName="theirs", EndpointConfigName="c")
    bodies = _raw_bodies(sm)

    response = sm.search(Resource="Endpoint", SearchExpression={"Filters": OURS}, MaxResults=100)

    (result,) = response["Results"]
    record = result["Endpoint"]
    described = sm.describe_endpoint(EndpointName="ours")
    for key in ("EndpointName", "EndpointArn", "EndpointConfigName", "EndpointStatus", "LastModifiedTime"):
        assert record[key] == described[key]
    assert record["ProductionVariants"] == described["ProductionVariants"]
    assert "NextToken" not in response
    output = new_botocore_session().get_service_model("sagemaker").operation_model("Search").output_shape
    assert _conforms(bodies[0], output) == []


def test_unsupported_and_invalid_requests_are_validation_errors(boto_client: Callable[..., Any]) -> None:
    sm = boto_client("sagemaker")
    with pytest.raises(ClientError, match="NextToken"):
        sm.search(Resource="TrainingJob", NextToken="garbage")
    with pytest.raises(ClientError, match="Unknown property name"):
        sm.search(Resource="TrainingJob", SearchExpression={"Filters": [{"Name": "NoSuchThing", "Value": "x"}]})
    with pytest.raises(ClientError, match="NestedFilters"):
        sm.search(
            Resource="Endpoint",
            SearchExpression={"NestedFilters": [{"NestedPropertyName": "Tags", "Filters": OURS}]},
        )
