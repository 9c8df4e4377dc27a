"""Finding the cluster and building the kubernetes client: in-cluster config, KUBECONFIG, --kube-context.

:func:`connect` is called once per invocation by ``gitops_sm.app`` (plan, status, migrate, and the
reconcile pass, whose Lease uses the same :class:`Cluster`). The order is kubectl's: an explicit
``--kube-context`` needs a kubeconfig; otherwise a kubeconfig (``$KUBECONFIG`` or ``~/.kube/config``)
with a current context wins; otherwise the pod's service account (in-cluster config); otherwise
there is no cluster, which is not an error: :class:`NoCluster` says why, the caller says it once.

No global state: the client configuration is built per :class:`Cluster`
(``kubernetes.config.load_kube_config`` into a fresh ``Configuration``), so nothing else in the
process is redirected to the cluster.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes.config import incluster_config as _incluster_config
from kubernetes.config import kube_config as _kube_config
from kubernetes.config.config_exception import ConfigException

from gitops_sm.errors import ClusterError
from gitops_sm.kube._errors import REASON_CONFIG, api_call

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
DEFAULT_KUBECONFIG = "~/.kube/config"
DEFAULT_NAMESPACE = "default"

# The config loaders are untyped; use them through Any.
kube_config: Any = _kube_config
incluster_config: Any = _incluster_config
# Seconds one API request may take (connect, read); a pass never hangs on a dead API server.
REQUEST_TIMEOUT = (5.0, 30.0)


@dataclass(frozen=True, kw_only=True)
class KubeSettings:
    """How to find the cluster, from the command line. All None: the automatic order above."""

    context: str | None = None  # --kube-context
    kubeconfig: str | None = None  # --kubeconfig; else $KUBECONFIG; else ~/.kube/config
    disabled: bool = False  # --no-cluster: do not look for a cluster at all


@dataclass(frozen=True, kw_only=True)
class NoCluster:
    """No cluster is configured; ``reason`` is the one line to tell the user."""

    reason: str

    @property
    def message(self) -> str:
        return f"no Kubernetes cluster configured ({self.reason}): cluster CR state is not read"


@dataclass(frozen=True, kw_only=True)
class Cluster:
    """A configured cluster: one ``ApiClient`` and the API objects built on it.

    ``source`` names where the configuration came from (``in-cluster`` or
    ``kubeconfig <path> context <name>``), ``namespace`` is the context's (or service account's)
    namespace, used when a caller names none.
    """

    api_client: Any
    source: str
    context: str | None
    namespace: str
    host: str

    def custom_objects(self) -> Any:
        return k8s.CustomObjectsApi(self.api_client)

    def coordination(self) -> Any:
        """``CoordinationV1Api`` (Leases)."""
        return k8s.CoordinationV1Api(self.api_client)

    def apiextensions(self) -> Any:
        return k8s.ApiextensionsV1Api(self.api_client)

    def close(self) -> None:
        self.api_client.close()


def _kubeconfig_paths(*, settings: KubeSettings, environ: Mapping[str, str]) -> str:
    return settings.kubeconfig or environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG


def _existing(paths: str) -> list[str]:
    return [p for p in (os.path.expanduser(x) for x in paths.split(os.pathsep) if x) if os.path.exists(p)]


def _from_kubeconfig(*, paths: str, context: str | None) -> Cluster:
    configuration = k8s.Configuration()
    with api_call(operation="load kubeconfig", target=paths):
        contexts, current = kube_config.list_kube_config_contexts(config_file=paths)
        chosen = next((c for c in contexts if c.get("name") == context), None) if context else current
        if not chosen:
            known = ", ".join(str(c.get("name")) for c in contexts) or "none"
            raise ClusterError(f"--kube-context {context}: no such context in {paths} (contexts: {known})",
                               reason=REASON_CONFIG)
        kube_config.load_kube_config(config_file=paths, context=chosen.get("name"),
                                     client_configuration=configuration, persist_config=False)
    ctx = chosen.get("context") or {}
    return Cluster(
        api_client=k8s.ApiClient(configuration=configuration),
        source=f"kubeconfig {paths} context {chosen.get('name')}",
        context=str(chosen.get("name")),
        namespace=str(ctx.get("namespace") or DEFAULT_NAMESPACE),
        host=str(configuration.host),
    )


def _has_current_context(paths: str) -> bool:
    try:
        _contexts, current = kube_config.list_kube_config_contexts(config_file=paths)
    except ConfigException:
        return False
    except (OSError, ValueError) as exc:  # an unreadable or malformed file the user pointed us at
        raise ClusterError(f"Kubernetes configuration: cannot read {paths}: {exc}", reason=REASON_CONFIG) from exc
    return bool(current)


def _in_cluster(*, environ: Mapping[str, str], sa_dir: Path) -> Cluster:
    configuration = k8s.Configuration()
    with api_call(operation="load in-cluster config"):
        loader = incluster_config.InClusterConfigLoader(
            token_filename=str(sa_dir / "token"), cert_filename=str(sa_dir / "ca.crt"), environ=environ
        )
        loader.load_and_set(configuration)
    ns_file = sa_dir / "namespace"
    namespace = ns_file.read_text(encoding="utf-8").strip() if ns_file.is_file() else DEFAULT_NAMESPACE
    return Cluster(
        api_client=k8s.ApiClient(configuration=configuration),
        source="in-cluster",
        context=None,
        namespace=namespace or DEFAULT_NAMESPACE,
        host=str(configuration.host),
    )


def connect(
    settings: KubeSettings | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
) -> Cluster | NoCluster:
    """The configured cluster, or :class:`NoCluster` saying why there is none.

    Raises :class:`ClusterError` when a cluster is configured but its configuration is unusable
    (an unknown ``--kube-context``, a malformed kubeconfig, an in-cluster pod without its token).
    """
    settings = settings or KubeSettings()
    env = os.environ if environ is None else environ
    if settings.disabled:
        return NoCluster(reason="--no-cluster")
    paths = _kubeconfig_paths(settings=settings, environ=env)
    if settings.context:
        if not _existing(paths):
            raise ClusterError(f"--kube-context {settings.context}: no kubeconfig at {paths}", reason=REASON_CONFIG)
        return _from_kubeconfig(paths=paths, context=settings.context)
    if _existing(paths) and _has_current_context(paths):
        return _from_kubeconfig(paths=paths, context=None)
    if env.get(incluster_config.SERVICE_HOST_ENV_NAME):
        return _in_cluster(environ=env, sa_dir=service_account_dir)
    if _existing(paths):
        return NoCluster(reason=f"{paths} has no current context and this is not a pod")
    return NoCluster(reason=f"no kubeconfig at {paths} and not running in a pod")
