"""Specs: read Kubernetes-style SageMaker manifests from a directory into desired resources.

Pure (no AWS, no git): the app calls ``load_specs(root)`` once per pass and gets a
``LoadResult`` with the ``DesiredResource``s, every located ``Issue``, the documents skipped as
not ours, one ``DocumentStatus`` per document, and a digest of the files read (a saved plan is
stale when it changes). Modules: ``_loader`` (discovery, identity, duplicates), ``_yaml``
(parsing with a line for every node), ``_normalize`` (manifest -> AWS requests).
"""

from __future__ import annotations

from gitops_sm.model import DocumentStatus, DocumentStatusKind, Issue, LoadResult, SkippedDocument
from gitops_sm.specs._document import Document, FieldPath, format_path
from gitops_sm.specs._loader import Collected, ManagedDocument, collect_documents, load_specs
from gitops_sm.specs._yaml import MAX_DEPTH, MAX_FILE_BYTES

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "Collected",
    "Document",
    "DocumentStatus",
    "DocumentStatusKind",
    "FieldPath",
    "Issue",
    "LoadResult",
    "ManagedDocument",
    "SkippedDocument",
    "collect_documents",
    "format_path",
    "load_specs",
]
