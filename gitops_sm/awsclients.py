"""boto3 clients for every module that talks to AWS, and the one translation of AWS failures.

``observe`` (reading), ``execute`` (applying a plan's steps) and ``observe.logs`` get their clients
from one :class:`ClientFactory` that the app layer builds from the command line (profile, region,
retry mode, and an endpoint override for the sandbox). The factory caches one client per
(service, region, endpoint URL) and counts every API call it makes through a :class:`CallCounter`,
so a pass can report "AWS calls per pass" (design section 10).

botocore honours ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``) by itself; the factory
only passes an explicit ``endpoint_url`` when one was configured (``--sandbox``) or a resource
names its own (v1 ``spec.sageMakerEndpoint``).

:func:`translate` turns a botocore exception into :class:`gitops_sm.errors.AwsError` carrying the
AWS error code and message only: request headers, signatures and credentials never reach it.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.exceptions import (
    ConnectionError as BotocoreConnectionError,
)

from gitops_sm.allowlist import endpoint_problem
from gitops_sm.botocoredata import new_botocore_session
from gitops_sm.errors import AwsError, ConfigError
from gitops_sm.redaction import scrub_text

RetryMode = Literal["standard", "adaptive"]
RETRY_MODES: tuple[RetryMode, ...] = ("standard", "adaptive")
DEFAULT_MAX_ATTEMPTS = 5

# AWS error codes, grouped by what callers do about them.
ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"}
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "SlowDown",
    }
)
# Codes this module invents for failures that never reached AWS.
CODE_NO_CREDENTIALS = "NoCredentials"
CODE_CONNECTION = "EndpointConnectionError"
CODE_PARAM_VALIDATION = "ParamValidationError"
CODE_NO_REGION = "NoRegion"
CODE_ENDPOINT_NOT_ALLOWED = "EndpointNotAllowed"


def _package_version() -> str:
    try:
        return metadata.version("gitops-sm")
    except metadata.PackageNotFoundError:  # running from a source tree that was not installed
        return "0"


USER_AGENT_EXTRA = f"gitops-sm/{_package_version()}"


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """One API call as botocore was asked to make it (before retries)."""

    service: str
    operation: str
    region: str


class CallCounter:
    """Counts API calls (``before-call``) and HTTP attempts (``before-send``, retries included).

    Thread-safe; ``calls`` keeps every :class:`CallRecord` in order so tests and benchmarks can
    see exactly what a pass asked AWS for.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[CallRecord] = []
        self._attempts = 0
        self._request_ids: dict[str, str] = {}

    def attach(self, client: Any, *, service: str, region: str) -> None:
        """Register this counter's hooks on one boto3 client."""

        def on_call(**kwargs: Any) -> None:
            model = kwargs.get("model")
            operation = getattr(model, "name", "?")
            with self._lock:
                self._calls.append(CallRecord(service=service, operation=operation, region=region))

        def on_send(**_: Any) -> None:
            with self._lock:
                self._attempts += 1

        def on_response(**kwargs: Any) -> None:
            parsed = kwargs.get("parsed") or {}
            request_id = (parsed.get("ResponseMetadata") or {}).get("RequestId") if isinstance(parsed, dict) else None
            if request_id:
                with self._lock:
                    self._request_ids[getattr(kwargs.get("model"), "name", "?")] = str(request_id)

        events = client.meta.events
        events.register("before-call", on_call)
        events.register("before-send", on_send)
        events.register("after-call", on_response)

    def last_request_id(self, operation: str) -> str | None:
        """The AWS request id of the latest response (success or error) to ``operation``."""
        with self._lock:
            return self._request_ids.get(operation)

    @property
    def total(self) -> int:
        with self._lock:
            return len(self._calls)

    @property
    def attempts(self) -> int:
        """HTTP requests sent, including botocore's retries."""
        with self._lock:
            return self._attempts

    @property
    def calls(self) -> tuple[CallRecord, ...]:
        with self._lock:
            return tuple(self._calls)

    def by_operation(self) -> dict[str, int]:
        """``{"ListTrainingJobs": 3, …}``."""
        with self._lock:
            return dict(Counter(c.operation for c in self._calls))

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._attempts = 0


