"""Parse the bytes of one spec file into ``Document``s that know the line of every node.

Called by ``_loader`` (once per file); nothing else parses spec YAML. libyaml's C parser
(``yaml.CSafeLoader``, falling back to the pure-Python ``SafeLoader``) composes the node graph,
then one tight walk here builds the plain values *and* the ``field path -> line`` map that every
located error needs. Building the values ourselves, instead of running PyYAML's constructor,
lets us refuse what PyYAML would silently accept:

* a key repeated in one mapping (YAML keeps the last value without a word);
* alias expansion bombs ("billion laughs"): nodes built through aliases are counted;
* nesting deeper than ``MAX_DEPTH``; before composing, a cheap text bound decides whether the
  depth must be measured on the event stream first, because libyaml's composer recurses in C
  and crashes the interpreter (SIGSEGV) at a few ten thousand levels;
* any tag beyond the standard scalar/map/seq ones (``!!python/object`` and friends).

Scalars are built exactly as ``SafeLoader`` builds them (YAML 1.1: ``yes`` is ``True``, an
unquoted ``2024-01-02`` a ``datetime.date``). Problems come back as located ``Issue``s, never as
exceptions. Empty documents (``---`` alone, ``null``) are dropped and only counted; whether a
file with no document at all matters is the loader's call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_sm.model import Issue, SourceLocation
from gitops_sm.specs._document import Document, FieldPath, format_path

# libyaml when PyYAML was built with it (the usual wheel); the pure-Python loader otherwise.
LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
USING_LIBYAML: bool = LOADER is not yaml.SafeLoader

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 100  # collections inside collections; real manifests stay under 20
MAX_ALIAS_EXPANSION = 100_000  # entries built again because an alias repeats an anchored node

# The cheap text bound (see ``_may_nest_too_deep``) must prove a depth below both libyaml's own
# nesting limit (1,000 levels in libyaml 0.2.6, bundled since PyYAML 6.0.3) and the depth where its
# recursive composer crashes (20,000-30,000 in older ones); otherwise the depth is measured on
# events first, so our limit and our message decide whichever PyYAML is installed. With these
# figures the bound is 2 * (200 + 1) + 100 + 300 = 802 levels.
_SPACES_RUN = 200
_INLINE_BLOCK_CHAIN = re.compile(r"(?:[-?:][ \t]+){100}")
_FLOW_OPENERS_PER_DOCUMENT = 300
# The problem text of libyaml's own depth refusal, the backstop when the bound above is wrong.
_LIBYAML_NESTING_LIMIT = "exceeded maximum nesting depth"

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"

_CONSTRUCTOR = SafeConstructor()
# The scalar tags SafeLoader builds, built by SafeLoader's own code so values are identical.
_SCALAR_BUILDERS: dict[str, Callable[[Any], Any]] = {
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    _NULL: _CONSTRUCTOR.construct_yaml_null,
    "tag:yaml.org,2002:timestamp": _CONSTRUCTOR.construct_yaml_timestamp,
    "tag:yaml.org,2002:binary": _CONSTRUCTOR.construct_yaml_binary,
}

# Document separators at the start of a line; a flow collection never spans one (libyaml
# rejects a document indicator inside it), so counting brackets per piece is a sound bound.
_DOCUMENT_SEPARATOR = re.compile(r"(?:^|\n|\r)---(?=[ \t\r\n]|$)")


@dataclass(frozen=True, kw_only=True)
class ParsedDocument:
    """One non-empty document. ``issues`` are YAML-level problems (duplicate key, refused tag,
    alias bomb, too deep); when there are any the document is unusable and ``document.data``
    may be partial (for a refused document: only the strings that identify it)."""

    document: Document
    issues: tuple[Issue, ...]


@dataclass(frozen=True, kw_only=True)
class ParsedFile:
    """The documents of one file, or the file-level ``issues`` that made it unreadable (then
    ``documents`` is empty: a file with a syntax error contributes nothing)."""

    path: str
    documents: tuple[ParsedDocument, ...]
    issues: tuple[Issue, ...]
    empty_documents: int = 0


def parse_spec_bytes(raw: bytes, *, path: str) -> ParsedFile:
    """Decode ``raw`` (UTF-8, optional BOM) and parse it; ``path`` is the file relative to the spec root."""
    if len(raw) > MAX_FILE_BYTES:
        return _failed(
            path, 1, f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for a spec file"
        )
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        return _failed(
            path, line, "file looks binary (it contains NUL bytes); spec files must be UTF-8 YAML text"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return _failed(
            path,
            line,
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {column}); save it as UTF-8",
        )
    return parse_documents(text, path=path)


def parse_documents(text: str, *, path: str) -> ParsedFile:
    """Parse decoded YAML ``text`` into documents with per-node lines."""
    loader = LOADER(text)
    try:
        if _may_nest_too_deep(text):
            depth_line = _line_where_too_deep(text)
            if depth_line is not None:
                return _too_deep(path, depth_line)
        documents: list[ParsedDocument] = []
        empty = 0
        while loader.check_node():
            root = loader.get_node()
            if root is None or (root.__class__ is ScalarNode and root.tag == _NULL):
                empty += 1
                continue
            documents.append(_build_document(root, path=path, index=len(documents) + empty))
        return ParsedFile(path=path, documents=tuple(documents), issues=(), empty_documents=empty)
    except yaml.MarkedYAMLError as exc:
        if _LIBYAML_NESTING_LIMIT in (exc.problem or ""):
            # libyaml >= 0.2.6 (PyYAML 6.0.3+ wheels) stops at its own nesting limit before our
            # builder sees the document; our limit is lower and our message names its line.
            return _too_deep(path, _line_where_too_deep(text) or 1)
        return _syntax_error(exc, path=path, text=text)
    except RecursionError:  # only the pure-Python composer recurses in Python
        return _too_deep(path, 1)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a stream
        line = text.count("\n", 0, exc.position) + 1 if 0 <= exc.position <= len(text) else 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return _failed(
            path, line, f"invalid YAML: character U+{code:04X} is not allowed in YAML text ({exc.reason})"
        )
    except yaml.YAMLError as exc:
        return _failed(path, 1, f"invalid YAML: {_one_line(str(exc))}")
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- building one document


class _Refused(Exception):
    """Stop building a document: it is unusable (bomb, too deep, refused tag)."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


