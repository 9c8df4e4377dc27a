"""Reading a job's CloudWatch Logs (``gitops-sm logs ADDRESS [--since] [--tail N] [--follow]``).

The CLI/app layer calls :func:`stream_log_events` with the job's log group
(``kinds.JobKindInfo.log_group``) and the stream prefix ``<job-name>/`` (SageMaker writes one
stream per instance: ``<job-name>/algo-1-1700000000``). Events of all matching streams are read
with ``FilterLogEvents`` (one paginated call instead of one ``GetLogEvents`` per stream) and yielded
merged by timestamp. With ``follow`` the log is polled every ``poll_seconds`` until
``is_terminal()`` says the job finished, then drained once more so the last lines are not lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gitops_sm.awsclients import AWS_EXCEPTIONS, ClientFactory, is_not_found, translate
from gitops_sm.errors import ObservationError
from gitops_sm.kinds import LOGS

PAGE_LIMIT = 10_000  # FilterLogEvents' maximum events per page


@dataclass(frozen=True, kw_only=True, order=True)
class LogEvent:
    """One log line: milliseconds since the epoch, the stream it came from, the message."""

    timestamp: int
    stream: str
    message: str


def stream_log_events(
    *,
    clients: ClientFactory,
    region: str,
    log_group: str,
    name_prefix: str,
    since_ms: int | None = None,
    tail: int | None = None,
    follow: bool = False,
    is_terminal: Callable[[], bool] = lambda: True,
    poll_seconds: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[LogEvent]:
    """The events of the streams ``name_prefix…`` in ``log_group``, oldest first.

    ``since_ms`` drops older events; ``tail`` keeps only the last N of the first read; ``follow``
    keeps polling (``sleep(poll_seconds)`` between reads) while ``is_terminal()`` is false. A log
    group or stream that does not exist yet reads as empty (a starting job has none).
    """
    client = clients.client(LOGS, region=region)
    seen: set[str] = set()
    start = since_ms

    def read() -> list[LogEvent]:
        nonlocal start
        fresh: list[tuple[LogEvent, str]] = []
        for raw in _filter_events(client, log_group=log_group, name_prefix=name_prefix, start_ms=start):
            if not str(raw.get("logStreamName", "")).startswith(name_prefix):
                continue  # AWS applies the prefix itself; re-checked because simulators may not
            event = LogEvent(
                timestamp=int(raw.get("timestamp", 0)),
                stream=str(raw.get("logStreamName", "")),
                message=str(raw.get("message", "")).rstrip("\n"),
            )
            identity = str(raw.get("eventId") or (event.stream, event.timestamp, event.message))
            if identity in seen:
                continue  # polls restart at the last timestamp, so its events come back once more
            seen.add(identity)
            fresh.append((event, identity))
        fresh.sort(key=lambda pair: (pair[0].timestamp, pair[0].stream))
        if fresh:
            start = max(start or 0, fresh[-1][0].timestamp)
        return [event for event, _ in fresh]

    first = read()
    if tail is not None:
        first = first[-tail:] if tail > 0 else []
    yield from first
    if not follow:
        return
    while not is_terminal():
        sleep(poll_seconds)
        yield from read()
    yield from read()  # drain what was written between the last poll and the end of the job


def _filter_events(
    client: Any, *, log_group: str, name_prefix: str, start_ms: int | None
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {
        "logGroupName": log_group,
        "logStreamNamePrefix": name_prefix,
        "limit": PAGE_LIMIT,
    }
    if start_ms is not None:
        params["startTime"] = start_ms
    events: list[dict[str, Any]] = []
    seen_tokens: set[str] = set()
    try:
        while True:
            page = client.filter_log_events(**params)
            events.extend(page.get("events") or ())
            token = page.get("nextToken")
            if not token or token in seen_tokens:
                return events
            seen_tokens.add(token)
            params["nextToken"] = token
    except AWS_EXCEPTIONS as exc:
        if is_not_found(exc):
            return events
        target = f"{log_group} {name_prefix}*"
        raise translate(exc, operation="FilterLogEvents", target=target, error_type=ObservationError) from exc
