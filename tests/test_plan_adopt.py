"""Planning adoption with literals: the live definition compared with the spec, what is accepted, what is recorded.

The comparison (``plan._adopt``) walks botocore's shape of the create request; the planner then
adopts an identical resource saying so, an immutable one that differs with every accepted
difference named and shown, and records in the spec-hash tag the spec that matches what runs
(checked against the real spec loader: editing the spec to the live values gives exactly that hash).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from gitops_sm import kinds, specs
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    DEFINITION,
    Action,
    Address,
    AwsRequest,
    DesiredResource,
    ObservedResource,
    ObservedType,
)
from gitops_sm.plan import PlanOptions, plan
from gitops_sm.plan._adopt import MISSING, differences, matching_spec_hash
from tests.literals import (
    REGION,
    hosting_deployment,
    load,
    observed,
    observed_job,
    our_tags,
    tag_list,
    training_job,
)
from tests.manifests import valid_training_job

OPTS = PlanOptions(default_region=REGION)
ADOPT = {kinds.ANNOTATION_ADOPT: "true"}


def _training(**params: Any) -> AwsRequest:
    base: dict[str, Any] = {
        "TrainingJobName": "nightly",
        "RoleArn": "arn:aws:iam::111122223333:role/sm",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://b/train/"}}}],
        "HyperParameters": {"eta": "0.1"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": [{"Key": "team", "Value": "a"}],
    }
    base.update(params)
    return AwsRequest(service=kinds.SAGEMAKER, operation="CreateTrainingJob", params=base)


def _described(request: AwsRequest) -> dict[str, Any]:
    """What DescribeTrainingJob echoes for ``request``: the same members plus what AWS fills in."""
    live = copy.deepcopy({k: v for k, v in request.params.items() if k != "Tags"})
    live["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"] = False
    live["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] = "FullyReplicated"
    live["InputDataConfig"][0]["CompressionType"] = "None"
    live["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 0
    live["StoppingCondition"]["MaxRuntimeInSeconds"] = float(live["StoppingCondition"]["MaxRuntimeInSeconds"])
    return live


def _names(request: AwsRequest, live: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(d.name, d.live, d.spec) for d in differences(request, live)]


# --------------------------------------------------------------------------- the comparison


def test_server_filled_members_tags_and_number_spellings_are_no_difference() -> None:
    request = _training()
    assert differences(request, _described(request)) == []


def test_a_changed_scalar_a_missing_member_and_an_extra_map_key_are_differences() -> None:
    request = _training()
    live = _described(request)
    live["StoppingCondition"]["MaxRuntimeInSeconds"] = 7200
    del live["ResourceConfig"]["VolumeSizeInGB"]
    live["HyperParameters"]["num_round"] = "50"  # a key only the live job has: it ran with it

    assert _names(request, live) == [
        ("HyperParameters.num_round", "50", MISSING),
        ("ResourceConfig.VolumeSizeInGB", MISSING, 5),
        ("StoppingCondition.MaxRuntimeInSeconds", 7200, 3600),
    ]


def test_lists_compare_in_order_and_a_bool_never_equals_a_number() -> None:
    request = _training(EnableNetworkIsolation=True, VpcConfig={"SecurityGroupIds": ["sg-1", "sg-2"],
                                                                "Subnets": ["subnet-1"]})
    live = _described(request)
    live["VpcConfig"]["SecurityGroupIds"] = ["sg-2", "sg-1"]
    live["VpcConfig"]["Subnets"] = ["subnet-1", "subnet-2"]
    live["EnableNetworkIsolation"] = 1

    assert _names(request, live) == [
        ("EnableNetworkIsolation", 1, True),
        ("VpcConfig.SecurityGroupIds[0]", "sg-2", "sg-1"),
        ("VpcConfig.SecurityGroupIds[1]", "sg-1", "sg-2"),
        ("VpcConfig.Subnets", ["subnet-1", "subnet-2"], ["subnet-1"]),
    ]


# --------------------------------------------------------------------------- adopting a job


def _foreign_job(job: DesiredResource, definition: dict[str, Any] | None, status: str = "Completed") -> ObservedResource:
    found = observed_job(job.names["job"], status, tags={"team": "search"})
    if definition is None:
        return found
    return ObservedResource(type=found.type, region=found.region, name=found.name, status=found.status,
                            tags=found.tags, arn=found.arn, details={DEFINITION: definition})


def _definition(job: DesiredResource) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in job.requests[0].params.items() if k not in ("Tags", "TrainingJobName")}


def test_a_job_identical_to_its_spec_is_adopted_with_the_spec_hash() -> None:
    job = training_job(explicit="nightly-xgb", annotations=ADOPT)
    change = plan(load=load(job), observed=observed(_foreign_job(job, _definition(job))), options=OPTS).resource_changes[0]

    assert change.actions == (Action.UPDATE,)
    assert change.reason == ("adopt TrainingJob 'nightly-xgb': add the gitops-sm ownership tags; its live definition "
                             "matches the spec")
    (step,) = change.steps
    assert {t["Key"]: t["Value"] for t in step.params["Tags"]} == our_tags(str(job.address), job.spec_hash)
    assert change.before == {"name": "nightly-xgb", "status": "Completed", "spec_hash": None}
    assert change.after == {"name": "nightly-xgb", "status": "Completed", "spec_hash": job.spec_hash}


def test_a_job_that_differs_is_adopted_showing_each_accepted_difference_and_recording_another_hash() -> None:
    job = training_job(explicit="nightly-xgb", annotations=ADOPT)
    live = _definition(job)
    live["StoppingCondition"]["MaxRuntimeInSeconds"] = 7200
    live["ResourceConfig"]["InstanceType"] = "ml.c5.xlarge"

    change = plan(load=load(job), observed=observed(_foreign_job(job, live)), options=OPTS).resource_changes[0]

    assert change.actions == (Action.UPDATE,)
    assert change.reason.startswith(
        "adopt TrainingJob 'nightly-xgb': add the gitops-sm ownership tags, accepting 2 differences from the spec: "
        "ResourceConfig.InstanceType (live ml.c5.xlarge, spec ml.m5.large), StoppingCondition.MaxRuntimeInSeconds "
        "(live 7200, spec 3600). A SageMaker TrainingJob cannot be changed")
    assert change.before["accepted_differences"] == {"ResourceConfig": {"InstanceType": "ml.c5.xlarge"},
                                                     "StoppingCondition": {"MaxRuntimeInSeconds": 7200}}
    assert change.after["accepted_differences"] == {"ResourceConfig": {"InstanceType": "ml.m5.large"},
                                                    "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
    recorded = {t["Key"]: t["Value"] for t in change.steps[0].params["Tags"]}[kinds.TAG_SPEC_HASH]
    assert recorded == change.after["spec_hash"] != job.spec_hash
    assert recorded in change.reason


def test_a_job_whose_definition_was_not_read_is_not_adopted_blind() -> None:
    job = training_job(explicit="nightly-xgb", annotations=ADOPT)
    change = plan(load=load(job), observed=observed(_foreign_job(job, None)), options=OPTS).resource_changes[0]
    assert change.actions == (Action.ERROR,) and change.steps == ()
    assert "its live definition was not read in this pass" in change.reason


def test_secrets_in_a_live_definition_are_never_shown() -> None:
    job = training_job(explicit="nightly-xgb", annotations=ADOPT)
    params = {**job.requests[0].params, "Environment": {"DB_PASSWORD": "spec-pw-1", "MODE": "a"}}
    job = DesiredResource(**{**job.__dict__, "requests": (AwsRequest(
        service=kinds.SAGEMAKER, operation="CreateTrainingJob", params=params),)})
    live = {**_definition(job), "Environment": {"DB_PASSWORD": "live-pw-2", "MODE": "a",
                                                "HOOK": "https://hooks.slack.com/services/T0/B0/abcdefghijkl"}}

    change = plan(load=load(job), observed=observed(_foreign_job(job, live)), options=OPTS).resource_changes[0]

    assert "Environment.DB_PASSWORD (live (sensitive), spec (sensitive))" in change.reason
    assert "Environment.HOOK (live (sensitive), spec absent)" in change.reason
    everything = f"{change.reason} {change.before} {change.after}"
    for secret in ("spec-pw-1", "live-pw-2", "hooks.slack.com"):
        assert secret not in everything
    assert change.before["accepted_differences"]["Environment"]["DB_PASSWORD"] != \
        change.after["accepted_differences"]["Environment"]["DB_PASSWORD"]  # still a row in the rendered diff


def test_the_recorded_hash_is_the_hash_of_the_spec_edited_to_what_runs(tmp_path: Path) -> None:
    def loaded(max_runtime: int, *, explicit: bool) -> DesiredResource:
        doc = yaml.safe_load(valid_training_job("xgb"))
        doc["spec"]["stoppingCondition"]["maxRuntimeInSeconds"] = max_runtime
        if explicit:
            doc["spec"]["trainingJobName"] = "nightly-xgb"
        root = tmp_path / f"{max_runtime}-{explicit}"
        root.mkdir()
        (root / "job.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
        (res,) = specs.load_specs(root).resources
        return res

    for explicit in (True, False):
        spec, running = loaded(86400, explicit=explicit), loaded(3600, explicit=explicit)
        request = spec.requests[0]
        live = {k: v for k, v in running.requests[0].params.items() if k != "Tags"}
        assert matching_spec_hash(spec, request, []) == spec.spec_hash
        assert matching_spec_hash(spec, request, differences(request, live)) == running.spec_hash


# --------------------------------------------------------------------------- adopting models and endpoints


def _model(*, image: str) -> DesiredResource:
    address = Address(kind="Model", namespace="default", name="scoring")
    params = {"ModelName": "scoring", "ExecutionRoleArn": "arn:aws:iam::111122223333:role/sm",
              "PrimaryContainer": {"Image": image}, "Tags": tag_list(our_tags(str(address), "dddddddd44444444"))}
    return DesiredResource(
        address=address, kind=Kind.MODEL, manifest_kind="Model", api_version=kinds.API_ACK_SAGEMAKER,
        source=training_job().source, region=None, endpoint_url=None, spec_hash="dddddddd44444444",
        explicit_name=True, names={"model": "scoring"}, annotations=ADOPT,
        requests=(AwsRequest(service=kinds.SAGEMAKER, operation="CreateModel", params=params),),
    )


def test_an_explicitly_named_model_that_differs_is_adopted_as_it_is() -> None:
    model = _model(image="img:2")
    live = {"ExecutionRoleArn": "arn:aws:iam::111122223333:role/sm", "PrimaryContainer": {"Image": "img:1",
                                                                                         "Mode": "SingleModel"}}
    found = ObservedResource(type=ObservedType.MODEL, region=REGION, name="scoring", tags={},
                             arn=f"arn:aws:sagemaker:{REGION}:111122223333:model/scoring", details={DEFINITION: live})

    change = plan(load=load(model), observed=observed(found), options=OPTS).resource_changes[0]

    assert change.actions == (Action.UPDATE,) and [s.call for s in change.steps] == ["AddTags"]
    assert "accepting 1 difference from the spec: PrimaryContainer.Image (live img:1, spec img:2)" in change.reason


def test_an_endpoint_that_must_wait_is_tagged_now_and_updated_later() -> None:
    web = hosting_deployment()
    web = DesiredResource(**{**web.__dict__, "annotations": ADOPT})
    endpoint = ObservedResource(type=ObservedType.ENDPOINT, region=REGION, name="web", status="Updating", tags={},
                                arn=f"arn:aws:sagemaker:{REGION}:111122223333:endpoint/web",
                                details={"EndpointConfigName": "theirs", "ProductionVariants": []})

    change = plan(load=load(web), observed=observed(endpoint), options=OPTS).resource_changes[0]

    assert change.actions == (Action.UPDATE,) and [s.call for s in change.steps] == ["AddTags"]
    assert change.reason.startswith("adopt Endpoint 'web': add the gitops-sm ownership tags now; the change the "
                                    "spec needs waits: endpoint web must move to web-22222222 but is Updating")


def test_a_list_that_differs_is_recorded_as_the_spec_would_write_it_without_aws_defaults() -> None:
    job = training_job(explicit="nightly")
    spec = _training()
    channel = {"ChannelName": "validation", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                           "S3Uri": "s3://b/validation/"}}}
    edited = _training(InputDataConfig=[*spec.params["InputDataConfig"], channel])
    live = _described(spec)
    live["InputDataConfig"].append(copy.deepcopy(channel))  # the first channel carries AWS's defaults

    diffs = differences(spec, live)

    assert [d.name for d in diffs] == ["InputDataConfig"]
    assert matching_spec_hash(job, spec, diffs) == matching_spec_hash(job, edited, [])
