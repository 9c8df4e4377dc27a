"""`apply --wait` on a terminal: a live list of what it still waits for, with elapsed times.

A real ``gitops-sm`` process whose stdout and stderr are a pseudo-terminal (so rich sees a terminal
and draws its live view), against the simulator over HTTP with a training job that takes a few
seconds. What the terminal received is read back from the pty's master side.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from tests.jobspecs import Dialect, job_manifest, subprocess_env, write_spec

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


def _run_on_a_terminal(args: list[str], env: dict[str, str], *, limit: float = 90.0) -> tuple[int, str]:
    """Run ``gitops-sm ARGS`` with a pty as its terminal; (exit code, what it printed, escapes removed)."""
    master, slave = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from gitops_sm.cli import main; main()", *args],
        env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    received = bytearray()
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal (Linux reports EIO)
                    break
                if not chunk:
                    break
                received.extend(chunk)
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return code, _ANSI.sub("", received.decode("utf-8", "replace"))


def test_a_terminal_gets_a_live_list_of_what_is_still_waiting(
    tmp_path: Path, aws_env: SandboxServer, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=4)
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))
    env = subprocess_env(aws_env.url, TERM="xterm-256color", COLUMNS="100", LINES="40")
    env.pop("NO_COLOR")

    code, screen = _run_on_a_terminal(["apply", str(root), "--auto-approve", "--wait", "--poll", "1"], env)

    assert code == 0, screen
    # The live view: how many it waits for, the resource with its status and its elapsed time.
    assert re.search(r"Waiting for 1 resource \(\d+(\.\d+)?s so far\):", screen), screen
    assert re.search(r"TrainingJob/default/train: InProgress \(\d+(\.\d+)?s\)", screen), screen
    # The state change is printed once as a line, and the wait ends converged.
    assert screen.count("TrainingJob/default/train: InProgress → Completed") == 1, screen
    assert [line for line in screen.splitlines() if line.strip()][-1].startswith("Converged after "), screen
    assert "Traceback" not in screen
