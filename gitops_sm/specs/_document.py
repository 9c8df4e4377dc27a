"""The loader's output and the normaliser's input: one YAML document with a line for every node.

``_loader`` (file discovery, YAML parsing) produces ``Document``s; ``_normalize`` turns a
``Document`` into a ``DesiredResource`` or located ``Issue``s. Field paths are tuples of keys and
list indexes, e.g. ``("spec", "resourceConfig", "instanceCount")`` or ``("spec", "models", 0, "name")``;
``format_path`` renders them as ``spec.models[0].name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_sm.model import SourceLocation

FieldPath = tuple[str | int, ...]


def format_path(path: FieldPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass(frozen=True, kw_only=True)
class Document:
    """One parsed YAML document.

    ``data`` is the plain Python value (dicts, lists, scalars as YAML's safe loader builds them).
    ``lines`` maps a field path to the 1-based line where that node starts; ``line_of`` falls back
    to the closest parent that has a line, then to the document's first line.
    """

    source: SourceLocation  # file (relative to the spec root) and the document's first line
    index: int  # position of the document in its file, from 0
    data: Any
    lines: Mapping[FieldPath, int] = field(default_factory=dict)

    def line_of(self, path: FieldPath) -> int:
        probe = tuple(path)
        while probe:
            line = self.lines.get(probe)
            if line is not None:
                return line
            probe = probe[:-1]
        return self.lines.get((), self.source.line)

    def location(self, path: FieldPath) -> SourceLocation:
        return SourceLocation(path=self.source.path, line=self.line_of(path))

    @property
    def api_version(self) -> str | None:
        value = self.data.get("apiVersion") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else None

    @property
    def kind(self) -> str | None:
        value = self.data.get("kind") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else None
