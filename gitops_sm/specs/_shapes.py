"""Turn camelCase spec fields into one AWS request by walking botocore's service model, and check it.

Called by ``_normalize`` (and by tests that walk the upstream CRDs). There is no hand-written
field table: a spec key matches a member of the request's input shape when both are equal
ignoring case and a trailing ``_`` (ACK writes the API's ``Type`` as ``type_``), so ``s3URI``,
``s3Uri`` and ``S3Uri`` all mean ``S3Uri``.

``Conversion`` converts one request and remembers, for every botocore parameter name it produced
(``.ResourceConfig.InstanceCount``, ``.InputDataConfig[0].ChannelName``, ``.HyperParameters.eta``
— the names botocore's validator reports), the spec field path it came from, so every problem is
reported against the user's file: ``spec.resourceConfig.instanceCount``.

Checking is done in two layers: botocore's own ``ParamValidator`` (types, required members,
minimums, unions), then the constraints the service model carries but botocore does not enforce
(``max`` length/value/count, ``pattern``, ``enum``). Patterns are matched whole, as SageMaker
does. A pattern Python's ``re`` cannot compile (``\\p{L}`` classes) is compiled with the optional
``regex`` module when it is installed and skipped otherwise.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import importlib
import math
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import botocore
import botocore.session
from botocore.model import ListShape, MapShape, Shape, StringShape, StructureShape
from botocore.validate import ParamValidator

from gitops_sm.botocoredata import service_model
from gitops_sm.specs._document import FieldPath, format_path

# --------------------------------------------------------------------------- service models




def input_shape(service: str, operation: str) -> StructureShape:
    shape = service_model(service).operation_model(operation).input_shape
    assert isinstance(shape, StructureShape), f"{service}:{operation} has no input structure"
    return shape


def shape_named(service: str, name: str) -> Shape:
    return service_model(service).shape_for(name)


def normalize_key(key: str) -> str:
    """The form spec keys and API members are compared in: lower case, ACK's trailing ``_`` dropped."""
    return key.rstrip("_").lower()


# id(shape) -> (shape, index); the shape is kept so its id can never be reused for another one.
_MEMBER_INDEX: dict[int, tuple[StructureShape, dict[str, str]]] = {}


def member_index(shape: StructureShape) -> Mapping[str, str]:
    """``normalize_key(member) -> member`` for every member of ``shape``."""
    cached = _MEMBER_INDEX.get(id(shape))
    if cached is None or cached[0] is not shape:
        cached = (shape, {normalize_key(name): name for name in shape.members})
        _MEMBER_INDEX[id(shape)] = cached
    return cached[1]


def resolve_member(shape: StructureShape, key: str) -> str | None:
    """The API member a spec key names, or ``None``."""
    return member_index(shape).get(normalize_key(key))


