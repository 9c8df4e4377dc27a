"""The pure planning layer's public face: plan, status and the renderers.

``app`` and ``cli`` import from here only; the planner's modules of concern (``_context``,
``_jobs``, ``_hosting``, ``_autoscaling``, ``_prune``) are private to this package. Nothing here
does I/O except the renderers writing to the console they are given.

* :func:`plan` turns desired resources and observed state into a :class:`~gitops_sm.model.Plan`
  (design section 4); :class:`PlanOptions` are its knobs.
* :func:`first_difference` says where a saved plan differs from planning now (``apply PLANFILE``).
* :func:`build_status` judges one pass's health per resource for ``status``.
* :mod:`gitops_sm.plan.migration` is the pure half of ``migrate --from-cluster``.
* :mod:`gitops_sm.plan.migration` is the pure half of ``migrate --from-cluster``.
* :mod:`gitops_sm.plan.render` renders plans and validation results (text, Markdown, JSON).
"""

from __future__ import annotations

from gitops_sm.plan import migration, render
from gitops_sm.plan._context import DEFAULT_PRUNE_THRESHOLD, PlanOptions
from gitops_sm.plan._saved import first_difference
from gitops_sm.plan.planner import plan
from gitops_sm.plan.status import StatusReport, build_status, render_status_json, render_status_text

__all__ = [
    "DEFAULT_PRUNE_THRESHOLD",
    "PlanOptions",
    "StatusReport",
    "build_status",
    "first_difference",
    "migration",
    "plan",
    "render",
    "render_status_json",
    "render_status_text",
]
