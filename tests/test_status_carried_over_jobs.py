"""`gitops-sm status` reports a job named by the earlier naming rule as the spec's job, under its real name.

Before issue 7 a generated job name hashed the spec only; now it hashes the address too, so a job
the earlier release started sits under a name (``DesiredResource.previous_names``) the spec no
longer generates. The planner keeps it (no second run); ``status`` looked only under the new name
and reported it "missing, not created yet". The rule deciding which job is the spec's is
``plan.health.spec_job``: the job under one of the earlier names counts when its tags name this
address and spec hash, or when it finished and its tags were not read.

The end-to-end tests create the job in the simulator over HTTP as the earlier release's ``apply``
did and run ``status`` through the CLI; the rule's refusals are shown with literal observations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.kinds import Kind
from gitops_sm.model import DesiredResource
from gitops_sm.plan.health import Health, assess, spec_job
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import Dialect, create_under_previous_name, job_manifest, run_cli, write_spec
from tests.literals import REGION, observed, observed_job, our_tags

JOB_SECONDS = 600.0
ADDRESS = "TrainingJob/default/train"


def _spec(root: Path) -> DesiredResource:
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    (res,) = load_specs(root).resources
    return res


def _status(root: Path) -> tuple[int, dict[str, Any], str]:
    as_json = run_cli("status", root, "--output", "json")
    (row,) = json.loads(as_json.stdout)["resources"]
    return as_json.exit_code, row, run_cli("status", root, "--output", "text").stdout


@pytest.fixture
def slow(sandbox_timing: Callable[..., None]) -> None:
    sandbox_timing(job_seconds=JOB_SECONDS, endpoint_seconds=60)


def test_a_running_job_under_its_earlier_name_is_reported_progressing_under_that_name(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], slow: None
) -> None:
    res = _spec(tmp_path / "specs")
    legacy = create_under_previous_name(boto_client("sagemaker"), res)

    code, row, text = _status(tmp_path / "specs")

    assert code == 0
    assert (row["names"]["job"], row["health"], row["status"], row["sync"]) == (
        legacy, "progressing", "InProgress", "Progressing"
    )
    assert row["message"] == "" and row["progress"]["secondary_status"] is not None
    assert legacy in text and res.names["job"] not in text and "not created" not in text


def test_a_finished_job_under_its_earlier_name_is_reported_synced_and_healthy_under_that_name(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], slow: None
) -> None:
    res = _spec(tmp_path / "specs")
    legacy = create_under_previous_name(boto_client("sagemaker"), res)
    aws_env.advance_clock(JOB_SECONDS + 1)

    code, row, text = _status(tmp_path / "specs")

    assert code == 0
    assert (row["names"]["job"], row["health"], row["status"], row["sync"]) == (
        legacy, "healthy", "Completed", "Synced"
    )
    assert row["details"]["creation_time"] is not None and row["details"]["model_artifacts"]  # described
    assert f"{ADDRESS}  {legacy}" in text and "1 resource: 1 healthy." in text


# --------------------------------------------------------------------------- the rule, with literals


def test_the_job_under_the_spec_s_own_name_is_its_job_before_any_earlier_name(tmp_path: Path) -> None:
    res = _spec(tmp_path)
    own = observed_job(res.names["job"], "InProgress", tags=our_tags(ADDRESS, res.spec_hash))
    legacy = observed_job(res.previous_names[0], "Completed", tags=our_tags(ADDRESS, res.spec_hash))

    assert spec_job(res=res, region=REGION, get=observed(own, legacy).get) == own
    assert spec_job(res=res, region=REGION, get=observed(legacy).get) == legacy


@pytest.mark.parametrize(
    ("status", "tags_for"),
    [
        ("Completed", lambda res: our_tags("TrainingJob/team-b/train", res.spec_hash)),  # another address's
        ("Completed", lambda res: our_tags(ADDRESS, "0000000000000000")),  # another spec of this address
        ("Completed", lambda res: {"team": "ml"}),  # not ours at all
        ("InProgress", lambda res: None),  # running, tags unread: nothing proves whose it is
    ],
)
def test_a_job_under_an_earlier_name_that_is_not_provably_this_spec_s_is_not_its_job(
    tmp_path: Path, status: str, tags_for: Callable[[DesiredResource], dict[str, str] | None]
) -> None:
    res = _spec(tmp_path)
    state = observed(observed_job(res.previous_names[0], status, tags=tags_for(res)))

    assert spec_job(res=res, region=REGION, get=state.get) is None
    assert assess(res, state, region=REGION).health is Health.MISSING
