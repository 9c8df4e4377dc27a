"""Adoption (design section 7): compare a live definition with the spec, show and record what is accepted.

Called by :func:`gitops_sm.plan._context.claim` (jobs, ACK/v1 Models and EndpointConfigs) and by
:mod:`gitops_sm.plan._hosting` (endpoints). Pure: the live definition is what ``observe`` kept of
the Describe response (``details["Definition"]``, :data:`gitops_sm.model.DEFINITION`), the members
the spec's create request sets.

The comparison walks botocore's shape of the create request (the normalised spec is in that form):

* a **structure** compares only the members the spec sets: a member the spec leaves out is AWS's to
  fill (``S3DataDistributionType``, ``EnableSageMakerMetricsTimeSeries``, ``KmsKeyId`` …), never a
  difference. A top-level member the Describe output does not have at all (its botocore output shape
  lacks it) cannot be compared and is skipped; ``Tags`` and the resource's own name are never compared;
* a **map** (``HyperParameters``, ``Environment``) compares every key on both sides: a key only the
  live object has is a value the job really ran with;
* a **list** compares element by element, in order. botocore documents none of these lists as sets
  (not even ``VpcConfig.Subnets``/``SecurityGroupIds``), so an order AWS echoes differently is shown
  as a difference rather than silently assumed equal; a list of another length differs as a whole;
* a **scalar** compares by value, numbers as numbers (``3600`` equals ``3600.0``), a bool only with a bool.

Adopting records in the ``gitops-sm/spec-hash`` tag the hash of the spec *that matches the live
object*: the spec's own hash when nothing differs, else the hash the spec would have with the live
values in place of the differing ones (:func:`matching_spec_hash`). So the tag never claims a spec
the resource does not run: later passes see a changed spec (for an immutable job or model under an
explicit name: an error asking for a new name) until the spec is edited to what runs, which then
matches the tag exactly and is a no-op.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from gitops_sm import kinds
from gitops_sm.botocoredata import service_model
from gitops_sm.kinds import JOB_KINDS
from gitops_sm.model import AwsRequest, DesiredResource, content_hash, request_view
from gitops_sm.redaction import SENSITIVE, is_sensitive_at, looks_secret, redact

Path = tuple[str | int, ...]
_MAX_NAMED = 5  # differences named in a reason; the rest are counted (before/after hold all of them)
SECRET_DIFFERS = f"{SENSITIVE}, differs"  # the spec side of a secret that differs from the live one


class _Missing:
    def __repr__(self) -> str:
        return "absent"


MISSING: Any = _Missing()

_DESCRIBE_CALLS: dict[str, str] = {
    **{info.create_call: info.describe_call for info in JOB_KINDS.values()},
    "CreateModel": "DescribeModel",
    "CreateEndpointConfig": "DescribeEndpointConfig",
}
_NAME_MEMBERS: dict[str, str] = {
    **{info.create_call: info.name_member for info in JOB_KINDS.values()},
    "CreateModel": "ModelName",
    "CreateEndpointConfig": "EndpointConfigName",
}


@dataclass(frozen=True, kw_only=True)
class Difference:
    """One member whose live value is not the spec's (``MISSING`` on the side that lacks it)."""

    path: Path
    live: Any
    spec: Any

    @property
    def name(self) -> str:
        return format_path(self.path)


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def compared_members(request: AwsRequest) -> tuple[str, ...]:
    """The top-level members of ``request`` a Describe response can be compared on (see the module doc)."""
    skip = {"Tags", _NAME_MEMBERS.get(request.operation, "")}
    describe = _DESCRIBE_CALLS.get(request.operation)
    if describe is None:
        return ()
    output = service_model(request.service).operation_model(describe).output_shape
    echoed = set(output.members) if isinstance(output, StructureShape) else set()
    return tuple(sorted(k for k in request.params if k not in skip and k in echoed))


def differences(request: AwsRequest, live: Mapping[str, Any]) -> list[Difference]:
    """Where ``live`` (the kept Describe members) differs from what ``request`` sets."""
    shape = service_model(request.service).operation_model(request.operation).input_shape
    found: list[Difference] = []
    for member in compared_members(request):
        member_shape = shape.members.get(member) if isinstance(shape, StructureShape) else None
        _compare(request.params[member], live.get(member, MISSING), member_shape, (member,), found)
    return found


