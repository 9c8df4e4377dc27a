"""Renderers for plans and validation results: terminal text, JSON and Markdown.

Called by the CLI (``plan``, ``apply``, ``validate``) and by ``app`` when it writes a plan file or a
PR comment. Pure: the only output is a returned string or what is printed to the passed-in rich
``Console``. The JSON forms are the public, versioned contracts (``Plan.to_dict`` /
``LoadResult.to_dict``) and are never redacted, because ``apply PLANFILE`` must run exactly what
was planned; the human forms (text, Markdown) pass every value through :func:`redact` first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from enum import Enum
from typing import Any

import yaml
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from gitops_sm.model import (
    READ_FAILURE_PREFIX,
    Action,
    DocumentStatusKind,
    Issue,
    LoadResult,
    Plan,
    ResourceChange,
    SkippedDocument,
    Step,
)
from gitops_sm.redaction import SENSITIVE, is_pair_secret, looks_secret, redact, secret_in_text

# Colours per action, used only when the caller asks for colour.
_ACTION_STYLES: dict[Action, str] = {
    Action.NOOP: "dim",
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.REPLACE: "magenta",
    Action.DELETE: "red",
    Action.STOP: "red",
    Action.WAIT: "cyan",
    Action.ERROR: "bold red",
}

# Role of a name in ResourceChange.names that best stands for the resource in one cell.
_PRIMARY_ROLES = ("job", "endpoint", "model", "endpoint_config", "target", "policy")


# Redaction (what is secret, by key and by value shape) lives in gitops_sm.redaction; the names are
# re-exported here for the renderers' callers.
__all__ = ["SENSITIVE", "changed_fields", "looks_secret", "redact"]


# --------------------------------------------------------------------------- shared helpers


def plan_summary_line(plan: Plan) -> str:
    """``Plan: 3 to create, … 1 error.`` or ``No changes. SageMaker matches the specs.``"""
    counts = plan.summary
    errors = len(_error_lines(plan))
    if not plan.has_changes and not counts[Action.WAIT.value] and not errors:
        return "No changes. SageMaker matches the specs."
    reads = _read_failures(plan)
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, {counts['replace']} to replace, "
        f"{counts['delete']} to delete, {counts['stop']} to stop, {counts['wait']} waiting, "
        f"{_plural(errors, 'error')}{reads}."
    )


def _read_failures(plan: Plan) -> str:
    """`` (2 AWS reads failed: TrainingJob/default/a, ListEndpoints in eu-west-1)`` or ``""``."""
    failed = [i for i in plan.errors if i.is_read_failure]
    if not failed:
        return ""
    which = ", ".join(dict.fromkeys(i.address or i.message.removeprefix(READ_FAILURE_PREFIX).split(" failed:")[0]
                                    for i in failed))
    return f" ({_plural(len(failed), 'AWS read')} failed: {which})"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _error_lines(plan: Plan) -> list[str]:
    """Every error as ``file:line: address: path: message``: load/observe issues, then ``error``
    changes that no issue already explains (the planner may report a spec error both ways)."""
    lines = [issue.format() for issue in plan.errors]
    explained = {issue.address for issue in plan.errors if issue.address}
    for change in plan.resource_changes:
        if Action.ERROR in change.actions and change.address not in explained:
            lines.append(
                Issue(source=change.source, address=change.address, path="", message=change.reason).format()
            )
    return lines


def _primary_name(change: ResourceChange) -> str:
    for role in _PRIMARY_ROLES:
        if role in change.names:
            return change.names[role]
    return next(iter(change.names.values()), "")


def _name_entries(change: ResourceChange) -> list[str]:
    """``xgb-1a2b3c4d (job)``, ``fraud-scoring-champion-71df3f12 (model for champion)``,
    ``endpoint/x/variant/a (target)``: roles like ``policy:<resource id>`` read as "policy for …"."""
    entries = []
    for role, name in change.names.items():
        role_kind, _, qualifier = role.partition(":")
        if qualifier and qualifier != name:
            entries.append(f"{name} ({role_kind} for {qualifier})")
        else:
            entries.append(f"{name} ({role_kind})")
    return entries


def _step_text(step: Step) -> str:
    text = f"will call {step.call} {step.target} in {step.region}"
    return f"{text} via {step.endpoint_url}" if step.endpoint_url else text


def _source_text(change: ResourceChange) -> str:
    return str(change.source) if change.source else "not in specs"


def _skipped_phrase(count: int) -> str:
    return (
        "1 document that is not a SageMaker spec"
        if count == 1
        else f"{count} documents that are not SageMaker specs"
    )


def _skipped_text(doc: SkippedDocument) -> str:
    what = "/".join(part for part in (doc.api_version, doc.kind) if part) or "document"
    return f"{doc.source}: {what}: {doc.reason}"


# --------------------------------------------------------------------------- before/after diff

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_:-]+$")


def _join(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _leaves(value: Any, path: str, sensitive: bool) -> Iterator[tuple[str, Any, bool]]:
    """(path, leaf value, is sensitive) for every scalar (or empty container) in ``value``."""
    if isinstance(value, Mapping) and value:
        for key, child in value.items():
            yield from _leaves(child, _join(path, str(key)), sensitive or looks_secret(str(key)))
    elif isinstance(value, list | tuple) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]", sensitive or is_pair_secret(item))
    else:
        yield path, value, sensitive or (isinstance(value, str) and secret_in_text(value))


def _shown(value: Any, sensitive: bool) -> str:
    return SENSITIVE if sensitive else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def changed_fields(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """Changed leaf fields as (symbol, ``path: old -> new``) rows, secrets shown as ``(sensitive)``."""
    old = {p: (v, s) for p, v, s in _leaves(before or {}, "", False)}
    new = {p: (v, s) for p, v, s in _leaves(after or {}, "", False)}
    rows: list[tuple[str, str]] = []
    for path in sorted(old.keys() | new.keys()):
        if path in old and path in new:
            (ov, os_), (nv, ns) = old[path], new[path]
            if ov != nv or type(ov) is not type(nv):
                rows.append(("~", f"{path}: {_shown(ov, os_)} -> {_shown(nv, ns)}"))
        elif path in new:
            rows.append(("+", f"{path}: {_shown(*new[path])}"))
        else:
            rows.append(("-", f"{path}: {_shown(*old[path])}"))
    return rows


# --------------------------------------------------------------------------- JSON


def render_plan_json(plan: Plan, *, redacted: bool = False) -> str:
    """The plan as JSON, key order stable.

    The plan file (``--out``) is exactly ``Plan.to_dict()``: apply needs every parameter. On stdout
    (``--output json``, read by CI logs) secret-looking values are replaced and the document says
    ``"redacted": true`` so that ``apply`` refuses it instead of sending "(sensitive)" to AWS.
    """
    data = plan.to_dict()
    if redacted:
        data["redacted"] = True
        # Only request payloads carry values; names and addresses stay (a model may be called "token-…").
        for change in data["resource_changes"]:
            change["before"] = redact(change["before"])
            change["after"] = redact(change["after"])
            for step in change["steps"]:
                step["params"] = redact(step["params"])
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False)


def render_validation_json(result: LoadResult) -> str:
    """``validate --output json``: every document with its status, every error, the summary."""
    return json.dumps(result.to_dict(), indent=2, sort_keys=False, ensure_ascii=False)


# --------------------------------------------------------------------------- text


class _Printer:
    """Prints plain or styled lines to a Console without markup, highlighting or wrapping, so
    piped output is byte-stable text with no ANSI codes."""

    def __init__(self, console: Console, *, color: bool) -> None:
        self.console = console
        self.color = color

    def line(self, *parts: tuple[str, str] | str) -> None:
        text = Text()
        for part in parts:
            if isinstance(part, str):
                text.append(part)
            else:
                content, style = part
                text.append(content, style=style if self.color else None)
        self.console.print(text, soft_wrap=True, highlight=False, markup=False, emoji=False)

    def blank(self) -> None:
        self.console.print()

    def style(self, action: Action) -> str:
        return _ACTION_STYLES[action] if self.color else ""


def render_plan_text(plan: Plan, *, console: Console, color: bool, verbose: bool = False) -> None:
    """Terraform-like plan: one block per change, errors, skipped documents and a summary line.

    On a terminal the changes are also summarised in a table; otherwise the output is plain text.
    """
    out = _Printer(console, color=color)
    changes = [c for c in plan.resource_changes if c.actions != (Action.NOOP,)]
    unchanged = [c for c in plan.resource_changes if c.actions == (Action.NOOP,)]

    if changes:
        out.line("gitops-sm will perform these actions:")
        for change in changes:
            out.blank()
            _print_change(out, change, verbose=verbose)
        out.blank()
    if unchanged:
        if verbose:
            out.line(f"Unchanged ({len(unchanged)}):")
            for change in unchanged:
                name = _primary_name(change)
                out.line(
                    f"  {change.address} ({_source_text(change)})",
                    f": {name}" if name else "",
                    f": {change.reason}" if change.reason else "",
                )
        else:
            out.line(f"{_plural(len(unchanged), 'resource')} unchanged (--verbose lists them).")
        out.blank()

    errors = _error_lines(plan)
    if errors:
        out.line(("Errors:", "bold red"))
        for line in errors:
            out.line("  ", (line, "red"))
        out.blank()

    if plan.skipped:
        what = _skipped_phrase(len(plan.skipped))
        if verbose:
            out.line(f"Skipped {what}:")
            for doc in plan.skipped:
                out.line(f"  {_skipped_text(doc)}")
        else:
            out.line(f"Skipped {what} (--verbose lists them).")
        out.blank()

    if console.is_terminal and changes:
        console.print(_summary_table(changes, color=color))
    out.line((plan_summary_line(plan), "bold" if changes or errors else "green"))


def _print_change(out: _Printer, change: ResourceChange, *, verbose: bool) -> None:
    style = out.style(change.action)
    extra = f" [{', '.join(a.value for a in change.actions)}]" if len(change.actions) > 1 else ""
    out.line(
        (f"{change.action.symbol} {change.address}", f"bold {style}".strip()),
        f" ({_source_text(change)}){extra}",
    )
    for index, entry in enumerate(_name_entries(change)):
        out.line(("    sagemaker: " if index == 0 else "               ") + entry)
    if change.reason:
        out.line(f"    reason: {change.reason}")
    shows_diff = verbose or Action.UPDATE in change.actions or Action.REPLACE in change.actions
    if shows_diff and change.before is not None and change.after is not None:
        for symbol, text in changed_fields(change.before, change.after):
            out.line(("    " + symbol, _DIFF_STYLES[symbol]), f" {text}")
    if verbose and change.depends_on:
        out.line(f"    after: {', '.join(change.depends_on)}")
    # Steps are what will actually happen: always shown for a change, and on request for the rest.
    if change.is_change or verbose:
        for step in change.steps:
            out.line(("    " + _step_text(step), style))
            if verbose:
                out.line("      params:" + ("" if step.params else " {}"))
                for line in params_yaml(step.params).splitlines():
                    out.line(f"        {line}")


def params_yaml(params: Mapping[str, Any]) -> str:
    """A step's request as block YAML (secrets redacted), one field per line: readable at any size."""
    if not params:
        return ""
    plain = json.loads(json.dumps(redact(params), default=str))
    text: str = yaml.safe_dump(plain, sort_keys=True, default_flow_style=False, allow_unicode=True, width=100)
    return text


