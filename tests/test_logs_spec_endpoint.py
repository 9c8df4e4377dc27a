"""`gitops-sm logs` asks the SageMaker endpoint the job's spec names, as plan and apply do.

A v1 spec may name its SageMaker endpoint (``spec.sageMakerEndpoint``: an AWS endpoint, or one
the operator allowed). ``plan``/``apply`` create and read the job there; ``logs`` described it at
the default endpoint instead, so for such a spec it found no job (or another one). Real parts: the
simulator over HTTP as the default endpoint, a loopback server standing for the spec's endpoint
(it records every request), ``logs`` through the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from gitops_sm.sandbox import SandboxServer
from tests.foreign_server import foreign_server
from tests.jobspecs import run_cli
from tests.manifests import valid_training_job

ADDRESS = "TrainingJob/default/redirected"


def test_logs_describe_the_job_at_the_endpoint_its_spec_names(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    root.mkdir()
    with foreign_server() as endpoint:
        spec = valid_training_job("redirected").replace(
            "spec:\n", f"spec:\n  sageMakerEndpoint: {json.dumps(endpoint.url)}\n", 1
        )
        (root / "job.yaml").write_text(spec)

        shown = run_cli("--allow-endpoint-url", endpoint.url, "logs", ADDRESS, "--specs", root, "--max-attempts", "1")

        targets = [request.get("x-amz-target") for request in endpoint.requests]
        assert targets and set(targets) == {"SageMaker.DescribeTrainingJob"}, targets
        # That endpoint answers 500 to everything: the error names the call, and no log is printed.
        assert shown.exit_code == 1
        assert "DescribeTrainingJob" in shown.output and aws_env.url not in shown.output


def test_a_job_applied_at_an_operator_allowed_endpoint_has_its_log_printed(
    tmp_path: Path, aws_env: SandboxServer, sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(job_seconds=60, endpoint_seconds=60)
    # The simulator under another name stands for a VPC endpoint the operator allowed.
    alias = aws_env.url.replace("127.0.0.1", "localhost")
    root = tmp_path / "specs"
    root.mkdir()
    (root / "job.yaml").write_text(
        valid_training_job("redirected").replace("spec:\n", f"spec:\n  sageMakerEndpoint: {json.dumps(alias)}\n", 1)
    )
    assert run_cli("--allow-endpoint-url", alias, "apply", root, "--auto-approve").exit_code == 0
    aws_env.advance_clock(61)

    shown = run_cli("--allow-endpoint-url", alias, "logs", ADDRESS, "--specs", root)

    assert shown.exit_code == 0, shown.output
    messages = [line.split(" ", 2)[-1] for line in shown.stdout.splitlines()]
    assert messages and messages[-1] == "[sandbox] Completed: Training job completed", shown.stdout
