"""CLI malformed-input corpus: ``validate`` and ``plan`` on a spec root holding one bad file beside a
valid training job.

Each case writes real files (and real symlinks, a real FIFO) into a fresh spec root, then runs the
real ``gitops-sm`` commands through click's CliRunner, with ``plan`` reading the simulator over
HTTP (``AWS_ENDPOINT_URL`` from the ``aws_env`` fixture). For every case:

- ``validate`` exits 1 and prints the error as ``file:line: address: path: message``;
- ``plan`` exits 1, prints the same error line, and still plans the valid job (``+ TrainingJob/...``);
- the plan JSON (``plan --out``) has the error in ``errors[]`` (source, address, path, message) and the valid
  job's create in ``resource_changes``;
- nothing ever prints a traceback.

Files that hold no YAML document at all, and manifests that are not SageMaker specs, are listed as
skipped and never an error (design section 2): those cases exit 0 and still plan the valid job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.specs import MAX_DEPTH, MAX_FILE_BYTES
from tests.jobspecs import invoke_cli
from tests.manifests import (
    ROLE_ARN,
    TRAINING_JOB_HEADER,
    Writer,
    alias_bomb,
    broken_symlink,
    bytes_file,
    combined,
    fifo,
    hosting_deployment,
    huge_file,
    root_beside_valid_job,
    symlinked_dir_outside,
    symlinked_file_outside,
    text_file,
    valid_training_job,
)

GOOD_ADDRESS = "TrainingJob/default/good-job"
BAD_ADDRESS = "TrainingJob/default/bad-job"
HEADER = TRAINING_JOB_HEADER


def bad_job(old: str, new: str) -> str:
    """The valid job renamed ``bad-job`` with one substring replaced (it must occur exactly once)."""
    source = valid_training_job("bad-job", region="us-east-1")
    assert source.count(old) == 1, old
    return source.replace(old, new)


def line_of(content: str, needle: str) -> int:
    """1-based line of the first line of ``content`` containing ``needle``."""
    return next(n for n, line in enumerate(content.splitlines(), start=1) if needle in line)


@dataclass(frozen=True)
class Case:
    id: str
    write: Writer
    location: str  # exact file:line of the error (or of the skipped document)
    address: str | None  # the error's address; None for file-level errors
    path: str  # the error's field path; "" for file-level errors
    fragment: str  # part of the message (or of the skip reason)
    skipped: bool = False  # listed as skipped: exit 0, no error


def field_case(case_id: str, old: str, new: str, path: str, fragment: str, *, at: str | None = None) -> Case:
    """A field-level case in ``bad.yaml``: the error is on the line holding ``at`` (default ``new``)."""
    content = bad_job(old, new)
    line = line_of(content, (at or new).splitlines()[0].strip())
    return Case(case_id, text_file("bad.yaml", content), f"bad.yaml:{line}", BAD_ADDRESS, path, fragment)


ROLE_LINE = f"roleArn: {ROLE_ARN}"

# The variant's model (line 9) is not among spec.models.
HOSTING_WITH_A_MISSING_MODEL = hosting_deployment("scoring", region="us-east-1").replace(
    "modelName: xgb", "modelName: not-defined"
)

HAP_WITHOUT_A_VARIANT = """\
apiVersion: sagemaker.aws.amazon.com/v1
kind: HostingAutoscalingPolicy
metadata:
  name: hap
spec:
  resourceId:
    - endpointName: scoring
  minCapacity: 1
  maxCapacity: 2
  targetTrackingScalingPolicyConfiguration:
    targetValue: 70
    predefinedMetricSpecification: {predefinedMetricType: SageMakerVariantInvocationsPerInstance}
"""

ACK_TARGET_NOT_A_VARIANT = """\
apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
kind: ScalableTarget
metadata:
  name: target
spec:
  maxCapacity: 2
  minCapacity: 1
  resourceID: endpoint/scoring
  scalableDimension: "sagemaker:variant:DesiredInstanceCount"
  serviceNamespace: sagemaker
