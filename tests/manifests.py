"""Spec files as text, and the spec roots the loader, ``validate`` and ``plan`` tests build from them.

Used by ``test_specs_loading.py``, ``test_specs_malformed_files.py``, ``test_cli_validate.py``,
``test_cli_malformed.py``, ``test_cli_plan.py`` and ``test_cli_plan_contract.py``. These tests assert
``file:line`` locations, so they write YAML text (not dicts dumped by PyYAML, as ``tests/jobspecs.py``
does) and rely on the exact layouts documented on :func:`valid_training_job` and
:func:`hosting_deployment`.

The writers put one thing into a spec root, beside a valid job (:func:`root_beside_valid_job`):
a text or bytes file, a symlink leaving the root, a dangling symlink, a FIFO, a file over the size limit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from gitops_sm.specs import MAX_FILE_BYTES

ROLE_ARN = "arn:aws:iam::123456789012:role/service-role/sagemaker-role"
TRAINING_JOB_HEADER = "apiVersion: sagemaker.aws.amazon.com/v1\nkind: TrainingJob\n"


def _head(kind: str, name: str, namespace: str | None, region: str | None) -> str:
    """Lines 1 to 5 (or 7): apiVersion, kind, metadata (name, namespace), ``spec:`` and its region."""
    namespace_line = f"  namespace: {namespace}\n" if namespace is not None else ""
    region_line = f"  region: {region}\n" if region is not None else ""
    return (
        f"apiVersion: sagemaker.aws.amazon.com/v1\nkind: {kind}\n"
        f"metadata:\n  name: {name}\n{namespace_line}spec:\n{region_line}"
    )


def valid_training_job(name: str, *, namespace: str | None = None, region: str | None = None) -> str:
    """A minimal valid v1 TrainingJob as YAML text; every field but the optional two on its own line.

    ``metadata.name`` is line 4. ``namespace`` adds a line after it and ``region`` one right after
    ``spec:``, each moving the lines below down by one. With neither: ``roleArn`` on line 6,
    ``trainingInputMode`` 9, ``instanceCount`` 13, ``volumeSizeInGB`` 15, ``maxRuntimeInSeconds`` 17
    (the last line).
    """
    return (
        _head("TrainingJob", name, namespace, region)
        + f"""\
  roleArn: {ROLE_ARN}
  algorithmSpecification:
    trainingImage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest
    trainingInputMode: File
  outputDataConfig:
    s3OutputPath: s3://my-bucket/output
  resourceConfig:
    instanceCount: 1
    instanceType: ml.m5.large
    volumeSizeInGB: 5
  stoppingCondition:
    maxRuntimeInSeconds: 86400
"""
    )


def hosting_deployment(name: str, *, namespace: str | None = None, region: str | None = None) -> str:
    """A v1 HostingDeployment whose one variant, ``AllTraffic``, serves the one model ``xgb``.

    16 lines with neither ``namespace`` nor ``region`` (each adds one, as in :func:`valid_training_job`).
    """
    return (
        _head("HostingDeployment", name, namespace, region)
        + """\
  productionVariants:
    - variantName: AllTraffic
      modelName: xgb
      initialInstanceCount: 1
      instanceType: ml.m5.large
  models:
    - name: xgb
      executionRoleArn: arn:aws:iam::123456789012:role/r
      containers:
        - image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest
          modelDataUrl: s3://my-bucket/model.tar.gz
"""
    )


def hosting_autoscaling_policy(
    name: str, *, endpoint: str, namespace: str | None = None, region: str | None = None
) -> str:
    """A v1 HostingAutoscalingPolicy scaling ``endpoint``'s ``AllTraffic`` variant between 1 and 3."""
    return (
        _head("HostingAutoscalingPolicy", name, namespace, region)
        + f"""\
  resourceId:
    - endpointName: {endpoint}
      variantName: AllTraffic
  minCapacity: 1
  maxCapacity: 3
  targetTrackingScalingPolicyConfiguration:
    targetValue: 70
    predefinedMetricSpecification: {{predefinedMetricType: SageMakerVariantInvocationsPerInstance}}
"""
    )


def write_spec_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root`` (parents created) and return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


# --------------------------------------------------------------------------- one bad thing beside a valid job

Writer = Callable[[Path, Path], None]  # (spec root, a directory outside it)

# The job every malformed-input case sits beside, in ``good.yaml``.
GOOD_JOB = valid_training_job("good-job", region="us-east-1")


def root_beside_valid_job(tmp_path: Path, write: Writer) -> Path:
    """``tmp_path/specs`` holding ``good.yaml`` (:data:`GOOD_JOB`) and whatever ``write`` adds."""
    root = tmp_path / "specs"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "good.yaml").write_text(GOOD_JOB, encoding="utf-8")
    write(root, outside)
    return root


def text_file(name: str, content: str) -> Writer:
    def write(root: Path, outside: Path) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")

    return write


def bytes_file(name: str, content: bytes) -> Writer:
    def write(root: Path, outside: Path) -> None:
        (root / name).write_bytes(content)

    return write


def combined(*writers: Writer) -> Writer:
    def write(root: Path, outside: Path) -> None:
        for writer in writers:
            writer(root, outside)

    return write


def symlinked_file_outside(root: Path, outside: Path) -> None:
    (outside / "secret.yaml").write_text(valid_training_job("outside-job", region="us-east-1"))
    (root / "linked.yaml").symlink_to(outside / "secret.yaml")


def symlinked_dir_outside(root: Path, outside: Path) -> None:
    (outside / "more").mkdir()
    (outside / "more" / "job.yaml").write_text(valid_training_job("outside-job", region="us-east-1"))
    (root / "shared").symlink_to(outside / "more", target_is_directory=True)


def broken_symlink(root: Path, outside: Path) -> None:
    (root / "dangling.yaml").symlink_to(root / "missing" / "nowhere.yaml")


def self_symlink(root: Path, outside: Path) -> None:
    (root / "loop.yaml").symlink_to("loop.yaml")


def symlink_cycle(root: Path, outside: Path) -> None:
    (root / "ping.yaml").symlink_to("pong.yaml")
    (root / "pong.yaml").symlink_to("ping.yaml")


def fifo(root: Path, outside: Path) -> None:
    os.mkfifo(root / "pipe.yaml")


def huge_file(root: Path, outside: Path) -> None:
    filler = "# " + "x" * 1022 + "\n"
    (root / "huge.yaml").write_text(TRAINING_JOB_HEADER + filler * (MAX_FILE_BYTES // len(filler) + 1))


def alias_bomb() -> str:
    """A "billion laughs" document: anchors ``a`` to ``h``, each aliasing the one before ten times."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 10) + "]")
    lines.append("i: [" + ",".join(["*h"] * 10) + "]")
    return "\n".join(lines) + "\n"
