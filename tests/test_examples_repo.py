"""The example repository end to end: what a newcomer runs first after installing gitops-sm.

``gitops-sm validate examples/repo`` and ``gitops-sm plan --sandbox examples/repo`` run as real
subprocesses of the installed console script (the README's commands); the JSON listing of every
document goes through click's CliRunner. The sandbox run happens in ``tmp_path`` with
``GITOPS_SM_SANDBOX_STATE`` pointing there, so it never leaves state in the project tree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gitops_sm.cli import main

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "examples" / "repo"

# Design section 2: every kind of both dialects and the ACK autoscaling kinds.
DESIGN_KINDS = (
    {
        ("sagemaker.aws.amazon.com/v1", kind)
        for kind in (
            "TrainingJob",
            "HyperparameterTuningJob",
            "BatchTransformJob",
            "HostingDeployment",
            "HostingAutoscalingPolicy",
            "ProcessingJob",
        )
    }
    | {
        ("sagemaker.services.k8s.aws/v1alpha1", kind)
        for kind in (
            "TrainingJob",
            "HyperParameterTuningJob",
            "TransformJob",
            "ProcessingJob",
            "Model",
            "EndpointConfig",
            "Endpoint",
        )
    }
    | {
        ("applicationautoscaling.services.k8s.aws/v1alpha1", kind)
        for kind in ("ScalableTarget", "ScalingPolicy")
    }
)

NOT_SAGEMAKER = {
    ("teams/platform/gitops-sm-cronjob.yaml:4", "v1", "ServiceAccount"),
    ("teams/platform/gitops-sm-cronjob.yaml:12", "batch/v1", "CronJob"),
}
SUMMARY_LINE = re.compile(
    r"^Plan: (?P<create>\d+) to create, (?P<update>\d+) to update, (?P<replace>\d+) to replace, "
    r"(?P<delete>\d+) to delete, (?P<stop>\d+) to stop, (?P<wait>\d+) waiting, (?P<errors>\d+) errors?\.$"
)


def gitops_sm_executable() -> str:
    """The installed console script, preferring the one beside this interpreter (a venv's bin/)."""
    here = str(Path(sys.executable).parent)
    found = shutil.which("gitops-sm", path=here + os.pathsep + os.environ.get("PATH", ""))
    if found is None:
        pytest.fail("the gitops-sm console script is not installed (pip install -e '.[test]')")
    return found


def offline_env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without anything that could reach a real AWS account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "aws-config-absent"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials-absent"),
        NO_COLOR="1",
    )
    return env


def example_documents() -> list[tuple[str, str, str]]:
    """(file, apiVersion, kind) of every YAML document under examples/repo, read independently."""
    found = []
    for path in sorted(EXAMPLES.rglob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                found.append((path.relative_to(EXAMPLES).as_posix(), doc["apiVersion"], doc["kind"]))
    return found


def test_validate_examples_repo_exits_0_as_a_real_subprocess(tmp_path: Path) -> None:
    run = subprocess.run(
        [gitops_sm_executable(), "validate", "examples/repo"],
        cwd=PROJECT,
        env=offline_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[-1] == f"{len(example_documents())} documents: 19 ok, 0 errors, 2 skipped"
    assert sorted(line for line in lines if line.startswith("skipped: ")) == [
        "skipped: teams/platform/gitops-sm-cronjob.yaml:12: batch/v1/CronJob: apiVersion batch/v1 is not managed by gitops-sm",
        "skipped: teams/platform/gitops-sm-cronjob.yaml:4: v1/ServiceAccount: apiVersion v1 is not managed by gitops-sm",
    ]


def test_validate_json_lists_every_document_ok_or_skipped() -> None:
    result = CliRunner().invoke(main, ["validate", "--output", "json", str(EXAMPLES)])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    documents = report["documents"]
    assert report["errors"] == []
    assert report["summary"] == {"ok": 19, "error": 0, "skipped": 2}
    assert Counter(d["status"] for d in documents) == Counter(ok=19, skipped=2)
    # Every document in the tree is listed once, in its file, with its own apiVersion and kind.
    listed = sorted((d["source"].rpartition(":")[0], d["api_version"], d["kind"]) for d in documents)
    assert listed == sorted(example_documents())
    skipped = {(d["source"], d["api_version"], d["kind"]) for d in documents if d["status"] == "skipped"}
    assert skipped == NOT_SAGEMAKER
    assert all(d["reason"] for d in documents if d["status"] == "skipped")
    ok = [d for d in documents if d["status"] == "ok"]
    assert all(d["address"].startswith(d["kind"] + "/") and d["issues"] == [] for d in ok)
    assert len({d["address"] for d in ok}) == len(ok)
    # The README promises every kind of both dialects.
    assert {(d["api_version"], d["kind"]) for d in ok} == DESIGN_KINDS


def test_plan_sandbox_examples_repo_as_a_real_subprocess(tmp_path: Path) -> None:
    state = tmp_path / "state" / "sandbox.state"
    state.parent.mkdir()
    env = offline_env(tmp_path) | {"GITOPS_SM_SANDBOX_STATE": str(state)}
    plan_file = tmp_path / "plan.json"

    run = subprocess.run(
        [gitops_sm_executable(), "plan", "--sandbox", str(EXAMPLES), "--out", str(plan_file)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stdout.splitlines()
    summary = SUMMARY_LINE.match(lines[-1])
    assert summary, lines[-1]
    counts = {k: int(v) for k, v in summary.groupdict().items()}
    # A fresh simulator: everything is created, autoscaling waits for its endpoint, nothing else.
    assert counts == {"create": 15, "update": 0, "replace": 0, "delete": 0, "stop": 0, "wait": 4, "errors": 0}
    assert sum(1 for line in lines if line.startswith("+ ")) == counts["create"]
    assert sum(1 for line in lines if line.startswith("… ")) == counts["wait"]
    assert "Skipped 2 documents that are not SageMaker specs (--verbose lists them)." in lines
    # The simulator kept its state where we asked, not in the working directory.
    assert state.is_file()
    assert not (tmp_path / ".gitops-sm-sandbox.state").exists()

    the_plan = json.loads(plan_file.read_text(encoding="utf-8"))
    assert the_plan["summary"]["create"] == counts["create"] and the_plan["summary"]["wait"] == counts["wait"]
    assert len(the_plan["resource_changes"]) == 19
    waiting = {c["kind"] for c in the_plan["resource_changes"] if c["actions"] == ["wait"]}
    assert waiting == {"HostingAutoscalingPolicy", "ScalableTarget", "ScalingPolicy"}
