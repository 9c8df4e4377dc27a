"""Reading a job's CloudWatch Logs: stream prefix, merge by time, --since, --tail, --follow."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from gitops_sm.awsclients import ClientFactory
from gitops_sm.observe.logs import LogEvent, stream_log_events

REGION = "us-east-1"
GROUP = "/aws/sagemaker/TrainingJobs"
JOB = "mnist-0a1b2c3d"
# CloudWatch rejects events older than 14 days: stay close to now.
T0 = (int(time.time()) - 3600) * 1000


@pytest.fixture
def logs(boto_client: Callable[..., Any]) -> Any:
    client = boto_client("logs")
    client.create_log_group(logGroupName=GROUP)
    for stream in (
        f"{JOB}/algo-1-1700000000",
        f"{JOB}/algo-2-1700000000",
        "other-job-99999999/algo-1-1700000000",
    ):
        client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    put(
        client,
        f"{JOB}/algo-1-1700000000",
        [(T0 + 0, "host1 start"), (T0 + 20, "host1 epoch 1"), (T0 + 40, "host1 done")],
    )
    put(client, f"{JOB}/algo-2-1700000000", [(T0 + 10, "host2 start"), (T0 + 30, "host2 epoch 1")])
    put(client, "other-job-99999999/algo-1-1700000000", [(T0 + 5, "someone else")])
    return client


def put(client: Any, stream: str, events: list[tuple[int, str]]) -> None:
    client.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": ts, "message": message} for ts, message in events],
    )


def read(**options: Any) -> list[LogEvent]:
    clients = ClientFactory(region=REGION, max_attempts=1)
    return list(
        stream_log_events(clients=clients, region=REGION, log_group=GROUP, name_prefix=f"{JOB}/", **options)
    )


def test_events_of_every_stream_of_the_job_are_merged_by_timestamp(logs: Any) -> None:
    events = read()

    assert [e.message for e in events] == [
        "host1 start",
        "host2 start",
        "host1 epoch 1",
        "host2 epoch 1",
        "host1 done",
    ]
    assert events[1] == LogEvent(timestamp=T0 + 10, stream=f"{JOB}/algo-2-1700000000", message="host2 start")


def test_since_drops_older_events(logs: Any) -> None:
    assert [e.message for e in read(since_ms=T0 + 25)] == ["host2 epoch 1", "host1 done"]


def test_tail_keeps_the_last_events(logs: Any) -> None:
    assert [e.message for e in read(tail=2)] == ["host2 epoch 1", "host1 done"]
    assert read(tail=0) == []


def test_a_job_without_a_log_group_yet_reads_as_empty(aws_env: Any) -> None:
    assert read() == []


def test_follow_polls_until_the_job_is_terminal_then_drains(logs: Any) -> None:
    polls: list[float] = []
    finished = {"value": False}

    def sleep(seconds: float) -> None:
        # Between polls the job writes more lines; on the second poll it has finished, and
        # writes one last line after the poll that saw it finish.
        polls.append(seconds)
        if len(polls) == 1:
            put(logs, f"{JOB}/algo-2-1700000000", [(T0 + 50, "host2 done")])
        else:
            finished["value"] = True
            put(logs, f"{JOB}/algo-1-1700000000", [(T0 + 60, "uploading model")])

    events = read(tail=1, follow=True, is_terminal=lambda: finished["value"], poll_seconds=0.25, sleep=sleep)

    assert [e.message for e in events] == ["host1 done", "host2 done", "uploading model"]
    assert polls == [0.25, 0.25]
