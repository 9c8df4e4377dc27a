"""SageMaker ``Search`` over training jobs and endpoints in the simulator, as AWS answers it.

moto 5.2's ``search`` returns every match in one response (no ``MaxResults``/``NextToken``), dumps
its internal objects instead of ``SearchRecord`` shapes and honours only the first ``Tags.<key>``
filter. ``sagemaker_ext`` routes ``Search(Resource="TrainingJob" | "Endpoint")`` here (other
resources stay moto's):

* records are the ``SearchRecord`` members of the resource (``{"TrainingJob": {...}}``), built from
  the same moto object Describe reads, plus its ``Tags``, so ``LastModifiedTime`` and status equal
  what List and Describe report at that moment (the simulator's index never lags; AWS's may);
* ``SearchExpression``: ``Filters`` (``Tags.<key>`` and dotted property names such as
  ``TrainingJobStatus`` or ``ResourceConfig.InstanceType``; operators ``Equals`` (the default),
  ``NotEquals``, ``Contains``, ``Exists``, ``NotExists``, ``In`` and, on numbers, the
  comparisons), ``SubExpressions`` and ``Operator`` ``And``/``Or``; ``NestedFilters`` is refused
  with a ValidationException;
* ``SortBy`` (default ``LastModifiedTime``) and ``SortOrder`` (default ``Descending``), ties by
  name; ``MaxResults`` 1-100 (default 10) and an opaque ``NextToken``; ``TotalHits``.

Cheap enough for the 10,000-job bench: tag filters read moto's tag lists directly and a record is
built only for a match on the requested page (or when a property filter needs it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gitops_sm.botocoredata import new_botocore_session

RESOURCES = ("TrainingJob", "Endpoint")
_STORES = {"TrainingJob": "training_jobs", "Endpoint": "endpoints"}
_NAME_ATTRIBUTES = {"TrainingJob": "training_job_name", "Endpoint": "endpoint_name"}
DEFAULT_MAX_RESULTS = 10
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThan": lambda actual, wanted: actual > wanted,
    "GreaterThanOrEqualTo": lambda actual, wanted: actual >= wanted,
    "LessThan": lambda actual, wanted: actual < wanted,
    "LessThanOrEqualTo": lambda actual, wanted: actual <= wanted,
}


def _validation(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


@functools.cache
def record_members(resource: str) -> frozenset[str]:
    """The members of the ``SearchRecord`` shape of ``resource`` (botocore's service model)."""
    model = new_botocore_session().get_service_model("sagemaker")
    records: Any = model.shape_for("SearchRecord")
    shape: Any = records.members[resource]
    return frozenset(shape.members)


def record(resource: str, item: Any) -> dict[str, Any]:
    """The ``SearchRecord`` body of one moto object: its Describe fields in the record's shape, and tags."""
    members = record_members(resource)
    described = item.response_object  # what Describe<Resource> answers for this object now
    body = {key: value for key, value in described.items() if key in members and value is not None}
    body["Tags"] = [dict(tag) for tag in item.tags or []]
    if resource == "Endpoint":
        capture = _capture_summary(getattr(item, "data_capture_config", None))
        if capture is None:
            body.pop("DataCaptureConfig", None)
        else:
            body["DataCaptureConfig"] = capture
    return body


def _capture_summary(config: Any) -> dict[str, Any] | None:
    """An endpoint's ``DataCaptureConfigSummary`` from the config's ``DataCaptureConfig`` (moto keeps
    the request's, or ``{}``): AWS shows it only when capture is configured, with every member."""
    if not isinstance(config, Mapping) or not config.get("DestinationS3Uri"):
        return None
    enabled = bool(config.get("EnableCapture", True))
    return {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": int(config.get("InitialSamplingPercentage", 0)),
        "DestinationS3Uri": str(config["DestinationS3Uri"]),
        "KmsKeyId": str(config.get("KmsKeyId") or ""),
    }


def search(
    backend: Any,
    *,
    resource: str,
    expression: Mapping[str, Any] | None,
    sort_by: str | None,
    sort_order: str | None,
    next_token: str | None,
    max_results: int | None,
) -> dict[str, Any]:
    """One page of ``Search`` results (``Results``, ``NextToken`` when more, ``TotalHits``)."""
    size = DEFAULT_MAX_RESULTS if max_results is None else int(max_results)
    if not 1 <= size <= 100:
        raise _validation(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
            "Member must have value less than or equal to 100"
        )
    order = sort_order or "Descending"
    if order not in ("Ascending", "Descending"):
        raise _validation(f"Value '{order}' at 'sortOrder' failed to satisfy constraint: Ascending|Descending")
    start = _offset(next_token)
    matcher = _matcher(resource, expression) if expression else None
    records: dict[int, dict[str, Any]] = {}

    def record_of(item: Any) -> dict[str, Any]:
        built = records.get(id(item))
        if built is None:
            built = records[id(item)] = record(resource, item)
        return built

    items = list(getattr(backend, _STORES[resource]).values())
    matches = [item for item in items if matcher is None or matcher(item, record_of)]
    key = _sort_key(resource, sort_by or "LastModifiedTime", record_of)
    name_of = _NAME_ATTRIBUTES[resource]
    matches.sort(key=lambda item: getattr(item, name_of))  # ties: by name, whatever the order
    matches.sort(key=key, reverse=order == "Descending")
    page = matches[start : start + size]
    body: dict[str, Any] = {
        "Results": [{resource: record_of(item)} for item in page],
        "TotalHits": {"Value": len(matches), "Relation": "EqualTo"},
    }
    if start + size < len(matches):
        body["NextToken"] = f"offset-{start + size}"
    return body


def _offset(token: str | None) -> int:
    if not token:
        return 0
    prefix, _, number = token.partition("-")
    if prefix != "offset" or not number.isdigit():
        raise _validation("Invalid pagination token (NextToken) in the Search request.")
    return int(number)


_Matcher = Callable[[Any, Callable[[Any], dict[str, Any]]], bool]


def _matcher(resource: str, expression: Mapping[str, Any]) -> _Matcher:
    """A predicate over (moto object, record builder) for one SearchExpression."""
    if expression.get("NestedFilters"):
        raise _validation("The sandbox's Search does not support NestedFilters.")
    operator = expression.get("Operator") or "And"
    if operator not in ("And", "Or"):
        raise _validation(f"Value '{operator}' at 'searchExpression.operator' failed to satisfy constraint: And|Or")
    parts: list[_Matcher] = [_filter(resource, f) for f in expression.get("Filters") or ()]
    parts += [_matcher(resource, sub) for sub in expression.get("SubExpressions") or ()]
    if not parts:
        raise _validation("A SearchExpression must contain at least one Filter, NestedFilter or SubExpression.")
    combine = all if operator == "And" else any

    def matches(item: Any, record_of: Callable[[Any], dict[str, Any]]) -> bool:
        return combine(part(item, record_of) for part in parts)

    return matches


def _filter(resource: str, spec: Mapping[str, Any]) -> _Matcher:
    name = str(spec.get("Name") or "")
    operator = str(spec.get("Operator") or "Equals")
    wanted = spec.get("Value")
    if operator not in ("Exists", "NotExists") and wanted is None:
        raise _validation(f"A Value is required for the {operator} operator (filter {name}).")
    test = _predicate(operator, str(wanted) if wanted is not None else "", name)
    if name.startswith("Tags."):
        tag_key = name[len("Tags.") :]

        def by_tag(item: Any, record_of: Callable[[Any], dict[str, Any]]) -> bool:
            return test([str(t.get("Value", "")) for t in item.tags or () if t.get("Key") == tag_key])

        return by_tag
    path = name.split(".")
    if not name or path[0] not in record_members(resource):
        raise _validation(f"Unknown property name: {name}")

    def by_property(item: Any, record_of: Callable[[Any], dict[str, Any]]) -> bool:
        value: Any = record_of(item)
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        return test([] if value is None else [value])

    return by_property


def _predicate(operator: str, wanted: str, name: str) -> Callable[[Iterable[Any]], bool]:
    """A test over the values a property has on one record (none when it is absent)."""
    if operator == "Exists":
        return lambda values: any(True for _ in values)
    if operator == "NotExists":
        return lambda values: not any(True for _ in values)
    if operator == "Equals":
        return lambda values: any(_text(v) == wanted for v in values)
    if operator == "NotEquals":
        return lambda values: not any(_text(v) == wanted for v in values)
    if operator == "Contains":
        return lambda values: any(wanted in _text(v) for v in values)
    if operator == "In":
        options = {option.strip() for option in wanted.split(",")}
        return lambda values: any(_text(v) in options for v in values)
    compare = _COMPARISONS.get(operator)
    if compare is None:
        raise _validation(f"Value '{operator}' at 'operator' failed to satisfy constraint (filter {name}).")
    try:
        number = float(wanted)
    except ValueError:
        raise _validation(f"The sandbox's Search compares numbers only ({name} {operator} {wanted}).") from None
    return lambda values: any(isinstance(v, int | float) and compare(float(v), number) for v in values)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sort_key(resource: str, sort_by: str, record_of: Callable[[Any], dict[str, Any]]) -> Callable[[Any], Any]:
    from moto.core.utils import camelcase_to_underscores

    if sort_by not in record_members(resource):
        raise _validation(f"Unknown property name for SortBy: {sort_by}")
    attribute = str(camelcase_to_underscores(sort_by))

    def key(item: Any) -> Any:
        value = getattr(item, attribute, None) if hasattr(item, attribute) else record_of(item).get(sort_by)
        return (value is not None, value if value is not None else 0)

    return key
