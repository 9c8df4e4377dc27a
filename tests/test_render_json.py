"""The plan JSON renderer: the public, versioned contract that CI scripts parse and apply executes."""

from __future__ import annotations

import json

from gitops_sm.model import (
    Action,
    Issue,
    Plan,
    PlanSource,
    ResourceChange,
    SkippedDocument,
    SourceLocation,
    Step,
)
from gitops_sm.plan.render import render_plan_json


def _plan() -> Plan:
    secret_env = {"DB_PASSWORD": "hunter2", "MODE": "batch"}
    return Plan(
        source=PlanSource(path="examples/repo", commit="0123456789abcdef", specs_digest="sha256:aa"),
        observed_digest="sha256:bb",
        options={"prune": False},
        resource_changes=(
            ResourceChange(
                address="ProcessingJob/fraud/features",
                kind="ProcessingJob",
                api_version="sagemaker.services.k8s.aws/v1alpha1",
                source=SourceLocation(path="teams/fraud/features.yaml", line=3),
                region="us-east-1",
                names={"job": "fraud-features-2024-06"},
                actions=(Action.CREATE,),
                reason="no processing job with this spec exists",
                after={"Environment": secret_env},
                steps=(
                    Step(
                        service="sagemaker",
                        call="CreateProcessingJob",
                        region="us-east-1",
                        target="fraud-features-2024-06",
                        params={"ProcessingJobName": "fraud-features-2024-06", "Environment": secret_env},
                        endpoint_url="https://sagemaker.us-east-1.amazonaws.com",
                    ),
                ),
            ),
            ResourceChange(
                address="Endpoint/fraud/scoring",
                kind="Endpoint",
                api_version="sagemaker.services.k8s.aws/v1alpha1",
                source=None,
                region="us-east-1",
                names={"endpoint": "scoring"},
                actions=(Action.DELETE,),
                reason="left git",
                before={"EndpointConfigName": "scoring-1"},
                depends_on=("ScalingPolicy/fraud/scoring",),
                steps=(
                    Step(
                        service="sagemaker",
                        call="DeleteEndpoint",
                        region="us-east-1",
                        target="scoring",
                        params={"EndpointName": "scoring"},
                    ),
                ),
            ),
        ),
        errors=(
            Issue(
                source=SourceLocation(path="bad.yaml", line=2),
                address=None,
                path="",
                message="could not parse YAML",
            ),
        ),
        skipped=(
            SkippedDocument(
                source=SourceLocation(path="cm.yaml", line=1),
                api_version="v1",
                kind="ConfigMap",
                reason="not ours",
            ),
        ),
    )


def test_json_is_exactly_the_plan_dict_and_round_trips() -> None:
    plan = _plan()
    text = render_plan_json(plan)
    data = json.loads(text)
    assert data == plan.to_dict()
    assert Plan.from_dict(data).to_dict() == plan.to_dict()
    # Rendering is deterministic: the same plan gives byte-identical text (plan files are diffed).
    assert render_plan_json(Plan.from_dict(data)) == text


def test_json_has_the_documented_shape_in_a_stable_order() -> None:
    data = json.loads(render_plan_json(_plan()))
    assert list(data) == [
        "format_version",
        "source",
        "observed_digest",
        "options",
        "summary",
        "resource_changes",
        "errors",
        "skipped",
    ]
    assert data["format_version"] == 1
    assert data["source"] == {
        "path": "examples/repo",
        "commit": "0123456789abcdef",
        "specs_digest": "sha256:aa",
    }
    change = data["resource_changes"][0]
    for key in (
        "address",
        "kind",
        "api_version",
        "source",
        "names",
        "actions",
        "reason",
        "before",
        "after",
        "depends_on",
        "steps",
    ):
        assert key in change
    assert change["source"] == "teams/fraud/features.yaml:3"
    assert change["actions"] == ["create"]
    step = change["steps"][0]
    assert {"call", "service", "region", "target", "params"} <= set(step)
    assert data["resource_changes"][1]["depends_on"] == ["ScalingPolicy/fraud/scoring"]
    assert data["errors"] == [
        {"source": "bad.yaml:2", "address": None, "path": "", "message": "could not parse YAML"}
    ]
    assert data["summary"]["create"] == 1 and data["summary"]["delete"] == 1
    assert data["skipped"][0]["kind"] == "ConfigMap"


def test_json_is_never_redacted_because_apply_runs_it() -> None:
    data = json.loads(render_plan_json(_plan()))
    assert data["resource_changes"][0]["steps"][0]["params"]["Environment"]["DB_PASSWORD"] == "hunter2"
    assert "(sensitive)" not in render_plan_json(_plan())


def test_stdout_json_is_redacted_and_marked_so_apply_refuses_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json as _json

    import pytest

    from gitops_sm import app
    from gitops_sm.errors import PlanError
    from gitops_sm.model import Action as _Action
    from gitops_sm.model import Plan, PlanSource, ResourceChange, Step

    step = Step(service="sagemaker", call="CreateProcessingJob", region="us-east-1", target="feat-1",
                params={"Environment": {"DB_PASSWORD": "hunter2", "MODE": "fast"}})
    change = ResourceChange(address="ProcessingJob/default/feat", kind="ProcessingJob", api_version=None, source=None,
                            region="us-east-1", names={"job": "feat-1"}, actions=(_Action.CREATE,), reason="new",
                            steps=(step,))
    plan = Plan(source=PlanSource(path="specs", commit=None, specs_digest="sha256:x"), observed_digest="sha256:y",
                resource_changes=(change,))
    exact = render_plan_json(plan)
    shown = render_plan_json(plan, redacted=True)
    assert "hunter2" in exact and "hunter2" not in shown
    assert _json.loads(shown)["resource_changes"][0]["steps"][0]["params"]["Environment"]["MODE"] == "fast"
    (tmp_path / "shown.json").write_text(shown)
    with pytest.raises(PlanError, match="plan --out"):
        app.read_plan_file(tmp_path / "shown.json")
    assert app.read_plan_file(_write(tmp_path / "exact.json", exact)).to_dict() == plan.to_dict()


def _write(path, text):  # type: ignore[no-untyped-def]
    path.write_text(text)
    return path
