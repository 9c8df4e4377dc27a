"""The SageMaker simulator behind ``--sandbox`` and every AWS-facing test (design section 9).

It is moto 5.2 (SageMaker, Application Auto Scaling, CloudWatch Logs) extended with what moto
lacks: Stop*Job, UpdateEndpoint, ListTrainingJobsForHyperParameterTuningJob, AWS's errors on
duplicate creates, time-based status transitions, the autoscaling rule of UpdateEndpoint, job
logs, List*/Describe* paging as AWS pages (``MaxResults`` ranges and defaults from botocore's
model, filters before the page is cut), and state kept in a file between invocations.

Public API::

    install()                                   apply the moto extensions in this process
    start_server(*, host="127.0.0.1", port=0, state_file=None) -> SandboxServer
    serve(*, host="127.0.0.1", port=5000, state_file=None)      blocking; Ctrl-C stops
    configure_timing(*, job_seconds, endpoint_seconds)          how long transitions take
    timing_from_env()                           the GITOPS_SM_SANDBOX_* timings (ConfigError if bad)
    reset()                                     forget all resources, back to default timing
    advance_clock(seconds)                      move simulated time forward (no sleeping)

Steering outcomes: tag a job, endpoint or endpoint config with ``gitops-sm-sandbox/outcome=Failed``
(optionally ``gitops-sm-sandbox/failure-reason=...``) and it ends Failed instead of Completed /
InService (a failed UpdateEndpoint rolls back to the running config, as AWS does).

Timing: ``GITOPS_SM_SANDBOX_JOB_SECONDS`` (default 3) and ``GITOPS_SM_SANDBOX_ENDPOINT_SECONDS``
(default 2) seconds, or ``configure_timing``; ``timing_from_env()`` reads and checks the variables,
and a server refuses to start on a bad value (``gitops_sm.errors.ConfigError``). Clients reach the
server exactly as AWS, with ``AWS_ENDPOINT_URL=<server.url>`` and any fake credentials.
"""

from __future__ import annotations

from pathlib import Path

from gitops_sm.sandbox.extensions import install
from gitops_sm.sandbox.server import SandboxServer, reset, serve
from gitops_sm.sandbox.state import FAILURE_REASON_TAG, OUTCOME_TAG
from gitops_sm.sandbox.timing import (
    DEFAULT_ENDPOINT_SECONDS,
    DEFAULT_JOB_SECONDS,
    ENDPOINT_SECONDS_ENV,
    JOB_SECONDS_ENV,
    Timing,
    advance_clock,
    configure_timing,
    current_timing,
    timing_from_env,
)


def start_server(
    *, host: str = "127.0.0.1", port: int = 0, state_file: Path | None = None, lock_wait_seconds: float = 0.0
) -> SandboxServer:
    """Start a loopback simulator in a background thread (port 0 picks a free port).

    With ``state_file`` the state is loaded at start (if the file exists) and saved after every
    changing request and at ``stop()``; the file is locked for the server's life (one state file
    is one sandbox): another server on it waits up to ``lock_wait_seconds`` for it, then fails.
    """
    return SandboxServer(host=host, port=port, state_file=state_file, lock_wait_seconds=lock_wait_seconds)


__all__ = [
    "DEFAULT_ENDPOINT_SECONDS",
    "DEFAULT_JOB_SECONDS",
    "ENDPOINT_SECONDS_ENV",
    "FAILURE_REASON_TAG",
    "JOB_SECONDS_ENV",
    "OUTCOME_TAG",
    "SandboxServer",
    "Timing",
    "advance_clock",
    "configure_timing",
    "current_timing",
    "install",
    "reset",
    "serve",
    "start_server",
    "timing_from_env",
]
