"""Paging of the simulator's List*/Describe* answers as AWS pages them.

moto 5.2 pages these calls unlike AWS: ``ListModels`` returns every model in one response,
``ListTrainingJobs``/``ListProcessingJobs``/``ListTransformJobs`` return everything when
``MaxResults`` is absent and apply ``StatusEquals``/``NameContains`` after cutting the page (so a
filtered page comes back short or empty while matches remain) and ignore ``SortBy``/``SortOrder``;
``ListEndpoints``/``ListEndpointConfigs``/``ListHyperParameterTuningJobs`` default to 100 per page,
and hardly any call refuses an out-of-range ``MaxResults``. A page count at scale then differs from
AWS's, and so would every call count measured on the simulator.

``sagemaker_ext`` and ``autoscaling_ext`` answer those calls through this module:

- :func:`page_size`: the request's ``MaxResults`` (``limit_member``) checked against the range
  botocore's service model gives (the shape's ``min``/``max``, or the range its documentation
  states, as Application Auto Scaling's model does), ValidationException outside it; absent, the
  documented default (SageMaker's lists: 10);
- :func:`sort_default` / :func:`check_enum`: the documented ``SortBy``/``SortOrder`` defaults and
  the model's enums;
- :func:`cut`: one page of an already filtered and sorted list, with an opaque ``NextToken``.

Tokens carry an offset into the filtered, sorted list (as ``search`` does): a resource deleted
between two pages shifts the rest by one, which AWS's tokens may not do (noted, not modelled).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from gitops_sm.botocoredata import service_model

T = TypeVar("T")
# SageMaker's List* calls return 10 items unless asked otherwise (documented on most of them,
# e.g. ListEndpoints "This value defaults to 10"; the others behave the same on AWS).
SAGEMAKER_DEFAULT_PAGE = 10
_TOKEN_PREFIX = "page-"
_RANGE_TEXT = re.compile(r"between (\d+) and (\d+)")
_DEFAULT_NUMBER = re.compile(r"(?:default value is|defaults to) (\d+)")
_DEFAULT_WORD = re.compile(r"[Tt]he default is (\w+)")


@dataclass(frozen=True)
class Limits:
    """What an operation accepts as its page size, and what it uses when none is asked for."""

    low: int
    high: int | None
    default: int


@functools.cache
def input_members(service: str, operation: str) -> Any:
    """The members of an operation's input shape (botocore's service model)."""
    shape: Any = service_model(service).operation_model(operation).input_shape
    return shape.members


def _input_member(service: str, operation: str, member: str) -> Any:
    return input_members(service, operation)[member]


@functools.cache
def limits(service: str, operation: str, *, limit_member: str = "MaxResults") -> Limits:
    """The page-size range and default of one operation, from botocore's service model."""
    shape = _input_member(service, operation, limit_member)
    doc = re.sub(r"<[^>]+>", "", shape.documentation or "")
    low: int | None = shape.metadata.get("min")
    high: int | None = shape.metadata.get("max")
    stated = _RANGE_TEXT.search(doc)
    if stated and low is None and high is None:
        # Application Auto Scaling's model states the range only in words ("between 1 and 10").
        low, high = int(stated.group(1)), int(stated.group(2))
    documented = _DEFAULT_NUMBER.search(doc)
    if documented:
        default = int(documented.group(1))
    elif service == "sagemaker":
        default = SAGEMAKER_DEFAULT_PAGE
    else:
        raise LookupError(f"botocore documents no default page size for {service} {operation}")
    low = 1 if low is None else low
    default = max(default, low)  # ListTags: min 50, no stated default: AWS answers 50
    if high is not None:
        default = min(default, high)
    return Limits(low=low, high=high, default=default)


def page_size(
    service: str,
    operation: str,
    value: Any,
    *,
    invalid: Callable[[str], Exception],
    limit_member: str = "MaxResults",
) -> int:
    """The page size a request asks for (``value``, None when absent), as AWS accepts or refuses it."""
    bounds = limits(service, operation, limit_member=limit_member)
    if value is None:
        return bounds.default
    size = int(value)
    field = limit_member[0].lower() + limit_member[1:]
    if size < bounds.low:
        raise invalid(
            f"1 validation error detected: Value '{size}' at '{field}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {bounds.low}"
        )
    if bounds.high is not None and size > bounds.high:
        raise invalid(
            f"1 validation error detected: Value '{size}' at '{field}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {bounds.high}"
        )
    return size


@functools.cache
def sort_default(service: str, operation: str, member: str) -> str:
    """The documented default of ``SortBy``/``SortOrder`` (e.g. ListModels: CreationTime, Descending)."""
    shape = _input_member(service, operation, member)
    found = _DEFAULT_WORD.search(re.sub(r"<[^>]+>", "", shape.documentation or ""))
    if found is None or found.group(1) not in shape.enum:
        raise LookupError(f"botocore documents no default {member} for {service} {operation}")
    return found.group(1)


def check_enum(
    service: str, operation: str, member: str, value: Any, *, invalid: Callable[[str], Exception]
) -> None:
    """ValidationException when ``value`` (if given) is not one of the member's enum values."""
    if value is None:
        return
    allowed = list(_input_member(service, operation, member).enum)
    if value not in allowed:
        field = member[0].lower() + member[1:]
        raise invalid(
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )


def cut(
    items: Sequence[T], *, token: str | None, size: int, invalid: Callable[[str], Exception]
) -> tuple[list[T], str | None]:
    """One page of ``items`` from ``token`` on, and the token of the next page (None on the last)."""
    start = 0
    if token:
        number = token[len(_TOKEN_PREFIX) :] if token.startswith(_TOKEN_PREFIX) else ""
        if not number.isdigit():
            raise invalid("Invalid pagination token (NextToken).")
        start = int(number)
    end = start + size
    return list(items[start:end]), (f"{_TOKEN_PREFIX}{end}" if end < len(items) else None)
