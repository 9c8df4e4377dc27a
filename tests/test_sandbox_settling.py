"""Sandbox refresh keeps track of what still moves: unsettled jobs, endpoints in an operation, old state files.

Each request brings simulated resources up to the current time; it visits only jobs that are not
yet terminal and endpoints with an operation in flight (``SimState.unsettled_jobs`` /
``transitioning_endpoints``), so its cost does not grow with every job ever created. A state file
saved before those sets existed derives them when it loads, and its jobs and endpoints move on.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from gitops_sm.sandbox import SandboxServer, configure_timing, reset, start_server
from gitops_sm.sandbox.state import SimState, sim_state
from tests.sandboxcalls import create_training_job

ROLE = "arn:aws:iam::123456789012:role/sandbox"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def _state() -> SimState:
    from moto.sagemaker.models import sagemaker_backends

    return sim_state(sagemaker_backends[ACCOUNT][REGION])


def _endpoint(sm: Any, name: str) -> None:
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    for config in (f"{name}-a", f"{name}-b"):
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {"VariantName": "AllTraffic", "ModelName": f"{name}-model", "InitialInstanceCount": 1,
                 "InstanceType": "ml.m5.large"}
            ],
        )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-a")


def _status(sm: Any, name: str) -> str:
    return str(sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"])


def test_only_jobs_and_endpoints_that_still_move_are_revisited(
    boto_client: Callable[..., Any], sandbox_timing: Callable[..., None], sandbox: SandboxServer
) -> None:
    sandbox_timing(job_seconds=100, endpoint_seconds=10)
    sm = boto_client("sagemaker")
    for name in ("job-a", "job-b", "job-c"):
        create_training_job(sm, name)
    _endpoint(sm, "web")
    assert list(_state().unsettled_jobs) == [("TrainingJob", "job-a"), ("TrainingJob", "job-b"), ("TrainingJob", "job-c")]
    assert list(_state().transitioning_endpoints) == ["web"]

    sm.stop_training_job(TrainingJobName="job-b")
    sandbox.advance_clock(11)
    assert (_status(sm, "job-b"), sm.describe_endpoint(EndpointName="web")["EndpointStatus"]) == ("Stopping", "InService")
    assert list(_state().unsettled_jobs) == [("TrainingJob", "job-a"), ("TrainingJob", "job-b"), ("TrainingJob", "job-c")]
    assert list(_state().transitioning_endpoints) == []

    sandbox.advance_clock(45)  # the stop (half a run) is over, the runs are not
    assert [_status(sm, name) for name in ("job-a", "job-b", "job-c")] == ["InProgress", "Stopped", "InProgress"]
    assert list(_state().unsettled_jobs) == [("TrainingJob", "job-a"), ("TrainingJob", "job-c")]

    sm.update_endpoint(EndpointName="web", EndpointConfigName="web-b")
    assert list(_state().transitioning_endpoints) == ["web"]
    sandbox.advance_clock(50)
    assert [_status(sm, name) for name in ("job-a", "job-b", "job-c")] == ["Completed", "Stopped", "Completed"]
    described = sm.describe_endpoint(EndpointName="web")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "web-b")
    assert list(_state().unsettled_jobs) == [] and list(_state().transitioning_endpoints) == []
    # Settled resources still answer as before, and listing filters by status as before.
    completed = sm.list_training_jobs(StatusEquals="Completed")["TrainingJobSummaries"]
    assert sorted(job["TrainingJobName"] for job in completed) == ["job-a", "job-c"]

    sm.delete_endpoint(EndpointName="web")
    assert list(_state().transitioning_endpoints) == ["web"]
    sandbox.advance_clock(11)
    assert sm.list_endpoints()["Endpoints"] == []
    assert "web" not in _state().endpoints and list(_state().transitioning_endpoints) == []


def _strip_the_sets(state_file: Path) -> None:
    """Rewrite a state file as the simulator wrote it before SimState had the two sets."""
    with state_file.open("rb") as stream:
        state = pickle.load(stream)
    services = pickle.loads(state["services"])
    for saved in services["sagemaker_backends"].values():
        sim = saved.get("gitops_sm_state")
        if sim is not None:
            del sim.__dict__["unsettled_jobs"]
            del sim.__dict__["transitioning_endpoints"]
    state["services"] = pickle.dumps(services)
    assert b"unsettled_jobs" not in state["services"] and b"transitioning_endpoints" not in state["services"]
    with state_file.open("wb") as stream:
        pickle.dump(state, stream)


def test_a_state_file_saved_before_the_sets_existed_still_moves_its_jobs_and_endpoints(
    aws_env: SandboxServer, tmp_path: Path
) -> None:
    state_file = tmp_path / "old.state"
    with start_server(state_file=state_file) as first:
        sm = boto3.client("sagemaker", region_name=REGION, endpoint_url=first.url)
        configure_timing(job_seconds=0, endpoint_seconds=0)
        create_training_job(sm, "done-before")
        assert _status(sm, "done-before") == "Completed"
        finished_at = sm.describe_training_job(TrainingJobName="done-before")["LastModifiedTime"]
        configure_timing(job_seconds=3600, endpoint_seconds=3600)
        create_training_job(sm, "still-running")
        _endpoint(sm, "web")
    _strip_the_sets(state_file)
    reset()

    with start_server(state_file=state_file) as second:
        sm = boto3.client("sagemaker", region_name=REGION, endpoint_url=second.url)
        assert [_status(sm, "done-before"), _status(sm, "still-running")] == ["Completed", "InProgress"]
        assert sm.describe_endpoint(EndpointName="web")["EndpointStatus"] == "Creating"
        assert list(_state().unsettled_jobs) == [("TrainingJob", "still-running")]
        assert list(_state().transitioning_endpoints) == ["web"]
        second.advance_clock(3601)
        assert [_status(sm, "done-before"), _status(sm, "still-running")] == ["Completed", "Completed"]
        assert sm.describe_training_job(TrainingJobName="done-before")["LastModifiedTime"] == finished_at
        assert sm.describe_endpoint(EndpointName="web")["EndpointStatus"] == "InService"
        assert list(_state().unsettled_jobs) == [] and list(_state().transitioning_endpoints) == []
