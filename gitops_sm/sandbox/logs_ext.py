"""CloudWatch Logs written by the simulator for running jobs.

A real training job writes to ``/aws/sagemaker/TrainingJobs`` stream ``<job>/algo-1-<epoch>``; the
simulator appends a few lines there as a job moves through its phases, so ``gitops-sm logs
--follow`` against the sandbox has something real to show. moto's own Logs API (groups, streams,
GetLogEvents, FilterLogEvents) serves them unchanged. Called by ``sagemaker_ext.refresh``.
"""

from __future__ import annotations


def append_job_log(
    *, account: str, region: str, group: str, stream: str, events: list[tuple[float, str]]
) -> None:
    """Append ``(epoch seconds, message)`` events, creating the group and stream like SageMaker does."""
    from moto.logs.models import logs_backends

    if not events:
        return
    logs = logs_backends[account][region]
    if group not in logs.groups:
        logs.create_log_group(group, tags={})
    log_group = logs.groups[group]
    if stream not in log_group.streams:
        log_group.create_log_stream(stream)
    log_group.put_log_events(
        stream, [{"timestamp": int(at * 1000), "message": message} for at, message in events]
    )
