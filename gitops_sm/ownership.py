"""Ownership by tags (design section 3), in one place for every layer.

Everything gitops-sm creates carries ``gitops-sm/managed-by`` and ``gitops-sm/address``; whether an
AWS object is ours, and for which address, is decided here and nowhere else. Called by ``observe``
(which objects to read further), the planner and ``plan.health`` (conflicts) and ``execute`` (is a
resource that already exists the one we meant to create). Pure functions of a tag map.
"""

from __future__ import annotations

from collections.abc import Mapping

from gitops_sm.kinds import ANNOTATION_ADOPT, TAG_ADDRESS, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE


def is_managed(tags: Mapping[str, str] | None) -> bool:
    """Whether the tags say gitops-sm manages the object (for any address)."""
    return tags is not None and tags.get(TAG_MANAGED_BY) == TAG_MANAGED_BY_VALUE


def owner_address(tags: Mapping[str, str] | None) -> str | None:
    """The address the object is managed for, when it is ours."""
    return tags.get(TAG_ADDRESS) if tags is not None and is_managed(tags) else None


def ownership_conflict(
    tags: Mapping[str, str] | None, *, address: str, noun: str, name: str, region: str
) -> str:
    """Why the object is not ours to manage as ``address`` ("" when it is, or its tags were not read).

    Tags are left unread only for objects observe already knows are ours (a job the ledger
    records as finished), so unread tags are not a conflict.
    """
    if tags is None:
        return ""
    if not is_managed(tags):
        return (
            f"conflict: {noun} {name!r} already exists in {region} and is not managed by gitops-sm "
            f"(no {TAG_MANAGED_BY} tag); rename it in the spec, or adopt it with the annotation "
            f'{ANNOTATION_ADOPT}: "true"'
        )
    owner = tags.get(TAG_ADDRESS)
    if owner and owner != address:
        return f"conflict: {noun} {name!r} in {region} is managed by gitops-sm for {owner}, not {address}"
    return ""
