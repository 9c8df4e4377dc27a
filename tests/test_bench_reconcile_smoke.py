"""bench/bench_reconcile.py runs and reports consistent figures (tiny sizes; never a timing assertion):
the ledger pass reads only pages, commits nothing and grows with pages, not with resources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_bench_reconcile_json_reports_every_pass_at_every_scale() -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCH / "bench_reconcile.py"), "--training", "4", "--processing", "2",
         "--endpoints", "1", "--scales", "1,2", "--no-cache", "--json"],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert completed.returncode == 0, completed.stderr or completed.stdout
    report: dict[str, Any] = json.loads(completed.stdout)

    assert report["benchmark"] == "reconcile" and report["steady_state_passes_commit_nothing"] is True
    small, large = report["runs"]
    assert (small["desired_resources"], large["desired_resources"]) == (8, 16)
    for run in (small, large):
        ledger, without = run["passes"]["reconcile, ledger"], run["passes"]["reconcile, no ledger"]
        assert ledger["per_resource_calls"] == 0 and ledger["calls"] == ledger["page_calls"] > 0
        assert without["calls"] > ledger["calls"] and run["baseline"]["calls"] > ledger["calls"]
        assert ledger["plan_no_ops"] == run["desired_resources"]
    assert large["passes"]["reconcile, ledger"]["calls"] == small["passes"]["reconcile, ledger"]["calls"]
    assert large["baseline"]["calls"] == 2 * small["baseline"]["calls"]
    assert report["target"]["verdict"] == "PASS"
    # The ledger was written by one reconcile pass (all files, committed) and checked by a second (none).
    for run in (small, large):
        written = run["ledger_written"]
        assert written["reconcile_passes"] == 2 and written["files_committed"] is True
        for p in (written["first_pass"], *run["passes"].values()):
            assert {"clone", "ledger", "load", "observe", "plan", "status"} <= set(p["phase_seconds"])
        assert {"write", "commit", "push"} <= set(written["first_pass"]["phase_seconds"])
    growth = report["growth"]
    assert growth["resources"] == 2
    assert growth["reconcile, ledger"]["calls"] == [small["passes"]["reconcile, ledger"]["calls"]] * 2
    assert growth["describe-everything"]["calls_x"] == 2
