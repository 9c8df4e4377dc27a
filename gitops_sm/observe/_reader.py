"""The shared machinery of one observation pass: guarded calls, pagination and JSON conversion.

Used by ``observe._sagemaker`` and ``observe._autoscaling``. A :class:`Reader` makes every read
through :meth:`Reader.call` / :meth:`Reader.paginate`, which turn any AWS failure into a
:class:`ReadFailed` (caught by the caller and recorded as an ``Issue``) except two that abort the
pass with one :class:`gitops_sm.errors.ObservationError`: missing credentials, and an endpoint of
the default region (no ``spec.sageMakerEndpoint``) that cannot be reached (a wrong
``AWS_ENDPOINT_URL``, no network). An unreachable endpoint elsewhere (a mistyped ``spec.region``)
fails only the resources read there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from botocore import xform_name

from gitops_sm.awsclients import (
    AWS_EXCEPTIONS,
    ClientFactory,
    is_connection_error,
    is_credentials_error,
    is_not_found,
    translate,
)
from gitops_sm.errors import AwsError, ObservationError
from gitops_sm.model import READ_FAILURE_PREFIX, Issue, ObservedResource, ObservedType, digest
from gitops_sm.observe._ledger import FROM_LEDGER, LIST_SUMMARY, RecordedState


class ReadFailed(Exception):
    """A read failed; ``error`` is the translated AWS error (code + message)."""

    def __init__(self, error: AwsError, *, not_found: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.not_found = not_found


class Reads(StrEnum):
    """How much a pass reads beyond the List pages.

    ``decisions`` (plan, apply, reconcile): only what a planning decision depends on — no call for
    a finished job whose generated name proves its spec, no tags of a settled endpoint's objects.
    ``report`` (status): also the details the status report shows (failure reasons, outputs, tags).
    """

    DECISIONS = "decisions"
    REPORT = "report"


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Where a group of resources is read: a region, and the SageMaker endpoint URL override."""

    region: str
    endpoint_url: str | None = None


@dataclass(kw_only=True)
class Reader:
    """Collects what a pass read, the (region, type) pairs listed in full, and read failures."""

    clients: ClientFactory
    recorded_state: RecordedState | None = None
    default_region: str | None = None  # where an unreachable endpoint aborts the pass
    resources: dict[tuple[str, str, str], ObservedResource] = field(default_factory=dict)
    listed: set[tuple[str, str]] = field(default_factory=set)
    issues: list[Issue] = field(default_factory=list)
    _default_clients: set[int] = field(default_factory=set)

    def client(self, service: str, scope: Scope) -> Any:
        made = self.clients.client(service, region=scope.region, endpoint_url=scope.endpoint_url)
        if scope.endpoint_url is None and scope.region == self.default_region:
            self._default_clients.add(id(made))
        return made

    def call(self, client: Any, operation: str, *, target: str, **params: Any) -> dict[str, Any]:
        """One read call; the response without ``ResponseMetadata``."""
        try:
            response: dict[str, Any] = getattr(client, xform_name(operation))(**params)
        except AWS_EXCEPTIONS as exc:
            raise self._failure(exc, client, operation=operation, target=target) from exc
        response.pop("ResponseMetadata", None)
        return response

    def paginate(
        self, client: Any, operation: str, *, result_key: str, page_size: int, target: str, **params: Any
    ) -> list[dict[str, Any]]:
        """Every item of a paginated List/Describe call (botocore paginator, ``page_size`` per page)."""
        paginator = client.get_paginator(xform_name(operation))
        items: list[dict[str, Any]] = []
        try:
            for page in paginator.paginate(**params, PaginationConfig={"PageSize": page_size}):
                items.extend(page.get(result_key) or ())
        except AWS_EXCEPTIONS as exc:
            raise self._failure(exc, client, operation=operation, target=target) from exc
        return items

    def _failure(self, exc: BaseException, client: Any, *, operation: str, target: str) -> Exception:
        if is_credentials_error(exc) or (is_connection_error(exc) and id(client) in self._default_clients):
            # Nothing can be read at all: one clear error instead of an issue per region and type.
            return translate(exc, operation=operation, target=target, error_type=ObservationError)
        return ReadFailed(translate(exc, operation=operation, target=target), not_found=is_not_found(exc))

    def record_failure(self, failure: ReadFailed, *, addresses: Iterable[str]) -> None:
        """One ``Issue`` per affected address (one without an address when none is known)."""
        message = f"{READ_FAILURE_PREFIX}{failure.error}"
        targets: list[str | None] = [*sorted(set(addresses))] or [None]
        for address in targets:
            self.issues.append(Issue(source=None, address=address, path="", message=message))

    def reuse_recorded(self, key: tuple[str, str, str]) -> ObservedResource | None:
        """The ledger's record of ``key`` if its List summary is unchanged; stored as observed."""
        current = self.resources.get(key)
        if self.recorded_state is None or current is None:
            return None
        summary = current.volatile.get(LIST_SUMMARY)
        if not summary:
            return None
        region, type_value, name = key
        recorded = self.recorded_state.recorded(
            region=region, type_=ObservedType(type_value), name=name, summary=str(summary)
        )
        if recorded is None or recorded.key != key:
            return None
        reused = replace(recorded, volatile={**recorded.volatile, **current.volatile, FROM_LEDGER: True})
        self.put(reused)
        return reused

    def put(self, resource: ObservedResource) -> None:
        self.resources[resource.key] = resource

    def drop(self, key: tuple[str, str, str]) -> None:
        self.resources.pop(key, None)


def jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO-8601 strings and tuples as lists (JSON-able)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def pick(source: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The present ``keys`` of ``source``, JSON-able."""
    return {k: jsonable(source[k]) for k in keys if k in source and source[k] is not None}


def tag_map(tags: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` → ``{k: v}``."""
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags}


def summary_fingerprint(item: Mapping[str, Any]) -> str:
    """Fingerprint of one List* summary: changes whenever status or timestamps change."""
    return digest(jsonable(item))
