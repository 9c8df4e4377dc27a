"""specs conformance: every upstream sample manifest of both operator dialects loads to a verdict.

Reads the real manifests in ``../shared/conformance/<peer>/samples`` (never copied into the
project) and the peers' CRDs. Every document must end ``ok``, ``error`` (located, with a human
message) or ``skipped``; the counts are pinned, and every error must be for the right reason:
an unfilled placeholder, or one of the genuine upstream defects listed below.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_sm.kinds import MANIFEST_KINDS
from gitops_sm.model import Address, Issue
from gitops_sm.specs import load_specs
from gitops_sm.specs._normalize import V1_DIALECT_FIELDS, normalize_document
from gitops_sm.specs._shapes import input_shape, resolve_member
from gitops_sm.specs._yaml import parse_spec_bytes

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"
if not CONFORMANCE.is_dir():
    pytest.skip(f"upstream conformance corpus not found at {CONFORMANCE}", allow_module_level=True)

PEERS = ("ack-applicationautoscaling", "ack-sagemaker", "original-operator")
TOTAL_SAMPLE_FILES = 74

# load_specs on a whole peer folder: the original operator's samples/ and tests/ reuse ten
# metadata.names, and duplicate addresses are an error for both documents (design section 2).
FOLDER_COUNTS = {
    "ack-applicationautoscaling": {"ok": 0, "error": 7, "skipped": 2},
    "ack-sagemaker": {"ok": 0, "error": 22, "skipped": 0},
    "original-operator": {"ok": 6, "error": 39, "skipped": 0},
}
DUPLICATE_ADDRESS_DOCUMENTS = 20

# Each file on its own (what a repository holding just that manifest would see).
FILE_BY_FILE_COUNTS = {
    "ack-applicationautoscaling": {"ok": 0, "error": 7, "skipped": 2},
    "ack-sagemaker": {"ok": 0, "error": 22, "skipped": 0},
    "original-operator": {"ok": 16, "error": 29, "skipped": 0},
}

# Upstream manifests that are wrong beyond their placeholders: (file, field path, message fragment).
GENUINE_DEFECTS = {
    (
        "samples__xgboost-multi-model-hostingdeployment.yaml",
        "spec.productionVariants[0].modelName",
        'names model "xgboost-model", which is not in spec.models (models: "multi-model-xgboost")',
    ),
    (
        "tests__codebuild__private-link-test__private-link-trainingjob.yaml",
        "spec.sageMakerEndpoint",
        "'SAGEMAKER_ENDPOINT' is refused: uses no scheme, not https",
    ),
    *(
        (
            "test__e2e__resources__xgboost_trainingjob_debugger.yaml",
            f"spec.debugHookConfig.collectionConfigurations[{i}].collectionParameters",
            'exactly the keys "name" and "value": it looks like one {name, value} pair written as a mapping',
        )
        for i in range(4)
    ),
}


def _sample_files(peer: str) -> list[Path]:
    return sorted(p for p in (CONFORMANCE / peer / "samples").iterdir() if p.suffix in (".yaml", ".yml"))


def test_the_corpus_is_complete() -> None:
    assert sum(len(_sample_files(peer)) for peer in PEERS) == TOTAL_SAMPLE_FILES


def _check_error_issue(issue: Issue) -> None:
    assert issue.source is not None and issue.source.line > 0, issue
    assert issue.path.startswith(("spec", "metadata")), issue
    assert issue.message and "Traceback" not in issue.message and "internal error" not in issue.message, issue


@pytest.mark.parametrize("peer", PEERS)
def test_load_specs_on_each_peer_folder(peer: str) -> None:
    result = load_specs(CONFORMANCE / peer / "samples")
    counts = Counter(d.status.value for d in result.documents)
    assert {k: counts.get(k, 0) for k in ("ok", "error", "skipped")} == FOLDER_COUNTS[peer]
    for document in result.documents:
        if document.status.value == "error":
            assert document.issues, document
            for issue in document.issues:
                _check_error_issue(issue)
        elif document.status.value == "skipped":
            assert document.reason and document.kind == "AdoptedResource"
    assert len(result.resources) == FOLDER_COUNTS[peer]["ok"]


def test_reused_names_across_the_original_operator_folders_are_duplicate_addresses() -> None:
    result = load_specs(CONFORMANCE / "original-operator" / "samples")
    duplicates = [i for i in result.issues if "duplicate address" in i.message]
    assert len(duplicates) == DUPLICATE_ADDRESS_DOCUMENTS
    assert all(i.path == "metadata.name" and i.source is not None and i.source.line == 4 for i in duplicates)


@pytest.mark.parametrize("peer", PEERS)
def test_each_sample_file_alone_is_ok_or_an_error_for_the_right_reason(peer: str) -> None:
    counts: Counter[str] = Counter()
    defects: set[tuple[str, str, str]] = set()
    for path in _sample_files(peer):
        result = load_specs(path)
        for document in result.documents:
            counts[document.status.value] += 1
            for issue in document.issues:
                _check_error_issue(issue)
                if "unfilled placeholder" in issue.message:
                    continue
                known = [
                    d
                    for d in GENUINE_DEFECTS
                    if d[0] == path.name and d[1] == issue.path and d[2] in issue.message
                ]
                assert known, f"unexpected error in an upstream sample: {issue.format()}"
                defects.add(known[0])
        for resource in result.resources:
            assert resource.requests and resource.spec_hash and resource.names
    assert {k: counts.get(k, 0) for k in ("ok", "error", "skipped")} == FILE_BY_FILE_COUNTS[peer]
    expected = {d for d in GENUINE_DEFECTS if any(p.name == d[0] for p in _sample_files(peer))}
    # The ACK debugger sample's metadata.name is a placeholder, so the loader stops before the spec.
    expected -= {d for d in expected if d[0].startswith("test__e2e__resources__xgboost_trainingjob_debugger")}
    assert defects == expected


def test_normaliser_reports_every_spec_problem_even_behind_a_placeholder_name() -> None:
    """The normaliser alone, on every sample document, with the address the manifest gives."""
    found: set[tuple[str, str, str]] = set()
    counts: Counter[str] = Counter()
    for peer in PEERS:
        for path in _sample_files(peer):
            parsed = parse_spec_bytes(path.read_bytes(), path=path.name)
            assert not parsed.issues
            for item in parsed.documents:
                doc = item.document
                kind = MANIFEST_KINDS.get((doc.api_version or "", doc.kind or ""))
                if kind is None:
                    counts["skipped"] += 1
                    continue
                address = Address(
                    kind=kind.value, namespace="default", name=str(doc.data["metadata"]["name"])
                )
                result = normalize_document(doc, kind=kind, address=address)
                counts["ok" if result.resource else "error"] += 1
                assert (result.resource is None) == bool(result.issues)
                for issue in result.issues:
                    _check_error_issue(issue)
                    found |= {
                        d
                        for d in GENUINE_DEFECTS
                        if (path.name, issue.path) == d[:2] and d[2] in issue.message
                    }
    assert dict(counts) == {"ok": 16, "error": 58, "skipped": 2}
    assert found == GENUINE_DEFECTS


# --------------------------------------------------------------------------- CRDs

_CRD_OPERATIONS = {
    "trainingjobs": "CreateTrainingJob",
    "hyperparametertuningjobs": "CreateHyperParameterTuningJob",
    "transformjobs": "CreateTransformJob",
    "batchtransformjobs": "CreateTransformJob",
    "processingjobs": "CreateProcessingJob",
    "models": "CreateModel",
    "endpointconfigs": "CreateEndpointConfig",
    "endpoints": "CreateEndpoint",
}
# Fields a CRD accepts that are not members of the create request, each handled on purpose.
_NOT_IN_THE_API = {
    # v1 dialect fields: region and endpoint override, read by the normaliser.
    *(
        (f"sagemaker.aws.amazon.com_{plural}", f"spec.{name}")
        for plural in _CRD_OPERATIONS
        for name in V1_DIALECT_FIELDS
    ),
    # An upstream CRD defect: DebugHookConfig has HookParameters, not ruleParameters (the original
    # operator's Go types carry it, the SageMaker API never did); a spec using it gets
    # 'unknown field "ruleParameters" (not in DebugHookConfig)'.
    ("sagemaker.aws.amazon.com_trainingjobs", "spec.debugHookConfig.ruleParameters"),
}


def _crd_fields(schema: dict[str, Any], shape: Any, path: str) -> list[str]:
    """Every CRD property path that does not resolve to a member of ``shape``."""
    missing: list[str] = []
    if shape.type_name == "list":
        shape = shape.member
    if shape.type_name != "structure":
        return missing
    for key, sub in (schema.get("properties") or {}).items():
        member = resolve_member(shape, key)
        if member is None:
            missing.append(f"{path}.{key}")
            continue
        item = sub.get("items", sub) if sub.get("type") == "array" else sub
        missing += _crd_fields(item, shape.members[member], f"{path}.{key}")
    return missing


def _crd_specs() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in sorted(CONFORMANCE.glob("*/crds/*.yaml")):
        crd = yaml.safe_load(path.read_text())
        plural = crd["spec"]["names"]["plural"]
        if plural not in _CRD_OPERATIONS:  # HostingDeployment/HAP are structural, tested by samples
            continue
        versions = crd["spec"].get("versions") or []
        schema = crd["spec"].get("validation") or versions[0]["schema"]
        found.append((path.stem, _CRD_OPERATIONS[plural], schema["openAPIV3Schema"]["properties"]["spec"]))
    return found


def test_every_crd_field_is_a_create_request_member_or_handled_on_purpose() -> None:
    specs = _crd_specs()
    assert len(specs) == 13  # 7 ACK + 6 flat v1 CRDs
    unexpected = []
    for stem, operation, schema in specs:
        for field in _crd_fields(schema, input_shape("sagemaker", operation), "spec"):
            if (stem, field) not in _NOT_IN_THE_API:
                unexpected.append((stem, field))
    assert unexpected == []
