"""The seams between observation and the ledger that ``reconcile`` keeps (design section 10).

``observe`` asks a :class:`Ledger` whether a desired job it found in a List response is already
recorded as terminal for the same spec hash; if so it makes no Describe or ListTags call for it.

A ledger that also implements :class:`RecordedState` lets ``observe`` reuse what an earlier pass
read about an endpoint, endpoint config or model whose List summary (status and timestamps,
fingerprinted in ``volatile["ListSummary"]``) has not changed since: no Describe/ListTags then.
The real ledger (status files written by ``reconcile``) implements these in a later layer.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from gitops_sm.kinds import Kind
from gitops_sm.model import ObservedResource, ObservedType

LIST_SUMMARY = "ListSummary"  # volatile key: fingerprint of the resource's List* summary
FROM_LEDGER = "FromLedger"  # volatile key: True when details/tags were reused from the ledger


class Ledger(Protocol):
    """Where observe learns that a job is finished and ours, without asking AWS."""

    def terminal_status(self, *, region: str, kind: Kind, name: str, spec_hash: str) -> str | None:
        """The terminal status recorded for this job and spec hash, or None when not recorded."""
        ...


@runtime_checkable
class RecordedState(Protocol):
    """Optional ledger capability: what an earlier pass observed, keyed by the List summary."""

    def recorded(
        self, *, region: str, type_: ObservedType, name: str, summary: str
    ) -> ObservedResource | None:
        """The resource as observed when its List summary fingerprint was ``summary``, else None."""
        ...
