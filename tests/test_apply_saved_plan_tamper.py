"""`apply PLANFILE` runs a saved plan only when it is exactly what planning now gives (issue 7 item 1).

The tamper corpus: each case edits a real plan file written by ``plan --out`` (a training job and a
HostingDeployment, against the simulator over HTTP), then ``apply`` must refuse it (exit 1, the first
differing step named) with no mutating request reaching the simulator (it records every request
it receives) and no request at all reaching a foreign host. The untampered file applies, so each
refusal is about the edit.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.sandbox import SandboxServer
from tests.foreign_server import ForeignServer, foreign_server
from tests.jobspecs import run_cli
from tests.manifests import hosting_deployment, valid_training_job, write_spec_files

Tamper = Callable[[dict[str, Any], str], dict[str, Any]]
READS = ("List", "Describe")


def _steps(data: dict[str, Any], call: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for change in data["resource_changes"]:
        for step in change["steps"]:
            if step["call"] == call:
                yield change, step


def _one(data: dict[str, Any], call: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return next(_steps(data, call))


def _role(data: dict[str, Any], _: str) -> dict[str, Any]:
    _one(data, "CreateTrainingJob")[1]["params"]["RoleArn"] = "arn:aws:iam::999999999999:role/attacker"
    return data


def _instance_type(data: dict[str, Any], _: str) -> dict[str, Any]:
    _one(data, "CreateEndpointConfig")[1]["params"]["ProductionVariants"][0]["InstanceType"] = "ml.p4d.24xlarge"
    return data


def _max_runtime(data: dict[str, Any], _: str) -> dict[str, Any]:
    _one(data, "CreateTrainingJob")[1]["params"]["StoppingCondition"]["MaxRuntimeInSeconds"] = 432000
    return data


def _extra_iam_step(data: dict[str, Any], _: str) -> dict[str, Any]:
    change, step = _one(data, "CreateTrainingJob")
    change["steps"].append({"service": "iam", "call": "CreateUser", "region": step["region"], "target": "backdoor",
                            "params": {"UserName": "backdoor"}})
    return data


def _inserted_delete_model(data: dict[str, Any], _: str) -> dict[str, Any]:
    change, step = _one(data, "CreateModel")
    change["steps"].insert(0, {"service": "sagemaker", "call": "DeleteModel", "region": step["region"],
                               "target": "someone-elses-model", "params": {"ModelName": "someone-elses-model"}})
    return data


def _inserted_delete_endpoint(data: dict[str, Any], _: str) -> dict[str, Any]:
    change, step = _one(data, "CreateTrainingJob")
    change["steps"].append({"service": "sagemaker", "call": "DeleteEndpoint", "region": step["region"],
                            "target": "prod", "params": {"EndpointName": "prod"}})
    return data


def _foreign_service(data: dict[str, Any], _: str) -> dict[str, Any]:
    _one(data, "CreateModel")[1]["service"] = "sagemaker-runtime"
    return data


def _foreign_endpoint(data: dict[str, Any], url: str) -> dict[str, Any]:
    for change in data["resource_changes"]:
        for step in change["steps"]:
            step["endpoint_url"] = url
    return data


def _reordered(data: dict[str, Any], _: str) -> dict[str, Any]:
    change, _step = _one(data, "CreateEndpoint")
    change["steps"].reverse()
    return data


def _changed_target(data: dict[str, Any], _: str) -> dict[str, Any]:
    step = _one(data, "CreateTrainingJob")[1]
    step["target"] = step["params"]["TrainingJobName"] = "prod-training-job"
    return data


def _changed_region(data: dict[str, Any], _: str) -> dict[str, Any]:
    _one(data, "CreateTrainingJob")[1]["region"] = "eu-west-1"
    return data


def _dropped_step(data: dict[str, Any], _: str) -> dict[str, Any]:
    change, _step = _one(data, "CreateEndpoint")
    change["steps"].pop(0)  # the endpoint would be created before its model exists
    return data


def _dropped_change(data: dict[str, Any], _: str) -> dict[str, Any]:
    data["resource_changes"].pop()
    return data


def _changed_tags(data: dict[str, Any], _: str) -> dict[str, Any]:
    params = _one(data, "CreateTrainingJob")[1]["params"]
    params["Tags"] = [t for t in params["Tags"] if not t["Key"].startswith("gitops-sm/")]
    return data


def _changed_actions(data: dict[str, Any], _: str) -> dict[str, Any]:
    _one(data, "CreateTrainingJob")[0]["actions"] = ["no-op"]
    return data


TAMPERS: dict[str, Tamper] = {
    "changed RoleArn": _role,
    "changed instance type": _instance_type,
    "changed MaxRuntimeInSeconds": _max_runtime,
    "extra step, foreign service (iam CreateUser)": _extra_iam_step,
    "inserted DeleteModel of a model we do not own": _inserted_delete_model,
    "inserted DeleteEndpoint": _inserted_delete_endpoint,
    "step moved to another service": _foreign_service,
    "foreign endpoint_url on every step": _foreign_endpoint,
    "reordered steps": _reordered,
    "changed target and name": _changed_target,
    "changed region": _changed_region,
    "dropped step": _dropped_step,
    "dropped change": _dropped_change,
    "ownership tags removed": _changed_tags,
    "changed actions": _changed_actions,
}


@pytest.fixture
def saved_plan(aws_env: SandboxServer, tmp_path: Path) -> tuple[Path, dict[str, Any], str]:
    root = write_spec_files(tmp_path / "specs", {
        "job.yaml": valid_training_job("tj"),
        "web.yaml": hosting_deployment("web"),
    })
    out = tmp_path / "plan.json"
    planned = run_cli("plan", root, "--out", out, "-o", "json")
    assert planned.exit_code == 0, planned.output
    return out, json.loads(out.read_text()), planned.stdout


def _apply(path: Path, sandbox: SandboxServer) -> tuple[Any, list[str]]:
    sandbox.clear_requests()
    result = run_cli("apply", path)
    return result, [r.operation for r in sandbox.requests]


@pytest.mark.parametrize("name", list(TAMPERS))
def test_a_tampered_plan_is_refused_with_no_mutating_call(
    name: str, saved_plan: tuple[Path, dict[str, Any], str], aws_env: SandboxServer, tmp_path: Path
) -> None:
    _, data, _ = saved_plan
    with foreign_server() as foreign:
        tampered = TAMPERS[name](copy.deepcopy(data), foreign.url)
        assert tampered != data
        path = tmp_path / "tampered.json"
        path.write_text(json.dumps(tampered))

        result, operations = _apply(path, aws_env)

        assert foreign.requests == []
    assert result.exit_code == 1, result.output
    assert "not what planning the same specs gives now" in result.output
    assert "nothing was applied" in result.output
    assert all(op.startswith(READS) for op in operations), operations


def test_the_refusal_names_the_first_differing_step_and_field(
    saved_plan: tuple[Path, dict[str, Any], str], aws_env: SandboxServer, tmp_path: Path
) -> None:
    _, data, _ = saved_plan
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(_instance_type(copy.deepcopy(data), "")))

    result, _ops = _apply(path, aws_env)

    change, step = _one(data, "CreateEndpointConfig")
    index = change["steps"].index(step) + 1
    assert (f"{change['address']}: step {index} of {len(change['steps'])} (sagemaker CreateEndpointConfig "
            f"{step['target']}) differs from planning now in params.ProductionVariants[0].InstanceType") in result.output
    assert "ml.p4d.24xlarge" not in result.output  # fields are named, values never echoed


@pytest.mark.parametrize("variant", ["redacted key deleted", "redacted key false"])
def test_the_redacted_json_output_is_refused_even_without_its_redacted_key(
    variant: str, saved_plan: tuple[Path, dict[str, Any], str], aws_env: SandboxServer, tmp_path: Path
) -> None:
    _, _, stdout = saved_plan
    shown = json.loads(stdout)
    assert shown["redacted"] is True
    if variant == "redacted key deleted":
        del shown["redacted"]
    else:
        shown["redacted"] = False
    # Something secret so the redacted output really differs from the plan: an API token.
    path = tmp_path / "shown.json"
    for _change, step in _steps(shown, "CreateTrainingJob"):
        step["params"]["HyperParameters"] = {"api_token": "(sensitive)"}
    path.write_text(json.dumps(shown))

    result, operations = _apply(path, aws_env)

    assert result.exit_code == 1
    assert "redacted plan printed by --output json" in result.output
    assert operations == []  # refused on reading, before any call


def test_the_untampered_plan_file_applies(
    saved_plan: tuple[Path, dict[str, Any], str], aws_env: SandboxServer
) -> None:
    path, _, _ = saved_plan

    result, operations = _apply(path, aws_env)

    assert result.exit_code == 0, result.output
    assert {"CreateTrainingJob", "CreateModel", "CreateEndpointConfig", "CreateEndpoint"} <= set(operations)


def test_a_file_pointing_at_specs_outside_its_reach_is_refused(
    saved_plan: tuple[Path, dict[str, Any], str], aws_env: SandboxServer, tmp_path: Path
) -> None:
    """The spec root decides every call, so a file may only name one below the working directory
    or beside itself: the same untampered file, moved to a directory the specs are not under, is
    refused before any request; back beside them it applies."""
    path, data, _ = saved_plan
    moved = tmp_path / "elsewhere" / "plan.json"
    moved.parent.mkdir()
    moved.write_text(json.dumps(data))

    result, operations = _apply(moved, aws_env)

    assert result.exit_code == 1, result.output
    assert f"the plan's spec root {data['source']['path']} is outside the working directory" in result.output
    assert operations == []

    applied, operations = _apply(path, aws_env)

    assert applied.exit_code == 0, applied.output
    assert "CreateTrainingJob" in operations


def test_foreign_server_fixture_records_what_reaches_it() -> None:
    import urllib.request

    with foreign_server() as foreign:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(foreign.url + "/probe", timeout=5)
        assert [r["path"] for r in foreign.requests] == ["/probe"]
    assert isinstance(foreign, ForeignServer)
