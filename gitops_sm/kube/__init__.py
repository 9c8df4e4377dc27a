"""Kubernetes I/O for gitops-sm: the only package that imports the ``kubernetes`` client.

Called by ``gitops_sm.app``. Public face:

* :func:`connect` / :class:`KubeSettings` → :class:`Cluster` (one ``ApiClient`` with
  ``custom_objects()``, ``coordination()``, ``apiextensions()``) or :class:`NoCluster` (not an error,
  ``message`` says why, once).
* :func:`api_call` / :func:`translate`: every client failure becomes ``gitops_sm.errors.ClusterError``
  (``ClusterNotFoundError`` for 404, ``ClusterConflictError`` for 409). Code elsewhere that uses a
  :class:`Cluster`'s API objects (the reconcile Lease) wraps its calls in :func:`api_call`.
* :class:`LeaseLock`: the reconcile pass lock, a ``coordination.k8s.io/v1`` Lease on a :class:`Cluster`.
* :data:`REQUEST_TIMEOUT`: pass as ``_request_timeout`` so a dead API server cannot hang a pass.
* :func:`read_custom_resources` / :func:`read_cluster_state`: the operators' CRs (installed CRDs
  only, paginated) as :class:`gitops_sm.model.ClusterState` plus the objects (:class:`CustomResource`);
  :func:`release`, :func:`delete`, :func:`get` for ``migrate``.
"""

from __future__ import annotations

from gitops_sm.kube._client import (
    DEFAULT_NAMESPACE,
    REQUEST_TIMEOUT,
    Cluster,
    KubeSettings,
    NoCluster,
    connect,
)
from gitops_sm.kube._crs import (
    CustomResource,
    ack_region,
    cluster_resource,
    delete,
    get,
    installed_kinds,
    list_objects,
    read_cluster_state,
    read_custom_resources,
    release,
)
from gitops_sm.kube._errors import (
    REASON_ALREADY_EXISTS,
    REASON_CONFLICT,
    REASON_FORBIDDEN,
    REASON_NOT_FOUND,
    api_call,
    translate,
)
from gitops_sm.kube._lease import DEFAULT_LEASE_SECONDS, LeaseLock

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_NAMESPACE",
    "REASON_ALREADY_EXISTS",
    "REASON_CONFLICT",
    "REASON_FORBIDDEN",
    "REASON_NOT_FOUND",
    "REQUEST_TIMEOUT",
    "Cluster",
    "CustomResource",
    "KubeSettings",
    "LeaseLock",
    "NoCluster",
    "ack_region",
    "api_call",
    "cluster_resource",
    "connect",
    "delete",
    "get",
    "installed_kinds",
    "list_objects",
    "read_cluster_state",
    "read_custom_resources",
    "release",
    "translate",
]
