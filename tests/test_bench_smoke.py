"""The benchmarks in bench/ run and report their figures (tiny sizes; never a timing assertion).

Speed and memory targets (design §10) are measured by ``bench/bench_load.py``,
``bench/bench_observe.py`` and ``bench/bench_simulator.py``, not by tests; these tests only keep the scripts working: they run
each one as a user would, in a subprocess, and check the figures it prints are complete and
consistent (document counts, which calls each observe regime makes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _run(script: str, *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr or completed.stdout
    return completed.stdout


def test_bench_load_json_reports_every_measurement() -> None:
    report: dict[str, Any] = json.loads(
        _run("bench_load.py", "--docs", "40", "--files", "4", "--repeat", "1", "--json")
    )

    assert report["documents"] == 40
    assert report["files"] == 4
    assert set(report["results"]) == {"bare", "collect", "load"}
    # Every generated document parses, is ours and normalises without an issue.
    assert report["results"]["bare"]["count"] == 40
    assert report["results"]["collect"]["count"] == 40
    assert report["results"]["load"]["count"] == 40
    for result in report["results"].values():
        assert result["wall_seconds"] > 0
        assert result["cpu_seconds"] > 0
    assert report["results"]["bare"]["ratio_cpu"] == 1.0
    assert report["target"]["verdict"] in {"PASS", "OVER"}
    assert report["target"]["ratio_cpu"] == report["results"]["load"]["ratio_cpu"]


def test_bench_load_prints_table_verdict_and_profile() -> None:
    out = _run("bench_load.py", "--docs", "20", "--files", "2", "--repeat", "1", "--profile")

    assert "generated 20 documents in 2 files" in out
    for label in ("bare CSafeLoader parse", "collect_documents", "load_specs"):
        assert label in out
    assert "target (design §10): load_specs <= 2.5x bare parse" in out
    assert "Ordered by: cumulative time" in out
    assert "_loader.py" in out  # the profile is of gitops-sm's loader


def test_bench_observe_counts_calls_of_every_pass_at_two_scales() -> None:
    report: dict[str, Any] = json.loads(
        _run(
            "bench_observe.py", "--training", "6", "--processing", "2", "--endpoints", "1",
            "--scales", "1,2", "--repeat", "1", "--no-cache", "--json",
        )
    )

    small, large = report["scales"]
    assert small["steady_state"]["desired_resources"] == 6 + 2 + 1 + 1
    assert large["steady_state"]["desired_resources"] == 2 * (6 + 2 + 1 + 1)
    assert small["plans_are_steady_state"] is True and large["plans_are_steady_state"] is True
    regimes = small["regimes"]
    plan_calls = regimes["plan (no ledger)"]["by_operation"]
    # Finished jobs under generated names cost nothing; the explicit (ACK) names one ListTags each
    # (1 of the 6 training jobs, 1 of the 2 processing jobs); the settled endpoint one Describe.
    assert "DescribeTrainingJob" not in plan_calls
    assert "DescribeProcessingJob" not in plan_calls
    assert plan_calls["ListTags"] == 2
    assert plan_calls["DescribeEndpoint"] == 1
    assert regimes["plan (no ledger)"]["calls"] == regimes["observe: no ledger"]["calls"]
    # Jobs the ledger records as terminal for their spec hash cost no call at all.
    terminal = regimes["observe: ledger, terminal jobs"]["by_operation"]
    assert "ListTags" not in terminal
    # With recorded state only page reads remain.
    recorded = regimes["observe: ledger, recorded state"]
    assert recorded["per_resource_calls"] == 0
    assert recorded["calls"] == recorded["page_calls"] > 0
    assert small["target"]["recorded_state_verdict"] == "PASS"
    # Baseline: Describe + ListTags per job, endpoint, config and each of the 2 models, and one
    # Describe per scalable target and policy (2 variants).
    baseline = small["baseline"]
    assert baseline["calls"] == 2 * (6 + 2) + 2 * (1 + 1 + 2) + 2 * 2
    assert baseline["by_operation"]["ListTags"] == 6 + 2 + 1 + 1 + 2
    assert large["baseline"]["calls"] == 2 * baseline["calls"]
    assert "Search" not in plan_calls  # one explicit training job, one endpoint: a Search would not pay
    # At 2x: two explicit training jobs and two endpoints, more than one Search page each replaces,
    # so one Search of training jobs and one of endpoints prove them; the explicit processing jobs
    # (not searchable) keep their ListTags.
    large_calls = large["regimes"]["plan (no ledger)"]["by_operation"]
    assert large_calls["Search"] == 2
    assert large_calls["ListTags"] == 2
    assert "DescribeEndpoint" not in large_calls
    for scale in (small, large):
        # Per-resource calls: what Search did not prove and the declared scalable targets' tags,
        # nothing for the other jobs.
        planned = scale["regimes"]["plan (no ledger)"]
        operations = planned["by_operation"]
        assert planned["per_resource_calls"] == (
            operations.get("DescribeEndpoint", 0) + operations["ListTags"] + operations.get("ListTagsForResource", 0)
        )
        # The planner and the linear reference, each timed cold and warm, and the plan() of each pass.
        assert set(scale["planner_phase"]) == {
            f"{who}_{mode}_{clock}" for who in ("planner", "reference") for mode in ("cold", "warm") for clock in ("cpu", "wall")
        }
        assert all(seconds > 0 for seconds in scale["planner_phase"].values())
        assert scale["planner_in_pass_cpu"] > 0
        assert scale["target"]["verdict"] in {"PASS", "OVER"}
    assert report["planner_growth"]["size_factor"] == 2
    assert report["planner_growth"]["verdict"] in {"PASS", "OVER"}
    assert report["planner_growth"]["time_factor"] == pytest.approx(
        large["planner_phase"]["planner_cold_cpu"] / small["planner_phase"]["planner_cold_cpu"]
    )
    assert set(report["planner_growth"]["factors"]) == set(small["planner_phase"]) | {"planner_in_pass_cpu"}


def test_bench_simulator_reports_every_operation_at_two_scales() -> None:
    report: dict[str, Any] = json.loads(
        _run(
            "bench_simulator.py", "--training", "4", "--processing", "2", "--endpoints", "1",
            "--scales", "1,2", "--rounds", "2", "--repeat", "1", "--no-cache", "--json",
        )
    )

    small, large = report["runs"]
    assert (small["desired_resources"], large["desired_resources"]) == (4 + 2 + 1 + 1, 2 * (4 + 2 + 1 + 1))
    operations = {
        "ListTrainingJobs", "ListTrainingJobs StatusEquals", "DescribeTrainingJob", "ListTags",
        "DescribeProcessingJob", "DescribeEndpoint", "ListEndpoints", "ListEndpointConfigs",
        "DescribeScalableTargets", "DescribeScalingPolicies", "ListModels",
    }
    for run in (small, large):
        assert set(run["by_operation"]) == operations
        assert all(figures["calls"] == 2 and figures["cpu_ms_per_call"] > 0 for figures in run["by_operation"].values())
        assert run["mix"]["operations"] == len(operations)  # ListModels pages now, so it is in the mix
    growth = report["growth"]
    assert (growth["baseline_resources"], growth["largest_resources"]) == (8, 16)
    assert growth["verdict"] in {"PASS", "OVER"}
