"""observe() over seeded SageMaker jobs in the simulator: ownership, history, running candidates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gitops_sm import kinds
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import Kind
from gitops_sm.model import Address, DesiredResource, ObservedType, SourceLocation
from gitops_sm.observe import Reads, observe
from tests.sandboxcalls import create_training_job

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sm"


def desired_job(
    name: str, *, spec_hash: str, kind: Kind = Kind.TRAINING_JOB, explicit: str | None = None
) -> DesiredResource:
    address = Address(kind=kind.value, namespace="default", name=name)
    return DesiredResource(
        address=address,
        kind=kind,
        manifest_kind=kind.value,
        api_version=kinds.API_ACK_SAGEMAKER,
        source=SourceLocation(path=f"{name}.yaml", line=1),
        region=None,
        endpoint_url=None,
        spec_hash=spec_hash,
        explicit_name=explicit is not None,
        names={"job": explicit or f"{name}-{spec_hash[:8]}"},
        requests=(),
    )


def our_tags(address: str, spec_hash: str) -> list[dict[str, str]]:
    return [
        {"Key": kinds.TAG_MANAGED_BY, "Value": kinds.TAG_MANAGED_BY_VALUE},
        {"Key": kinds.TAG_ADDRESS, "Value": address},
        {"Key": kinds.TAG_SPEC_HASH, "Value": spec_hash},
    ]


@pytest.fixture
def clients(aws_env: Any) -> ClientFactory:
    return ClientFactory(region=REGION, max_attempts=1)


def test_desired_job_that_exists_is_described_and_its_tags_read_for_the_report(
    boto_client: Callable[..., Any], clients: ClientFactory
) -> None:
    job = desired_job("mnist", spec_hash="0a1b2c3d99")
    create_training_job(boto_client("sagemaker"), "mnist-0a1b2c3d", tags=our_tags(str(job.address), "0a1b2c3d99"))

    state = observe(desired=[job], clients=clients, default_region=REGION, reads=Reads.REPORT)

    seen = state.get(REGION, ObservedType.TRAINING_JOB, "mnist-0a1b2c3d")
    assert seen is not None
    assert seen.status == "Completed"
    assert seen.tags is not None
    assert seen.tags[kinds.TAG_MANAGED_BY] == kinds.TAG_MANAGED_BY_VALUE
    assert seen.tags[kinds.TAG_SPEC_HASH] == "0a1b2c3d99"
    assert seen.details["OutputLocation"].startswith("s3://bucket/out")
    assert seen.arn and seen.arn.endswith(":training-job/mnist-0a1b2c3d")
    assert "LastModifiedTime" in seen.volatile and "LastModifiedTime" not in seen.details
    assert state.was_listed(REGION, ObservedType.TRAINING_JOB)
    assert state.errors == ()


def test_foreign_job_with_the_desired_name_is_observed_without_our_tags(
    boto_client: Callable[..., Any], clients: ClientFactory
) -> None:
    job = desired_job("mnist", spec_hash="0a1b2c3d99", explicit="team-job")
    create_training_job(boto_client("sagemaker"), "team-job", tags=[{"Key": "team", "Value": "ml"}])

    state = observe(desired=[job], clients=clients, default_region=REGION)

    seen = state.get(REGION, ObservedType.TRAINING_JOB, "team-job")
    assert seen is not None and seen.tags == {"team": "ml"}


def test_absent_desired_job_is_missing_from_a_listed_type(clients: ClientFactory) -> None:
    state = observe(
        desired=[desired_job("mnist", spec_hash="0a1b2c3d99")], clients=clients, default_region=REGION
    )

    assert state.get(REGION, ObservedType.TRAINING_JOB, "mnist-0a1b2c3d") is None
    assert state.was_listed(REGION, ObservedType.TRAINING_JOB)
    # Only the kind present in the specs was listed.
    assert not state.was_listed(REGION, ObservedType.PROCESSING_JOB)
    assert not state.was_listed(REGION, ObservedType.ENDPOINT)


def test_finished_jobs_that_are_not_desired_are_history_and_not_read_further(
    boto_client: Callable[..., Any], clients: ClientFactory
) -> None:
    sm = boto_client("sagemaker")
    create_training_job(sm, "mnist-11111111", tags=our_tags("TrainingJob/default/mnist", "11111111aa"))
    job = desired_job("mnist", spec_hash="22222222bb")

    state = observe(desired=[job], clients=clients, default_region=REGION)

    old = state.get(REGION, ObservedType.TRAINING_JOB, "mnist-11111111")
    assert old is not None and old.status == "Completed"
    assert old.tags is None  # completed, not desired: no ListTags for it
    assert "OutputLocation" not in old.details  # … and no Describe


def test_running_job_with_the_desired_name_prefix_gets_its_tags_read(
    boto_client: Callable[..., Any], clients: ClientFactory, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=3600)
    sm = boto_client("sagemaker")
    create_training_job(sm, "mnist-11111111", tags=our_tags("TrainingJob/default/mnist", "11111111aa"))
    create_training_job(sm, "other-33333333")
    job = desired_job("mnist", spec_hash="22222222bb")

    state = observe(desired=[job], clients=clients, default_region=REGION)

    previous = state.get(REGION, ObservedType.TRAINING_JOB, "mnist-11111111")
    assert previous is not None and previous.status == "InProgress"
    assert previous.tags is not None and previous.tags[kinds.TAG_SPEC_HASH] == "11111111aa"
    unrelated = state.get(REGION, ObservedType.TRAINING_JOB, "other-33333333")
    assert unrelated is not None and unrelated.status == "InProgress"
    assert unrelated.tags is None


def test_include_unlisted_owned_lists_every_job_kind_and_reads_every_running_jobs_tags(
    boto_client: Callable[..., Any], clients: ClientFactory, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=3600)
    create_training_job(
        boto_client("sagemaker"), "gone-44444444", tags=our_tags("TrainingJob/default/gone", "44444444cc")
    )

    state = observe(desired=[], clients=clients, default_region=REGION, include_unlisted_owned=True)

    gone = state.get(REGION, ObservedType.TRAINING_JOB, "gone-44444444")
    assert gone is not None and gone.tags is not None
    assert gone.tags[kinds.TAG_ADDRESS] == "TrainingJob/default/gone"
    for type_ in (
        ObservedType.TRAINING_JOB,
        ObservedType.PROCESSING_JOB,
        ObservedType.TRANSFORM_JOB,
        ObservedType.HYPERPARAMETER_TUNING_JOB,
        ObservedType.ENDPOINT,
        ObservedType.ENDPOINT_CONFIG,
        ObservedType.MODEL,
        ObservedType.SCALABLE_TARGET,
        ObservedType.SCALING_POLICY,
    ):
        assert state.was_listed(REGION, type_), type_


def test_processing_job_output_locations_are_reported(
    boto_client: Callable[..., Any], clients: ClientFactory
) -> None:
    job = desired_job("prep", spec_hash="5555555512", kind=Kind.PROCESSING_JOB)
    boto_client("sagemaker").create_processing_job(
        ProcessingJobName="prep-55555555",
        ProcessingResources={
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}
        },
        AppSpecification={"ImageUri": "img"},
        RoleArn=ROLE,
        ProcessingOutputConfig={
            "Outputs": [
                {
                    "OutputName": "train",
                    "S3Output": {
                        "S3Uri": "s3://bucket/prep/train",
                        "LocalPath": "/opt/ml/out",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        Tags=our_tags(str(job.address), "5555555512"),
    )

    state = observe(desired=[job], clients=clients, default_region=REGION, reads=Reads.REPORT)

    seen = state.get(REGION, ObservedType.PROCESSING_JOB, "prep-55555555")
    assert seen is not None
    assert seen.details["OutputLocation"] == ["s3://bucket/prep/train"]
    assert seen.tags is not None and seen.tags[kinds.TAG_SPEC_HASH] == "5555555512"
    assert state.was_listed(REGION, ObservedType.PROCESSING_JOB)
    assert not state.was_listed(REGION, ObservedType.TRAINING_JOB)


def test_observed_state_is_json_serialisable_and_its_digest_ignores_volatile_fields(
    boto_client: Callable[..., Any], clients: ClientFactory
) -> None:
    import json

    job = desired_job("mnist", spec_hash="0a1b2c3d99")
    create_training_job(boto_client("sagemaker"), "mnist-0a1b2c3d", tags=our_tags(str(job.address), "0a1b2c3d99"))

    first = observe(desired=[job], clients=clients, default_region=REGION)
    second = observe(desired=[job], clients=clients, default_region=REGION)

    json.dumps([r.to_dict() for r in first.resources])  # datetimes became strings
    assert first.digest() == second.digest()
