"""ClientFactory (cached, configured clients with a call counter) and translate() of AWS failures."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from gitops_sm.awsclients import USER_AGENT_EXTRA, ClientFactory, default_region, is_not_found, translate
from gitops_sm.errors import AwsError, ObservationError

REGION = "us-east-1"


def test_one_client_per_service_region_and_endpoint(aws_env: Any) -> None:
    clients = ClientFactory(region=REGION, retry_mode="adaptive", max_attempts=7,
                            allowed_endpoint_urls=["http://127.0.0.1:1"])

    first = clients.client("sagemaker")
    assert clients.client("sagemaker", region=REGION) is first
    assert clients.client("sagemaker", region="eu-west-1") is not first
    assert clients.client("sagemaker", endpoint_url="http://127.0.0.1:1") is not first
    assert first.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert USER_AGENT_EXTRA.startswith("gitops-sm/")
    assert USER_AGENT_EXTRA in first.meta.config.user_agent_extra


def test_aws_endpoint_url_from_the_environment_is_honoured_and_calls_are_counted(aws_env: Any) -> None:
    clients = ClientFactory(region=REGION, max_attempts=1)

    clients.client("sagemaker").list_models()
    clients.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")

    assert clients.client("sagemaker").meta.endpoint_url == aws_env.url
    assert clients.counter.by_operation() == {"ListModels": 1, "DescribeScalableTargets": 1}
    assert clients.counter.attempts == 2
    assert [(c.service, c.region) for c in clients.counter.calls] == [
        ("sagemaker", REGION),
        ("application-autoscaling", REGION),
    ]


def test_default_region_comes_from_the_environment(aws_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")

    assert default_region() == "eu-central-1"
    assert ClientFactory().default_region == "eu-central-1"
    assert ClientFactory(region="ap-south-1").default_region == "ap-south-1"


def test_bad_retry_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="retry mode"):
        ClientFactory(retry_mode="legacy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max attempts"):
        ClientFactory(max_attempts=0)


def test_translate_keeps_the_aws_code_and_message_and_never_the_credentials(
    aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSECRETLOOKING1234")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-key-material")
    sagemaker = ClientFactory(region=REGION, max_attempts=1).client("sagemaker")

    with pytest.raises(ClientError) as raised:
        sagemaker.describe_model(ModelName="nope")
    error = translate(raised.value, operation="DescribeModel", target="nope", error_type=ObservationError)

    assert isinstance(error, ObservationError) and isinstance(error, AwsError)
    assert error.code == "ValidationException"
    assert (error.operation, error.target) == ("DescribeModel", "nope")
    assert str(error).startswith("DescribeModel on nope failed: ValidationException: Could not find model")
    assert is_not_found(raised.value)
    for secret in ("AKIDSECRETLOOKING1234", "very-secret-key-material", "Signature", "Authorization"):
        assert secret not in str(error) and secret not in repr(error)


def test_translate_of_a_client_side_validation_error(aws_env: Any) -> None:
    sagemaker = ClientFactory(region=REGION, max_attempts=1).client("sagemaker")

    with pytest.raises(ParamValidationError) as raised:
        sagemaker.describe_model(ModelName=42)
    error = translate(raised.value, operation="DescribeModel", target="42")

    assert error.code == "ParamValidationError"
    assert "ModelName" in str(error)