class ClientFactory:
    """Builds and caches boto3 clients; the only place gitops-sm creates one.

    ``max_attempts`` is the total number of attempts per call, retries included (``1`` = never
    retry). ``endpoint_url`` overrides every service's endpoint (sandbox, tests); a per-call
    ``endpoint_url`` (a resource's ``spec.sageMakerEndpoint``) wins over it. ``session`` lets a
    caller supply a prepared ``boto3.Session`` (for instance one with extra event hooks). A
    callable ``endpoint_url`` is called once, when the first client is made.

    A profile that does not exist, an unreadable AWS config file, an invalid region name or retry
    setting raise :class:`gitops_sm.errors.ConfigError` (botocore's exception translated).
    """

    def __init__(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        retry_mode: RetryMode = "standard",
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        endpoint_url: str | Callable[[], str] | None = None,
        session: boto3.Session | None = None,
        counter: CallCounter | None = None,
        allowed_endpoint_urls: Collection[str] = (),
    ) -> None:
        if retry_mode not in RETRY_MODES:
            raise ValueError(f"retry mode must be one of {', '.join(RETRY_MODES)}, not {retry_mode!r}")
        if max_attempts < 1:
            raise ValueError(f"max attempts must be at least 1, not {max_attempts}")
        try:
            self._session = session or boto3.Session(profile_name=profile, botocore_session=new_botocore_session())
            if profile and profile not in self._session.available_profiles:  # say so now, not at the first call
                raise ProfileNotFound(profile=profile)
        except BotoCoreError as exc:
            raise config_error(exc) from exc
        self._region = region
        self._endpoint_url = endpoint_url
        self._allowed_endpoint_urls = frozenset(allowed_endpoint_urls)
        self._config = Config(
            # total_max_attempts counts the first attempt too (like AWS_MAX_ATTEMPTS); botocore's
            # "max_attempts" key would mean retries and give one attempt more than asked for.
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            user_agent_extra=USER_AGENT_EXTRA,
        )
        self.counter = counter or CallCounter()
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        self._lock = threading.Lock()

    @property
    def default_region(self) -> str | None:
        """The region given to the factory, else the session's (profile, ``AWS_REGION``, config)."""
        # boto3 reads AWS_DEFAULT_REGION and the profile; AWS_REGION is what SDKs and pods set.
        if self._region or os.environ.get("AWS_REGION"):
            return self._region or os.environ.get("AWS_REGION")
        try:
            return self._session.region_name
        except BotoCoreError as exc:
            raise config_error(exc) from exc

    def _base_endpoint_url(self) -> str | None:
        """The factory's own endpoint URL; a callable one is called now, once (``--sandbox`` starts)."""
        with self._lock:
            if callable(self._endpoint_url):
                self._endpoint_url = self._endpoint_url()
            return self._endpoint_url

    def client(self, service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
        """The cached client for ``service`` in ``region`` (default region when None)."""
        resolved_region = region or self.default_region
        if not resolved_region:
            raise AwsError(
                "no AWS region configured: pass --region, set AWS_REGION, or set spec.region",
                code=CODE_NO_REGION,
                operation="",
                target=service,
            )
        # A per-call URL comes from a spec (v1 spec.sageMakerEndpoint): AWS's own endpoints or the
        # operator's list only, so no signed request reaches a host a spec's author chose.
        problem = (
            endpoint_problem(endpoint_url, operator_allowed=self._allowed_endpoint_urls)
            if endpoint_url and endpoint_url != self._base_endpoint_url()
            else None
        )
        if problem:
            raise AwsError(
                f"endpoint URL {scrub_text(str(endpoint_url))!r} refused: {problem}",
                code=CODE_ENDPOINT_NOT_ALLOWED,
                operation="",
                target=service,
            )
        url = endpoint_url or self._base_endpoint_url()
        key = (service, resolved_region, url)
        with self._lock:
            cached = self._clients.get(key)
            if cached is not None:
                return cached
            kwargs: dict[str, Any] = {"region_name": resolved_region, "config": self._config}
            if url:
                kwargs["endpoint_url"] = url
            try:
                made = self._session.client(service, **kwargs)  # type: ignore[call-overload]
            except (BotoCoreError, ValueError) as exc:  # botocore's InvalidRegionError is both
                raise config_error(exc) from exc
            self.counter.attach(made, service=service, region=resolved_region)
            self._clients[key] = made
            return made


def default_region(*, profile: str | None = None) -> str | None:
    """The region boto3 would use for ``profile`` (``AWS_REGION``/``AWS_DEFAULT_REGION``/config)."""
    if os.environ.get("AWS_REGION"):
        return os.environ.get("AWS_REGION")
    try:
        return boto3.Session(profile_name=profile).region_name
    except BotoCoreError as exc:
        raise config_error(exc) from exc


def config_error(exc: BaseException) -> ConfigError:
    """A :class:`ConfigError` for botocore refusing the configuration (profile, config file, region)."""
    if isinstance(exc, ProfileNotFound):
        profile = exc.kwargs.get("profile", "")
        return ConfigError(
            f"AWS profile {profile!r} not found (from --profile or AWS_PROFILE); "
            "the profiles are in ~/.aws/config and ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)"
        )
    return ConfigError(f"the AWS configuration is not usable: {exc}")


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore exception (``""`` when it has none)."""
    if isinstance(exc, ClientError):
        error: Mapping[str, Any] = exc.response.get("Error", {})
        return str(error.get("Code", ""))
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return CODE_NO_CREDENTIALS
    if isinstance(exc, EndpointConnectionError):
        return CODE_CONNECTION
    if isinstance(exc, ParamValidationError):
        return CODE_PARAM_VALIDATION
    if isinstance(exc, NoRegionError):
        return CODE_NO_REGION
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    """The AWS error message of a botocore exception, without request details, URL passwords or tokens."""
    return scrub_text(_raw_error_message(exc))


def _raw_error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        error: Mapping[str, Any] = exc.response.get("Error", {})
        return str(error.get("Message", "")) or str(exc)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return "no AWS credentials found (configure a profile, environment variables or an IAM role)"
    if isinstance(exc, EndpointConnectionError):
        url = exc.kwargs.get("endpoint_url", "")
        return f"could not connect to the endpoint {url} (check AWS_ENDPOINT_URL, the network and the region)"
    # ParamValidationError and other BotoCoreErrors render their own report; they carry no secrets.
    return str(exc)


def is_credentials_error(exc: BaseException) -> bool:
    return isinstance(exc, NoCredentialsError | PartialCredentialsError)


def is_connection_error(exc: BaseException) -> bool:
    """The endpoint could not be reached (refused, unresolvable, connect timeout), after retries."""
    return isinstance(exc, BotocoreConnectionError)


def is_access_denied(exc: BaseException) -> bool:
    return error_code(exc) in ACCESS_DENIED_CODES


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


# SageMaker answers a Describe/Delete of a missing model, endpoint config, endpoint or job with a
# ValidationException "Could not find …" / "Requested resource not found"; other operations and
# Application Auto Scaling use a not-found code.
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException", "ObjectNotFoundException"})
_NOT_FOUND_PHRASES = re.compile(r"could not find|not found|does not exist|\bno\b.+\bfound\b", re.IGNORECASE)


def is_not_found(exc: BaseException) -> bool:
    """True when ``exc`` says the resource asked for does not exist."""
    code = error_code(exc)
    if code in NOT_FOUND_CODES:
        return True
    return code == "ValidationException" and _NOT_FOUND_PHRASES.search(error_message(exc)) is not None


AWS_EXCEPTIONS: tuple[type[Exception], ...] = (ClientError, BotoCoreError)
"""Everything a boto3 call raises on failure; catch this, then :func:`translate`."""


def translate(
    exc: BaseException, *, operation: str, target: str, error_type: type[AwsError] = AwsError
) -> AwsError:
    """An :class:`AwsError` (or ``error_type``) for a botocore failure of ``operation`` on ``target``.

    The message reads ``CreateTrainingJob on <target> failed: <Code>: <message>``.
    """
    code = error_code(exc)
    message = error_message(exc)
    where = f"{operation} on {target}" if target else operation
    return error_type(f"{where} failed: {code}: {message}", code=code, operation=operation, target=target)
