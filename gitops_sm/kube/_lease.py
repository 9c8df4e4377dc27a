"""The reconcile pass lock: a ``coordination.k8s.io/v1`` Lease on the configured cluster.

Called by ``gitops_sm.reconcile`` (through the ``PassLock`` protocol) when ``kube.connect`` found a
cluster. The Lease is named after repo + branch + path (``reconcile.lease_name``), so passes over
different ``--path`` shards of one repository never wait for each other.

Semantics, as client-go's leader election uses a Lease:

* ``acquire``: create the Lease holding our identity; if it exists, take it over only when it is
  released (no holder) or expired (``renewTime`` + ``leaseDurationSeconds`` in the past), with the
  read ``resourceVersion`` as a precondition, so of two passes racing for it exactly one wins (the
  other gets 409 Conflict and answers "held").
* ``renew_if_due``: every third of the duration, write a new ``renewTime`` (same precondition); a
  Lease someone else took over is :class:`gitops_sm.errors.LeaseLostError` — the pass must stop acting.
* ``release``: clear the holder (and set a one-second duration) if it is still ours.

Every client call goes through :func:`gitops_sm.kube.api_call`.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client as k8s

from gitops_sm.errors import ClusterConflictError, ClusterNotFoundError, LeaseLostError
from gitops_sm.kube._client import REQUEST_TIMEOUT, Cluster
from gitops_sm.kube._errors import api_call

DEFAULT_LEASE_SECONDS = 120


def default_holder() -> str:
    """``<hostname>-<pid>-<random>``: unique per process, readable in ``kubectl get lease``."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(kw_only=True)
class LeaseLock:
    """One pass's hold on one Lease."""

    cluster: Cluster
    name: str
    namespace: str
    holder: str = field(default_factory=default_holder)
    duration_seconds: int = DEFAULT_LEASE_SECONDS
    clock: Callable[[], dt.datetime] = _now
    _held: bool = False
    _last_renew: dt.datetime | None = None
    _version: str | None = None
    held_by: str | None = None  # who holds it when acquire() answered False

    @property
    def description(self) -> str:
        who = f", held by {self.held_by}" if self.held_by and not self._held else ""
        return f"Lease {self.namespace}/{self.name} on {self.cluster.source}{who}"

    def _api(self) -> Any:
        return self.cluster.coordination()

    def _target(self) -> str:
        return f"{self.namespace}/{self.name}"

    def _spec(self, *, now: dt.datetime, acquired: dt.datetime, transitions: int) -> Any:
        return k8s.V1LeaseSpec(
            holder_identity=self.holder,
            lease_duration_seconds=self.duration_seconds,
            acquire_time=acquired,
            renew_time=now,
            lease_transitions=transitions,
        )

    def _read(self) -> Any:
        with api_call(operation="get Lease", target=self._target()):
            return self._api().read_namespaced_lease(self.name, self.namespace, _request_timeout=REQUEST_TIMEOUT)

    def acquire(self) -> bool:
        """Take the Lease; False when another live pass holds it."""
        now = self.clock()
        body = k8s.V1Lease(
            metadata=k8s.V1ObjectMeta(name=self.name, namespace=self.namespace,
                                      labels={"app.kubernetes.io/managed-by": "gitops-sm"}),
            spec=self._spec(now=now, acquired=now, transitions=0),
        )
        try:
            with api_call(operation="create Lease", target=self._target()):
                created = self._api().create_namespaced_lease(self.namespace, body, _request_timeout=REQUEST_TIMEOUT)
            return self._took(created, now)
        except ClusterConflictError:
            pass  # it exists: see whether it is free
        current = self._read()
        spec = current.spec or k8s.V1LeaseSpec()
        holder = spec.holder_identity or None
        if holder == self.holder:
            return self._took(current, now)
        if holder is not None and not _expired(spec, now):
            self.held_by = holder
            return False
        current.spec = self._spec(now=now, acquired=now, transitions=int(spec.lease_transitions or 0) + 1)
        try:
            with api_call(operation="take over Lease", target=self._target()):
                taken = self._api().replace_namespaced_lease(
                    self.name, self.namespace, current, _request_timeout=REQUEST_TIMEOUT
                )
        except ClusterConflictError:  # another pass took it between our read and write
            self.held_by = "another pass (it took the Lease over just now)"
            return False
        return self._took(taken, now)

    def _took(self, lease: Any, now: dt.datetime) -> bool:
        self._held = True
        self._last_renew = now
        self._version = lease.metadata.resource_version if lease.metadata else None
        return True

    def renew_if_due(self) -> None:
        """Renew when a third of the duration has passed since the last renewal."""
        if not self._held or self._last_renew is None:
            return
        now = self.clock()
        if (now - self._last_renew).total_seconds() < self.duration_seconds / 3:
            return
        self.renew(now=now)

    def renew(self, *, now: dt.datetime | None = None) -> None:
        """Write a new ``renewTime``; :class:`LeaseLostError` if the Lease is no longer ours."""
        now = now or self.clock()
        current = self._read()
        spec = current.spec or k8s.V1LeaseSpec()
        if spec.holder_identity != self.holder:
            self._held = False
            raise LeaseLostError(
                f"Lease {self._target()} is now held by {spec.holder_identity or 'nobody'}: this pass stops acting",
                operation="renew Lease", target=self._target(),
            )
        spec.renew_time = now
        current.spec = spec
        try:
            with api_call(operation="renew Lease", target=self._target()):
                renewed = self._api().replace_namespaced_lease(
                    self.name, self.namespace, current, _request_timeout=REQUEST_TIMEOUT
                )
        except ClusterConflictError as exc:
            self._held = False
            raise LeaseLostError(
                f"Lease {self._target()} changed under this pass: it stops acting", operation="renew Lease",
                target=self._target(),
            ) from exc
        self._took(renewed, now)

    def release(self) -> None:
        """Give the Lease up if it is still ours (clear the holder; the object stays)."""
        if not self._held:
            return
        self._held = False
        try:
            current = self._read()
        except ClusterNotFoundError:
            return
        spec = current.spec or k8s.V1LeaseSpec()
        if spec.holder_identity != self.holder:
            return
        spec.holder_identity = None
        spec.lease_duration_seconds = 1
        current.spec = spec
        with api_call(operation="release Lease", target=self._target()):
            self._api().replace_namespaced_lease(self.name, self.namespace, current, _request_timeout=REQUEST_TIMEOUT)


def _expired(spec: Any, now: dt.datetime) -> bool:
    renewed = spec.renew_time or spec.acquire_time
    if renewed is None:
        return True
    if isinstance(renewed, str):
        renewed = dt.datetime.fromisoformat(renewed.replace("Z", "+00:00"))
    if renewed.tzinfo is None:
        renewed = renewed.replace(tzinfo=dt.UTC)
    duration = int(spec.lease_duration_seconds or 0)
    return bool(renewed + dt.timedelta(seconds=duration) < now)
