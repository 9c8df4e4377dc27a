"""Secret-looking values never reach human-readable output (text and Markdown plans)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from gitops_sm.model import Action, Plan, PlanSource, ResourceChange, SourceLocation, Step
from gitops_sm.plan.render import changed_fields, looks_secret, redact, render_plan_markdown, render_plan_text

SECRET = "s3cr3t-VALUE-do-not-print"


@pytest.mark.parametrize(
    "key",
    [
        "DB_PASSWORD",
        "password",
        "mysql_passwd",
        "AWS_SECRET_ACCESS_KEY",
        "client_secret",
        "HF_TOKEN",
        "hfToken",
        "githubtoken",
        "apiKey",
        "API_KEY",
        "APIKey",
        "x-api-key",
        "PRIVATE_KEY",
        "privateKey",
        "AWS_ACCESS_KEY_ID",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "Credential",
    ],
)
def test_secret_looking_keys(key: str) -> None:
    assert looks_secret(key)


@pytest.mark.parametrize(
    "key",
    [
        "max_depth",
        "eta",
        "max_tokens",
        "tokenizer_name",
        "KmsKeyId",
        "VolumeKmsKeyId",
        "objective",
        "MODE",
        "Key",
    ],
)
def test_ordinary_keys_stay_visible(key: str) -> None:
    assert not looks_secret(key)


def test_redact_handles_maps_and_name_value_lists_at_any_depth() -> None:
    value = {
        "Environment": {"DB_PASSWORD": SECRET, "MODE": "fast"},
        "Containers": [{"Environment": {"hf_token": SECRET}, "Image": "img"}],
        "hyperParameters": [{"name": "api_key", "value": SECRET}, {"name": "eta", "value": "0.2"}],
        "Tags": [{"Key": "team", "Value": "fraud"}, {"Key": "slack-token", "Value": SECRET}],
    }
    assert redact(value) == {
        "Environment": {"DB_PASSWORD": "(sensitive)", "MODE": "fast"},
        "Containers": [{"Environment": {"hf_token": "(sensitive)"}, "Image": "img"}],
        "hyperParameters": [{"name": "api_key", "value": "(sensitive)"}, {"name": "eta", "value": "0.2"}],
        "Tags": [{"Key": "team", "Value": "fraud"}, {"Key": "slack-token", "Value": "(sensitive)"}],
    }
    # The input is not modified: the JSON plan must keep the real values.
    assert value["Environment"]["DB_PASSWORD"] == SECRET  # type: ignore[index]


def test_diff_of_a_changed_secret_says_it_changed_without_showing_it() -> None:
    rows = changed_fields(
        {"Environment": {"API_TOKEN": "old-" + SECRET, "MODE": "a"}},
        {"Environment": {"API_TOKEN": "new-" + SECRET, "MODE": "b"}},
    )
    assert rows == [
        ("~", "Environment.API_TOKEN: (sensitive) -> (sensitive)"),
        ("~", 'Environment.MODE: "a" -> "b"'),
    ]


def _plan_with_secrets() -> Plan:
    env = {"DB_PASSWORD": SECRET, "MODE": "fast"}
    return Plan(
        source=PlanSource(path="repo", commit=None, specs_digest="sha256:aa"),
        observed_digest="sha256:bb",
        resource_changes=(
            ResourceChange(
                address="HostingDeployment/fraud/scoring",
                kind="HostingDeployment",
                api_version="sagemaker.aws.amazon.com/v1",
                source=SourceLocation(path="hd.yaml", line=1),
                region="us-east-1",
                names={"endpoint": "scoring"},
                actions=(Action.UPDATE,),
                reason="spec changed",
                before={"Containers": [{"Environment": {"DB_PASSWORD": "old", "MODE": "slow"}}]},
                after={"Containers": [{"Environment": env}]},
                steps=(
                    Step(
                        service="sagemaker",
                        call="CreateModel",
                        region="us-east-1",
                        target="scoring-model-1",
                        params={"PrimaryContainer": {"Environment": env}},
                    ),
                ),
            ),
        ),
    )


def test_text_plan_never_prints_secret_values_even_verbose() -> None:
    for verbose in (False, True):
        console = Console(file=io.StringIO(), force_terminal=False, width=120)
        render_plan_text(_plan_with_secrets(), console=console, color=False, verbose=verbose)
        out = console.file.getvalue()  # type: ignore[attr-defined]
        assert SECRET not in out and '"old"' not in out
        assert "Containers[0].Environment.DB_PASSWORD: (sensitive) -> (sensitive)" in out
        assert 'Containers[0].Environment.MODE: "slow" -> "fast"' in out
    assert "DB_PASSWORD: (sensitive)" in out  # the verbose request, as YAML


def test_markdown_plan_never_prints_secret_values() -> None:
    out = render_plan_markdown(_plan_with_secrets())
    assert SECRET not in out
    assert '"DB_PASSWORD": "(sensitive)"' in out
    assert '"MODE": "fast"' in out
