"""A typo in apiVersion or kind never makes `apply --prune` stop a live job (issue 7 item 2).

The typo corpus: a running job's spec is rewritten with a near miss of our apiVersions or kinds
(case, spaces, version, a few edits, the other dialect's spelling). Each must be a located error
with a did-you-mean that makes the pass incomplete: exit 1, no Stop*/Delete* request reaches the
simulator (it records every request), and the job keeps running. Deleting the file instead does
stop the job, so the corpus tests the typo, not a prune that never fires. The foreign corpus
(other API groups, unmanaged upstream kinds) stays skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_sm.kinds import Kind
from gitops_sm.model import DocumentStatusKind
from gitops_sm.sandbox import SandboxServer
from gitops_sm.specs import load_specs
from tests.jobspecs import Dialect, job_manifest, job_status, run_cli, write_spec

V1 = "sagemaker.aws.amazon.com/v1"
ACK = "sagemaker.services.k8s.aws/v1alpha1"

# (victim dialect, victim kind, field, typo'd value, the did-you-mean the error must carry)
TYPOS: list[tuple[Dialect, Kind, str, str, str]] = [
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "sagemaker.aws.amazon.com/V1", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "sagemaker.aws.amazon.com/v1beta1", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "sagemaker.aws.amazon.con/v1", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "sagemaker.aws.amazon.com/v1 ", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", " sagemaker.aws.amazon.com/v1", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "Sagemaker.aws.amazon.com/v1", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "sagemaker.aws.amazon.com", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "sagemaker.aws.amazon.com/v2", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "apiVersion", "sagemaker.amazon.com/v1", V1),
    (Dialect.V1, Kind.TRAINING_JOB, "kind", "Trainingjob", "TrainingJob"),
    (Dialect.V1, Kind.TRAINING_JOB, "kind", "TRAININGJOB", "TrainingJob"),
    (Dialect.V1, Kind.TRAINING_JOB, "kind", "TrainingJob ", "TrainingJob"),
    (Dialect.V1, Kind.TRAINING_JOB, "kind", "trainingjob", "TrainingJob"),
    (Dialect.V1, Kind.TRAINING_JOB, "kind", "TrainingJobs", "TrainingJob"),
    (Dialect.ACK, Kind.TRAINING_JOB, "apiVersion", "sagemaker.services.k8s.aws/v1", ACK),
    (Dialect.ACK, Kind.TRAINING_JOB, "apiVersion", "sagemaker.service.k8s.aws/v1alpha1", ACK),
    (Dialect.ACK, Kind.TRAINING_JOB, "apiVersion", "sagemaker.services.k8s.aws/v1alpha2", ACK),
    (Dialect.ACK, Kind.TRAINING_JOB, "kind", "Trainingjob", "TrainingJob"),
    (Dialect.ACK, Kind.HYPERPARAMETER_TUNING_JOB, "kind", "HyperparameterTuningJob", "HyperParameterTuningJob"),
    (Dialect.V1, Kind.PROCESSING_JOB, "kind", "Processingjob", "ProcessingJob"),
]

FOREIGN: list[tuple[str, str]] = [
    ("apps/v1", "Deployment"),
    ("v1", "ConfigMap"),
    ("batch/v1", "CronJob"),
    ("services.k8s.aws/v1alpha1", "AdoptedResource"),
    ("s3.services.k8s.aws/v1alpha1", "Bucket"),
    ("iam.services.k8s.aws/v1alpha1", "Role"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
    (ACK, "NotebookInstance"),  # upstream ACK kind gitops-sm does not manage
    (ACK, "FeatureGroup"),
]


@pytest.fixture
def sm(boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]) -> Any:
    sandbox_timing(job_seconds=600.0, endpoint_seconds=60.0)  # jobs stay InProgress
    return boto_client("sagemaker")


def _running_victim(root: Path, dialect: Dialect, kind: Kind) -> tuple[dict[str, Any], str]:
    victim = job_manifest(kind, dialect, "victim")
    write_spec(root, "victim.yaml", victim)
    write_spec(root, "keeper.yaml", job_manifest(Kind.TRAINING_JOB, Dialect.V1, "keeper"))
    created = run_cli("apply", root, "--auto-approve")
    assert created.exit_code == 0, created.output
    (res,) = [r for r in load_specs(root).resources if r.source.path == "victim.yaml"]
    return victim, res.names["job"]


@pytest.mark.parametrize(("dialect", "kind", "field", "typo", "meant"), TYPOS,
                         ids=[f"{f}={t!r}" for _, _, f, t, _ in TYPOS])
def test_a_typo_blocks_every_stop_and_delete_under_prune(
    dialect: Dialect, kind: Kind, field: str, typo: str, meant: str,
    tmp_path: Path, sm: Any, aws_env: SandboxServer,
) -> None:
    root = tmp_path / "specs"
    victim, name = _running_victim(root, dialect, kind)
    write_spec(root, "victim.yaml", {**victim, field: typo})
    aws_env.clear_requests()

    pruned = run_cli("apply", root, "--auto-approve", "--prune", "--no-color")

    assert pruned.exit_code == 1, pruned.output
    assert "victim.yaml:" in pruned.output and f'did you mean "{meant}"' in pruned.output
    mutations = [r.operation for r in aws_env.requests if r.operation.startswith(("Stop", "Delete", "Create"))]
    assert mutations == []
    assert job_status(sm, kind, name) == "InProgress"


def test_without_the_typo_the_same_pass_does_stop_the_job(tmp_path: Path, sm: Any) -> None:
    root = tmp_path / "specs"
    _, name = _running_victim(root, Dialect.V1, Kind.TRAINING_JOB)
    (root / "victim.yaml").unlink()

    pruned = run_cli("apply", root, "--auto-approve", "--prune")

    assert pruned.exit_code == 0, pruned.output
    assert job_status(sm, Kind.TRAINING_JOB, name) == "Stopping"


@pytest.mark.parametrize(("api_version", "kind"), FOREIGN, ids=[f"{a} {k}" for a, k in FOREIGN])
def test_clearly_foreign_documents_are_still_skipped(api_version: str, kind: str, tmp_path: Path) -> None:
    root = tmp_path / "specs"
    write_spec(root, "other.yaml", {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}})

    loaded = load_specs(root)

    assert loaded.issues == ()
    assert [d.status for d in loaded.documents] == [DocumentStatusKind.SKIPPED]
