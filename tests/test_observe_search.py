"""SageMaker ``Search`` as positive proof (design section 10): fewer reads, never another outcome.

Whole ``plan`` passes (``app.plan_pass``) against the simulator over HTTP, calls counted by the
``ClientFactory``'s ``CallCounter``. A finished job under an explicit (ACK) name costs no
``ListTags`` when its Search record proves it is this spec's, and a settled endpoint no
``DescribeEndpoint``; a foreign same-named job, a spec changed under its explicit name, tags
edited since, and an endpoint that is not settled each fall back to the per-resource read and
are planned exactly as without Search.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_sm import app, kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import Kind
from gitops_sm.model import Action, ObservedType, ResourceChange
from gitops_sm.observe._search import proven_job_tags, settled_endpoint_record
from tests.jobspecs import REGION, Dialect, job_manifest, write_spec
from tests.manifests import hosting_autoscaling_policy, hosting_deployment, write_spec_files

JOBS = ("train-a", "train-b", "train-c")
ENDPOINTS = ("web-a", "web-b", "web-c")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest"


def _plan(root: Path) -> tuple[app.PlanOutcome, dict[str, int]]:
    clients = ClientFactory(region=REGION, max_attempts=1)
    outcome = app.plan_pass(spec_root=root, settings=app.Settings(region=REGION), clients=clients)
    return outcome, clients.counter.by_operation()


def _converge(root: Path) -> None:
    for _ in range(6):
        outcome, _ = _plan(root)
        if not outcome.plan.has_changes:
            return
        assert app.apply_plan(the_plan=outcome.plan, clients=ClientFactory(region=REGION, max_attempts=1)).ok
    raise AssertionError("did not converge")


def _change(outcome: app.PlanOutcome, address: str) -> ResourceChange:
    (change,) = [c for c in outcome.plan.resource_changes if c.address == address]
    return change


def _ack_jobs(root: Path, *, revisions: dict[str, int] | None = None, names: tuple[str, ...] = JOBS) -> Path:
    for name in names:
        revision = (revisions or {}).get(name, 1)
        write_spec(root, f"{name}.yaml", job_manifest(
            Kind.TRAINING_JOB, Dialect.ACK, name, job_name=name, revision=revision))
    return root


def _address(name: str) -> str:
    return f"TrainingJob/default/{name}"


# --------------------------------------------------------------------------- jobs


def test_finished_explicit_name_jobs_proven_by_their_search_records_cost_no_tag_reads(
    tmp_path: Path, aws_env: Any
) -> None:
    root = _ack_jobs(tmp_path / "specs")
    _converge(root)

    outcome, calls = _plan(root)

    assert calls == {"ListTrainingJobs": 1, "Search": 1}
    assert all(c.actions == (Action.NOOP,) for c in outcome.plan.resource_changes)
    job = outcome.observed.get(REGION, ObservedType.TRAINING_JOB, "train-a")
    assert job is not None and job.tags is not None and job.tags[kinds.TAG_ADDRESS] == _address("train-a")


def test_a_foreign_job_under_the_explicit_name_is_a_conflict_read_with_list_tags(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = _ack_jobs(tmp_path / "specs", names=JOBS[:2])
    _converge(root)
    sm = boto_client("sagemaker")
    sm.create_training_job(
        TrainingJobName="train-c",
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/sm",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        Tags=[{"Key": "owner", "Value": "someone-else"}],
    )
    _ack_jobs(root)  # now a spec wants train-c too

    outcome, calls = _plan(root)

    assert calls.get("ListTags") == 1  # train-c only: the Search proved the other two
    change = _change(outcome, _address("train-c"))
    assert change.actions == (Action.ERROR,)
    assert "conflict: TrainingJob 'train-c' already exists in us-east-1 and is not managed by gitops-sm" in change.reason


def test_a_spec_changed_under_its_explicit_name_is_still_the_rename_error(tmp_path: Path, aws_env: Any) -> None:
    root = _ack_jobs(tmp_path / "specs")
    _converge(root)
    _ack_jobs(root, revisions={"train-b": 2})

    outcome, calls = _plan(root)

    assert calls.get("ListTags") == 1  # train-b: its record carries the old spec hash
    change = _change(outcome, _address("train-b"))
    assert change.actions == (Action.ERROR,)
    assert "the spec changed but the job name is explicit (spec.trainingJobName: train-b)" in change.reason


def test_tags_edited_since_fall_back_to_list_tags_and_the_conflict_they_show(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = _ack_jobs(tmp_path / "specs")
    _converge(root)
    sm = boto_client("sagemaker")
    arn = sm.describe_training_job(TrainingJobName="train-a")["TrainingJobArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": kinds.TAG_ADDRESS, "Value": "TrainingJob/other/train-a"}])

    outcome, calls = _plan(root)

    assert calls.get("ListTags") == 1
    change = _change(outcome, _address("train-a"))
    assert change.actions == (Action.ERROR,)
    assert "is managed by gitops-sm for TrainingJob/other/train-a, not TrainingJob/default/train-a" in change.reason


def test_a_record_is_no_proof_when_it_disagrees_with_the_list_page() -> None:
    tags = [
        {"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE},
        {"Key": kinds.TAG_ADDRESS, "Value": "TrainingJob/default/j"},
        {"Key": kinds.TAG_SPEC_HASH, "Value": "h1"},
    ]
    summary = {"TrainingJobName": "j", "TrainingJobArn": "arn:j", "TrainingJobStatus": "Completed",
               "LastModifiedTime": "2026-12-01T00:00:02+00:00"}
    record = {**summary, "Tags": tags}

    assert proven_job_tags(record, summary=summary, address="TrainingJob/default/j", spec_hash="h1") is not None
    stale = {**record, "LastModifiedTime": "2026-12-01T00:00:01+00:00"}
    assert proven_job_tags(stale, summary=summary, address="TrainingJob/default/j", spec_hash="h1") is None
    running = {**record, "TrainingJobStatus": "InProgress"}
    assert proven_job_tags(running, summary=summary, address="TrainingJob/default/j", spec_hash="h1") is None
    assert proven_job_tags(record, summary=summary, address="TrainingJob/default/j", spec_hash="h2") is None
    assert proven_job_tags(None, summary=summary, address="TrainingJob/default/j", spec_hash="h1") is None


# --------------------------------------------------------------------------- endpoints


def _endpoints(root: Path, *, image_of: dict[str, str] | None = None) -> Path:
    files = {
        f"{name}.yaml": hosting_deployment(name).replace(IMAGE, (image_of or {}).get(name, IMAGE))
        for name in ENDPOINTS
    }
    return write_spec_files(root, files)


def test_settled_endpoints_proven_by_their_search_records_are_not_described(tmp_path: Path, aws_env: Any) -> None:
    root = _endpoints(tmp_path / "specs")
    _converge(root)

    outcome, calls = _plan(root)

    assert "DescribeEndpoint" not in calls
    assert calls["Search"] == 1
    assert not outcome.plan.has_changes
    endpoint = outcome.observed.get(REGION, ObservedType.ENDPOINT, "web-a")
    assert endpoint is not None and endpoint.status == "InService"
    assert endpoint.details["ProductionVariants"][0]["VariantName"] == "AllTraffic"


def test_autoscaling_on_endpoints_proven_by_search_costs_no_tag_reads(tmp_path: Path, aws_env: Any) -> None:
    """Like an endpoint reused from the ledger, one proven settled by its Search record gets no
    ListTagsForResource of its declared scalable targets: the pass is pages only (an untagged
    target of an older gitops-sm is tagged when its endpoint is next described, or by --prune)."""
    root = _endpoints(tmp_path / "specs")
    for name in ENDPOINTS:
        write_spec_files(root, {f"{name}-hap.yaml": hosting_autoscaling_policy(f"{name}-hap", endpoint=name)})
    _converge(root)

    outcome, calls = _plan(root)

    assert not outcome.plan.has_changes
    assert "ListTagsForResource" not in calls and "DescribeEndpoint" not in calls, calls
    assert calls["Search"] == 1 and calls["DescribeScalableTargets"] == 1
    target = outcome.observed.get(REGION, ObservedType.SCALABLE_TARGET, "endpoint/web-a/variant/AllTraffic")
    assert target is not None and target.tags is None  # not read, and nothing was planned on it


def test_an_updating_endpoint_is_described(
    tmp_path: Path, aws_env: Any, sandbox_timing: Callable[..., None]
) -> None:
    root = _endpoints(tmp_path / "specs")
    _converge(root)
    sandbox_timing(endpoint_seconds=600.0)
    edited = _endpoints(root, image_of={"web-c": IMAGE.replace(":latest", ":2")})
    first, _ = _plan(edited)
    assert app.apply_plan(the_plan=first.plan, clients=ClientFactory(region=REGION, max_attempts=1)).ok

    outcome, calls = _plan(edited)

    assert calls["DescribeEndpoint"] == 1  # web-c, Updating; web-a and web-b proven by Search
    assert calls["Search"] == 1
    web_c = _change(outcome, "HostingDeployment/default/web-c")
    assert web_c.actions == (Action.WAIT,)
    endpoint = outcome.observed.get(REGION, ObservedType.ENDPOINT, "web-c")
    assert endpoint is not None and endpoint.status == "Updating"


def test_an_endpoint_record_is_no_proof_when_it_disagrees_with_the_list_page() -> None:
    record = {"EndpointName": "web", "EndpointStatus": "InService", "EndpointConfigName": "web-1",
              "LastModifiedTime": "2026-12-01T00:00:02+00:00", "ProductionVariants": []}
    when = "2026-12-01T00:00:02+00:00"

    assert settled_endpoint_record(record, status="InService", last_modified=when, configs={"web-1"}) is record
    assert settled_endpoint_record(record, status="Updating", last_modified=when, configs={"web-1"}) is None
    assert settled_endpoint_record(record, status="InService", last_modified="later", configs={"web-1"}) is None
    assert settled_endpoint_record(record, status="InService", last_modified=when, configs={"web-2"}) is None
    updating = {**record, "EndpointStatus": "Updating"}
    assert settled_endpoint_record(updating, status="InService", last_modified=when, configs={"web-1"}) is None