"""

TWIN = valid_training_job("twin", region="us-east-1")

CASES = [
    # ----------------------------------------------------------------- file level: YAML and bytes
    Case("yaml-mapping-in-scalar", text_file("bad.yaml", HEADER + "metadata: name: x\n"), "bad.yaml:3", None, "",
         "invalid YAML: mapping values are not allowed"),
    Case("tab-indentation", text_file("bad.yaml", HEADER + "metadata:\n\tname: x\n"), "bad.yaml:4", None, "",
         "a tab character is not allowed here (YAML indentation must use spaces)"),
    Case("unterminated-quote", text_file("bad.yaml", HEADER + "metadata:\n  name: 'abc\nspec: {}\n"), "bad.yaml:6", None,
         "", "while scanning a quoted scalar that started at line 4"),
    Case("unclosed-flow-list", text_file("bad.yaml", HEADER + "metadata: {name: x}\nspec:\n  tags: [a, b\n"), "bad.yaml:6",
         None, "", "did not find expected ',' or ']'"),
    Case("undefined-alias", text_file("bad.yaml", HEADER + "metadata:\n  name: *missing\n"), "bad.yaml:4", None, "",
         "invalid YAML: found undefined alias"),
    Case("binary-junk", bytes_file("bad.yaml", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256))), "bad.yaml:1",
         None, "", "file looks binary (it contains NUL bytes)"),
    Case("invalid-utf8", bytes_file("bad.yaml", (HEADER + "metadata:\n  name: caf").encode() + b"\xe9\n"), "bad.yaml:4",
         None, "", "file is not valid UTF-8"),
    Case("control-character", text_file("bad.yaml", HEADER + "metadata:\n  name: a\x07b\n"), "bad.yaml:4", None, "",
         "character U+0007 is not allowed in YAML text"),
    Case("huge-file", huge_file, "huge.yaml:1", None, "", f"over the {MAX_FILE_BYTES:,}-byte limit"),
    Case("deep-nesting", text_file("bad.yaml", HEADER + "spec:\n  x: " + "[" * 50_000 + "]" * 50_000 + "\n"),
         "bad.yaml:4", None, "", f"nested deeper than {MAX_DEPTH} levels"),
    Case("alias-bomb", text_file("bad.yaml", alias_bomb()), "bad.yaml:5", None, "e[7][8][9][3]", "alias expansion bomb"),
    Case("python-object-tag",
         text_file("bad.yaml", HEADER + "metadata:\n  name: x\nspec: !!python/object/apply:os.system ['true']\n"),
         "bad.yaml:5", "TrainingJob/default/x", "spec", "tag !!python/object/apply:os.system is refused"),
    Case("scalar-document", text_file("bad.yaml", "just some words\n"), "bad.yaml:1", None, "",
         "a document must be a mapping with apiVersion, kind and metadata, not the string 'just some words'"),
    Case("list-at-top-level", text_file("bad.yaml", "# a list\n- apiVersion: v1\n- kind: Pod\n"), "bad.yaml:2", None, "",
         "a document must be a mapping with apiVersion, kind and metadata, not a list"),
    Case("error-in-second-document",
         text_file("bad.yaml", valid_training_job("first", region="us-east-1") + "---\n"
                   + valid_training_job("Second", region="us-east-1")),
         "bad.yaml:23", None, "metadata.name", "uppercase letters"),
    # ----------------------------------------------------------------- file level: the file system
    Case("symlink-file-outside-root", symlinked_file_outside, "linked.yaml:1", None, "",
         "symlink to a file outside the spec root"),
    Case("symlink-dir-outside-root", symlinked_dir_outside, "shared:1", None, "",
         "symlink to a directory outside the spec root"),
    Case("broken-symlink", broken_symlink, "dangling.yaml:1", None, "", "broken symlink"),
    Case("fifo-named-yaml", fifo, "pipe.yaml:1", None, "", "not a regular file"),
    # ----------------------------------------------------------------- document level: identity
    Case("missing-api-version", text_file("bad.yaml", "\nkind: TrainingJob\nmetadata: {name: x}\n"), "bad.yaml:2", None,
         "", "missing apiVersion"),
    Case("missing-kind", text_file("bad.yaml", "apiVersion: sagemaker.aws.amazon.com/v1\nmetadata: {name: x}\n"),
         "bad.yaml:1", None, "", "missing kind"),
    Case("missing-metadata-name", text_file("bad.yaml", HEADER + "metadata:\n  namespace: team-a\nspec: {}\n"),
         "bad.yaml:3", None, "metadata", "missing metadata.name"),
    Case("uppercase-name", text_file("bad.yaml", HEADER + "metadata:\n  name: My_Job\nspec: {}\n"), "bad.yaml:4", None,
         "metadata.name", "'My_Job' is not a valid Kubernetes name (it has uppercase letters)"),
    Case("duplicate-key", text_file("bad.yaml", HEADER + "metadata:\n  name: first\n  name: second\nspec: {}\n"),
         "bad.yaml:5", "TrainingJob/default/second", "metadata.name", "duplicate key 'name': first at line 4, again at line 5"),
    Case("duplicate-address",
         combined(text_file("a/twin.yaml", TWIN), text_file("b/twin.yaml", "# the same job again\n" + TWIN)),
         "b/twin.yaml:5", "TrainingJob/default/twin", "metadata.name", "also defined at a/twin.yaml:4"),
    Case("placeholder-name", text_file("bad.yaml", HEADER + "metadata:\n  name: <YOUR JOB NAME>\nspec: {}\n"),
         "bad.yaml:4", None, "metadata.name", "unfilled placeholder <YOUR JOB NAME>"),
    # ----------------------------------------------------------------- field level: types and shapes
    field_case("string-for-integer", "instanceCount: 1", 'instanceCount: "1"', "spec.resourceConfig.instanceCount",
               "expected an integer but YAML read the string '1'; remove the quotes"),
    field_case("boolean-for-integer", "instanceCount: 1", "instanceCount: true",
               "spec.resourceConfig.instanceCount", "expected an integer but YAML read the boolean true"),
    field_case("negative-count", "instanceCount: 1", "instanceCount: -1", "spec.resourceConfig.instanceCount",
               "must be at least 0, got -1"),
    field_case("list-for-structure", "resourceConfig:\n", "resourceConfig: [ml.m5.large]\n  unused:\n",
               "spec.resourceConfig", "expected a mapping"),
    field_case("unknown-field", "instanceCount: 1", "instanceCont: 1", "spec.resourceConfig.instanceCont",
               'unknown field "instanceCont" (not in ResourceConfig); did you mean "instanceCount"?'),
    field_case("missing-required-field", f"  {ROLE_LINE}\n", "", "spec.roleArn", "missing required field roleArn",
               at="spec:"),
    field_case("bad-enum", "trainingInputMode: File", "trainingInputMode: file",
               "spec.algorithmSpecification.trainingInputMode",
               '"file" is not one of: Pipe, File, FastFile; did you mean "File"?'),
    field_case("name-pattern", "  region: us-east-1\n", "  region: us-east-1\n  trainingJobName: my_job\n",
               "spec.trainingJobName", "'my_job' is not a valid TrainingJobName", at="trainingJobName"),
    field_case("name-too-long", "  region: us-east-1\n", f"  region: us-east-1\n  trainingJobName: {'a' * 64}\n",
               "spec.trainingJobName", "is 64 characters long; TrainingJobName allows at most 63",
               at="trainingJobName"),
    field_case("integer-hyperparameter", "  region: us-east-1\n",
               "  region: us-east-1\n  hyperParameters:\n    - name: max_depth\n      value: 5\n",
               "spec.hyperParameters[0].value", 'expected a string but YAML read the integer 5; quote it ("5")',
               at="value: 5"),
    field_case("duplicate-hyperparameter", "  region: us-east-1\n",
               '  region: us-east-1\n  hyperParameters:\n    - {name: eta, value: "1"}\n    - {name: eta, value: "2"}\n',
               "spec.hyperParameters[1].name", 'duplicate name "eta"', at='value: "2"'),
    field_case("reserved-tag", "  region: us-east-1\n",
               "  region: us-east-1\n  tags:\n    - {key: gitops-sm/managed-by, value: me}\n",
               "spec.tags[0].key", 'tag key "gitops-sm/managed-by" is reserved', at="key: gitops-sm"),
    field_case("not-a-region", "region: us-east-1", "region: us-east", "spec.region",
               "'us-east' is not an AWS region name"),
    # ----------------------------------------------------------------- field level: placeholders
    field_case("role-arn-brace-mapping", ROLE_LINE, "roleArn: {ROLE_ARN}", "spec.roleArn",
               "an unquoted {ROLE_ARN} placeholder is a YAML flow mapping"),
    field_case("angle-placeholder", "s3OutputPath: s3://my-bucket/output", "s3OutputPath: s3://<YOUR BUCKET>/out",
               "spec.outputDataConfig.s3OutputPath", "unfilled placeholder <YOUR BUCKET>"),
    field_case("dollar-placeholder", "instanceType: ml.m5.large", "instanceType: $INSTANCE_TYPE",
               "spec.resourceConfig.instanceType", "unfilled placeholder $INSTANCE_TYPE"),
    # ----------------------------------------------------------------- field level: cross-field rules
    Case("variant-names-a-missing-model", text_file("bad.yaml", HOSTING_WITH_A_MISSING_MODEL), "bad.yaml:9",
         "HostingDeployment/default/scoring", "spec.productionVariants[0].modelName",
         'names model "not-defined", which is not in spec.models (models: "xgb")'),
    Case("hap-resource-id-without-variant", text_file("bad.yaml", HAP_WITHOUT_A_VARIANT), "bad.yaml:7",
         "HostingAutoscalingPolicy/default/hap", "spec.resourceId[0].variantName",
         "missing required field variantName"),
    Case("ack-resource-id-not-a-variant", text_file("bad.yaml", ACK_TARGET_NOT_A_VARIANT), "bad.yaml:8",
         "ScalableTarget/default/target", "spec.resourceID", '"endpoint/scoring" is not a SageMaker variant resource ID'),
    # ----------------------------------------------------------------- listed as skipped, never an error
    Case("empty-file", text_file("bad.yaml", ""), "bad.yaml:1", None, "", "file has no YAML documents", skipped=True),
    Case("only-comments", text_file("bad.yaml", "# nothing here yet\n\n   # still nothing\n"), "bad.yaml:1", None, "",
         "file has no YAML documents", skipped=True),
    Case("only-separators", text_file("bad.yaml", "---\n---\n...\n"), "bad.yaml:1", None, "", "file has no YAML documents",
         skipped=True),
    Case("not-a-sagemaker-manifest", text_file("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"),
         "bad.yaml:1", None, "", "apiVersion v1 is not managed by gitops-sm", skipped=True),
]  # fmt: skip


def expected_prefix(case: Case) -> str:
    return ": ".join(part for part in (case.location, case.address, case.path) if part) + ": "


def error_lines(output: str, case: Case) -> list[str]:
    prefix = expected_prefix(case)
    return [line.strip() for line in output.splitlines() if line.strip().startswith(prefix)]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_validate_reports_the_located_error_and_exits_1(tmp_path: Path, case: Case) -> None:
    root = root_beside_valid_job(tmp_path, case.write)

    result = invoke_cli("validate", "--no-color", str(root))

    if case.skipped:
        assert result.exit_code == 0, result.output
        skip_lines = [
            line for line in result.output.splitlines() if line.startswith(f"skipped: {case.location}: ")
        ]
        assert len(skip_lines) == 1 and case.fragment in skip_lines[0], result.output
        return
    assert result.exit_code == 1, result.output
    lines = error_lines(result.output, case)
    assert any(case.fragment in line for line in lines), (expected_prefix(case), case.fragment, result.output)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_validate_json_lists_the_error_with_its_location(tmp_path: Path, case: Case) -> None:
    root = root_beside_valid_job(tmp_path, case.write)

    result = invoke_cli("validate", "--output", "json", str(root))

    report = json.loads(result.stdout)
    statuses = {(d["address"], d["status"]) for d in report["documents"]}
    assert (GOOD_ADDRESS, "ok") in statuses
    if case.skipped:
        assert result.exit_code == 0
        assert report["errors"] == []
        assert any(d["status"] == "skipped" and d["source"] == case.location for d in report["documents"])
        return
    assert result.exit_code == 1
    entries = [
        e
        for e in report["errors"]
        if (e["source"], e["address"], e["path"]) == (case.location, case.address, case.path)
    ]
    assert any(case.fragment in e["message"] for e in entries), report["errors"]
    # The text line is exactly the JSON entry's parts joined: one error, one format.
    text_result = invoke_cli("validate", "--no-color", str(root))
    formatted = {
        ": ".join(p for p in (e["source"], e["address"], e["path"], e["message"]) if p) for e in entries
    }
    assert formatted & set(text_result.output.splitlines())


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_plan_reports_the_error_and_still_plans_the_valid_job(
    tmp_path: Path, aws_env: Any, case: Case
) -> None:
    root = root_beside_valid_job(tmp_path, case.write)

    plan_file = tmp_path / "plan.json"

    # One pass renders text on stdout and writes the same plan as JSON to --out.
    text_run = invoke_cli("plan", "--no-color", "--out", str(plan_file), str(root))

    assert text_run.exit_code == (0 if case.skipped else 1), text_run.output
    text_lines = text_run.output.splitlines()
    assert any(line.startswith(f"+ {GOOD_ADDRESS} (good.yaml:1)") for line in text_lines), text_run.output
    the_plan = json.loads(plan_file.read_text(encoding="utf-8"))
    creates = [c for c in the_plan["resource_changes"] if c["actions"] == ["create"]]
    good = [c for c in creates if c["address"] == GOOD_ADDRESS]
    assert len(good) == 1 and [s["call"] for s in good[0]["steps"]] == ["CreateTrainingJob"]
    if case.skipped:
        assert the_plan["errors"] == []
        assert any(s["source"] == case.location for s in the_plan["skipped"])
        return
    assert any(case.fragment in line for line in error_lines(text_run.output, case)), text_run.output
    entries = [
        e for e in the_plan["errors"] if e["source"] == case.location and case.fragment in e["message"]
    ]
    assert entries, the_plan["errors"]
    assert all(set(e) >= {"source", "address", "path", "message"} for e in the_plan["errors"])
    assert (entries[0]["address"], entries[0]["path"]) == (case.address, case.path)
    # An invalid document is never planned as if it were valid.
    if case.address:
        assert all(
            c["address"] != case.address or c["actions"] == ["error"] for c in the_plan["resource_changes"]
        )


def test_the_corpus_has_at_least_25_error_cases_with_unique_ids() -> None:
    assert sum(1 for case in CASES if not case.skipped) >= 25
    assert len({case.id for case in CASES}) == len(CASES)
