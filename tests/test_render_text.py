"""The terminal plan renderer: exact plain text off a TTY, a rich table on one, summary lines."""

from __future__ import annotations

import io

from rich.console import Console

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
from gitops_sm.plan.render import plan_summary_line, render_plan_text

V1 = "sagemaker.aws.amazon.com/v1"


def _loc(path: str, line: int) -> SourceLocation:
    return SourceLocation(path=path, line=line)


def _step(call: str, target: str, **params: object) -> Step:
    service = "application-autoscaling" if call.endswith(("ScalableTarget", "ScalingPolicy")) else "sagemaker"
    return Step(service=service, call=call, region="us-east-1", target=target, params=params)


def _change(address: str, action: Action | tuple[Action, ...], **kw: object) -> ResourceChange:
    actions = action if isinstance(action, tuple) else (action,)
    defaults: dict[str, object] = {
        "kind": address.split("/")[0],
        "api_version": V1,
        "source": None,
        "region": "us-east-1",
        "names": {},
        "reason": "",
    }
    defaults.update(kw)
    return ResourceChange(address=address, actions=actions, **defaults)  # type: ignore[arg-type]


def _plan(
    *changes: ResourceChange, errors: tuple[Issue, ...] = (), skipped: tuple[SkippedDocument, ...] = ()
) -> Plan:
    return Plan(
        source=PlanSource(path="examples/repo", commit="0123456789abcdef", specs_digest="sha256:aa"),
        observed_digest="sha256:bb",
        resource_changes=changes,
        errors=errors,
        skipped=skipped,
    )


def _mixed_plan() -> Plan:
    return _plan(
        _change(
            "TrainingJob/fraud/xgboost-fraud",
            Action.CREATE,
            source=_loc("teams/fraud/training.yaml", 1),
            names={"job": "xgboost-fraud-1a2b3c4d"},
            reason="no training job with this spec exists",
            steps=(
                _step(
                    "CreateTrainingJob", "xgboost-fraud-1a2b3c4d", TrainingJobName="xgboost-fraud-1a2b3c4d"
                ),
            ),
        ),
        _change(
            "HostingDeployment/fraud/fraud-scoring",
            Action.UPDATE,
            source=_loc("teams/fraud/hosting.yaml", 12),
            names={"endpoint": "fraud-scoring", "endpoint_config": "fraud-scoring-9f8e7d6c"},
            reason="drift",
            before={"ProductionVariants": [{"VariantName": "champion", "InstanceType": "ml.m5.large"}]},
            after={
                "ProductionVariants": [{"VariantName": "champion", "InstanceType": "ml.m5.xlarge"}],
                "KmsKeyId": "k",
            },
            steps=(
                _step("CreateEndpointConfig", "fraud-scoring-9f8e7d6c"),
                _step("UpdateEndpoint", "fraud-scoring", EndpointConfigName="fraud-scoring-9f8e7d6c"),
            ),
        ),
        _change(
            "TrainingJob/search/ranker",
            (Action.REPLACE, Action.STOP),
            source=_loc("teams/search/ranker.yaml", 3),
            names={"job": "ranker-0badc0de"},
            reason="spec changed; old job ranker-11111111 still InProgress",
            steps=(
                _step("CreateTrainingJob", "ranker-0badc0de"),
                _step("StopTrainingJob", "ranker-11111111"),
            ),
        ),
        _change(
            "Endpoint/search/ranker",
            Action.WAIT,
            source=_loc("teams/search/endpoint.yaml", 1),
            names={"endpoint": "ranker"},
            reason="endpoint is Updating",
            depends_on=("EndpointConfig/search/ranker",),
        ),
        _change(
            "ProcessingJob/platform/prep",
            Action.NOOP,
            source=_loc("teams/platform/prep.yaml", 1),
            names={"job": "prep-12345678"},
            reason="Completed",
        ),
        _change(
            "TrainingJob/search/broken",
            Action.ERROR,
            source=_loc("teams/search/broken.yaml", 1),
            reason="invalid spec",
        ),
        errors=(
            Issue(
                source=_loc("teams/search/broken.yaml", 14),
                address="TrainingJob/search/broken",
                path="spec.resourceConfig.instanceCount",
                message="Invalid type for parameter, value: one, type: <class 'str'>, valid types: <class 'int'>",
            ),
        ),
        skipped=(
            SkippedDocument(
                source=_loc("teams/platform/configmap.yaml", 1),
                api_version="v1",
                kind="ConfigMap",
                reason="not a SageMaker apiVersion",
            ),
        ),
    )


