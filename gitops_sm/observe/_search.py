"""Bulk reads through SageMaker ``Search``: positive proof that spares per-resource reads.

Called by ``observe._sagemaker`` in ``Reads.DECISIONS`` passes without prune, never when a ledger
already answers. ``Search`` returns whole records, tags included, 100 per page, for the resource
types SageMaker indexes: ``TrainingJob`` and ``Endpoint`` matter here (processing and transform
jobs, endpoint configs and models are not searchable, see the ``ResourceType`` enum). The index
behind it may lag, so a record is used only as **positive proof** and anything else falls back to
the authoritative per-resource read:

* a finished training job under an explicit name needs no ``ListTags`` when its record names it,
  shows the List page's ``TrainingJobStatus``, ``LastModifiedTime`` and ARN, and carries our
  managed-by tag, the address of the one spec that wants the name and that spec's hash: a no-op
  either way. A job that is foreign, ours for another address or spec hash, newer in the List
  page than in the index, or absent from it gets its ``ListTags`` as before, so the planner
  reports it exactly as before. The tags then come from the record (``volatile["TagsFromSearch"]``
  says so, until a ``ListTags`` replaces them) and :func:`gitops_sm.observe.verify_ownership` treats them as unread: anything a plan
  would modify has its tags read with ``ListTags``, as ever.
* a desired endpoint needs no ``DescribeEndpoint`` when its record shows the List page's
  ``EndpointStatus`` (``InService``) and ``LastModifiedTime`` and runs a config its spec asks for:
  it is settled, and the record carries every field the planner reads from the Describe
  (``EndpointConfigName``, ``ProductionVariants``, ``FailureReason``, ``CreationTime``; an
  ``InService`` endpoint has no ``PendingDeploymentSummary``, the one Describe field a record
  lacks; ``volatile["SearchRecord"]`` marks it). Any other endpoint is described as before.

A Search is issued only when it is cheaper than the reads it may replace: its pages are bounded by
the List pages of the same type (it asks only for objects carrying our managed-by tag), so it runs
when more candidates wait than that bound. A Search that fails (``sagemaker:Search`` not granted,
throttled) costs nothing else: every candidate gets its usual read.

Known limit of the proof: tagging does not change a job's ``LastModifiedTime``, so tags edited on
a finished job within the index's lag can still show the old (ours) values; since nothing is ever
done to a finished job and any mutation re-reads tags, that can only delay the conflict report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gitops_sm.kinds import (
    ENDPOINT_IN_SERVICE,
    TAG_ADDRESS,
    TAG_MANAGED_BY,
    TAG_MANAGED_BY_VALUE,
    TAG_SPEC_HASH,
)
from gitops_sm.observe._reader import Reader, ReadFailed, jsonable, tag_map
from gitops_sm.ownership import is_managed

SEARCH_RECORD = "SearchRecord"  # volatile key: True when an endpoint's details came from its Search record
TAGS_FROM_SEARCH = "TagsFromSearch"  # volatile key: True while a job's tags are its Search record's
SEARCH_PAGE_SIZE = 100  # Search's maximum MaxResults
_OURS = {"Filters": [{"Name": f"Tags.{TAG_MANAGED_BY}", "Operator": "Equals", "Value": TAG_MANAGED_BY_VALUE}]}


def worth_searching(*, candidates: int, listed: int, list_page_size: int) -> bool:
    """Whether a Search over ``listed`` objects costs fewer calls than ``candidates`` single reads."""
    pages = max(1, math.ceil(listed / list_page_size))
    return candidates > pages


def search_ours(reader: Reader, client: Any, *, resource: str, name_key: str, region: str) -> dict[str, Any]:
    """Every record of ``resource`` carrying our managed-by tag, by name; {} when Search failed."""
    try:
        results = reader.paginate(
            client,
            "Search",
            result_key="Results",
            page_size=SEARCH_PAGE_SIZE,
            target=f"{resource}s in {region} (Search)",
            Resource=resource,
            SearchExpression=_OURS,
        )
    except ReadFailed:
        return {}  # an optimisation only: every candidate falls back to its own read
    found: dict[str, Any] = {}
    for result in results:
        body = result.get(resource)
        if isinstance(body, Mapping) and body.get(name_key):
            found[str(body[name_key])] = body
    return found


def proven_job_tags(
    record: Mapping[str, Any] | None, *, summary: Mapping[str, Any], address: str, spec_hash: str
) -> dict[str, str] | None:
    """The tags of a finished training job when its record proves it is this spec's (else None)."""
    if record is None:
        return None
    for key in ("TrainingJobName", "TrainingJobArn", "TrainingJobStatus", "LastModifiedTime"):
        if record.get(key) is None or jsonable(record.get(key)) != jsonable(summary.get(key)):
            return None  # the index is behind (or ahead of) the List page
    tags = tag_map(record.get("Tags") or ())
    if not is_managed(tags) or tags.get(TAG_ADDRESS) != address or tags.get(TAG_SPEC_HASH) != spec_hash:
        return None
    return tags


def settled_endpoint_record(
    record: Mapping[str, Any] | None, *, status: str | None, last_modified: Any, configs: set[str] | None
) -> Mapping[str, Any] | None:
    """The record when it proves the endpoint settled as the List page shows it (else None)."""
    if record is None or not configs or status != ENDPOINT_IN_SERVICE:
        return None
    if record.get("EndpointStatus") != status or record.get("LastModifiedTime") is None:
        return None
    if jsonable(record.get("LastModifiedTime")) != last_modified:
        return None
    if record.get("EndpointConfigName") not in configs or not isinstance(record.get("ProductionVariants"), list):
        return None
    return record
