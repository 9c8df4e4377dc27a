"""Saving and loading the simulator's state to a file, so ``--sandbox`` runs build on each other.

``gitops-sm apply --sandbox`` followed by ``gitops-sm status --sandbox`` are two processes; each
starts an in-process simulator. With a state file the second one sees what the first created.

How: the simulator's whole world is the per-account/region backends of the services gitops-sm
uses (SageMaker, Application Auto Scaling, CloudWatch Logs, CloudWatch for the alarms of target
tracking policies). Their ``__dict__`` (moto's resources plus ``state.SimState``) is pickled;
loading puts it back into the live backends. Timelines are stored in epoch seconds, so a job
created by one invocation is Completed in a later one once its time has passed.

The file is a pickle: load only files this simulator wrote (it is local sandbox state, never
shared input). A file from another moto version or a damaged one is ignored with a warning and
the simulator starts empty. Called by ``server.SandboxServer``.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from gitops_sm.errors import ConfigError

FORMAT = "gitops-sm-sandbox-state/1"
_SERVICES = (
    ("moto.sagemaker.models", "sagemaker_backends"),
    ("moto.applicationautoscaling.models", "applicationautoscaling_backends"),
    ("moto.logs.models", "logs_backends"),
    ("moto.cloudwatch.models", "cloudwatch_backends"),
)
_READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Filter", "Search")
_save_lock = threading.Lock()


class StateLock:
    """An exclusive lock on a state file (``<file>.lock``, ``flock``), held for a simulator's whole life.

    One state file is one sandbox: two ``--sandbox`` runs in one directory would each load the
    state, add their own resources and save, and the last to save would drop the other's. With
    the lock the second run waits for the first to finish, then builds on what it saved.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(str(path) + ".lock")
        self._handle: IO[bytes] | None = None

    def acquire(self, *, wait_seconds: float, on_wait: Any = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._handle = handle
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise ConfigError(
                        f"the sandbox state {self.path.with_suffix('')} is in use by another gitops-sm "
                        f"(one directory is one sandbox); waited {wait_seconds:.0f}s"
                    ) from None
                if not told and on_wait is not None:
                    on_wait(f"waiting for another gitops-sm using the sandbox state {self.path.with_suffix('')} …")
                    told = True
                time.sleep(0.05)

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _moto_version() -> str:
    import moto

    return str(moto.__version__)


def _backend_dicts() -> list[tuple[str, Any]]:
    import importlib

    return [(attr, getattr(importlib.import_module(module), attr)) for module, attr in _SERVICES]


def _persistable(backend: Any) -> dict[str, Any]:
    from moto.core.base_backend import BaseBackend

    # Cross-service references (e.g. autoscaling → ECS backend) are re-bound to the live backend.
    return {key: value for key, value in backend.__dict__.items() if not isinstance(value, BaseBackend)}


def snapshot_state() -> dict[str, Any]:
    """Everything worth keeping, as one picklable dict."""
    from gitops_sm.sandbox.extensions import REQUEST_LOCK

    services: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    with REQUEST_LOCK:
        for attr, backend_dict in _backend_dicts():
            per_region: dict[tuple[str, str], dict[str, Any]] = {}
            for account, by_region in backend_dict.items():
                for region, backend in by_region.items():
                    per_region[(account, region)] = _persistable(backend)
            services[attr] = per_region
        return {"format": FORMAT, "moto": _moto_version(), "services": pickle.dumps(services)}


def save_state(path: Path) -> None:
    """Write the state atomically (temporary file + rename)."""
    state = snapshot_state()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _save_lock:
        handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(state, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def load_state(path: Path) -> bool:
    """Load a state file into the live backends; False (and a warning) when absent or unusable."""
    from gitops_sm.sandbox.extensions import REQUEST_LOCK

    path = Path(path)
    if not path.exists():
        return False
    try:
        with path.open("rb") as stream:
            state = pickle.load(stream)
        if (
            not isinstance(state, dict)
            or state.get("format") != FORMAT
            or state.get("moto") != _moto_version()
        ):
            raise ValueError("written by another version of the simulator")
        services = pickle.loads(state["services"])
    except Exception as exc:  # an unusable sandbox state must never stop the tool
        print(f"gitops-sm sandbox: ignoring state file {path}: {exc}", file=sys.stderr)
        return False
    with REQUEST_LOCK:
        for attr, backend_dict in _backend_dicts():
            for (account, region), saved in services.get(attr, {}).items():
                backend_dict[account][region].__dict__.update(saved)
    return True


def is_read_only_request(environ: dict[str, Any]) -> bool:
    """True for Describe/List/Get-style calls, which never need a save."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    action = target.rsplit(".", 1)[-1]
    return bool(action) and action.startswith(_READ_ONLY_PREFIXES)


class SavingMiddleware:
    """WSGI wrapper that saves the state after every request that may have changed it."""

    def __init__(self, app: Any, path: Path) -> None:
        self._app = app
        self._path = Path(path)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        body = list(self._app(environ, start_response))
        if not is_read_only_request(environ):
            save_state(self._path)
        return body
