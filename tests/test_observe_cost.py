"""The AWS call count of an observation pass (design section 10): grows with pages, not resources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from gitops_sm import kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import Kind
from gitops_sm.model import DEFINITION, Address, AwsRequest, DesiredResource, ObservedType, SourceLocation
from gitops_sm.observe import Reads, observe

REGION = "us-east-1"
JOBS = 50


def desired_job(index: int) -> DesiredResource:
    spec_hash = f"{index:08x}feed"
    return DesiredResource(
        address=Address(kind="TrainingJob", namespace="default", name=f"job{index}"),
        kind=Kind.TRAINING_JOB,
        manifest_kind="TrainingJob",
        api_version=kinds.API_V1,
        source=SourceLocation(path="jobs.yaml", line=index + 1),
        region=None,
        endpoint_url=None,
        spec_hash=spec_hash,
        explicit_name=False,
        names={"job": f"job{index}-{spec_hash[:8]}"},
        requests=(),
    )


class RecordingLedger:
    """A ledger that knows every seeded job as terminal for its spec hash, and counts questions."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known  # job name -> spec hash
        self.questions = 0

    def terminal_status(self, *, region: str, kind: Kind, name: str, spec_hash: str) -> str | None:
        self.questions += 1
        return "Completed" if self.known.get(name) == spec_hash else None