def _compare(spec: Any, live: Any, shape: Shape | None, path: Path, found: list[Difference]) -> None:
    if live is MISSING:
        found.append(Difference(path=path, live=MISSING, spec=spec))
    elif isinstance(spec, Mapping) and isinstance(live, Mapping):
        if isinstance(shape, MapShape):
            for key in sorted(set(spec) | set(live), key=str):
                if key in spec:
                    _compare(spec[key], live.get(key, MISSING), shape.value, (*path, key), found)
                else:  # a key only the live object has: content too
                    found.append(Difference(path=(*path, key), live=live[key], spec=MISSING))
        else:
            members = shape.members if isinstance(shape, StructureShape) else {}
            for key in spec:
                _compare(spec[key], live.get(key, MISSING), members.get(key), (*path, key), found)
    elif isinstance(spec, list) and isinstance(live, list):
        if len(spec) != len(live):
            found.append(Difference(path=path, live=live, spec=spec))
            return
        member = shape.member if isinstance(shape, ListShape) else None
        for index, (want, have) in enumerate(zip(spec, live, strict=True)):
            _compare(want, have, member, (*path, index), found)
    elif not _same_scalar(spec, live):
        found.append(Difference(path=path, live=live, spec=spec))


def _same_scalar(spec: Any, live: Any) -> bool:
    if isinstance(spec, bool) or isinstance(live, bool):
        return isinstance(spec, bool) and isinstance(live, bool) and spec == live
    if isinstance(spec, int | float) and isinstance(live, int | float):
        return float(spec) == float(live)
    return bool(type(spec) is type(live) and spec == live)


def project(live: Any, spec: Any, shape: Shape | None) -> Any:
    """``live`` cut to the structure members ``spec`` sets (lists element by element, maps whole)."""
    if isinstance(live, Mapping) and isinstance(spec, Mapping) and not isinstance(shape, MapShape):
        members = shape.members if isinstance(shape, StructureShape) else {}
        return {k: project(v, spec[k], members.get(k)) for k, v in live.items() if k in spec}
    if isinstance(live, list) and isinstance(spec, list):
        member = shape.member if isinstance(shape, ListShape) else None
        return [project(v, spec[i], member) if i < len(spec) else v for i, v in enumerate(live)]
    return live


def _shape_at(request: AwsRequest, path: Path) -> Shape | None:
    shape: Shape | None = service_model(request.service).operation_model(request.operation).input_shape
    for part in path:
        if isinstance(shape, StructureShape) and isinstance(part, str):
            shape = shape.members.get(part)
        elif isinstance(shape, ListShape) and isinstance(part, int):
            shape = shape.member
        elif isinstance(shape, MapShape) and isinstance(part, str):
            shape = shape.value
        else:
            return None
    return shape


def _get(root: Any, path: Path) -> Any:
    node = root
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return MISSING
            node = node[part]
        else:
            if not isinstance(node, Mapping) or part not in node:
                return MISSING
            node = node[part]
    return node


def _put(root: dict[str, Any], path: Path, value: Any) -> None:
    """Set (or, for ``MISSING``, remove) ``path`` inside ``root``, creating the maps on the way."""
    node: Any = root
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    last = path[-1]
    if value is MISSING:
        if isinstance(node, dict):
            node.pop(last, None)
    else:
        node[last] = value


