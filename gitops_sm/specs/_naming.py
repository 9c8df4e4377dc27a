"""SageMaker names and spec hashes (design section 3: stateless idempotency).

Called by ``_normalize`` only. A name derived here is a pure function of the manifest, so a pass
that crashed after creating a job finds it again by name instead of creating a duplicate:

* ``spec_hash`` is 16 hex digits of sha256 over ``model.canonical_json`` of the normalised
  request(s), taken *without* the names we generate and *without* our ownership tags.
* a generated job name is ``<metadata.name>-<first 8 hex of the spec hash>``, the name part cut
  so the whole fits the API's limit, with dots (legal in Kubernetes names, not in SageMaker's
  ``[a-zA-Z0-9-]`` names) turned into dashes.
* models and endpoint configs of a HostingDeployment are content-addressed the same way with the
  hash of their own request, so changing one changes its name and never mutates it in place.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from gitops_sm.model import canonical_json

SPEC_HASH_LENGTH = 16
NAME_HASH_LENGTH = 8

# Anything SageMaker does not allow in a resource name (its names match [a-zA-Z0-9](-*[a-zA-Z0-9])*).
_NOT_NAME_CHARACTER = re.compile(r"[^a-zA-Z0-9-]")


def content_hash(value: Any) -> str:
    """16 hex digits of sha256 over the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()[:SPEC_HASH_LENGTH]


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