class _Builder:
    """Walks one document's node graph once, building values and recording lines."""

    __slots__ = ("alias_entries", "alias_line", "issues", "lines", "path", "repeats", "seen")

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: dict[FieldPath, int] = {}
        self.issues: list[Issue] = []
        self.seen: set[int] = set()  # ids of collection nodes built once already
        self.repeats = 0  # > 0 while building a collection node a second time (through an alias)
        self.alias_entries = 0
        # Composed aliases are the anchored node itself, so inside one a node's mark is the
        # anchor's; problems found there are reported where the outermost alias is used.
        self.alias_line = 0

    def issue(self, node: Node, field: FieldPath, message: str) -> Issue:
        line = self.alias_line if self.repeats else node.start_mark.line + 1
        return Issue(
            source=SourceLocation(path=self.path, line=line),
            address=None,
            path=format_path(field[:12]),
            message=message,
        )

    def build(self, node: Node, field: FieldPath, depth: int) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            if node.tag == _STR:
                return node.value
            return self.scalar(node, field)
        if depth >= MAX_DEPTH:
            raise _Refused(
                self.issue(
                    node,
                    field,
                    f"document is nested deeper than {MAX_DEPTH} levels (or an alias contains itself)",
                )
            )
        node_id = id(node)
        repeated = node_id in self.seen
        if repeated:
            if not self.repeats:  # a mapping key's line is where the alias is written
                site = field if field and field[-1].__class__ is str else field[:-1]
                self.alias_line = self.lines.get(site, node.start_mark.line + 1)
            self.repeats += 1
        else:
            self.seen.add(node_id)
        if self.repeats:
            self.alias_entries += len(node.value)
            if self.alias_entries > MAX_ALIAS_EXPANSION:
                raise _Refused(
                    self.issue(
                        node,
                        field,
                        f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes (an alias expansion bomb?)",
                    )
                )
        try:
            if cls is MappingNode:
                if node.tag != _MAP:
                    raise _Refused(self.issue(node, field, _tag_message(node.tag)))
                return self.mapping(node, field, depth)
            if node.tag != _SEQ:
                raise _Refused(self.issue(node, field, _tag_message(node.tag)))
            lines = self.lines
            items = []
            for index, item in enumerate(node.value):
                child = (*field, index)
                lines[child] = item.start_mark.line + 1
                items.append(self.build(item, child, depth + 1))
            return items
        finally:
            if repeated:
                self.repeats -= 1

    def mapping(self, node: Node, field: FieldPath, depth: int) -> dict[Any, Any]:
        lines = self.lines
        result: dict[Any, Any] = {}
        explicit_lines: dict[Any, int] | None = None  # set once a merge key (<<) shows up
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and key_node.tag == _STR:
                key: Any = key_node.value
            elif key_node.tag == _MERGE:
                explicit_lines = self.merge(value_node, field, depth, result, explicit_lines)
                continue
            else:
                key = self.key(key_node, field)
            line = key_node.start_mark.line + 1
            child = (*field, key)
            if key in result and not self.repeats and (explicit_lines is None or key in explicit_lines):
                first = explicit_lines[key] if explicit_lines is not None else lines[child]
                self.issues.append(
                    self.issue(
                        key_node,
                        child,
                        f"duplicate key {key!r}: first at line {first}, again at line {line} "
                        "(YAML would silently keep only the last value)",
                    )
                )
            if explicit_lines is not None:
                explicit_lines[key] = line
            lines[child] = line
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def merge(
        self,
        value_node: Node,
        field: FieldPath,
        depth: int,
        result: dict[Any, Any],
        explicit: dict[Any, int] | None,
    ) -> dict[Any, int]:
        """``<<: *anchor`` / ``<<: [*a, *b]`` (as SafeLoader does): merged keys fill only what the
        mapping does not write itself, and the first listed mapping wins over later ones."""
        if explicit is None:  # every key so far was written explicitly
            explicit = {key: self.lines[(*field, key)] for key in result}
        sources = value_node.value if value_node.__class__ is SequenceNode else [value_node]
        outer_lines = self.lines
        merged_lines: dict[FieldPath, int] = {}
        merged: dict[Any, Any] = {}
        for source in reversed(sources):  # built last = wins, for values and lines alike
            if source.__class__ is not MappingNode:
                raise _Refused(
                    self.issue(
                        source, field, "a merge key (<<) must refer to a mapping or a list of mappings"
                    )
                )
            self.lines = merged_lines
            try:
                merged.update(self.build(source, field, depth + 1))
            finally:
                self.lines = outer_lines
        depth_of_key = len(field)
        for sub_path, line in merged_lines.items():
            if sub_path[depth_of_key] not in explicit:
                outer_lines[sub_path] = line
        for key, value in merged.items():
            if key not in explicit:
                result[key] = value
        return explicit

    def key(self, key_node: Node, field: FieldPath) -> Any:
        if key_node.__class__ is not ScalarNode:
            raise _Refused(
                self.issue(key_node, field, "a mapping key must be a scalar, not a list or mapping")
            )
        return self.scalar(key_node, field)

    def scalar(self, node: Node, field: FieldPath) -> Any:
        builder = _SCALAR_BUILDERS.get(node.tag)
        if builder is None:
            raise _Refused(self.issue(node, field, _tag_message(node.tag)))
        try:
            return builder(node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            short = node.tag.rsplit(":", 1)[-1]
            raise _Refused(
                self.issue(
                    node,
                    field,
                    f"{node.value!r} reads as a YAML {short} but is not a valid one ({_one_line(str(exc))}); quote it",
                )
            ) from None


def _build_document(root: Node, *, path: str, index: int) -> ParsedDocument:
    first_line = root.start_mark.line + 1
    source = SourceLocation(path=path, line=first_line)
    builder = _Builder(path)
    builder.lines[()] = first_line
    try:
        data = builder.build(root, (), 0)
    except _Refused as refused:
        document = Document(source=source, index=index, data=_identity_only(root), lines=builder.lines)
        return ParsedDocument(document=document, issues=(*builder.issues, refused.issue))
    return ParsedDocument(
        document=Document(source=source, index=index, data=data, lines=builder.lines),
        issues=tuple(builder.issues),
    )


def _identity_only(root: Node) -> dict[str, Any] | None:
    """What is still known of a refused document: its top-level strings (apiVersion, kind) and
    those of ``metadata`` (name, namespace), so the error can still name its address."""
    if root.__class__ is not MappingNode:
        return None
    known: dict[str, Any] = {}
    for key, value in root.value:
        if key.__class__ is not ScalarNode or key.tag != _STR:
            continue
        if value.__class__ is ScalarNode and value.tag == _STR:
            known[key.value] = value.value
        elif key.value == "metadata" and value.__class__ is MappingNode:
            known["metadata"] = _identity_only(value)
    return known


def _tag_message(tag: str) -> str:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    if shown.startswith("!!python/"):
        return f"tag {shown} is refused: spec files are data, they cannot create Python objects"
    return f"tag {shown} is not supported in spec files (only plain strings, numbers, booleans, null, dates, lists and mappings)"


# --------------------------------------------------------------------------- nesting guard


def _may_nest_too_deep(text: str) -> bool:
    """True unless the text provably nests less deeply than libyaml lets it.

    Along any chain of nested collections: block collections on successive lines are indented
    further (two levels per column at most: a mapping and its indentless sequence), those on one
    line each follow their own ``-``, ``?`` or ``:`` indicator right after the previous one, and
    flow collections each open with their own ``[`` or ``{``. So depth <= 2 * (indentation + 1)
    + the longest run of indicators on one line + the number of flow openers in the document.
    No indentation reaches ``_SPACES_RUN`` without that many spaces in a row; flow openers are
    counted per document (flow collections never span one).
    """
    if " " * _SPACES_RUN in text or _INLINE_BLOCK_CHAIN.search(text):
        return True
    if text.count("[") + text.count("{") <= _FLOW_OPENERS_PER_DOCUMENT:
        return False
    return any(
        piece.count("[") + piece.count("{") > _FLOW_OPENERS_PER_DOCUMENT
        for piece in _DOCUMENT_SEPARATOR.split(text)
    )


def _line_where_too_deep(text: str) -> int | None:
    """The line where nesting passes ``MAX_DEPTH``, or None; decided by us whatever libyaml is installed.

    libyaml's scanner may refuse deep nesting itself (its own limit, 1,000 levels in 0.2.6) before
    the event at our limit is delivered; the pure-Python parser has no such limit and does not
    recurse either, so it decides then. Only files that are deeply nested pay for that slow path.
    """
    try:
        return _walk_events_for_depth(LOADER(text))
    except yaml.MarkedYAMLError as exc:
        if LOADER is yaml.SafeLoader or _LIBYAML_NESTING_LIMIT not in (exc.problem or ""):
            raise
    return _walk_events_for_depth(yaml.SafeLoader(text))


def _walk_events_for_depth(loader: yaml.SafeLoader | yaml.CSafeLoader) -> int | None:
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, starts):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark is not None else 1
            elif isinstance(event, ends):
                depth -= 1
    finally:
        loader.dispose()
    return None


# --------------------------------------------------------------------------- errors


def _too_deep(path: str, line: int) -> ParsedFile:
    return _failed(path, line, f"document is nested deeper than {MAX_DEPTH} levels")


def _failed(path: str, line: int, message: str) -> ParsedFile:
    return ParsedFile(
        path=path,
        documents=(),
        issues=(Issue(source=SourceLocation(path=path, line=line), address=None, path="", message=message),),
    )


def _syntax_error(exc: yaml.MarkedYAMLError, *, path: str, text: str) -> ParsedFile:
    """A human message at the problem mark's line, naming the column and where the construct began."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = _one_line(exc.problem or "") or "invalid YAML"
    context = _one_line(exc.context or "")
    if context.startswith("found duplicate anchor") and exc.context_mark is not None:
        message = f"invalid YAML: anchor defined twice (first at line {exc.context_mark.line + 1}, again at line {line})"
    else:
        message = f"invalid YAML: {problem}"
        if mark is not None:
            message += f" (column {mark.column + 1})"
        if context and exc.context_mark is not None:
            message += f", {context} that started at line {exc.context_mark.line + 1}"
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        message += "; a tab character is not allowed here (YAML indentation must use spaces)"
    return _failed(path, line, message)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
