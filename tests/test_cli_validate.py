"""``gitops-sm validate``: offline validation from the command line.

Exit codes (0 clean, 1 any error), the text form (every error as ``file:line: address: path:
message``, skipped documents, a summary line), the JSON form (every document with its status), and
the real upstream manifests in ``../shared/conformance/<peer>/samples``, whose per-folder counts
are the ones pinned in ``tests/test_specs_conformance.py``. Runs through click's CliRunner on real
files in ``tmp_path``, plus one real subprocess of the console script.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from gitops_sm.specs import load_specs
from tests.jobspecs import invoke_cli
from tests.manifests import valid_training_job

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"
PEERS = ("ack-applicationautoscaling", "ack-sagemaker", "original-operator")

# instanceCount, volumeSizeInGB and maxRuntimeInSeconds on lines 14, 16 and 18.
VALID_TRAINING_JOB = valid_training_job("good-job", namespace="fraud")
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n"


@pytest.fixture
def mixed_root(tmp_path: Path) -> Path:
    """Two valid jobs, one job with two field errors, a file of broken YAML and a ConfigMap."""
    root = tmp_path / "specs"
    (root / "teams" / "fraud").mkdir(parents=True)
    (root / "teams" / "fraud" / "train.yaml").write_text(VALID_TRAINING_JOB)
    (root / "teams" / "fraud" / "again.yml").write_text(
        "# a second job\n" + VALID_TRAINING_JOB.replace("good-job", "other-job")
    )
    (root / "teams" / "search").mkdir()
    (root / "teams" / "search" / "ranker.yaml").write_text(
        VALID_TRAINING_JOB.replace("good-job", "ranker")
        .replace("namespace: fraud", "namespace: search")
        .replace("instanceCount: 1", "instanceCount: -2")
        .replace("volumeSizeInGB: 5", 'volumeSizeInGB: "5"')
    )
    (root / "broken.yaml").write_text("apiVersion: v1\nkind: [\n")
    (root / "configmap.yaml").write_text(CONFIG_MAP)
    return root


def test_a_clean_root_exits_0_with_a_summary(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(VALID_TRAINING_JOB)

    result = invoke_cli("validate", str(tmp_path))

    assert result.exit_code == 0
    assert result.output == "1 document: 1 ok, 0 errors, 0 skipped\n"


def test_every_error_is_printed_as_file_line_address_path_message(mixed_root: Path) -> None:
    result = invoke_cli("validate", "--no-color", str(mixed_root))

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "broken.yaml:3: invalid YAML: did not find expected node content (column 1), while parsing a flow node "
        "that started at line 3",
        "teams/search/ranker.yaml:14: TrainingJob/search/ranker: spec.resourceConfig.instanceCount: "
        "must be at least 0, got -2",
        "teams/search/ranker.yaml:16: TrainingJob/search/ranker: spec.resourceConfig.volumeSizeInGB: "
        "expected an integer but YAML read the string '5'; remove the quotes",
        "skipped: configmap.yaml:1: v1/ConfigMap: apiVersion v1 is not managed by gitops-sm",
        "5 documents: 2 ok, 2 errors, 1 skipped",
    ]


def test_json_lists_every_document_with_its_status(mixed_root: Path) -> None:
    result = invoke_cli("validate", "--output", "json", str(mixed_root))

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    by_source = {d["source"]: (d["status"], d["address"]) for d in report["documents"]}
    assert by_source == {
        "broken.yaml:3": ("error", None),  # an unparsable file is listed where parsing failed
        "configmap.yaml:1": ("skipped", None),
        "teams/fraud/again.yml:2": ("ok", "TrainingJob/fraud/other-job"),
        "teams/fraud/train.yaml:1": ("ok", "TrainingJob/fraud/good-job"),
        "teams/search/ranker.yaml:1": ("error", "TrainingJob/search/ranker"),
    }
    assert report["summary"] == {"ok": 2, "error": 2, "skipped": 1}
    assert {(e["source"], e["address"], e["path"]) for e in report["errors"]} == {
        ("broken.yaml:3", None, ""),
        ("teams/search/ranker.yaml:14", "TrainingJob/search/ranker", "spec.resourceConfig.instanceCount"),
        ("teams/search/ranker.yaml:16", "TrainingJob/search/ranker", "spec.resourceConfig.volumeSizeInGB"),
    }
    ranker = next(d for d in report["documents"] if d["address"] == "TrainingJob/search/ranker")
    assert [i["path"] for i in ranker["issues"]] == [
        "spec.resourceConfig.instanceCount",
        "spec.resourceConfig.volumeSizeInGB",
    ]
    skipped = next(d for d in report["documents"] if d["status"] == "skipped")
    assert (skipped["api_version"], skipped["kind"]) == ("v1", "ConfigMap") and skipped["reason"]
    assert report["specs_digest"] == load_specs(mixed_root).specs_digest


def test_the_remove_the_quotes_hint_is_given_only_when_it_would_help(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(
        VALID_TRAINING_JOB.replace("instanceCount: 1", 'instanceCount: "2"')
        .replace("volumeSizeInGB: 5", 'volumeSizeInGB: "five"')
        .replace("maxRuntimeInSeconds: 86400", "maxRuntimeInSeconds: one-day")
    )

    result = invoke_cli("validate", "--no-color", str(tmp_path))

    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "job.yaml:14: TrainingJob/fraud/good-job: spec.resourceConfig.instanceCount: "
        "expected an integer but YAML read the string '2'; remove the quotes",
        # Unquoted, `five` is still a string: the hint would send the user round in a circle.
        "job.yaml:16: TrainingJob/fraud/good-job: spec.resourceConfig.volumeSizeInGB: "
        "expected an integer but YAML read the string 'five'",
        # Not quoted at all: there are no quotes to remove.
        "job.yaml:18: TrainingJob/fraud/good-job: spec.stoppingCondition.maxRuntimeInSeconds: "
        "expected an integer but YAML read the string 'one-day'",
    ]


def test_json_of_a_clean_root_exits_0_and_has_no_errors(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(VALID_TRAINING_JOB)
    (tmp_path / "configmap.yaml").write_text(CONFIG_MAP)

    result = invoke_cli("validate", "-o", "json", str(tmp_path))

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert sorted(d["status"] for d in report["documents"]) == ["ok", "skipped"]


def test_a_single_file_can_be_validated(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(VALID_TRAINING_JOB.replace("instanceCount: 1", "instanceCount: x"))

    result = invoke_cli("validate", str(tmp_path / "job.yaml"))

    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(
        "job.yaml:14: TrainingJob/fraud/good-job: spec.resourceConfig.instanceCount: "
    )


def test_a_missing_spec_root_is_a_one_line_error(tmp_path: Path) -> None:
    result = invoke_cli("validate", str(tmp_path / "nowhere"))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == f"Error: spec root {tmp_path / 'nowhere'} does not exist"


def test_validate_is_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials, no region and an endpoint nobody listens on: validation does not care."""
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent"))
    (tmp_path / "job.yaml").write_text(VALID_TRAINING_JOB)

    result = invoke_cli("validate", str(tmp_path))

    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- upstream manifests


