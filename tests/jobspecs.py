"""Job manifests in both dialects, and the small helpers the end-to-end apply/status/logs tests share.

Used by ``test_apply_*.py`` and ``test_cli_*.py``. :func:`job_manifest` builds one
TrainingJob / HyperparameterTuningJob / (Batch)TransformJob / ProcessingJob document the way a
user writes it for the original operator (``sagemaker.aws.amazon.com/v1``: ``roleArn``,
``[{name, value}]`` lists) or for ACK (``sagemaker.services.k8s.aws/v1alpha1``: ``roleARN``,
``s3URI``, maps, ``type_``). ``revision`` goes into a hyperparameter or an environment variable,
so changing it changes the spec (and the spec hash) of any kind the same way.

The rest talks to the simulator the tests run against: invoking the CLI in-process
(:func:`run_cli`, or :func:`invoke_cli` to fail on any crash or traceback) or as a real process
(:func:`cli_subprocess`), and reading jobs back with boto3.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore import xform_name
from click.testing import CliRunner, Result

from gitops_sm import kinds
from gitops_sm.cli import main
from gitops_sm.kinds import JOB_KINDS, Kind
from gitops_sm.model import DesiredResource

REGION = "us-east-1"
ROLE = "arn:aws:iam::111122223333:role/sagemaker-execution"
XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
BUCKET = "s3://acme-ml-e2e"
JOB_KIND_ORDER = (Kind.TRAINING_JOB, Kind.HYPERPARAMETER_TUNING_JOB, Kind.TRANSFORM_JOB, Kind.PROCESSING_JOB)


class Dialect(StrEnum):
    V1 = kinds.API_V1
    ACK = kinds.API_ACK_SAGEMAKER


MANIFEST_KINDS: dict[tuple[Dialect, Kind], str] = {
    (Dialect.V1, Kind.TRAINING_JOB): "TrainingJob",
    (Dialect.V1, Kind.HYPERPARAMETER_TUNING_JOB): "HyperparameterTuningJob",
    (Dialect.V1, Kind.TRANSFORM_JOB): "BatchTransformJob",
    (Dialect.V1, Kind.PROCESSING_JOB): "ProcessingJob",
    (Dialect.ACK, Kind.TRAINING_JOB): "TrainingJob",
    (Dialect.ACK, Kind.HYPERPARAMETER_TUNING_JOB): "HyperParameterTuningJob",
    (Dialect.ACK, Kind.TRANSFORM_JOB): "TransformJob",
    (Dialect.ACK, Kind.PROCESSING_JOB): "ProcessingJob",
}


def address(kind: Kind, dialect: Dialect, name: str, namespace: str = "default") -> str:
    return f"{MANIFEST_KINDS[(dialect, kind)]}/{namespace}/{name}"


def _pairs(dialect: Dialect, values: Mapping[str, str]) -> Any:
    """v1 writes maps as ``[{name, value}]``; ACK as plain maps."""
    if dialect is Dialect.V1:
        return [{"name": k, "value": v} for k, v in values.items()]
    return dict(values)


def _s3(dialect: Dialect, uri: str, **rest: Any) -> dict[str, Any]:
    return {("s3Uri" if dialect is Dialect.V1 else "s3URI"): uri, **rest}


def _role(dialect: Dialect) -> dict[str, str]:
    return {("roleArn" if dialect is Dialect.V1 else "roleARN"): ROLE}


def _training_body(dialect: Dialect, name: str, static: Mapping[str, str]) -> dict[str, Any]:
    return {
        **_role(dialect),
        "algorithmSpecification": {"trainingImage": XGBOOST, "trainingInputMode": "File"},
        "inputDataConfig": [
            {
                "channelName": "train",
                "contentType": "text/csv",
                "dataSource": {
                    "s3DataSource": _s3(
                        dialect,
                        f"{BUCKET}/datasets/{name}/train/",
                        s3DataType="S3Prefix",
                        s3DataDistributionType="FullyReplicated",
                    )
                },
            }
        ],
        "outputDataConfig": {"s3OutputPath": f"{BUCKET}/models/{name}/"},
        "resourceConfig": {"instanceCount": 1, "instanceType": "ml.m5.xlarge", "volumeSizeInGB": 10},
        "stoppingCondition": {"maxRuntimeInSeconds": 3600},
        "_static": _pairs(dialect, static),
    }


def _spec(kind: Kind, dialect: Dialect, name: str, revision: int) -> dict[str, Any]:
    rev = str(revision)
    if kind is Kind.TRAINING_JOB:
        body = _training_body(
            dialect, name, {"objective": "binary:logistic", "num_round": "50", "revision": rev}
        )
        body["hyperParameters"] = body.pop("_static")
        return body
    if kind is Kind.HYPERPARAMETER_TUNING_JOB:
        definition = _training_body(dialect, name, {"objective": "binary:logistic", "revision": rev})
        definition["staticHyperParameters"] = definition.pop("_static")
        return {
            "hyperParameterTuningJobConfig": {
                "strategy": "Bayesian",
                "hyperParameterTuningJobObjective": {
                    ("type" if dialect is Dialect.V1 else "type_"): "Maximize",
                    "metricName": "validation:auc",
                },
                "resourceLimits": {"maxNumberOfTrainingJobs": 3, "maxParallelTrainingJobs": 3},
                "parameterRanges": {
                    "continuousParameterRanges": [{"name": "eta", "minValue": "0.05", "maxValue": "0.5"}]
                },
            },
            "trainingJobDefinition": definition,
        }
    if kind is Kind.TRANSFORM_JOB:
        return {
            "modelName": "scoring-model",
            "environment": _pairs(dialect, {"REVISION": rev}),
            "transformInput": {
                "contentType": "text/csv",
                "dataSource": {
                    "s3DataSource": _s3(dialect, f"{BUCKET}/batch/{name}/in/", s3DataType="S3Prefix")
                },
            },
            "transformOutput": {"s3OutputPath": f"{BUCKET}/batch/{name}/out/"},
            "transformResources": {"instanceCount": 1, "instanceType": "ml.m5.xlarge"},
        }
    if kind is Kind.PROCESSING_JOB:
        return {
            **_role(dialect),
            "appSpecification": {
                ("imageUri" if dialect is Dialect.V1 else "imageURI"): SKLEARN,
                "containerEntrypoint": ["python3", "/opt/ml/processing/code/prep.py"],
            },
            "environment": _pairs(dialect, {"REVISION": rev}),
            "processingOutputConfig": {
                "outputs": [
                    {
                        "outputName": "features",
                        "s3Output": _s3(
                            dialect,
                            f"{BUCKET}/features/{name}/",
                            localPath="/opt/ml/processing/output",
                            s3UploadMode="EndOfJob",
                        ),
                    }
                ]
            },
            "processingResources": {
                "clusterConfig": {"instanceCount": 1, "instanceType": "ml.m5.xlarge", "volumeSizeInGB": 20}
            },
            "stoppingCondition": {"maxRuntimeInSeconds": 3600},
        }
    raise ValueError(f"{kind} is not a job kind")


def job_manifest(
    kind: Kind,
    dialect: Dialect,
    name: str,
    *,
    namespace: str = "default",
    revision: int = 1,
    job_name: str | None = None,
    tags: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One job document; ``job_name`` is the explicit SageMaker name (``trainingJobName`` …)."""
    spec = _spec(kind, dialect, name, revision)
    if dialect is Dialect.V1:
        spec["region"] = REGION
    if job_name is not None:
        noun = JOB_KINDS[kind].noun
        spec[noun[0].lower() + noun[1:] + "Name"] = job_name
    spec["tags"] = [{"key": k, "value": v} for k, v in {"team": "e2e", **(tags or {})}.items()]
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {
        "apiVersion": dialect.value,
        "kind": MANIFEST_KINDS[(dialect, kind)],
        "metadata": metadata,
        "spec": spec,
    }


