"""One resource's AWS error is reported on that resource and the rest of the pass goes on (exit 1).

AWS answers that the simulator never gives (AccessDenied, ResourceLimitExceeded, a validation
error, throttling) come from :class:`FaultProxy`: a real HTTP server between the CLI and the
simulator that answers chosen operations with an AWS JSON error and forwards everything else.
A foreign job that appears between plan and apply is made with boto3 against the simulator.
Credentials never appear in any output, checked on real ``gitops-sm`` processes.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gitops_sm import app
from gitops_sm.awsclients import ClientFactory
from gitops_sm.execute import CODE_DEPENDENCY_FAILED, CODE_OWNERSHIP_CONFLICT, Outcome, StepStatus
from gitops_sm.kinds import Kind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import (
    REGION,
    ROLE,
    Dialect,
    job_manifest,
    job_names,
    model_manifest,
    run_cli,
    subprocess_env,
    write_spec,
)

DENIED = (
    "AccessDeniedException",
    "User: arn:aws:sts::111122223333:assumed-role/ci-deployer/gitops-sm is not authorized to perform: "
    "sagemaker:CreateProcessingJob because no identity-based policy allows the sagemaker:CreateProcessingJob action",
)
LIMIT = (
    "ResourceLimitExceeded",
    "The account-level service limit 'ml.m5.xlarge for transform job usage' is 0 Instances, with current "
    "utilization of 0 Instances and a request delta of 1 Instances.",
)
INVALID = ("ValidationException", "The objective metric for the tuning job [validation:auc] is not defined.")
THROTTLED = ("ThrottlingException", "Rate exceeded")


class FaultProxy:
    """Forwards AWS JSON-protocol requests to ``upstream``; answers the operations in ``faults``
    (``{"CreateProcessingJob": (code, message)}``) with HTTP 400 and that AWS error instead."""

    def __init__(self, upstream: str, faults: Mapping[str, tuple[str, str]]) -> None:
        self.faults = dict(faults)
        self.attempts: Counter[str] = Counter()  # HTTP requests per operation, retries included
        target = urlsplit(upstream)
        host, port = str(target.hostname), target.port
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = str(self.headers.get("X-Amz-Target", "")).rsplit(".", 1)[-1]
                proxy.attempts[operation] += 1
                if operation in proxy.faults:
                    code, message = proxy.faults[operation]
                    self._reply(
                        400,
                        {"Content-Type": "application/x-amz-json-1.1"},
                        json.dumps({"__type": code, "message": message}).encode(),
                    )
                    return
                upstream_conn = http.client.HTTPConnection(host, port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream_conn.request("POST", self.path, body=body, headers=headers)
                answer = upstream_conn.getresponse()
                data = answer.read()
                kept = {
                    k: v
                    for k, v in answer.getheaders()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection")
                }
                self._reply(answer.status, kept, data)
                upstream_conn.close()

            def _reply(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "fault-proxy")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fault_proxy(
    aws_env: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., FaultProxy]]:
    """``fault_proxy(CreateX=(code, message))`` starts a proxy and points AWS_ENDPOINT_URL at it."""
    started: list[FaultProxy] = []

    def start(**faults: tuple[str, str]) -> FaultProxy:
        proxy = FaultProxy(aws_env.url, faults)
        started.append(proxy)
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        return proxy

    yield start
    for proxy in started:
        proxy.close()


def names_by_kind(root: Path) -> dict[str, str]:
    return {str(r.address): r.names.get("job", "") for r in load_specs(root).resources}


def test_each_failed_create_is_reported_on_its_resource_with_the_aws_code_and_message(
    tmp_path: Path, fault_proxy: Callable[..., FaultProxy], boto_client: Callable[..., Any]
) -> None:
    proxy = fault_proxy(
        CreateProcessingJob=DENIED, CreateTransformJob=LIMIT, CreateHyperParameterTuningJob=INVALID
    )
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep"))
    write_spec(root, "score.yaml", job_manifest(Kind.TRANSFORM_JOB, Dialect.V1, "score"))
    write_spec(root, "tune.yaml", job_manifest(Kind.HYPERPARAMETER_TUNING_JOB, Dialect.ACK, "tune"))
    write_spec(root, "train2.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train2"))
    names = names_by_kind(root)

    first = run_cli("apply", root, "--auto-approve", "--no-color")

    assert first.exit_code == 1, first.output
    out = first.stdout
    assert "Apply complete: 2 applied, 3 failed, 0 skipped (5 API calls)." in out
    prep, score, tune = (
        names[a]
        for a in (
            "ProcessingJob/default/prep",
            "BatchTransformJob/default/score",
            "HyperParameterTuningJob/default/tune",
        )
    )
    assert (
        f"ProcessingJob/default/prep: CreateProcessingJob {prep} (us-east-1) ... FAILED: {DENIED[0]}: {DENIED[1]}"
        in out
    )
    assert (
        f"BatchTransformJob/default/score: CreateTransformJob {score} (us-east-1) ... FAILED: {LIMIT[0]}: {LIMIT[1]}"
        in out
    )
    assert (
        f"failed: HyperParameterTuningJob/default/tune: {INVALID[0]}: CreateHyperParameterTuningJob {tune}: {INVALID[1]}"
        in out
    )
    assert "TrainingJob/default/train2: CreateTrainingJob" in out and "Traceback" not in first.output
    sm = boto_client("sagemaker")
    assert job_names(sm, Kind.TRAINING_JOB) == sorted(
        [names["TrainingJob/default/train"], names["TrainingJob/default/train2"]]
    )
    assert job_names(sm, Kind.PROCESSING_JOB) == job_names(sm, Kind.TRANSFORM_JOB) == []
    assert job_names(sm, Kind.HYPERPARAMETER_TUNING_JOB) == []
    # AccessDenied, limits and validation errors are not retried.
    assert (proxy.attempts["CreateProcessingJob"], proxy.attempts["CreateTransformJob"]) == (1, 1)

    # The next pass plans only what failed, and reports it the same way in JSON.
    second = run_cli("apply", root, "--auto-approve", "--output", "json")

    assert second.exit_code == 1
    report = json.loads(second.stdout)["apply"]
    assert report["ok"] is False
    assert {c["address"]: (c["outcome"], c.get("error", {}).get("code")) for c in report["changes"]} == {
        "BatchTransformJob/default/score": ("failed", "ResourceLimitExceeded"),
        "HyperParameterTuningJob/default/tune": ("failed", "ValidationException"),
        "ProcessingJob/default/prep": ("failed", "AccessDeniedException"),
        "TrainingJob/default/train": ("no-op", None),
        "TrainingJob/default/train2": ("no-op", None),
    }
    failed_step = next(c for c in report["changes"] if c["address"] == "ProcessingJob/default/prep")["steps"][
        0
    ]
    assert failed_step["error"] == {"code": DENIED[0], "message": DENIED[1]}


def test_throttling_is_reported_after_botocores_retries_and_other_jobs_are_created(
    tmp_path: Path, fault_proxy: Callable[..., FaultProxy], boto_client: Callable[..., Any]
) -> None:
    proxy = fault_proxy(CreateTrainingJob=THROTTLED)
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.V1, "prep"))

    result = run_cli("apply", root, "--auto-approve", "--no-color", "--max-attempts", "2")

    assert result.exit_code == 1, result.output
    assert proxy.attempts["CreateTrainingJob"] == 2  # the first attempt and one retry
    assert "failed: TrainingJob/default/train: ThrottlingException: CreateTrainingJob" in result.stdout
    assert result.stdout.rstrip().endswith("Rate exceeded")
    assert "Apply complete: 1 applied, 1 failed, 0 skipped" in result.stdout
    assert len(job_names(boto_client("sagemaker"), Kind.PROCESSING_JOB)) == 1


def test_a_failed_model_skips_the_transform_jobs_that_run_it_and_nothing_else(
    tmp_path: Path, fault_proxy: Callable[..., FaultProxy], boto_client: Callable[..., Any]
) -> None:
    fault_proxy(CreateModel=("AccessDeniedException", "not authorized to perform: sagemaker:CreateModel"))
    root = tmp_path / "specs"
    write_spec(root, "model.yaml", model_manifest())
    write_spec(root, "score.yaml", job_manifest(Kind.TRANSFORM_JOB, Dialect.ACK, "score"))
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.ACK, "train"))

    result = run_cli("apply", root, "--auto-approve", "--output", "json")

    assert result.exit_code == 1
    changes = {c["address"]: c for c in json.loads(result.stdout)["apply"]["changes"]}
    assert changes["Model/default/scoring-model"]["outcome"] == "failed"
    score = changes["TransformJob/default/score"]
    assert (score["outcome"], score["error"]["code"], score["mutating_calls"]) == (
        "skipped",
        CODE_DEPENDENCY_FAILED,
        0,
    )
    assert "Model/default/scoring-model failed" in score["error"]["message"]
    assert changes["TrainingJob/default/train"]["outcome"] == "applied"
    sm = boto_client("sagemaker")
    assert job_names(sm, Kind.TRANSFORM_JOB) == [] and len(job_names(sm, Kind.TRAINING_JOB)) == 1


def test_a_foreign_job_created_between_plan_and_apply_fails_only_that_change(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep"))
    clients = ClientFactory(region=REGION, max_attempts=1)
    outcome = app.plan_pass(spec_root=root, settings=app.Settings(region=REGION), clients=clients)
    name = names_by_kind(root)["TrainingJob/default/train"]
    sm = boto_client("sagemaker")
    # Someone's notebook takes the name before apply runs: same name, none of our tags.
    sm.create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": "their-image", "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://their-bucket/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        Tags=[{"Key": "owner", "Value": "someone-else"}],
    )

    result = app.apply_plan(the_plan=outcome.plan, clients=clients)

    assert not result.ok
    train = result.get("TrainingJob/default/train")
    assert train is not None and train.outcome is Outcome.FAILED
    assert train.error_code == CODE_OWNERSHIP_CONFLICT
    assert f"TrainingJob {name} already exists and is not managed by gitops-sm" in train.error_message
    assert [s.status for s in train.steps] == [StepStatus.FAILED]
    assert train.steps[0].verification_reads == ("DescribeTrainingJob", "ListTags")
    prep = result.get("ProcessingJob/default/prep")
    assert prep is not None and prep.outcome is Outcome.APPLIED
    described = sm.describe_training_job(TrainingJobName=name)
    assert described["AlgorithmSpecification"]["TrainingImage"] == "their-image"  # theirs, untouched
    assert sm.list_tags(ResourceArn=described["TrainingJobArn"])["Tags"] == [
        {"Key": "owner", "Value": "someone-else"}
    ]

    # The next plan reads nothing more about a finished job under its generated name (design
    # section 10: nothing can be done to it) and so plans nothing on it; `status`, which reads
    # what it reports, shows the conflict on that resource.
    again = run_cli("plan", root, "--no-color", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout
    status = run_cli("status", root, "--no-color")
    assert (
        f"conflict: TrainingJob '{name}' already exists in us-east-1 and is not managed by gitops-sm"
        in status.stdout
    )
    described = sm.describe_training_job(TrainingJobName=name)
    assert described["AlgorithmSpecification"]["TrainingImage"] == "their-image"


def test_a_list_that_cannot_be_read_fails_only_the_specs_that_need_it(
    tmp_path: Path, fault_proxy: Callable[..., FaultProxy], boto_client: Callable[..., Any]
) -> None:
    fault_proxy(
        ListTrainingJobs=("AccessDeniedException", "not authorized to perform: sagemaker:ListTrainingJobs")
    )
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep"))

    result = run_cli("apply", root, "--auto-approve", "--no-color")

    assert result.exit_code == 1, result.output
    assert "x TrainingJob/default/train (train.yaml:1)\n    sagemaker: train-" in result.stdout
    assert (
        "cannot read AWS state: ListTrainingJobs on TrainingJobs in us-east-1 failed: AccessDeniedException: "
        "not authorized to perform: sagemaker:ListTrainingJobs" in result.stdout
    )
    assert "Apply complete: 1 applied, 0 failed, 0 skipped (1 API calls)." in result.stdout
    assert len(job_names(boto_client("sagemaker"), Kind.PROCESSING_JOB)) == 1


def test_a_read_error_is_reported_once_per_resource(
    tmp_path: Path, fault_proxy: Callable[..., FaultProxy]
) -> None:
    fault_proxy(
        ListTrainingJobs=("AccessDeniedException", "not authorized to perform: sagemaker:ListTrainingJobs")
    )
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))

    text = run_cli("plan", root, "--no-color")
    as_json = run_cli("plan", root, "--output", "json")

    assert text.exit_code == as_json.exit_code == 1
    errors = json.loads(as_json.stdout)["errors"]
    assert [(e["address"], e["source"]) for e in errors] == [("TrainingJob/default/train", "train.yaml:1")]
    assert "1 error (1 AWS read failed: TrainingJob/default/train)." in text.stdout  # how many, which (issue 7)
    assert "<unknown>" not in text.stdout


SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzGitopsSmNeverPrintMe"
SESSION_TOKEN = "FwoGZXIvYXdzEGitopsSmSessionTokenNeverPrintMe0123456789"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_credentials_never_appear_in_any_output(tmp_path: Path, aws_env: SandboxServer) -> None:
    root = tmp_path / "specs"
    write_spec(root, "train.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "train"))
    env = subprocess_env(
        f"http://127.0.0.1:{closed_port()}", AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_SESSION_TOKEN=SESSION_TOKEN
    )
    commands = [
        ["plan", root, "--output", "json"],
        ["apply", root, "--auto-approve", "--verbose"],
        ["status", root, "--output", "text"],
        ["logs", "TrainingJob/default/train", "--specs", root],
    ]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", "from gitops_sm.cli import main; main()", *[str(a) for a in (*cmd, "--max-attempts", "1")]],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for cmd in commands
    ]  # fmt: skip

    for cmd, run in zip(commands, runs, strict=True):
        stdout, stderr = run.communicate(timeout=60)
        assert run.returncode == 1, (cmd, stdout, stderr)
        both = stdout + stderr
        assert "EndpointConnectionError: could not connect to the endpoint" in both, (cmd, both)
        assert SECRET_KEY not in both and SESSION_TOKEN not in both, cmd
        assert SECRET_KEY[:16] not in both and SESSION_TOKEN[:16] not in both, cmd
        assert "Traceback" not in both, (cmd, stderr)
