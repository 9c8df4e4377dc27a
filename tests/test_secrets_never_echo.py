"""Secrets never echo (issue 7 item 4): the secret corpus scanned over every output and every file written.

Specs carry secrets the way users write them: under secret-looking keys (``DB_PASSWORD``,
``hf_tok``, a v1 ``{name: password, value: …}`` pair), in values whose shape gives them away
(``postgres://user:password@…`` under ``db_url``/``DATABASE_URL``, a Hugging Face token, a Slack
webhook in a tag value), as ``--password VALUE`` / ``--api-key=VALUE`` container arguments, and in an
invalid field whose validation message would quote it. Every command (validate, plan, apply,
status) in every format (text, JSON, Markdown), stdout and stderr, and every file written except
the exact plan file is scanned for each secret. The exact plan (``--out``) must keep them (apply
needs them) and is mode 0600. A password in ``AWS_ENDPOINT_URL`` never reaches an error message.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gitops_sm.redaction import looks_secret, redact, scrub_text
from gitops_sm.sandbox import SandboxServer
from tests.jobspecs import ROLE, XGBOOST, cli_subprocess, run_cli, subprocess_env

SECRETS = {
    "env key DB_PASSWORD": "EnvPass-42-zz",
    "db_url with user:password@": "UrlPass-55-zz",
    "DATABASE_URL with user:password@": "Pg-s3cret-9-zz",
    "hf_tok key": "TokValue-66-zz",
    "hugging face token shape": "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
    "slack webhook in a tag value": "T0000AAAA/B0000BBBB/XXXXwebhooksecretXXXX",
    "--password VALUE argument": "ArgPass-77-zz",
    "--api-key=VALUE argument": "ArgKey-88-zz",
    "v1 hyperParameters pair named password": "PairPass-99-zz",
    "integer password in a validation message": "31337313",
    "github token in an invalid field": "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
}

VALID = f"""\
apiVersion: sagemaker.aws.amazon.com/v1
kind: TrainingJob
metadata:
  name: leaky
spec:
  region: us-east-1
  roleArn: {ROLE}
  algorithmSpecification:
    trainingImage: {XGBOOST}
    trainingInputMode: File
    containerArguments: ["--password", "ArgPass-77-zz", "--api-key=ArgKey-88-zz", "--epochs", "3"]
  hyperParameters:
    - name: password
      value: PairPass-99-zz
    - name: eta
      value: "0.2"
  environment:
    - name: DB_PASSWORD
      value: EnvPass-42-zz
    - name: db_url
      value: mysql://app:UrlPass-55-zz@db.internal:3306/app
    - name: DATABASE_URL
      value: postgres://app:Pg-s3cret-9-zz@db.internal:5432/app
    - name: hf_tok
      value: TokValue-66-zz
    - name: HF_HOME_TOKENLESS
      value: hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345
  outputDataConfig:
    s3OutputPath: s3://acme-ml/out
  resourceConfig:
    instanceCount: 1
    instanceType: ml.m5.large
    volumeSizeInGB: 5
  stoppingCondition:
    maxRuntimeInSeconds: 3600
  tags:
    - key: alerts
      value: https://hooks.slack.com/services/T0000AAAA/B0000BBBB/XXXXwebhooksecretXXXX
"""

INVALID = f"""\
apiVersion: sagemaker.services.k8s.aws/v1alpha1
kind: TrainingJob
metadata:
  name: broken
spec:
  roleARN: {ROLE}
  algorithmSpecification:
    trainingImage: {XGBOOST}
    trainingInputMode: File
  hyperParameters:
    password: 31337313
  checkpointConfig:
    s3URI: ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789
  outputDataConfig:
    s3OutputPath: s3://acme-ml/out
  resourceConfig:
    instanceCount: 1
    instanceType: ml.m5.large
    volumeSizeInGB: 5
  stoppingCondition:
    maxRuntimeInSeconds: 3600
"""


def _leaks(text: str) -> list[str]:
    return [what for what, secret in SECRETS.items() if secret in text]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "valid.yaml").write_text(VALID)
    (specs / "invalid.yaml").write_text(INVALID)
    return specs


COMMANDS = [
    ("validate", "-o", "text"),
    ("validate", "-o", "json"),
    ("plan", "-o", "text", "-v"),
    ("plan", "-o", "json"),
    ("plan", "-o", "markdown"),
    ("apply", "--auto-approve", "-o", "text", "-v"),
    ("apply", "--auto-approve", "-o", "json"),
    ("status", "-o", "text"),
    ("status", "-o", "json"),
]


def test_the_corpus_reaches_the_validation_messages_it_is_meant_to(root: Path) -> None:
    shown = run_cli("validate", root, "-o", "json")
    assert shown.exit_code == 1
    assert "invalid.yaml:11" in run_cli("validate", root).output  # the password line is reported …
    assert "hyperParameters.password" in shown.output  # … at its field


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_no_secret_in_any_output_format(command: tuple[str, ...], root: Path, aws_env: SandboxServer) -> None:
    name, *options = command
    result = run_cli(name, root, *options)

    assert result.exit_code in (0, 1, 2), result.output
    assert _leaks(result.output) == []
    assert _leaks(result.stderr if result.stderr_bytes is not None else "") == []


def test_the_exact_plan_file_keeps_the_secrets_readable_by_its_owner_only(
    root: Path, tmp_path: Path, aws_env: SandboxServer
) -> None:
    out = tmp_path / "plan.json"
    out.write_text("{}")
    out.chmod(0o644)  # an existing file must not keep a wider mode

    result = run_cli("plan", root, "--out", out)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "EnvPass-42-zz" in out.read_text()  # apply needs the exact values
    assert _leaks(result.output) == []
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != out and p.parent != root]
    assert [p for p in written if _leaks(p.read_text(errors="replace"))] == []


def test_a_password_in_aws_endpoint_url_never_reaches_an_error(root: Path, tmp_path: Path) -> None:
    url = "http://operator:EndpointPass-11-zz@127.0.0.1:9"  # port 9: nothing listens
    result = cli_subprocess("plan", root, "--max-attempts", "1", env=subprocess_env(url), timeout=60)

    assert result.returncode == 1
    assert "EndpointPass-11-zz" not in result.stdout + result.stderr
    assert "127.0.0.1:9" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("db_url", "postgres://u:pw-secret@h/db"),
        ("WEBHOOK", "https://discord.com/api/webhooks/1/abc"),
        ("note", "token AKIAABCDEFGHIJKLMNOP here"),
        ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"),
    ],
)
def test_redaction_decides_by_value_shape_as_well_as_key(key: str, value: str) -> None:
    assert redact({key: value}) == {key: "(sensitive)"}
    assert scrub_text(f"error about {value}") != f"error about {value}"


def test_short_secret_key_forms_and_argument_pairs() -> None:
    assert looks_secret("hf_tok") and looks_secret("db_pwd") and looks_secret("webhook_url")
    assert not looks_secret("max_tokens") and not looks_secret("passes")
    assert redact(["--password", "x1", "--epochs", "3", "--token=y2"]) == [
        "--password", "(sensitive)", "--epochs", "3", "--token=(sensitive)"
    ]
