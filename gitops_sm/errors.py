"""The one exception tree of gitops-sm.

Every module raises these and nothing else across its public boundary: foreign exceptions
(botocore's ``ClientError``, GitPython's ``GitCommandError``, the kubernetes client's
``ApiException``) are translated where they are caught, in ``observe``, ``execute``,
``gitrepo`` and ``kube``. The CLI maps the tree to exit codes and never shows a traceback for these.

    GitopsSmError
    ├── SpecError              a manifest could not be loaded / validated (carries located issues)
    ├── ConfigError            bad command-line options or configuration
    ├── AwsError               an AWS call failed (code + message, never credentials)
    │   └── ObservationError   reading the world failed
    ├── PlanError              a plan file is unreadable, of an unknown format, or errored
    │   ├── StalePlanError     specs or observed state changed since the plan was made
    │   └── PlanMismatchError  a saved plan is not what planning now gives (edited)
    ├── ApplyError             one or more steps of a plan failed
    ├── GitError               a git operation failed
    └── ClusterError           a Kubernetes API call failed or the cluster config is unusable
        ├── ClusterNotFoundError   the object (or its kind) does not exist (HTTP 404)
        ├── ClusterConflictError   a resourceVersion precondition or create-if-absent lost (HTTP 409)
        └── LeaseLostError         another reconcile pass took over the Lease this one held
"""

from __future__ import annotations


class GitopsSmError(Exception):
    """Base of every error gitops-sm raises on purpose."""


class SpecError(GitopsSmError):
    """A spec file or document is invalid. ``issues`` holds the located problems."""

    def __init__(self, message: str, *, issues: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.issues = issues


class ConfigError(GitopsSmError):
    """An option, flag or configuration value is invalid."""


class AwsError(GitopsSmError):
    """An AWS API call failed. ``code`` is the AWS error code (``AccessDeniedException``, …)."""

    def __init__(self, message: str, *, code: str = "", operation: str = "", target: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation
        self.target = target


class ObservationError(AwsError):
    """Reading SageMaker / Application Auto Scaling state failed."""


class PlanError(GitopsSmError):
    """A plan cannot be used: unreadable file, unknown format version, or it contains errors."""


class StalePlanError(PlanError):
    """The specs or the observed state changed since the plan was made; plan again."""


class PlanMismatchError(PlanError):
    """A saved plan's changes or steps differ from what planning the same specs gives now."""


class ApplyError(GitopsSmError):
    """One or more steps of a plan failed while applying it."""


class GitError(GitopsSmError):
    """A git operation (clone, commit, push, …) failed."""


class ClusterError(GitopsSmError):
    """A Kubernetes API call failed, or the configured cluster cannot be used.

    ``status`` is the HTTP status (0 when the call never got an answer), ``reason`` the API's
    ``Status.reason`` (``Forbidden``, ``Conflict``, ...). Never carries tokens or headers."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "", operation: str = "", target: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.operation = operation
        self.target = target


class ClusterNotFoundError(ClusterError):
    """The object, its namespace or its kind does not exist (HTTP 404)."""


class ClusterConflictError(ClusterError):
    """Someone else changed the object first (stale ``resourceVersion``) or it already exists (HTTP 409)."""


class LeaseLostError(ClusterError):
    """Another reconcile pass took over the Lease this pass held (it did not renew in time)."""