def _plain(plan: Plan, *, verbose: bool = False, color: bool = False) -> str:
    console = Console(file=io.StringIO(), force_terminal=False, width=120)
    render_plan_text(plan, console=console, color=color, verbose=verbose)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


EXPECTED_PLAIN = """\
gitops-sm will perform these actions:

+ TrainingJob/fraud/xgboost-fraud (teams/fraud/training.yaml:1)
    sagemaker: xgboost-fraud-1a2b3c4d (job)
    reason: no training job with this spec exists
    will call CreateTrainingJob xgboost-fraud-1a2b3c4d in us-east-1

~ HostingDeployment/fraud/fraud-scoring (teams/fraud/hosting.yaml:12)
    sagemaker: fraud-scoring (endpoint)
               fraud-scoring-9f8e7d6c (endpoint_config)
    reason: drift
    + KmsKeyId: "k"
    ~ ProductionVariants[0].InstanceType: "ml.m5.large" -> "ml.m5.xlarge"
    will call CreateEndpointConfig fraud-scoring-9f8e7d6c in us-east-1
    will call UpdateEndpoint fraud-scoring in us-east-1

-/+ TrainingJob/search/ranker (teams/search/ranker.yaml:3) [replace, stop]
    sagemaker: ranker-0badc0de (job)
    reason: spec changed; old job ranker-11111111 still InProgress
    will call CreateTrainingJob ranker-0badc0de in us-east-1
    will call StopTrainingJob ranker-11111111 in us-east-1

… Endpoint/search/ranker (teams/search/endpoint.yaml:1)
    sagemaker: ranker (endpoint)
    reason: endpoint is Updating

x TrainingJob/search/broken (teams/search/broken.yaml:1)
    reason: invalid spec

1 resource unchanged (--verbose lists them).

Errors:
  teams/search/broken.yaml:14: TrainingJob/search/broken: spec.resourceConfig.instanceCount: Invalid type for parameter, value: one, type: <class 'str'>, valid types: <class 'int'>

Skipped 1 document that is not a SageMaker spec (--verbose lists them).

Plan: 1 to create, 1 to update, 1 to replace, 0 to delete, 1 to stop, 1 waiting, 1 error.
"""


def test_plain_text_is_terraform_like_and_exact() -> None:
    assert _plain(_mixed_plan()) == EXPECTED_PLAIN


def test_colour_requested_off_a_terminal_still_writes_no_ansi_codes() -> None:
    out = _plain(_mixed_plan(), color=True)
    assert "\x1b[" not in out
    assert out == EXPECTED_PLAIN


def test_verbose_lists_unchanged_skipped_dependencies_and_step_parameters() -> None:
    out = _plain(_mixed_plan(), verbose=True)
    assert (
        "Unchanged (1):\n  ProcessingJob/platform/prep (teams/platform/prep.yaml:1): prep-12345678: Completed\n"
        in out
    )
    assert (
        "Skipped 1 document that is not a SageMaker spec:\n"
        "  teams/platform/configmap.yaml:1: v1/ConfigMap: not a SageMaker apiVersion\n"
    ) in out
    assert "    reason: endpoint is Updating\n    after: EndpointConfig/search/ranker\n" in out
    assert (
        "    will call UpdateEndpoint fraud-scoring in us-east-1\n"
        "      params:\n"
        "        EndpointConfigName: fraud-scoring-9f8e7d6c\n"
    ) in out
    assert "--verbose lists them" not in out


def test_no_changes_prints_one_reassuring_line() -> None:
    plan = _plan(
        _change(
            "TrainingJob/fraud/a",
            Action.NOOP,
            source=_loc("a.yaml", 1),
            names={"job": "a-1"},
            reason="Completed",
        ),
        _change(
            "TrainingJob/fraud/b",
            Action.NOOP,
            source=_loc("b.yaml", 1),
            names={"job": "b-1"},
            reason="Completed",
        ),
    )
    assert (
        _plain(plan)
        == "2 resources unchanged (--verbose lists them).\n\nNo changes. SageMaker matches the specs.\n"
    )
    assert _plain(_plan()) == "No changes. SageMaker matches the specs.\n"


def test_error_change_without_a_matching_issue_is_listed_as_a_located_error() -> None:
    plan = _plan(
        _change(
            "HostingAutoscalingPolicy/fraud/hap",
            Action.ERROR,
            source=_loc("teams/fraud/hap.yaml", 7),
            reason="endpoint fraud-scoring is owned by someone else",
        )
    )
    out = _plain(plan)
    assert (
        "Errors:\n  teams/fraud/hap.yaml:7: HostingAutoscalingPolicy/fraud/hap: endpoint fraud-scoring is owned by someone else\n"
        in out
    )
    assert out.endswith(
        "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 0 to stop, 0 waiting, 1 error.\n"
    )