def display_name(member: str) -> str:
    """How a member is spelled in a spec: ``S3Uri`` -> ``s3Uri``, ``VPCConfig`` -> ``vpcConfig``."""
    run = len(member) - len(member.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if run == len(member):
        return member.lower()
    if run > 1 and member[run].islower():
        run -= 1
    run = max(run, 1)
    return member[:run].lower() + member[run:]


def suggest(word: str, candidates: Collection[str]) -> str | None:
    """The candidate closest to ``word`` (compared ignoring case), if any is close enough."""
    by_lower = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def unknown_field_message(key: str, candidates: Collection[str], *, where: str) -> str:
    """``unknown field "instanceCont" (not in ResourceConfig); did you mean "instanceCount"?``"""
    message = f'unknown field "{key}" (not in {where})'
    close = suggest(key, candidates)
    if close:
        return f'{message}; did you mean "{close}"?'
    if len(candidates) <= 12:
        return f"{message}; expected one of: {', '.join(sorted(candidates))}"
    return message


# --------------------------------------------------------------------------- placeholders

# Placeholders that upstream samples ask the user (or a test script) to substitute before use.
_PLACEHOLDERS = re.compile(
    r"\$\{?[A-Z][A-Z0-9_]+\}?"  # $MODEL_NAME, ${ROLE}: acktest-style substitution
    r"|<YOUR[^<>]*>"  # <YOUR BUCKET>, <YOUR SAGEMAKER ROLE ARN>
    r"|<[A-Z][A-Z0-9 _/.-]*>"  # <ACCOUNT_ID>
    r"|(?<![?Pk])<[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+>"  # <endpoint_name> (not a regex's (?<name>...))
    r"|\{[A-Z][A-Z0-9_]*\}"  # {ROLE_ARN}, {DATA_BUCKET}: sed-style substitution
    r"|\bPLACEHOLDER\b[\w-]*"  # PLACEHOLDER-ENDPOINT-1, rewritten by upstream test scripts
)
_FLOW_MAPPING_PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*")


def find_placeholder(text: str, *, shell: bool = False) -> str | None:
    """The first unfilled placeholder in ``text`` (``$VAR``, ``<YOUR ...>``, ``{VAR}``), if any.

    With ``shell`` (a container's entrypoint or arguments, often ``sh -c "... $HOME"``) a
    ``$VAR``/``${VAR}`` is a shell variable, not a placeholder.
    """
    return _find_placeholder(text, shell)


# Memoised: every string of every spec is scanned, and most (images, roles, instance types,
# buckets) repeat across documents; bench/bench_load.py measured 0.9s -> 0.2s per 10,000 docs.
@functools.lru_cache(maxsize=16_384)
def _find_placeholder(text: str, shell: bool) -> str | None:
    for match in _PLACEHOLDERS.finditer(text):
        if not (shell and match.group(0).startswith("$")):
            return match.group(0)
    return None


# String shapes a shell inside the container may expand: $VAR there is legitimate.
_SHELL_SHAPES = frozenset(
    {
        "ContainerEntrypointString",
        "ContainerArgument",
        "TrainingContainerEntrypointString",
        "TrainingContainerArgument",
    }
)


def placeholder_message(placeholder: str) -> str:
    return f"unfilled placeholder {placeholder}: replace it with a real value"


def flow_mapping_placeholder(value: object) -> str | None:
    """``ROLE_ARN`` when YAML read an unquoted ``{ROLE_ARN}`` as the mapping ``{'ROLE_ARN': None}``."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if inner is None and isinstance(key, str) and _FLOW_MAPPING_PLACEHOLDER.fullmatch(key):
            return key
    return None


# --------------------------------------------------------------------------- describing values

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "boolean": "true or false",
    "timestamp": "a timestamp",
    "blob": "base64 bytes",
    "structure": "a mapping",
    "map": "a mapping",
    "list": "a list",
}


def describe_value(value: object) -> str:
    """How YAML read a value, for messages: ``the integer 5``, ``a mapping``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    return f"a {type(value).__name__}"


def type_mismatch_message(expected: str, value: object) -> str:
    """``expected a string but YAML read the integer 5; quote it ("5")`` and friends."""
    message = f"expected {expected} but YAML read {describe_value(value)}"
    placeholder = flow_mapping_placeholder(value)
    if placeholder:
        return (
            f"unfilled placeholder: {message}; an unquoted {{{placeholder}}} placeholder is a YAML flow "
            "mapping — fill it in or quote it"
        )
    if expected == "a string" and isinstance(value, bool | int | float | datetime.date):
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return f'{message}; quote it ("{text}") if you meant the text'
    if isinstance(value, str) and _parses_as(value.strip(), expected):
        return f"{message}; remove the quotes"
    return message


def _parses_as(text: str, expected: str) -> bool:
    """Whether unquoting ``text`` would give YAML the ``expected`` type (so the hint helps)."""
    if expected == "an integer":
        return re.fullmatch(r"[-+]?\d+", text) is not None
    if expected == "a number":
        try:
            float(text)
        except ValueError:
            return False
        return True
    return expected == "true or false" and text.lower() in ("true", "false")


# --------------------------------------------------------------------------- conversion


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec, at a spec field path; ``_normalize`` turns it into an ``Issue``."""

    path: FieldPath
    message: str


class _Drop:
    """Marker for a value that could not be converted (its problem is already recorded)."""


DROP = _Drop()


@dataclass
class Conversion:
    """The state of converting spec fragments into one request.

    ``origins`` maps botocore parameter names to the spec path they came from; ``given`` holds
    names of members the spec set but that were dropped for a problem (so no second "missing
    required" is reported for them); ``checked`` holds names whose value already has a problem
    (an unfilled placeholder) so no pattern/enum complaint is stacked on top.
    """

    service: str
    root: FieldPath = ("spec",)
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, FieldPath] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.origins.setdefault("", self.root)

    def problem(self, path: FieldPath, message: str) -> None:
        self.problems.append(Problem(path, message))

    def origin(self, name: str) -> FieldPath:
        """The spec path of a botocore parameter name, or of its closest recorded parent."""
        probe = name
        while probe:
            if probe in self.origins:
                return self.origins[probe]
            cut = max(probe.rfind("."), probe.rfind("["), probe.rfind(" (key: "))
            probe = probe[:cut] if cut > 0 else ""
        return self.origins[""]

    def place(self, name: str, path: FieldPath) -> None:
        """Record that the parameter ``name`` comes from spec ``path`` (for values we inject)."""
        self.origins[name] = path

    # ------------------------------------------------------------------ walking

    def members(
        self,
        mapping: Mapping[Any, Any],
        shape: StructureShape,
        *,
        path: FieldPath,
        name: str = "",
        ignore: Collection[str] = (),
        reserved: Mapping[str, str] | None = None,
        where: str | None = None,
    ) -> dict[str, Any]:
        """Convert the fields of ``mapping`` to members of ``shape``.

        ``ignore`` lists spec keys handled by the caller (dialect fields). ``reserved`` maps members
        the spec may not set here to the reason (the name we generate, ``Tags`` of HAP, ...).
        """
        reserved = reserved or {}
        index = member_index(shape)
        out: dict[str, Any] = {}
        seen: dict[str, str] = {}
        for key, value in mapping.items():
            if not isinstance(key, str):
                self.problem(path, f"field name {key!r} is not a string")
                continue
            if key in ignore:
                continue
            member = index.get(normalize_key(key))
            if member is None:
                candidates = [display_name(m) for m in shape.members if m not in reserved] + list(ignore)
                self.problem((*path, key), unknown_field_message(key, candidates, where=where or shape.name))
                continue
            if member in reserved:
                self.problem((*path, key), f'"{key}" cannot be set here: {reserved[member]}')
                continue
            if member in seen:
                self.problem(
                    (*path, key), f'"{key}" repeats "{seen[member]}" (both mean the API member {member})'
                )
                continue
            seen[member] = key
            if value is None:  # an explicit null means "not set", as in Kubernetes
                continue
            child = f"{name}.{member}"
            self.origins[child] = (*path, key)
            converted = self.value(value, shape.members[member], path=(*path, key), name=child)
            if converted is DROP:
                self.given.add(child)
            else:
                out[member] = converted
        return out

    def value(self, value: Any, shape: Shape, *, path: FieldPath, name: str) -> Any:
        """Convert one spec value to the botocore parameter form of ``shape``."""
        if isinstance(value, str):
            placeholder = find_placeholder(value, shell=shape.name in _SHELL_SHAPES)
            if placeholder:
                self.problem(path, placeholder_message(placeholder))
                self.checked.add(name)
                return value if shape.type_name == "string" else DROP
        if isinstance(shape, StructureShape):
            if shape.is_document_type:
                return value
            if not isinstance(value, dict):
                self.problem(path, type_mismatch_message("a mapping", value))
                return DROP
            return self.members(value, shape, path=path, name=name)
        if isinstance(shape, ListShape):
            if not isinstance(value, list):
                self.problem(path, type_mismatch_message("a list", value))
                return DROP
            items: list[Any] = []
            for i, item in enumerate(value):
                child = f"{name}[{len(items)}]"
                self.origins[child] = (*path, i)
                converted = self.value(item, shape.member, path=(*path, i), name=child)
                if converted is not DROP:
                    items.append(converted)
            return items
        if isinstance(shape, MapShape):
            return self._map(value, shape, path=path, name=name)
        return self._scalar(value, shape, path=path)

    def _map(self, value: Any, shape: MapShape, *, path: FieldPath, name: str) -> Any:
        # A map is written either as a mapping (ACK) or as the original operator's
        # [{name: k, value: v}] list (hyperParameters, environment, ...).
        pairs: list[tuple[Any, Any, FieldPath, FieldPath]] = []
        if isinstance(value, dict):
            if set(value) == {"name", "value"} and shape.value.type_name == "string":
                self.problem(
                    path,
                    'this map has exactly the keys "name" and "value": it looks like one {name, value} '
                    f'pair written as a mapping; write it as "{value["name"]}: {value["value"]}" or as a '
                    "list of {name, value} items",
                )
                return DROP
            pairs = [(k, v, (*path, k), (*path, k)) for k, v in value.items()]
        elif isinstance(value, list):
            for i, item in enumerate(value):
                key_field = next((k for k in ("name", "key") if isinstance(item, dict) and k in item), None)
                if not isinstance(item, dict) or key_field is None or set(item) - {key_field, "value"}:
                    self.problem(
                        (*path, i),
                        f"expected a {{name: ..., value: ...}} item but YAML read {describe_value(item)}"
                        + (f" with fields {', '.join(map(str, item))}" if isinstance(item, dict) else ""),
                    )
                    continue
                pairs.append((item[key_field], item.get("value"), (*path, i, key_field), (*path, i, "value")))
        else:
            self.problem(path, type_mismatch_message("a mapping", value))
            return DROP
        out: dict[str, Any] = {}
        first_seen: dict[str, FieldPath] = {}
        for key, item, key_path, value_path in pairs:
            if not isinstance(key, str):
                self.problem(key_path, type_mismatch_message("a string", key))
                continue
            placeholder = find_placeholder(key)
            if placeholder:
                self.problem(key_path, placeholder_message(placeholder))
                continue
            if key in first_seen:
                self.problem(
                    key_path, f'duplicate name "{key}" (first given at {format_path(first_seen[key])})'
                )
                continue
            first_seen[key] = key_path
            self.origins[f"{name} (key: {key})"] = key_path
            child = f"{name}.{key}"
            self.origins[child] = value_path
            if item is None:
                self.problem(value_path, f'"{key}" has no value')
                continue
            converted = self.value(item, shape.value, path=value_path, name=child)
            if converted is not DROP:
                out[key] = converted
        return out

    def _scalar(self, value: Any, shape: Shape, *, path: FieldPath) -> Any:
        kind = shape.type_name
        expected = _TYPE_WORDS.get(kind, kind)
        if isinstance(value, dict | list):
            self.problem(path, type_mismatch_message(expected, value))
            return DROP
        if kind in ("integer", "long", "float", "double") and isinstance(value, bool):
            # bool is an int to Python (and to botocore's validator) but never a number to AWS.
            self.problem(path, type_mismatch_message(expected, value))
            return DROP
        if kind in _NUMERIC and isinstance(value, float) and not math.isfinite(value):
            # YAML's .nan/.inf: AWS refuses them, and a NaN never equals itself (an update every pass).
            self.problem(path, f"must be a finite number, got {_yaml_float(value)}")
            return DROP
        if kind in ("float", "double") and isinstance(value, int):
            return float(value)  # 60 and 60.0 are the same request (and the same spec hash)
        return value


# --------------------------------------------------------------------------- validation

_VALIDATOR = ParamValidator()


def validate(params: Mapping[str, Any], shape: StructureShape, conversion: Conversion) -> None:
    """Check ``params`` with botocore's validator, then with the constraints it does not enforce.

    Problems are added to ``conversion`` at the spec path each parameter came from.
    """
    report = _VALIDATOR.validate(dict(params), shape)
    # ValidationErrors keeps its findings as (reason, name, details) in ``_errors``; reading them
    # structured beats parsing the text report.
    for reason, name, details in getattr(report, "_errors", ()):
        _translate(reason, name, details, conversion)
    for name, value, sub_shape in _walk(params, shape, ""):
        _check_constraints(name, value, sub_shape, conversion)


def _translate(reason: str, name: str, details: Mapping[str, Any], conversion: Conversion) -> None:
    if name in conversion.checked:  # already reported (an unfilled placeholder is also too short, ...)
        return
    path = conversion.origin(name)
    if reason == "missing required field":
        member = details["required_name"]
        if f"{name}.{member}" in conversion.given:
            return
        conversion.problem((*path, display_name(member)), f"missing required field {display_name(member)}")
    elif reason == "invalid type":
        conversion.problem(
            path, type_mismatch_message(_expected_from(details.get("valid_types", ())), details.get("param"))
        )
    elif reason == "invalid range":
        conversion.problem(
            path, f"must be at least {_number(details['min_allowed'])}, got {details['param']}"
        )
    elif reason == "invalid length":
        minimum = _number(details["min_allowed"])
        conversion.problem(
            path, "must not be empty" if minimum == 1 else f"must have a length of at least {minimum}"
        )
    elif reason == "unknown field":
        conversion.problem(path, f'unknown field "{details["unknown_param"]}"')
    elif reason == "empty input":
        conversion.problem(path, f"must set one of: {', '.join(display_name(m) for m in details['members'])}")
    elif reason == "more than one input":
        conversion.problem(
            path, f"must set only one of: {', '.join(display_name(m) for m in details['members'])}"
        )
    else:
        conversion.problem(path, reason)


def _expected_from(valid_types: Collection[str]) -> str:
    text = " ".join(valid_types)
    if "str" in text:
        return "a string"
    if "float" in text:
        return "a number"
    if "bool" in text:
        return "true or false"
    if "int" in text:
        return "an integer"
    if "dict" in text:
        return "a mapping"
    if "list" in text:
        return "a list"
    return "another type"


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _walk(value: Any, shape: Shape, name: str) -> Iterator[tuple[str, Any, Shape]]:
    """Every (name, value, shape) in a converted request, depth first, as botocore names them."""
    yield name, value, shape
    if isinstance(shape, StructureShape) and isinstance(value, dict) and not shape.is_document_type:
        members = shape.members
        for key, item in value.items():
            if key in members:
                yield from _walk(item, members[key], f"{name}.{key}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, shape.member, f"{name}[{i}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for key, item in value.items():
            yield f"{name} (key: {key})", key, shape.key
            yield from _walk(item, shape.value, f"{name}.{key}")


def _check_constraints(name: str, value: Any, shape: Shape, conversion: Conversion) -> None:
    if name in conversion.checked:
        return
    if isinstance(value, str) and shape.type_name == "string" and _valid_string(shape, value):
        return  # the common case, memoised: nothing to report, so no spec path to look up
    meta = shape.metadata
    maximum = meta.get("max")
    path = conversion.origin(name)
    if isinstance(value, str) and shape.type_name == "string":
        if maximum is not None and len(value) > maximum:
            conversion.problem(
                path, f"is {len(value)} characters long; {shape.name} allows at most {maximum}"
            )
            return
        enum = shape.enum if isinstance(shape, StringShape) else []
        if enum and value not in enum:
            conversion.problem(path, enum_message(value, enum))
            return
        pattern = compiled_pattern(meta.get("pattern"))
        if pattern is not None and pattern.fullmatch(value) is None:
            conversion.problem(path, f"{value!r} is not a valid {shape.name} (must match {meta['pattern']})")
    elif isinstance(value, int | float) and not isinstance(value, bool) and shape.type_name in _NUMERIC:
        limit = _TYPE_LIMITS.get(shape.type_name)
        if maximum is not None and value > maximum:
            conversion.problem(path, f"must be at most {_number(maximum)}, got {value}")
        elif limit is not None and not -limit - 1 <= value <= limit:
            conversion.problem(path, f"is out of range: a {shape.type_name} is at most {limit}, got {value}")
    elif isinstance(value, list | dict) and maximum is not None and len(value) > maximum:
        noun = "items" if shape.type_name == "list" else "entries"
        conversion.problem(path, f"has {len(value)} {noun}; at most {maximum} are allowed")


_NUMERIC = frozenset({"integer", "long", "float", "double"})
# The wire types behind the service model's integer shapes (Java int and long).
_TYPE_LIMITS = {"integer": 2**31 - 1, "long": 2**63 - 1}


def _yaml_float(value: float) -> str:
    return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")


# Shapes come from the cached service model and never change, so a verdict per (shape, value)
# holds for the whole process; bench/bench_load.py measured 1.3s -> 0.7s of checks per 10,000 docs.
@functools.lru_cache(maxsize=16_384)
def _valid_string(shape: Shape, value: str) -> bool:
    """Whether ``value`` meets the max length, enum and pattern of string ``shape``."""
    meta = shape.metadata
    maximum = meta.get("max")
    if maximum is not None and len(value) > maximum:
        return False
    enum = shape.enum if isinstance(shape, StringShape) else []
    if enum and value not in enum:
        return False
    pattern = compiled_pattern(meta.get("pattern"))
    return pattern is None or pattern.fullmatch(value) is not None


def enum_message(value: str, allowed: Collection[str]) -> str:
    close = suggest(value, allowed)
    hint = f'; did you mean "{close}"?' if close else ""
    if len(allowed) <= 12:
        return f'"{value}" is not one of: {", ".join(allowed)}{hint}'
    return (
        f'"{value}" is not one of the {len(allowed)} values botocore {botocore.__version__} knows{hint} '
        "(if AWS added it recently, upgrade botocore)"
    )


def check_value(value: Any, shape: Shape, *, path: FieldPath, conversion: Conversion, name: str) -> None:
    """Check one stand-alone value (an endpoint name inside a resource ID, ...) against ``shape``."""
    conversion.place(name, path)
    converted = conversion.value(value, shape, path=path, name=name)
    if converted is DROP or name in conversion.checked:
        return
    if shape.type_name == "string" and not isinstance(converted, str):
        conversion.problem(path, type_mismatch_message("a string", converted))
        return
    if isinstance(converted, str) and shape.metadata.get("min", 0) > len(converted):
        conversion.problem(path, "must not be empty")
        return
    for child, item, sub_shape in _walk(converted, shape, name):
        _check_constraints(child, item, sub_shape, conversion)


# --------------------------------------------------------------------------- patterns

# Java-style patterns spell "any supplementary character" as a surrogate-pair range.
_SURROGATE_RANGE = "\\uD800\\uDC00-\\uDBFF\\uDFFF"


@functools.cache
def compiled_pattern(pattern: str | None) -> Any:
    """The compiled form of a service-model ``pattern``, or ``None`` when it cannot be compiled here."""
    if not pattern:
        return None
    source = pattern.replace(_SURROGATE_RANGE, "\\U00010000-\\U0010FFFF")
    try:
        return re.compile(source)
    except re.error:
        pass
    try:  # \p{L} and friends need the third-party regex module; without it the pattern is skipped.
        regex_module: Any = importlib.import_module("regex")
    except ImportError:
        return None
    try:
        return regex_module.compile(source)
    except regex_module.error:
        return None
