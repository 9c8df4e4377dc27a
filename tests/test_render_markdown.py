"""The Markdown plan renderer used for pull-request comments: structure and escaping."""

from __future__ import annotations

from dataclasses import replace

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
from gitops_sm.plan.render import md_code, md_text, render_plan_markdown


def _plan(*changes: ResourceChange, **kw: object) -> Plan:
    return Plan(
        source=PlanSource(path="examples/repo", commit="0123456789abcdef0123", specs_digest="sha256:aa"),
        observed_digest="sha256:bb",
        resource_changes=changes,
        **kw,  # type: ignore[arg-type]
    )


def _create() -> ResourceChange:
    return ResourceChange(
        address="TrainingJob/fraud/xgb",
        kind="TrainingJob",
        api_version="sagemaker.aws.amazon.com/v1",
        source=SourceLocation(path="teams/fraud/train.yaml", line=1),
        region="us-east-1",
        names={"job": "xgb-1a2b3c4d"},
        actions=(Action.CREATE,),
        reason="no training job with this spec exists",
        steps=(
            Step(
                service="sagemaker",
                call="CreateTrainingJob",
                region="us-east-1",
                target="xgb-1a2b3c4d",
                params={"TrainingJobName": "xgb-1a2b3c4d"},
            ),
        ),
    )


EXPECTED = """\
### gitops-sm plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 to stop, 0 waiting, 1 error

Specs: `examples/repo` at `0123456789ab`

| Action | Address | SageMaker name | Reason | Source |
|---|---|---|---|---|
| `+` create | `TrainingJob/fraud/xgb` | `xgb-1a2b3c4d` | no training job with this spec exists | `teams/fraud/train.yaml:1` |

1 resource unchanged.

<details><summary><code>TrainingJob/fraud/xgb</code>: create, 1 API call</summary>

1. `CreateTrainingJob` `xgb-1a2b3c4d` in `us-east-1`

`CreateTrainingJob` parameters:

```json
{
  "TrainingJobName": "xgb-1a2b3c4d"
}
```

</details>

**Errors**

- `teams/x.yaml:3: TrainingJob/x/y: spec.roleArn: missing`

<details><summary>Skipped 1 document that is not a SageMaker spec</summary>

- `cm.yaml:1: v1/ConfigMap: not ours`

</details>

**Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 to stop, 0 waiting, 1 error.**
"""


def test_markdown_comment_has_heading_table_steps_errors_and_skipped() -> None:
    noop = ResourceChange(
        address="TrainingJob/fraud/old",
        kind="TrainingJob",
        api_version=None,
        source=None,
        region="us-east-1",
        names={"job": "old-1"},
        actions=(Action.NOOP,),
        reason="Completed",
    )
    plan = _plan(
        _create(),
        noop,
        errors=(
            Issue(
                source=SourceLocation(path="teams/x.yaml", line=3),
                address="TrainingJob/x/y",
                path="spec.roleArn",
                message="missing",
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
    assert render_plan_markdown(plan) == EXPECTED


def test_no_changes_heading() -> None:
    out = render_plan_markdown(_plan())
    assert out.startswith("### gitops-sm plan: no changes\n")
    assert "| Action |" not in out
    assert out.endswith("**No changes. SageMaker matches the specs.**\n")


def test_pipes_backticks_and_html_in_cells_cannot_break_the_table() -> None:
    change = ResourceChange(
        address="TrainingJob/fraud/a|b",
        kind="TrainingJob",
        api_version=None,
        source=SourceLocation(path="teams/`odd`|dir/t.yaml", line=2),
        region="us-east-1",
        names={"job": "name`with``ticks"},
        actions=(Action.UPDATE,),
        reason="changed `x` | <script>alert(1)</script> *bold*\nsecond line",
    )
    out = render_plan_markdown(_plan(change))
    row = next(line for line in out.splitlines() if "a\\|b" in line)
    # Every literal pipe inside a cell is escaped, so the row still has exactly 6 unescaped pipes.
    unescaped = [i for i, ch in enumerate(row) if ch == "|" and row[i - 1] != "\\"]
    assert len(unescaped) == 6
    assert "```name`with``ticks```" in row
    assert "\\<script\\>" in row and "<script>" not in row
    assert "\\*bold\\*" in row
    assert "<br>second line" in row
    assert "``teams/`odd`\\|dir/t.yaml:2``" in row


def test_code_span_and_text_escaping_helpers() -> None:
    assert md_code("plain") == "`plain`"
    assert md_code("a`b") == "``a`b``"
    assert md_code("`edge`") == "`` `edge` ``"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert md_code("a|b") == "`a|b`"
    assert md_text("a|b_c [x](y) <i> & #1") == "a\\|b\\_c \\[x\\](y) \\<i\\> \\& \\#1"


def test_steps_params_block_survives_triple_backticks_in_values() -> None:
    change = _create()
    step = change.steps[0]
    tricky = replace(change, steps=(replace(step, params={"Command": "echo ```"}),))
    out = render_plan_markdown(_plan(tricky))
    assert "````json\n" in out and "\n````\n" in out


def _big_plan(count: int) -> Plan:
    changes = []
    for n in range(count):
        change = _create()
        name = f"xgb-{n:04d}"
        big = {"TrainingJobName": name, "HyperParameters": {f"p{i}": "x" * 40 for i in range(20)}}
        step = replace(change.steps[0], target=name, params=big)
        changes.append(
            replace(change, address=f"TrainingJob/fraud/{name}", names={"job": name}, steps=(step,))
        )
    return _plan(*changes)


def test_a_large_plan_sheds_parameters_then_details_to_fit_a_comment() -> None:
    plan = _big_plan(40)
    full = render_plan_markdown(plan, max_length=1_000_000)
    assert '"p19": "' in full and "left out" not in full

    steps_only = render_plan_markdown(plan, max_length=len(full) - 1)
    assert len(steps_only) < len(full)
    assert '"p19"' not in steps_only
    assert "1. `CreateTrainingJob` `xgb-0039` in `us-east-1`" in steps_only
    assert "_The step parameters are left out to fit a comment" in steps_only

    table_only = render_plan_markdown(plan, max_length=len(steps_only) - 1)
    assert "<details><summary><code>" not in table_only
    assert "| `+` create | `TrainingJob/fraud/xgb-0039` |" in table_only
    assert "_The per-change steps are left out to fit a comment" in table_only

    tiny = render_plan_markdown(plan, max_length=500)
    assert len(tiny) <= 500
    assert tiny.startswith("### gitops-sm plan: 40 to create")
    assert tiny.endswith("_(comment truncated; the JSON plan has everything)_\n")
