"""Simulated time and status-transition timing of the SageMaker simulator.

Every extension in ``gitops_sm.sandbox`` asks this module "how long has this resource been in its
state?" instead of reading the wall clock, so tests can move time forward (``advance_clock``)
without sleeping and ``configure_timing`` changes how long jobs and endpoints stay transitional.

Defaults come from GITOPS_SM_SANDBOX_JOB_SECONDS / GITOPS_SM_SANDBOX_ENDPOINT_SECONDS (seconds,
floats) and are a couple of seconds otherwise: fast enough for a newcomer's ``--sandbox --wait``
and slow enough that ``status`` can show a job InProgress.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass

from gitops_sm.errors import ConfigError

DEFAULT_JOB_SECONDS = 3.0
DEFAULT_ENDPOINT_SECONDS = 2.0
JOB_SECONDS_ENV = "GITOPS_SM_SANDBOX_JOB_SECONDS"
ENDPOINT_SECONDS_ENV = "GITOPS_SM_SANDBOX_ENDPOINT_SECONDS"


@dataclass(frozen=True, kw_only=True)
class Timing:
    """How long a job runs and how long an endpoint stays Creating/Updating/Deleting."""

    job_seconds: float
    endpoint_seconds: float


def _seconds_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds (for example {name}=3)") from exc
    if value < 0 or not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} must be a finite number of seconds, 0 or more")
    return value


def timing_from_env() -> Timing:
    """The timings the environment asks for; :class:`ConfigError` names a bad variable."""
    return Timing(
        job_seconds=_seconds_from_env(JOB_SECONDS_ENV, DEFAULT_JOB_SECONDS),
        endpoint_seconds=_seconds_from_env(ENDPOINT_SECONDS_ENV, DEFAULT_ENDPOINT_SECONDS),
    )


_lock = threading.Lock()
_timing: Timing | None = None
_clock_offset = 0.0


def current_timing() -> Timing:
    global _timing
    with _lock:
        if _timing is None:
            _timing = timing_from_env()
        return _timing


def configure_timing(*, job_seconds: float, endpoint_seconds: float) -> None:
    """Set how long jobs run and endpoints stay transitional (seconds, 0 = settle on first read)."""
    if job_seconds < 0 or endpoint_seconds < 0:
        raise ValueError("sandbox timings must not be negative")
    global _timing
    with _lock:
        _timing = Timing(job_seconds=float(job_seconds), endpoint_seconds=float(endpoint_seconds))


def reset_timing() -> None:
    """Back to the environment's (or built-in) timings and the real clock."""
    global _timing, _clock_offset
    with _lock:
        _timing = None
        _clock_offset = 0.0


def now() -> float:
    """Simulated time in epoch seconds: the wall clock plus every ``advance_clock``."""
    with _lock:
        return time.time() + _clock_offset


def advance_clock(seconds: float) -> None:
    """Move simulated time forward, as if ``seconds`` had passed."""
    if seconds < 0:
        raise ValueError("the sandbox clock only moves forward")
    global _clock_offset
    with _lock:
        _clock_offset += seconds
