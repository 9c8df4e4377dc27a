"""SageMaker's List* calls in the simulator, filtered, sorted and paged as AWS answers them.

Installed onto moto's ``SageMakerResponse`` by ``sagemaker_ext.install`` beside its other handlers.
Each keeps moto's storage (and, where moto has one, its filtering of the stored objects), then:

- filters before cutting the page (moto cuts ListTrainingJobs/ListProcessingJobs/ListTransformJobs
  first, so ``StatusEquals`` gave short pages while matches remained);
- sorts by ``SortBy``/``SortOrder``, defaulting to what botocore's model documents per call (moto
  ignores them on the job lists and sorts ascending elsewhere), ties by name;
- pages with ``MaxResults`` in the model's range (ValidationException outside it), default 10,
  and a ``NextToken`` (``paging``); ``ListModels`` pages at all (moto returned every model).

Why it matters: gitops-sm's call counts measured on the simulator (tests, ``bench/``) are only
AWS's if the simulator needs as many pages as AWS does.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitops_sm.sandbox import jobs, paging

SERVICE = "sagemaker"


def _validation(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)


def _result(body: dict[str, Any]) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult(body)


def _epoch(value: Any) -> float:
    """A timestamp as epoch seconds, whatever form it is kept or sent in (moto: naive UTC)."""
    if value is None:
        return float("-inf")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    raise _validation(f"Value '{value}' is not a timestamp.")


@dataclass(frozen=True)
class Listed:
    """How one List* call reads the moto objects it lists (attribute names on those objects)."""

    operation: str
    result_key: str
    name: str
    summary: Callable[[Any], dict[str, Any]]
    status: str | None = None
    modified: str | None = None


def _filter(response: Any, listed: Listed) -> Callable[[Any], bool] | None:
    """The request's List* filters as one predicate (None when it has none): NameContains,
    StatusEquals, Creation/LastModifiedTime After/Before. Parameters are read once per request."""
    tests: list[Callable[[Any], bool]] = []
    contains = response._get_param("NameContains")
    if contains:
        tests.append(lambda item: contains in getattr(item, listed.name))
    wanted = response._get_param("StatusEquals")
    if wanted:
        status = listed.status
        tests.append(lambda item: status is not None and getattr(item, status) == wanted)
    bounds = (
        ("CreationTimeAfter", "creation_time", 1.0),
        ("CreationTimeBefore", "creation_time", -1.0),
        ("LastModifiedTimeAfter", listed.modified, 1.0),
        ("LastModifiedTimeBefore", listed.modified, -1.0),
    )
    for member, attribute, side in bounds:  # side: +1 the time must be after the bound, -1 before it
        bound = response._get_param(member)
        if bound is None or attribute is None:
            continue
        tests.append(_time_test(attribute, limit=_epoch(bound), side=side))
    if len(tests) <= 1:
        return tests[0] if tests else None
    return lambda item: all(test(item) for test in tests)


# (operation, sort member, descending) -> (the objects as stored, the same objects sorted).
_ORDERS: dict[tuple[str, str, bool], tuple[list[Any], list[Any]]] = {}


def _ordered(
    items: list[Any], *, operation: str, sort_by: str, key: Callable[[Any], Any], descending: bool
) -> list[Any]:
    """``items`` sorted, reusing the last sort of the same objects.

    Every page of a listing sorts every stored object: 8,000 training jobs take ~3 ms a page,
    which made a page's cost grow with the number of jobs. Name and CreationTime never change on
    a stored object, so while the store holds the very same objects (compared by identity, in C)
    the previous order still holds. Status does change: never reused.
    """
    cache_key = (operation, sort_by, descending)
    if sort_by != "Status":
        cached = _ORDERS.get(cache_key)
        if cached is not None and cached[0] == items:
            return cached[1]
    ordered = sorted(items, key=key, reverse=descending)
    if sort_by != "Status":
        _ORDERS[cache_key] = (items, ordered)
    return ordered


def _time_test(attribute: str, *, limit: float, side: float) -> Callable[[Any], bool]:
    return lambda item: (_epoch(getattr(item, attribute, None)) - limit) * side > 0


def _page(response: Any, listed: Listed, store: dict[str, Any]) -> Any:
    """Filter all of ``items``, sort them (as asked, else the documented default), cut one page.

    Summaries are built for the page only: at 10,000 jobs a listing is 100 pages of 100, and each
    page filters every stored object again (AWS filters before it cuts).
    """
    operation = listed.operation
    items = list(store.values())
    size = paging.page_size(SERVICE, operation, response._get_param("MaxResults"), invalid=_validation)
    for member in ("SortBy", "SortOrder", "StatusEquals"):
        if member in paging.input_members(SERVICE, operation):
            paging.check_enum(SERVICE, operation, member, response._get_param(member), invalid=_validation)
    sort_by = response._get_param("SortBy") or paging.sort_default(SERVICE, operation, "SortBy")
    order = response._get_param("SortOrder") or paging.sort_default(SERVICE, operation, "SortOrder")
    # moto keeps naive UTC datetimes (the sandbox's transitions too), so they compare as they are;
    # ties (several objects created in one simulated instant) go by name, in the same direction.
    # attrgetter keys run in C: a 10,000-job listing sorts every stored job on every page.
    keys = {
        "Name": operator.attrgetter(listed.name),
        "CreationTime": operator.attrgetter("creation_time", listed.name),
        "Status": operator.attrgetter(listed.status or listed.name, listed.name),
    }
    ordered = _ordered(items, operation=operation, sort_by=sort_by, key=keys[sort_by], descending=order == "Descending")
    matches = _filter(response, listed)  # filtering the sorted list keeps its order
    chosen = ordered if matches is None else [item for item in ordered if matches(item)]
    page, token = paging.cut(chosen, token=response._get_param("NextToken"), size=size, invalid=_validation)
    body: dict[str, Any] = {listed.result_key: [listed.summary(item) for item in page]}
    if token is not None:
        body["NextToken"] = token
    return _result(body)


def _model_summary(model: Any) -> dict[str, Any]:
    return {"ModelName": model.model_name, "ModelArn": model.arn, "CreationTime": model.creation_time}


def _job_listed(noun: str) -> Listed:
    """The listing of one job kind; its summaries carry the members moto's own listing gave."""
    spec = jobs.JOB_SPECS[noun]
    name = f"{_snake(noun)}_name"

    def summary(job: Any) -> dict[str, Any]:
        return {
            f"{noun}Name": getattr(job, name),
            f"{noun}Arn": job.arn,
            "CreationTime": job.creation_time,
            f"{noun.removesuffix('Job')}EndTime": getattr(job, spec.end_attr, None),
            "LastModifiedTime": job.last_modified_time,
            f"{noun}Status": getattr(job, spec.status_attr),
        }

    return Listed(
        operation=f"List{noun}s",
        result_key=f"{noun}Summaries",
        name=name,
        summary=summary,
        status=spec.status_attr,
        modified="last_modified_time",
    )