_DIFF_STYLES = {"~": "yellow", "+": "green", "-": "red"}


def _summary_table(changes: Sequence[ResourceChange], *, color: bool) -> Table:
    table = Table(
        title="Plan summary",
        box=box.SIMPLE_HEAD,
        expand=True,
        header_style="bold" if color else "",
        title_style="bold" if color else "",
    )
    # Fill the terminal and fold long names/paths rather than cropping them with an ellipsis.
    table.add_column("", width=3)
    table.add_column("Address", ratio=4, overflow="fold")
    table.add_column("SageMaker name", ratio=3, overflow="fold")
    table.add_column("Reason", ratio=4)
    table.add_column("Source", ratio=3, overflow="fold")
    for change in changes:
        style = _ACTION_STYLES[change.action] if color else ""
        table.add_row(
            Text(change.action.symbol, style=style),
            Text(change.address, style=style),
            Text(
                _primary_name(change) + (f" (+{len(change.names) - 1} more)" if len(change.names) > 1 else "")
            ),
            Text(change.reason),
            Text(_source_text(change)),
        )
    return table


def _validation_error_lines(result: LoadResult) -> tuple[list[str], int]:
    """Every located error (once each), and how many failures they amount to: documents in error
    plus file-level problems (unparsable YAML) that belong to no document."""
    in_documents = [issue.format() for doc in result.documents for issue in doc.issues]
    lines = list(dict.fromkeys([issue.format() for issue in result.issues] + in_documents))
    orphans = sum(1 for line in lines if line not in in_documents)
    failed = sum(1 for d in result.documents if d.status is DocumentStatusKind.ERROR)
    return lines, failed + orphans