@pytest.fixture
def seeded(boto_client: Callable[..., Any]) -> list[DesiredResource]:
    sm = boto_client("sagemaker")
    desired = [desired_job(i) for i in range(JOBS)]
    for job in desired:
        sm.create_training_job(
            TrainingJobName=job.names["job"],
            AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
            RoleArn="arn:aws:iam::123456789012:role/sm",
            OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            Tags=[
                {"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE},
                {"Key": kinds.TAG_ADDRESS, "Value": str(job.address)},
                {"Key": kinds.TAG_SPEC_HASH, "Value": job.spec_hash},
            ],
        )
    return desired


def test_completed_desired_jobs_with_generated_names_cost_only_the_list_page(
    seeded: list[DesiredResource],
) -> None:
    """The generated name embeds the spec hash and a finished job cannot be acted on: no Describe, no tags."""
    clients = ClientFactory(region=REGION, max_attempts=1)

    state = observe(desired=seeded, clients=clients, default_region=REGION)

    assert len(state.of_type(REGION, ObservedType.TRAINING_JOB)) == JOBS
    assert clients.counter.by_operation() == {"ListTrainingJobs": 1}
    seen = state.get(REGION, ObservedType.TRAINING_JOB, seeded[0].names["job"])
    assert seen is not None and seen.status == "Completed" and seen.tags is None


def test_the_status_report_still_describes_and_tags_what_it_shows(seeded: list[DesiredResource]) -> None:
    clients = ClientFactory(region=REGION, max_attempts=1)

    state = observe(desired=seeded, clients=clients, default_region=REGION, reads=Reads.REPORT)

    assert clients.counter.by_operation() == {
        "ListTrainingJobs": 1,
        "DescribeTrainingJob": JOBS,
        "ListTags": JOBS,
    }
    seen = state.get(REGION, ObservedType.TRAINING_JOB, seeded[0].names["job"])
    assert seen is not None and seen.tags is not None and seen.tags[kinds.TAG_SPEC_HASH] == seeded[0].spec_hash


def test_a_completed_job_with_an_explicit_name_costs_one_tag_read(seeded: list[DesiredResource]) -> None:
    """An explicit name proves nothing about the spec: its spec-hash tag is read (no Describe); one
    such job is not worth a Search page."""
    explicit = replace(seeded[0], explicit_name=True)
    clients = ClientFactory(region=REGION, max_attempts=1)

    state = observe(desired=[explicit, *seeded[1:]], clients=clients, default_region=REGION)

    assert clients.counter.by_operation() == {"ListTrainingJobs": 1, "ListTags": 1}
    seen = state.get(REGION, ObservedType.TRAINING_JOB, explicit.names["job"])
    assert seen is not None and seen.tags is not None and seen.tags[kinds.TAG_SPEC_HASH] == explicit.spec_hash


def test_completed_jobs_with_explicit_names_cost_one_search_page_together(seeded: list[DesiredResource]) -> None:
    """More explicit names than Search pages: the records (tags included) stand in for the ListTags."""
    explicit = [replace(job, explicit_name=True) for job in seeded[:10]]
    clients = ClientFactory(region=REGION, max_attempts=1)

    state = observe(desired=[*explicit, *seeded[10:]], clients=clients, default_region=REGION)

    assert clients.counter.by_operation() == {"ListTrainingJobs": 1, "Search": 1}
    seen = state.get(REGION, ObservedType.TRAINING_JOB, explicit[0].names["job"])
    assert seen is not None and seen.tags is not None and seen.tags[kinds.TAG_SPEC_HASH] == explicit[0].spec_hash


def test_the_ledger_seam_removes_every_per_job_call(seeded: list[DesiredResource]) -> None:
    clients = ClientFactory(region=REGION, max_attempts=1)
    ledger = RecordingLedger({job.names["job"]: job.spec_hash for job in seeded})

    state = observe(desired=seeded, clients=clients, default_region=REGION, ledger=ledger)

    assert clients.counter.by_operation() == {"ListTrainingJobs": 1}
    assert ledger.questions == JOBS
    seen = state.get(REGION, ObservedType.TRAINING_JOB, seeded[0].names["job"])
    assert seen is not None and seen.status == "Completed"
    assert seen.details["Ledger"] == {"status": "Completed", "spec_hash": seeded[0].spec_hash}


def test_a_ledger_record_for_another_spec_hash_does_not_skip_the_reads(seeded: list[DesiredResource]) -> None:
    explicit = [replace(job, explicit_name=True) for job in seeded]
    clients = ClientFactory(region=REGION, max_attempts=1)
    ledger = RecordingLedger({job.names["job"]: "some-other-hash" for job in explicit})

    state = observe(desired=explicit, clients=clients, default_region=REGION, ledger=ledger)

    assert clients.counter.by_operation() == {"ListTrainingJobs": 1, "Search": 1}
    assert all(job.tags is not None for job in state.of_type(REGION, ObservedType.TRAINING_JOB))


def test_listing_is_paged_by_one_hundred(
    boto_client: Callable[..., Any], seeded: list[DesiredResource]
) -> None:
    """150 jobs in the account, none desired but one kind present: two list pages, nothing else."""
    sm = boto_client("sagemaker")
    for index in range(100):
        sm.create_training_job(
            TrainingJobName=f"history-{index}",
            AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
            RoleArn="arn:aws:iam::123456789012:role/sm",
            OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
        )
    clients = ClientFactory(region=REGION, max_attempts=1)
    absent = desired_job(999)

    state = observe(desired=[absent], clients=clients, default_region=REGION)

    assert len(state.of_type(REGION, ObservedType.TRAINING_JOB)) == JOBS + 100
    assert clients.counter.by_operation() == {"ListTrainingJobs": 2}


def test_adoption_candidates_cost_their_tags_and_one_describe_only_when_not_ours(
    seeded: list[DesiredResource], boto_client: Callable[..., Any]
) -> None:
    """A candidate (annotated, or named by --adopt) never rests on unread tags; its definition is
    read only when it is not ours. The other finished jobs still cost nothing beyond the List page."""
    sm = boto_client("sagemaker")
    request = AwsRequest(service=kinds.SAGEMAKER, operation="CreateTrainingJob", params={
        "RoleArn": "arn:aws:iam::123456789012:role/sm", "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": [{"Key": "team", "Value": "a"}]})
    ours = replace(seeded[0], requests=(request,), annotations={kinds.ANNOTATION_ADOPT: "true"})
    foreign = replace(seeded[1], requests=(request,))
    arn = sm.describe_training_job(TrainingJobName=foreign.names["job"])["TrainingJobArn"]
    sm.delete_tags(ResourceArn=arn, TagKeys=[kinds.TAG_MANAGED_BY, kinds.TAG_SPEC_HASH])
    clients = ClientFactory(region=REGION, max_attempts=1)

    state = observe(desired=[ours, foreign, *seeded[2:]], clients=clients, default_region=REGION,
                    adopt=frozenset({str(foreign.address)}))

    assert clients.counter.by_operation() == {"ListTrainingJobs": 1, "ListTags": 2, "DescribeTrainingJob": 1}
    found = state.get(REGION, ObservedType.TRAINING_JOB, foreign.names["job"])
    assert found is not None and found.details[DEFINITION] == {
        "RoleArn": "arn:aws:iam::123456789012:role/sm", "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}
    mine = state.get(REGION, ObservedType.TRAINING_JOB, ours.names["job"])
    assert mine is not None and mine.tags is not None and DEFINITION not in mine.details