def _snake(noun: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return str(camelcase_to_underscores(noun))


_MODELS = Listed(operation="ListModels", result_key="Models", name="model_name", summary=_model_summary)
_ENDPOINTS = Listed(
    operation="ListEndpoints",
    result_key="Endpoints",
    name="endpoint_name",
    summary=lambda endpoint: endpoint.summary(),
    status="endpoint_status",
    modified="last_modified_time",
)
_ENDPOINT_CONFIGS = Listed(
    operation="ListEndpointConfigs",
    result_key="EndpointConfigs",
    name="endpoint_config_name",
    summary=lambda config: config.summary(),
)
_TUNING_JOBS = Listed(
    operation="ListHyperParameterTuningJobs",
    result_key="HyperParameterTuningJobSummaries",
    name="hyper_parameter_tuning_job_name",
    summary=lambda job: job.summary(),
    status="hyper_parameter_tuning_job_status",
    modified="last_modified_time",
)
_JOBS = {noun: _job_listed(noun) for noun in ("TrainingJob", "ProcessingJob", "TransformJob")}


class SageMakerListExtensions:
    """Methods copied onto moto's SageMakerResponse by ``sagemaker_ext.install``."""

    def list_models(self: Any) -> Any:
        return _page(self, _MODELS, self.sagemaker_backend._models)

    def list_endpoints(self: Any) -> Any:
        return _page(self, _ENDPOINTS, self.sagemaker_backend.endpoints)

    def list_endpoint_configs(self: Any) -> Any:
        return _page(self, _ENDPOINT_CONFIGS, self.sagemaker_backend.endpoint_configs)

    def list_hyper_parameter_tuning_jobs(self: Any) -> Any:
        return _page(self, _TUNING_JOBS, self.sagemaker_backend.hyper_parameter_tuning_jobs)

    def list_training_jobs(self: Any) -> Any:
        return _page(self, _JOBS["TrainingJob"], self.sagemaker_backend.training_jobs)

    def list_processing_jobs(self: Any) -> Any:
        return _page(self, _JOBS["ProcessingJob"], self.sagemaker_backend.processing_jobs)

    def list_transform_jobs(self: Any) -> Any:
        return _page(self, _JOBS["TransformJob"], self.sagemaker_backend.transform_jobs)