def validation_summary_line(result: LoadResult) -> str:
    """``12 documents: 10 ok, 1 error, 1 skipped``."""
    _, failures = _validation_error_lines(result)
    ok = sum(1 for d in result.documents if d.status is DocumentStatusKind.OK)
    skipped = sum(1 for d in result.documents if d.status is DocumentStatusKind.SKIPPED)
    return f"{_plural(len(result.documents), 'document')}: {ok} ok, {_plural(failures, 'error')}, {skipped} skipped"


def render_validation_text(result: LoadResult, *, console: Console, color: bool) -> None:
    """``validate``: every error as ``file:line: address: path: message``, skipped documents, summary."""
    out = _Printer(console, color=color)
    lines, failures = _validation_error_lines(result)
    for line in lines:
        out.line((line, "red"))
    for doc in result.skipped:
        out.line((f"skipped: {_skipped_text(doc)}", "dim"))
    out.line((validation_summary_line(result), "bold red" if failures else "green"))


# --------------------------------------------------------------------------- Markdown

_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>|&#~])")


def md_text(text: str) -> str:
    """Escape plain text for a Markdown paragraph or table cell (newlines become ``<br>``)."""
    return _MD_SPECIALS.sub(r"\\\1", text).replace("\r\n", "\n").replace("\n", "<br>")