def pinned_counts() -> dict[str, dict[str, int]]:
    """FOLDER_COUNTS from tests/test_specs_conformance.py (one source of truth), loaded by path."""
    if not CONFORMANCE.is_dir():
        pytest.skip(f"upstream conformance corpus not found at {CONFORMANCE}")
    spec = importlib.util.spec_from_file_location(
        "_pinned_conformance_counts", Path(__file__).with_name("test_specs_conformance.py")
    )
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counts: Any = module.FOLDER_COUNTS
    return dict(counts)


@pytest.mark.parametrize("peer", PEERS)
def test_conformance_folder_exits_1_with_the_pinned_counts_and_no_traceback(peer: str) -> None:
    expected = pinned_counts()[peer]
    folder = CONFORMANCE / peer / "samples"

    as_json = invoke_cli("validate", "--output", "json", str(folder))
    as_text = invoke_cli("validate", "--no-color", str(folder))

    assert as_json.exit_code == as_text.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["summary"] == expected
    total = sum(expected.values())
    assert as_text.output.splitlines()[-1] == (
        f"{total} documents: {expected['ok']} ok, {expected['error']} errors, {expected['skipped']} skipped"
    )
    # Every error line is located: file:line, then address and field path when the document has them.
    error_lines = [line for line in as_text.output.splitlines()[:-1] if not line.startswith("skipped: ")]
    assert len(error_lines) == len(report["errors"]) > 0
    located = re.compile(r"^[\w./-]+\.ya?ml:[1-9]\d*: ")
    assert all(located.match(line) for line in error_lines), error_lines
    for entry in report["errors"]:
        assert entry["message"] and entry["source"]
        line = ": ".join(
            part for part in (entry["source"], entry["address"], entry["path"], entry["message"]) if part
        )
        assert line in error_lines


def test_conformance_folder_as_a_real_subprocess_prints_no_traceback(tmp_path: Path) -> None:
    expected = pinned_counts()["original-operator"]
    here = str(Path(sys.executable).parent)
    executable = shutil.which("gitops-sm", path=here + os.pathsep + os.environ.get("PATH", ""))
    assert executable, "the gitops-sm console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"NO_COLOR": "1"}

    run = subprocess.run(
        [executable, "validate", str(CONFORMANCE / "original-operator" / "samples")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )

    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stderr == ""
    assert run.stdout.splitlines()[-1].startswith(
        f"{sum(expected.values())} documents: {expected['ok']} ok, "
    )