def test_summary_line_counts_each_action_and_pluralises_errors() -> None:
    plan = _plan(
        _change("TrainingJob/a/x", Action.CREATE),
        _change("TrainingJob/a/y", Action.CREATE),
        _change("Endpoint/a/z", Action.DELETE),
        _change("Endpoint/a/w", Action.WAIT),
        errors=(
            Issue(source=_loc("f.yaml", 1), address=None, path="", message="bad YAML"),
            Issue(source=_loc("g.yaml", 2), address=None, path="", message="bad YAML"),
        ),
    )
    assert plan_summary_line(plan) == (
        "Plan: 2 to create, 0 to update, 0 to replace, 1 to delete, 0 to stop, 1 waiting, 2 errors."
    )


def test_a_terminal_gets_a_summary_table_and_colour_only_when_asked() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120, color_system="standard")
    render_plan_text(_mixed_plan(), console=console, color=False)
    plain_tty = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[" not in plain_tty
    table = plain_tty[plain_tty.index("Plan summary") :]
    header = next(line for line in table.splitlines() if "Address" in line)
    assert header.split() == ["Address", "SageMaker", "name", "Reason", "Source"]
    # One row per change that is not a no-op, in plan order.
    rows = [
        line.split()[0]
        for line in table.splitlines()[3:]
        if line.strip() and line.startswith("  ") and line[2] != " "
    ]
    assert rows == ["+", "~", "-/+", "…", "x"]
    assert "prep-12345678" not in table

    coloured = Console(file=io.StringIO(), force_terminal=True, width=120, color_system="standard")
    render_plan_text(_mixed_plan(), console=coloured, color=True)
    assert "\x1b[" in coloured.file.getvalue()  # type: ignore[attr-defined]


def test_qualified_name_roles_read_as_what_they_are_for() -> None:
    rid = "endpoint/fraud-scoring/variant/champion"
    plan = _plan(
        _change(
            "HostingAutoscalingPolicy/fraud/hap",
            Action.CREATE,
            source=_loc("hap.yaml", 1),
            names={f"target:{rid}": rid, f"policy:{rid}": "SageMakerEndpointInvocationScalingPolicy"},
        ),
        _change(
            "HostingDeployment/fraud/fraud-scoring",
            Action.CREATE,
            source=_loc("hd.yaml", 1),
            names={"endpoint": "fraud-scoring", "model:champion": "fraud-scoring-champion-71df3f12"},
        ),
    )
    out = _plain(plan)
    assert (
        "    sagemaker: endpoint/fraud-scoring/variant/champion (target)\n"
        "               SageMakerEndpointInvocationScalingPolicy (policy for endpoint/fraud-scoring/variant/champion)\n"
    ) in out
    assert (
        "    sagemaker: fraud-scoring (endpoint)\n               fraud-scoring-champion-71df3f12 (model for champion)\n"
    ) in out

    console = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    render_plan_text(plan, console=console, color=False)
    table = console.file.getvalue()  # type: ignore[attr-defined]
    table = table[table.index("Plan summary") :]
    assert "fraud-scoring (+1 more)" in table


def test_verbose_requests_are_indented_yaml_one_field_per_line_with_secrets_redacted() -> None:
    step = _step(
        "CreateTrainingJob", "churn-1a2b3c4d",
        TrainingJobName="churn-1a2b3c4d",
        AlgorithmSpecification={"TrainingImage": "123.dkr.ecr.us-east-1.amazonaws.com/xgb:1", "TrainingInputMode": "File"},
        HyperParameters={"max_depth": "6", "DB_PASSWORD": "hunter2"},
        Tags=[{"Key": "gitops-sm/managed-by", "Value": "gitops-sm"}],
    )  # fmt: skip
    plan = _plan(_change("TrainingJob/fraud/churn", Action.CREATE, steps=(step,), source=_loc("churn.yaml", 1)))

    out = _plain(plan, verbose=True)

    block = out.split("    will call CreateTrainingJob churn-1a2b3c4d in us-east-1\n", 1)[1].split("\n\n", 1)[0]
    assert block.splitlines() == [
        "      params:",
        "        AlgorithmSpecification:",
        "          TrainingImage: 123.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
        "          TrainingInputMode: File",
        "        HyperParameters:",
        "          DB_PASSWORD: (sensitive)",
        "          max_depth: '6'",
        "        Tags:",
        "        - Key: gitops-sm/managed-by",
        "          Value: gitops-sm",
        "        TrainingJobName: churn-1a2b3c4d",
    ]
    assert "hunter2" not in out
