"""Translation of the kubernetes client's failures into ``gitops_sm.errors``.

Every call into the kubernetes client made by ``gitops_sm.kube`` (and by callers that use its
clients, like the reconcile Lease) goes through :func:`api_call` or :func:`translate`, so an
``ApiException``, a ``ConfigException`` or a urllib3 connection failure never leaves this package.
The message carries the API's own ``Status.message`` and reason, never request headers or tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException, OpenApiException
from kubernetes.config.config_exception import ConfigException

from gitops_sm.errors import ClusterConflictError, ClusterError, ClusterNotFoundError

# Status.reason values the API server sends, by what a caller does about them.
REASON_NOT_FOUND = "NotFound"
REASON_CONFLICT = "Conflict"
REASON_ALREADY_EXISTS = "AlreadyExists"
REASON_FORBIDDEN = "Forbidden"
REASON_UNREACHABLE = "Unreachable"
REASON_CONFIG = "KubeConfig"


def _status_body(exc: ApiException) -> dict[str, Any]:
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip().startswith("{"):
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def translate(exc: BaseException, *, operation: str, target: str = "") -> ClusterError:
    """The :class:`ClusterError` (or subclass) for a failure of the kubernetes client."""
    where = f"{operation} {target}".strip()
    if isinstance(exc, ApiException):
        status = int(exc.status or 0)
        data = _status_body(exc)
        reason = str(data.get("reason") or exc.reason or "")
        message = str(data.get("message") or exc.reason or "no message")
        text = f"Kubernetes API: {where}: {status} {reason}: {message}"
        if status in (401, 403):
            text += " (check the credentials of the kube context and the RBAC of its user or service account)"
        cls: type[ClusterError] = ClusterError
        if status == 404:
            cls = ClusterNotFoundError
        elif status == 409:
            cls = ClusterConflictError
        return cls(text, status=status, reason=reason, operation=operation, target=target)
    if isinstance(exc, ConfigException):
        return ClusterError(f"Kubernetes configuration: {exc}", reason=REASON_CONFIG, operation=operation, target=target)
    if isinstance(exc, urllib3.exceptions.HTTPError):
        cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
        return ClusterError(
            f"Kubernetes API: {where}: cannot reach the API server: {type(cause).__name__}: {cause}",
            reason=REASON_UNREACHABLE, operation=operation, target=target,
        )
    return ClusterError(f"Kubernetes API: {where}: {type(exc).__name__}: {exc}", operation=operation, target=target)


@contextmanager
def api_call(*, operation: str, target: str = "") -> Iterator[None]:
    """``with api_call(operation="get Lease", target="ns/name"): ...`` translates what the client raises."""
    try:
        yield
    except (OpenApiException, ConfigException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise translate(exc, operation=operation, target=target) from exc
