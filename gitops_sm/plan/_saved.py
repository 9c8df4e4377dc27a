"""A saved plan is a contract: is it exactly what planning the same specs against the world gives now?

Called by ``app.check_fresh`` for ``apply PLANFILE`` after it re-planned with the saved plan's
options. Pure: two ``Plan`` values in, the first difference (or ``None``) out. Every change is
compared field by field and every step of it call by call (service, call, region, target,
params, endpoint URL), so an edited file (an extra or reordered step, another role, instance
type or target, a foreign service or endpoint, the redacted ``--output json`` with its
``"redacted"`` key deleted) is refused with the first differing step named. Messages name fields,
never values (a value may be a secret).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitops_sm.model import Plan, ResourceChange, Step

_CHANGE_FIELDS = ("kind", "api_version", "source", "region", "names", "actions", "reason", "before", "after",
                  "depends_on")


def first_difference(*, saved: Plan, now: Plan) -> str | None:
    """Where ``saved`` first differs from ``now`` (a plan made from the same specs just now), or None."""
    saved_changes, now_changes = saved.resource_changes, now.resource_changes
    for index in range(max(len(saved_changes), len(now_changes))):
        if index >= len(now_changes):
            extra = saved_changes[index]
            return f"change {index + 1} ({extra.address}) is not in the plan made now"
        if index >= len(saved_changes):
            missing = now_changes[index]
            return f"planning now gives a change {index + 1} ({missing.address}) that the file does not have"
        found = _change_difference(saved_changes[index], now_changes[index], index=index)
        if found:
            return found
    return None


def _change_difference(saved: ResourceChange, now: ResourceChange, *, index: int) -> str | None:
    if saved.address != now.address:
        return f"change {index + 1} is for {saved.address} in the file, for {now.address} when planning now"
    found = _steps_difference(saved.address, saved.steps, now.steps)
    if found:
        return found
    saved_view, now_view = saved.to_dict(), now.to_dict()
    for name in _CHANGE_FIELDS:
        if saved_view.get(name) != now_view.get(name):
            where = _first_path(saved_view.get(name), now_view.get(name))
            return f"{saved.address}: its {name}{where} differs from planning now"
    return None


def _step_label(step: Step) -> str:
    return f"{step.service} {step.call} {step.target}"


def _steps_difference(address: str, saved: Sequence[Step], now: Sequence[Step]) -> str | None:
    count = len(now)
    for index in range(max(len(saved), len(now))):
        number = f"step {index + 1} of {count}"
        if index >= len(now):
            return f"{address}: {number.split(' of ')[0]} ({_step_label(saved[index])}) is not in the plan made now"
        if index >= len(saved):
            return f"{address}: planning now gives a {number} ({_step_label(now[index])}) that the file does not have"
        a, b = saved[index].to_dict(), now[index].to_dict()
        if a != b:
            field = next(k for k in ("service", "call", "region", "target", "endpoint_url", "params") if a.get(k) != b.get(k))
            where = _first_path(a.get(field), b.get(field)) if field == "params" else ""
            return (
                f"{address}: {number} ({_step_label(saved[index])}) differs from planning now in "
                f"{field}{where}"
            )
    return None


def _first_path(a: Any, b: Any, path: str = "") -> str:
    """``.ResourceConfig.InstanceType`` or ``[2]``: where two JSON values first differ."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b or a[key] != b[key]:
                return _first_path(a.get(key), b.get(key), f"{path}.{key}")
        return path
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        for i in range(max(len(a), len(b))):
            if i >= len(a) or i >= len(b) or a[i] != b[i]:
                return _first_path(a[i] if i < len(a) else None, b[i] if i < len(b) else None, f"{path}[{i}]")
        return path
    return path
