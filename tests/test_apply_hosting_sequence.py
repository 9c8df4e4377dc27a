"""The detach → update → reattach sequence against the simulator over HTTP (issue 8 scope 3).

Endpoint operations take 60 simulated seconds here, so every wait really happens: the test moves
the simulator's clock instead of sleeping. Each pass is an ordinary plan + apply; the order of the
AWS calls is asserted from a recording of every call made.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_sm import app
from gitops_sm.model import Action
from gitops_sm.sandbox import SandboxServer
from tests.hostingspecs import (
    BLUE,
    HAP,
    HD,
    Passes,
    autoscaling_state,
    change_of,
    endpoint_state,
    hosting_names,
    set_capacity,
    write_hosting,
)

SLOW = 60.0


def settle(sandbox: SandboxServer) -> None:
    sandbox.advance_clock(SLOW + 1)


def converge(passes: Passes, sandbox: SandboxServer, *, limit: int = 8) -> int:
    for count in range(1, limit + 1):
        the_plan, _ = passes.apply()
        if not the_plan.has_changes and not any(Action.WAIT in c.actions for c in the_plan.resource_changes):
            return count
        settle(sandbox)
    raise AssertionError("did not converge")


def test_instance_type_change_of_an_autoscaled_variant_runs_in_three_phases(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(endpoint_seconds=SLOW)
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    root = write_hosting(tmp_path / "specs")
    passes = Passes(root)
    converge(passes, aws_env)
    set_capacity(sm, "blue", 5)  # the autoscaler scaled blue out
    settle(aws_env)
    old_config = endpoint_state(sm)["config"]

    write_hosting(root, blue_type="ml.c5.2xlarge")
    passes.recorder.calls.clear()

    phase1, _ = passes.apply()
    hosting = change_of(phase1, HD)
    assert hosting.reason.startswith("phase 1 of 3")
    assert change_of(phase1, HAP).actions == (Action.WAIT,)
    assert autoscaling_state(aas) == {"targets": [], "policies": []}

    phase2, _ = passes.apply()  # still Updating: both wait, nothing is re-registered
    assert change_of(phase2, HD).actions == (Action.WAIT,) and "phase 2 of 3" in change_of(phase2, HD).reason
    assert change_of(phase2, HAP).actions == (Action.WAIT,)
    assert autoscaling_state(aas) == {"targets": [], "policies": []}

    settle(aws_env)
    phase3, _ = passes.apply()
    assert change_of(phase3, HAP).reason.startswith("phase 3 of 3")
    new_config = endpoint_state(sm)["config"]
    assert new_config != old_config

    calls = passes.mutations()
    update = calls.index("UpdateEndpoint")
    assert calls.index("DeleteScalingPolicy") < calls.index("DeregisterScalableTarget") < update
    assert update < calls.index("RegisterScalableTarget") < calls.index("PutScalingPolicy")
    # Re-attaching came from a pass that observed the endpoint InService on the new config.
    observed = change_of(phase3, HD).before
    assert observed["endpoint_config"] == new_config

    assert converge(passes, aws_env) <= 2
    assert endpoint_state(sm)["counts"] == {"blue": 5, "green": 1}  # capacity kept across the change
    assert autoscaling_state(aas) == {
        "targets": [(BLUE, 1, 6)], "policies": [(BLUE, "SageMakerEndpointInvocationScalingPolicy")]}
    assert hosting_names(sm)["configs"] == [new_config]  # the old config was collected


def test_an_unrelated_change_keeps_the_autoscaled_capacity(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(endpoint_seconds=SLOW)
    sm = boto_client("sagemaker")
    root = write_hosting(tmp_path / "specs")
    passes = Passes(root)
    converge(passes, aws_env)
    set_capacity(sm, "blue", 5)
    settle(aws_env)
    before = endpoint_state(sm)["counts"]

    write_hosting(root, green_image="683313688378.dkr.ecr.us-east-1.amazonaws.com/green:2")  # green's model only
    update, _ = passes.apply()
    assert [s.call for s in change_of(update, HD).steps if s.call == "UpdateEndpoint"] == ["UpdateEndpoint"]
    assert change_of(update, HAP).steps == ()  # a model change leaves autoscaling in place
    converge(passes, aws_env)

    after = endpoint_state(sm)["counts"]
    assert (before["blue"], after["blue"]) == (5, 5)


def test_a_count_change_is_made_in_place(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any]
) -> None:
    sm = boto_client("sagemaker")
    root = write_hosting(tmp_path / "specs", with_hap=False)
    passes = Passes(root)
    converge(passes, aws_env)
    config = endpoint_state(sm)["config"]

    write_hosting(root, with_hap=False, green_count=3)
    the_plan, _ = passes.apply()
    assert [s.call for s in change_of(the_plan, HD).steps] == ["UpdateEndpointWeightsAndCapacities"]
    assert converge(passes, aws_env) == 1
    assert endpoint_state(sm)["config"] == config  # no new config, no new instances
    assert endpoint_state(sm)["counts"]["green"] == 3
    # It runs what the spec asks for, although the spec's config name is another one.
    _, report = app.status_pass(spec_root=root, settings=passes.settings, clients=passes.clients)
    (row,) = [r for r in report.resources if str(r.address) == HD]
    assert (row.health.value, row.message) == ("healthy", "")


def test_a_failed_update_is_reported_with_the_aws_reason_and_not_retried(
    tmp_path: Path, aws_env: SandboxServer, boto_client: Callable[..., Any], sandbox_timing: Callable[..., None]
) -> None:
    sandbox_timing(endpoint_seconds=SLOW)
    sm, aas = boto_client("sagemaker"), boto_client("application-autoscaling")
    root = write_hosting(tmp_path / "specs")
    passes = Passes(root)
    converge(passes, aws_env)
    old_config = endpoint_state(sm)["config"]

    # The simulator fails the update (and rolls back) for a config tagged so.
    write_hosting(root, blue_type="ml.c5.2xlarge", tags={"gitops-sm-sandbox/outcome": "Failed"})
    passes.apply()
    settle(aws_env)
    assert endpoint_state(sm)["config"] == old_config and endpoint_state(sm)["failure"]

    reported, _ = passes.apply()
    hosting = change_of(reported, HD)
    assert hosting.actions == (Action.ERROR,) and "failed" in hosting.reason
    assert endpoint_state(sm)["failure"] in hosting.reason
    assert [s.call for s in change_of(reported, HAP).steps] == ["RegisterScalableTarget", "PutScalingPolicy"]

    passes.recorder.calls.clear()
    again, _ = passes.apply()
    assert "UpdateEndpoint" not in passes.mutations()  # not retried on every pass
    assert change_of(again, HD).actions == (Action.ERROR,)
    assert autoscaling_state(aas)["targets"] == [(BLUE, 1, 6)]  # restored on what runs
