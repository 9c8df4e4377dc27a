"""SageMaker names and spec hashes (design section 3: stateless idempotency).

Called by ``_normalize`` only. A name derived here is a pure function of the manifest, so a pass
that crashed after creating a job finds it again by name instead of creating a duplicate:

* ``spec_hash`` is 16 hex digits of sha256 over ``model.canonical_json`` of the normalised
  request(s), taken *without* the names we generate and *without* our ownership tags.
* a generated job name (the rule lives in :mod:`gitops_sm.naming`) is ``<metadata.name>-<first 8 hex of the spec hash>``, the name part cut
  so the whole fits the API's limit, with dots (legal in Kubernetes names, not in SageMaker's
  ``[a-zA-Z0-9-]`` names) turned into dashes.
* models and endpoint configs of a HostingDeployment are content-addressed the same way with the
  hash of their own request, so changing one changes its name and never mutates it in place.
"""

from __future__ import annotations

from gitops_sm.model import SPEC_HASH_LENGTH, content_hash
from gitops_sm.naming import fit_name, hashed_name, sanitize_name

__all__ = ["SPEC_HASH_LENGTH", "content_hash", "fit_name", "hashed_name", "sanitize_name"]
