"""Rendering `validate` results: every located error, skipped documents and the summary."""

from __future__ import annotations

import io
import json

from rich.console import Console

from gitops_sm.model import (
    DocumentStatus,
    DocumentStatusKind,
    Issue,
    LoadResult,
    SkippedDocument,
    SourceLocation,
)
from gitops_sm.plan.render import render_validation_json, render_validation_text, validation_summary_line


def _loc(path: str, line: int) -> SourceLocation:
    return SourceLocation(path=path, line=line)


def _result() -> LoadResult:
    bad_count = Issue(
        source=_loc("teams/search/train.yaml", 18),
        address="TrainingJob/search/ranker",
        path="spec.resourceConfig.instanceCount",
        message="Invalid type for parameter, value: two, valid types: int",
    )
    bad_role = Issue(
        source=_loc("teams/search/train.yaml", 9),
        address="TrainingJob/search/ranker",
        path="spec.roleArn",
        message="Missing required parameter",
    )
    bad_yaml = Issue(
        source=_loc("teams/broken.yaml", 4),
        address=None,
        path="",
        message="mapping values are not allowed here",
    )
    skipped = SkippedDocument(
        source=_loc("teams/platform/cm.yaml", 1),
        api_version="v1",
        kind="ConfigMap",
        reason="not a SageMaker apiVersion",
    )
    return LoadResult(
        root="examples/repo",
        resources=(),
        issues=(bad_count, bad_role, bad_yaml),
        skipped=(skipped,),
        documents=(
            DocumentStatus(
                source=_loc("teams/fraud/train.yaml", 1),
                api_version="sagemaker.aws.amazon.com/v1",
                kind="TrainingJob",
                address="TrainingJob/fraud/xgb",
                status=DocumentStatusKind.OK,
            ),
            DocumentStatus(
                source=_loc("teams/search/train.yaml", 1),
                api_version="sagemaker.aws.amazon.com/v1",
                kind="TrainingJob",
                address="TrainingJob/search/ranker",
                status=DocumentStatusKind.ERROR,
                issues=(bad_count, bad_role),
            ),
            DocumentStatus(
                source=_loc("teams/platform/cm.yaml", 1),
                api_version="v1",
                kind="ConfigMap",
                address=None,
                status=DocumentStatusKind.SKIPPED,
                reason="not a SageMaker apiVersion",
            ),
        ),
        specs_digest="sha256:cc",
    )


def test_validation_text_lists_every_located_error_and_counts_failures() -> None:
    console = Console(file=io.StringIO(), force_terminal=False, width=80)
    render_validation_text(_result(), console=console, color=True)
    assert console.file.getvalue() == (  # type: ignore[attr-defined]
        "teams/search/train.yaml:18: TrainingJob/search/ranker: spec.resourceConfig.instanceCount: "
        "Invalid type for parameter, value: two, valid types: int\n"
        "teams/search/train.yaml:9: TrainingJob/search/ranker: spec.roleArn: Missing required parameter\n"
        "teams/broken.yaml:4: mapping values are not allowed here\n"
        "skipped: teams/platform/cm.yaml:1: v1/ConfigMap: not a SageMaker apiVersion\n"
        # Two failures: the ranker document, and the unparsable file that produced no document.
        "3 documents: 1 ok, 2 errors, 1 skipped\n"
    )


def test_all_good_summary() -> None:
    result = _result()
    ok_only = LoadResult(
        root=result.root,
        resources=(),
        issues=(),
        skipped=(),
        documents=result.documents[:1],
        specs_digest="sha256:dd",
    )
    assert validation_summary_line(ok_only) == "1 document: 1 ok, 0 errors, 0 skipped"


def test_validation_json_lists_every_document_with_its_status() -> None:
    data = json.loads(render_validation_json(_result()))
    assert data == _result().to_dict()
    assert [d["status"] for d in data["documents"]] == ["ok", "error", "skipped"]
    assert data["documents"][1]["issues"][1] == {
        "source": "teams/search/train.yaml:9",
        "address": "TrainingJob/search/ranker",
        "path": "spec.roleArn",
        "message": "Missing required parameter",
    }
    assert data["summary"] == {"ok": 1, "error": 1, "skipped": 1}
    assert len(data["errors"]) == 3