def views(diffs: Sequence[Difference], *, request: AwsRequest, live: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(live, spec) projections of exactly the differing fields, for ``before``/``after``.

    A difference inside a list shows the whole list on both sides (the rendered diff lists only
    the leaves that differ), the live one cut to the members the spec sets."""
    live_view: dict[str, Any] = {}
    spec_view: dict[str, Any] = {}
    for diff in diffs:
        cut = diff.path
        for index, part in enumerate(diff.path):
            if isinstance(part, int):
                cut = diff.path[:index]
                break
        spec_value = _get(request.params, cut)
        live_value = _get(live, cut)
        if live_value is not MISSING:
            shaped = project(live_value, spec_value, _shape_at(request, cut)) if spec_value is not MISSING else live_value
            _put(live_view, cut, shaped)
        if spec_value is not MISSING:
            _put(spec_view, cut, copy.deepcopy(spec_value))
    # Display only (apply runs the steps): no secret is copied from AWS into a plan or a plan file.
    # A secret that differs keeps a row in the rendered diff: its two sides are different markers.
    live_view, spec_view = redact(live_view), redact(spec_view)
    for diff in diffs:
        plain = not any(isinstance(part, int) for part in diff.path)
        if plain and diff.spec is not MISSING and diff.live is not MISSING and _secret(diff, request, live):
            _put(spec_view, diff.path, SECRET_DIFFERS)
    return live_view, spec_view


def _secret(diff: Difference, request: AwsRequest, live: Mapping[str, Any]) -> bool:
    return (diff.live is not MISSING and is_sensitive_at(diff.path, live)) or (
        diff.spec is not MISSING and is_sensitive_at(diff.path, request.params))


def matching_spec_hash(res: DesiredResource, request: AwsRequest, diffs: Sequence[Difference]) -> str:
    """The spec hash of ``res`` with the live values in place of ``diffs``: the spec that matches what runs.

    Mirrors how ``specs`` hashes a job or single-resource spec: the request without our tags and
    without a name gitops-sm generated, plus the user's tags (``model.request_view``)."""
    params: dict[str, Any] = copy.deepcopy(dict(request.params))
    for diff in diffs:
        live = diff.live if diff.spec is MISSING else project(diff.live, diff.spec, _shape_at(request, diff.path))
        _put(params, diff.path, copy.deepcopy(live))  # cut to what the spec sets, as an edited spec would say
    tags = params.pop("Tags", None) or []
    user_tags = [t for t in tags if isinstance(t, Mapping) and t.get("Key") not in kinds.OUR_TAG_KEYS]
    name_member = _NAME_MEMBERS.get(request.operation)
    if name_member and not res.explicit_name:
        params.pop(name_member, None)
    return content_hash([request_view(request.service, request.operation, params, user_tags)])


def _shown(value: Any, sensitive: bool) -> str:
    if value is MISSING:
        return "absent"
    if sensitive:
        return SENSITIVE
    if isinstance(value, str):
        return value
    text = repr(value) if not isinstance(value, Mapping | list) else f"{type(value).__name__} of {len(value)}"
    return text


def describe(diffs: Sequence[Difference], *, request: AwsRequest, live: Mapping[str, Any]) -> str:
    """``A.B (live 3600, spec 7200), C (live absent, spec x)``; secret values as ``(sensitive)``."""
    parts: list[str] = []
    for diff in diffs[:_MAX_NAMED]:
        secret = _secret(diff, request, live)  # a secret on one side hides both values
        parts.append(f"{diff.name} (live {_shown(diff.live, secret)}, spec {_shown(diff.spec, secret)})")
    if len(diffs) > _MAX_NAMED:
        parts.append(f"and {len(diffs) - _MAX_NAMED} more")
    return ", ".join(parts)


def _leaves(value: Any, path: Path = ()) -> dict[Path, Any]:
    if isinstance(value, Mapping) and value:
        return {p: v for key, child in value.items() for p, v in _leaves(child, (*path, str(key))).items()}
    return {path: value}


def view_differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Difference]:
    """The leaves where two views of one resource (live ``before``, spec ``after``) differ."""
    old, new = _leaves(before), _leaves(after)
    return [Difference(path=p, live=old.get(p, MISSING), spec=new.get(p, MISSING))
            for p in sorted(old.keys() | new.keys(), key=format_path)
            if old.get(p, MISSING) is MISSING or new.get(p, MISSING) is MISSING or not _same_scalar(new[p], old[p])]


def describe_views(diffs: Sequence[Difference]) -> str:
    """``path (live x, spec y)`` for differences between two views (secret-looking keys hidden)."""
    parts = []
    for diff in diffs[:_MAX_NAMED]:
        secret = any(isinstance(part, str) and looks_secret(part) for part in diff.path)
        parts.append(f"{diff.name} (live {_shown(diff.live, secret)}, spec {_shown(diff.spec, secret)})")
    if len(diffs) > _MAX_NAMED:
        parts.append(f"and {len(diffs) - _MAX_NAMED} more")
    return ", ".join(parts)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
