"""Shared helpers of the benchmarks in ``bench/``: a realistic spec-tree generator and table printing.

Used by ``bench_load.py`` (10,000 documents to parse, validate and normalise) and
``bench_observe.py`` (the design's steady state of 800 training jobs, 100 processing jobs and 50
autoscaled endpoints, created in the simulator from generated specs). Not part of the package.

The documents are copies of the manifests in ``examples/repo`` (both dialects), read at run time
so the benchmarks follow the examples as they evolve; each copy gets a numeric suffix on every name
the manifest defines or refers to (``metadata.name``, explicit SageMaker names, the endpoint a
HostingAutoscalingPolicy scales), so copies never collide and every reference still resolves.
"""

from __future__ import annotations

import copy
import json
import platform
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

EXAMPLES_ROOT = Path(__file__).resolve().parents[1] / "examples" / "repo"

# template label -> (file under examples/repo, manifest kind in that file)
TEMPLATE_SOURCES: Mapping[str, tuple[str, str]] = {
    "v1-training": ("teams/fraud/training.yaml", "TrainingJob"),
    "ack-training": ("teams/search/ranker-training.yaml", "TrainingJob"),
    "v1-processing": ("teams/fraud/feature-pipeline.yaml", "ProcessingJob"),
    "ack-processing": ("teams/search/query-log-processing.yaml", "ProcessingJob"),
    "v1-tuning": ("teams/fraud/tuning.yaml", "HyperparameterTuningJob"),
    "ack-tuning": ("teams/search/ranker-tuning.yaml", "HyperParameterTuningJob"),
    "v1-hosting": ("teams/fraud/hosting.yaml", "HostingDeployment"),
    "v1-autoscaling": ("teams/fraud/autoscaling.yaml", "HostingAutoscalingPolicy"),
}

# Explicit SageMaker names (ACK, and v1 spec.endpointName) that must stay unique per copy.
_EXPLICIT_NAME_FIELDS = (
    "trainingJobName",
    "processingJobName",
    "hyperParameterTuningJobName",
    "transformJobName",
    "endpointName",
)

# The documents of a 20-document cycle for the load benchmark: mostly training jobs, as in the
# design's steady state, with every other kind present. A hosting deployment and its autoscaling
# policy always come as a pair.
LOAD_MIX: Sequence[tuple[str, int]] = (
    ("v1-training", 8),
    ("ack-training", 6),
    ("v1-processing", 1),
    ("ack-processing", 1),
    ("v1-tuning", 1),
    ("ack-tuning", 1),
    ("hosting+autoscaling", 1),  # two documents
)


@dataclass(frozen=True, kw_only=True)
class GeneratedTree:
    """What ``write_*`` put on disk."""

    root: Path
    files: int
    documents: int
    by_template: Mapping[str, int]
    bytes: int


def load_templates(examples_root: Path = EXAMPLES_ROOT) -> dict[str, dict[str, Any]]:
    """The example manifest behind every label of ``TEMPLATE_SOURCES``."""
    templates: dict[str, dict[str, Any]] = {}
    for label, (relative, kind) in TEMPLATE_SOURCES.items():
        path = examples_root / relative
        with path.open(encoding="utf-8") as handle:
            documents = [
                doc for doc in yaml.load_all(handle, Loader=yaml.CSafeLoader) if isinstance(doc, dict)
            ]
        matching = [doc for doc in documents if doc.get("kind") == kind]
        if not matching:
            raise SystemExit(f"bench: {path} has no {kind} document to use as the {label!r} template")
        templates[label] = matching[0]
    return templates


