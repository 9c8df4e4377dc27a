"""The generated-name rule (design section 3), in one place for every layer.

``specs`` builds names with :func:`hashed_name` (jobs, and the content-addressed Models and
EndpointConfigs of a HostingDeployment); ``observe`` and the planner read them back with
:func:`generated_prefix` to find the earlier jobs of a spec. Pure string functions, no I/O.

A generated name is ``<base>-<first 8 hex of a hash>``, the base cut so the whole fits the API's
limit, with every character SageMaker names forbid (dots, underscores, ...) turned into ``-``.
For a job the hash is :func:`job_name_digest` of its address and spec hash, so two addresses never
want one job name; for content-addressed Models and EndpointConfigs it is their content hash.
"""

from __future__ import annotations

import hashlib
import re

NAME_HASH_LENGTH = 8

# Anything SageMaker does not allow in a resource name (its names match [a-zA-Z0-9](-*[a-zA-Z0-9])*).
_NOT_NAME_CHARACTER = re.compile(r"[^a-zA-Z0-9-]")
_GENERATED_SUFFIX = re.compile(rf"-[0-9a-f]{{{NAME_HASH_LENGTH}}}$")


def sanitize_name(text: str) -> str:
    """``text`` with every character SageMaker names forbid (dots, underscores, ...) turned into ``-``."""
    return _NOT_NAME_CHARACTER.sub("-", text)


def fit_name(text: str, *, max_length: int) -> str:
    """A sanitized ``text`` cut to ``max_length`` with no dash left dangling at either end."""
    return sanitize_name(text)[:max_length].strip("-")


def hashed_name(base: str, *, digest: str, max_length: int) -> str:
    """``<base>-<8 hex of digest>``, the base cut so the whole is at most ``max_length`` long.

    >>> hashed_name("my.job", digest="0123456789abcdef", max_length=63)
    'my-job-01234567'
    """
    suffix = digest[:NAME_HASH_LENGTH]
    stem = fit_name(base, max_length=max_length - len(suffix) - 1)
    return f"{stem}-{suffix}" if stem else suffix


def job_name_digest(*, address: str, spec_hash: str) -> str:
    """The digest a generated job name's 8 hex come from: the resource address *and* the spec hash.

    With the spec hash alone (the rule before issue 7), identical specs in two namespaces, or a
    spec moved to another namespace, wanted the one SageMaker name the other address's tags own,
    and job names can never be reused. Names made by that rule carry over: see
    ``DesiredResource.previous_names`` and the planner's job module.
    """
    return hashlib.sha256(f"{address}\n{spec_hash}".encode()).hexdigest()


def generated_prefix(name: str) -> str | None:
    """``"train-mnist"`` for ``"train-mnist-0a1b2c3d"``; None when ``name`` is not of that form."""
    match = _GENERATED_SUFFIX.search(name)
    return name[: match.start()] if match else None