def md_code(text: str, *, in_table: bool = False) -> str:
    """An inline code span that survives backticks in ``text`` (and pipes, inside a table)."""
    text = text.replace("\r\n", " ").replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip(" ") else ""
    body = text.replace("|", "\\|") if in_table else text
    return f"{fence}{pad}{body}{pad}{fence}"


def _md_block(text: str, *, language: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# GitHub refuses comments over 65,536 characters; stay under it with room for a bot's own header.
MARKDOWN_MAX_LENGTH = 60_000


def render_plan_markdown(plan: Plan, *, max_length: int = MARKDOWN_MAX_LENGTH) -> str:
    """A PR comment: summary heading, table of changes, steps per change, errors, skipped documents.

    When the full comment would exceed ``max_length`` characters, step parameters are left out
    first, then the per-change details; a note says so and points at the JSON plan.
    """
    for detail in (_Detail.PARAMS, _Detail.STEPS, _Detail.NONE):
        text = _plan_markdown(plan, detail=detail)
        if len(text) <= max_length:
            return text
    note = "\n\n_(comment truncated; the JSON plan has everything)_\n"
    return text[: max(0, max_length - len(note))] + note


class _Detail(int, Enum):
    NONE = 0
    STEPS = 1
    PARAMS = 2


def _plan_markdown(plan: Plan, *, detail: _Detail) -> str:
    changes = [c for c in plan.resource_changes if c.actions != (Action.NOOP,)]
    unchanged = len(plan.resource_changes) - len(changes)
    summary = plan_summary_line(plan)
    headline = (
        "no changes" if summary.startswith("No changes") else summary.removeprefix("Plan: ").rstrip(".")
    )
    out = [f"### gitops-sm plan: {headline}", ""]
    where = md_code(plan.source.path)
    if plan.source.commit:
        where += f" at {md_code(plan.source.commit[:12])}"
    out += [f"Specs: {where}", ""]

    if changes:
        out += ["| Action | Address | SageMaker name | Reason | Source |", "|---|---|---|---|---|"]
        for change in changes:
            action = (
                md_code(change.action.symbol, in_table=True)
                + " "
                + ", ".join(a.value for a in change.actions)
            )
            names = "<br>".join(md_code(n, in_table=True) for n in change.names.values())
            source = md_code(str(change.source), in_table=True) if change.source else "not in specs"
            out.append(
                f"| {action} | {md_code(change.address, in_table=True)} | {names} | {md_text(change.reason)} | {source} |"
            )
        out.append("")
    if unchanged:
        out += [f"{_plural(unchanged, 'resource')} unchanged.", ""]

    for change in changes if detail is not _Detail.NONE else ():
        out += _change_details(change, with_params=detail is _Detail.PARAMS)
    if changes and detail is not _Detail.PARAMS:
        left_out = "step parameters" if detail is _Detail.STEPS else "per-change steps"
        out += [
            f"_The {left_out} are left out to fit a comment; the JSON plan (`--output json`) has them._",
            "",
        ]

    errors = _error_lines(plan)
    if errors:
        out += ["**Errors**", ""]
        out += [f"- {md_code(line)}" for line in errors]
        out.append("")
    if plan.skipped:
        out += [f"<details><summary>Skipped {_skipped_phrase(len(plan.skipped))}</summary>", ""]
        out += [f"- {md_code(_skipped_text(doc))}" for doc in plan.skipped]
        out += ["", "</details>", ""]
    out.append(f"**{md_text(summary)}**")
    return "\n".join(out) + "\n"


def _change_details(change: ResourceChange, *, with_params: bool) -> list[str]:
    """A collapsible section with the API calls of one change, its field diff and (optionally)
    the redacted parameters of each call."""
    diff = (
        changed_fields(change.before, change.after)
        if change.before is not None and change.after is not None
        else []
    )
    if not change.steps and not diff:
        return []
    noun = _plural(len(change.steps), "API call")
    out = [
        f"<details><summary><code>{_html(change.address)}</code>: {change.action.value}, {noun}</summary>",
        "",
    ]
    for number, step in enumerate(change.steps, start=1):
        line = f"{number}. {md_code(step.call)} {md_code(step.target)} in {md_code(step.region)}"
        if step.endpoint_url:
            line += f" via {md_code(step.endpoint_url)}"
        out.append(line)
    if change.steps:
        out.append("")
    if diff:
        out += [_md_block("\n".join(f"{symbol} {text}" for symbol, text in diff), language="diff"), ""]
    for step in (s for s in change.steps if s.params and with_params):
        params = json.dumps(redact(step.params), indent=2, sort_keys=True, ensure_ascii=False, default=str)
        out += [f"{md_code(step.call)} parameters:", "", _md_block(params, language="json"), ""]
    return [*out, "</details>", ""]