def instantiate(template: Mapping[str, Any], *, suffix: str) -> dict[str, Any]:
    """A copy of ``template`` whose names (and the endpoints it scales) end with ``suffix``."""
    doc = copy.deepcopy(dict(template))
    doc["metadata"]["name"] = f"{doc['metadata']['name']}{suffix}"
    spec = doc.get("spec", {})
    for field in _EXPLICIT_NAME_FIELDS:
        if isinstance(spec.get(field), str):
            spec[field] = f"{spec[field]}{suffix}"
    for resource_id in spec.get("resourceId") or ():  # v1 HostingAutoscalingPolicy
        if isinstance(resource_id, dict) and isinstance(resource_id.get("endpointName"), str):
            resource_id["endpointName"] = f"{resource_id['endpointName']}{suffix}"
    return doc


def _documents_for(
    label: str, templates: Mapping[str, Mapping[str, Any]], index: int
) -> list[dict[str, Any]]:
    suffix = f"-{index:05d}"
    if label == "hosting+autoscaling":
        return [
            instantiate(templates["v1-hosting"], suffix=suffix),
            instantiate(templates["v1-autoscaling"], suffix=suffix),
        ]
    return [instantiate(templates[label], suffix=suffix)]


def _label_stream(mix: Sequence[tuple[str, int]]) -> Iterator[str]:
    while True:
        for label, count in mix:
            for _ in range(count):
                yield label


def write_tree(
    root: Path, *, labels: Sequence[str], files: int, templates: Mapping[str, Mapping[str, Any]] | None = None
) -> GeneratedTree:
    """Write one document group per label (a group is 1 document, 2 for hosting+autoscaling)
    into ``files`` multi-document files spread over team directories under ``root``."""
    templates = templates or load_templates()
    groups = [_documents_for(label, templates, index) for index, label in enumerate(labels)]
    files = max(1, min(files, len(groups)))
    by_template: dict[str, int] = {}
    for label in labels:
        by_template[label] = by_template.get(label, 0) + 1
    written_bytes = 0
    documents = 0
    for file_index in range(files):
        chunk = [doc for group in groups[file_index::files] for doc in group]
        path = root / "teams" / f"team-{file_index % 10:02d}" / f"specs-{file_index:03d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            f"# generated by bench/_common.py from examples/repo ({len(chunk)} documents)\n"
            + yaml.dump_all(
                chunk,
                Dumper=yaml.CSafeDumper,
                sort_keys=False,
                default_flow_style=False,
                explicit_start=False,
            )
        )
        path.write_text(text, encoding="utf-8")
        written_bytes += len(text.encode("utf-8"))
        documents += len(chunk)
    return GeneratedTree(
        root=root, files=files, documents=documents, by_template=by_template, bytes=written_bytes
    )


def load_labels(documents: int) -> list[str]:
    """Labels for about ``documents`` documents in the ``LOAD_MIX`` proportions."""
    labels: list[str] = []
    count = 0
    stream = _label_stream(LOAD_MIX)
    while count < documents:
        label = next(stream)
        labels.append(label)
        count += 2 if label == "hosting+autoscaling" else 1
    return labels


def steady_state_labels(*, training: int, processing: int, endpoints: int) -> list[str]:
    """Labels of the design's steady state: training jobs in both dialects (5 v1 : 3 ACK),
    processing jobs in both dialects (1:1), and endpoints each with an autoscaling policy."""
    labels: list[str] = []
    labels += ["v1-training" if i % 8 < 5 else "ack-training" for i in range(training)]
    labels += ["v1-processing" if i % 2 == 0 else "ack-processing" for i in range(processing)]
    labels += ["hosting+autoscaling"] * endpoints
    return labels


# --------------------------------------------------------------------------- reporting


def machine() -> dict[str, Any]:
    """Where the figures were measured (goes into every --json output and the README)."""
    import os

    return {
        "date": date.today().isoformat(),
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
    }


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[_cell(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            value.ljust(widths[i]) if i == 0 else value.rjust(widths[i]) for i, value in enumerate(row)
        ).rstrip()

    print(line(cells[0]))
    print("  ".join("-" * width for width in widths))
    for row in cells[1:]:
        print(line(row))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def dump_json(data: Mapping[str, Any]) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))
