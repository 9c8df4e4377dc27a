"""A ``Failed`` endpoint against the simulator over HTTP (issue 8 scope 6).

The simulator fails an endpoint whose config carries the tag ``gitops-sm-sandbox/outcome: Failed``
(``gitops_sm.sandbox.sagemaker_ext``). With the spec unchanged the plan is an error carrying AWS's
FailureReason and apply calls nothing; a changed spec replaces the endpoint (DeleteEndpoint, then
CreateEndpoint once it is gone) and converges to ``InService``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_sm.model import Action
from gitops_sm.sandbox import SandboxServer
from tests.hostingspecs import HAP, HD, Passes, autoscaling_state, change_of, endpoint_state, write_hosting

SLOW = 60.0
FAIL = {"gitops-sm-sandbox/outcome": "Failed"}


def settle(sandbox: SandboxServer) -> None:
    sandbox.advance_clock(SLOW + 1)


def test_a_failed_endpoint_is_an_error_until_the_spec_changes_then_it_is_replaced(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(endpoint_seconds=SLOW)
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    root = write_hosting(tmp_path / "specs", tags=FAIL)
    passes = Passes(root)
    first, _ = passes.apply()
    assert Action.CREATE in change_of(first, HD).actions
    settle(aws_env)
    failed = endpoint_state(sm)
    assert failed["status"] == "Failed" and failed["failure"]

    passes.recorder.calls.clear()
    reported, result = passes.apply()  # unchanged spec
    hosting = change_of(reported, HD)
    assert hosting.actions == (Action.ERROR,) and hosting.steps == ()
    assert failed["failure"] in hosting.reason
    assert change_of(reported, HAP).steps == ()
    assert passes.mutations() == []  # apply made no call
    assert result is None or all(not c.steps for c in reported.resource_changes)

    write_hosting(root, green_image="683313688378.dkr.ecr.us-east-1.amazonaws.com/green:2")  # changed, no failure tag
    passes.recorder.calls.clear()
    replaced, _ = passes.apply()
    assert change_of(replaced, HD).actions[0] is Action.REPLACE
    for _ in range(6):
        settle(aws_env)
        the_plan, _ = passes.apply()
        if not the_plan.has_changes and not any(Action.WAIT in c.actions for c in the_plan.resource_changes):
            break
    else:
        raise AssertionError("did not converge")
    calls = passes.mutations()
    assert "DeleteEndpoint" in calls and calls.index("DeleteEndpoint") < calls.index("CreateEndpoint")
    running = endpoint_state(sm)
    assert running["status"] == "InService" and not running["failure"]
    assert [t[0] for t in autoscaling_state(aas)["targets"]] == ["endpoint/shop/variant/blue"]
