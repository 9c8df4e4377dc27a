"""Applies all gitops-sm extensions to moto, once per process (``install()`` is idempotent).

Besides the per-service patches (``sagemaker_ext``, ``autoscaling_ext``) it wraps the request
dispatch of SageMaker, Application Auto Scaling and CloudWatch Logs so that every request

1. runs under one lock (moto's backends are not thread-safe and the server is threaded), and
2. first brings that account/region's simulated resources up to the current simulated time
   (``sagemaker_ext.refresh``), so status transitions and job logs appear without a background
   thread and survive a save/load of the state.

Called by ``gitops_sm.sandbox.server`` before it serves, and by anyone who drives moto in-process.
"""

from __future__ import annotations

import threading
from typing import Any

from gitops_sm.sandbox import autoscaling_ext, sagemaker_ext

REQUEST_LOCK = threading.RLock()
_installed = False


def _refreshing_call_action(original: Any) -> Any:
    def call_action(self: Any) -> Any:
        with REQUEST_LOCK:
            sagemaker_ext.refresh(self.current_account, self.region)
            return original(self)

    call_action.gitops_sm_wrapped = True  # type: ignore[attr-defined]
    return call_action


def install() -> None:
    """Apply the extensions to moto in this process."""
    global _installed
    with REQUEST_LOCK:
        if _installed:
            return
        from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
        from moto.core.responses import BaseResponse
        from moto.logs.responses import LogsResponse
        from moto.sagemaker.responses import SageMakerResponse

        sagemaker_ext.install()
        autoscaling_ext.install()
        for response_class in (SageMakerResponse, ApplicationAutoScalingResponse, LogsResponse):
            current = response_class.__dict__.get("call_action")
            if current is None or not getattr(current, "gitops_sm_wrapped", False):
                response_class.call_action = _refreshing_call_action(BaseResponse.call_action)  # type: ignore[method-assign]
        _installed = True