def model_manifest(name: str = "scoring-model", *, namespace: str = "default") -> dict[str, Any]:
    """The ACK Model the transform jobs run (``modelName: scoring-model``)."""
    return {
        "apiVersion": Dialect.ACK.value,
        "kind": "Model",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "modelName": name,
            "executionRoleARN": ROLE,
            "primaryContainer": {"image": XGBOOST, "modelDataURL": f"{BUCKET}/models/{name}/model.tar.gz"},
        },
    }


def write_spec(root: Path, filename: str, *documents: Mapping[str, Any]) -> Path:
    """Write ``documents`` as one (multi-document) YAML file under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / filename
    path.write_text(yaml.safe_dump_all([dict(d) for d in documents], sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- recording API calls


@dataclass(frozen=True, kw_only=True)
class RecordedCall:
    service: str
    operation: str
    params: dict[str, Any]


class CallRecorder:
    """Every API call of every client made from one boto3 session, with its parameters as given.

    Registered on the session's ``before-parameter-build`` event before any client exists, so each
    client the session creates later inherits it (botocore copies the session's event emitter).
    """

    def __init__(self, session: boto3.Session) -> None:
        self.calls: list[RecordedCall] = []
        session.events.register("before-parameter-build", self._record)

    def _record(self, *, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(
            RecordedCall(
                service=model.service_model.service_name,
                operation=model.name,
                params=copy.deepcopy(dict(params)),
            )
        )


# --------------------------------------------------------------------------- running the CLI


def run_cli(*args: str | Path, stdin: str | None = None) -> Result:
    """``gitops-sm ARGS`` in this process (stdin is not a terminal), against AWS_ENDPOINT_URL."""
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=False)


def invoke_cli(*args: str) -> Result:
    """``gitops-sm ARGS`` in this process; fails the test on a crash or a printed traceback.

    Unlike :func:`run_cli`, click catches what the command raises, so the test sees the result:
    anything but the command's own ``sys.exit`` is a crash.
    """
    result = CliRunner().invoke(main, list(args))
    assert isinstance(result.exception, SystemExit | None), result.exc_info
    assert "Traceback" not in result.output
    return result


def subprocess_env(endpoint_url: str, **extra: str) -> dict[str, str]:
    """An environment for a real ``gitops-sm`` process that reaches the simulator at ``endpoint_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    env.update(extra)
    return env


def cli_subprocess(
    *args: str | Path, env: Mapping[str, str], timeout: float = 60.0, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``gitops-sm ARGS`` (or ``python -c CODE ARGS``) as a real process."""
    head = [sys.executable, "-c", code if code is not None else "from gitops_sm.cli import main; main()"]
    return subprocess.run(
        [*head, *(str(a) for a in args)],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- reading the simulator


def list_jobs(sm: Any, kind: Kind) -> list[dict[str, Any]]:
    """Every job summary of ``kind`` (all pages)."""
    info = JOB_KINDS[kind]
    paginator = sm.get_paginator(xform_name(info.list_call))
    return [s for page in paginator.paginate() for s in page[info.list_key]]


def job_names(sm: Any, kind: Kind) -> list[str]:
    return sorted(s[JOB_KINDS[kind].name_member] for s in list_jobs(sm, kind))


def job_status(sm: Any, kind: Kind, name: str) -> str:
    info = JOB_KINDS[kind]
    described = getattr(sm, xform_name(info.describe_call))(**{info.name_member: name})
    return str(described[info.status_member])


def job_tags(sm: Any, kind: Kind, name: str) -> dict[str, str]:
    info = JOB_KINDS[kind]
    described = getattr(sm, xform_name(info.describe_call))(**{info.name_member: name})
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=described[info.arn_member])["Tags"]}


def all_job_names(sm: Any, job_kinds: Sequence[Kind] = JOB_KIND_ORDER) -> dict[Kind, list[str]]:
    return {kind: job_names(sm, kind) for kind in job_kinds}


def create_under_previous_name(sm: Any, res: DesiredResource) -> str:
    """Create ``res``'s job under the name the naming rule before issue 7 gave it (spec hash only),
    with its request and tags (address and spec hash), as that release's ``apply`` did; its name."""
    (legacy,) = res.previous_names
    info = JOB_KINDS[res.kind]
    params = {**res.requests[0].params, info.name_member: legacy}
    getattr(sm, xform_name(res.requests[0].operation))(**params)
    return legacy
