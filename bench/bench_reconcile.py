"""Benchmark: AWS calls and wall time of a steady-state ``gitops-sm reconcile`` pass (design §10).

Target: about 20 AWS calls for the design's 1,000 resources (800 training jobs, 100 processing
jobs, 50 endpoints with autoscaling) with the ledger the status files hold, growing with List
pages (n/100), not with n; measured against the same pass without the ledger and against a
describe-everything pass, all in the same run, at each scale (default 1x and 10x = 10,000).

Per scale, in one process against the loopback simulator (``gitops_sm.sandbox``, instant timing,
real HTTP) and a bare git repository on disk:

1. generates the steady state's specs from ``examples/repo`` (``_common.py``) and commits them;
2. seeds through ``reconcile`` itself: passes until one makes no status commit (jobs finish and
   endpoints are InService at once), so the status files hold the ledger;
3. measures one full reconcile pass each way (clone, read status files, observe, plan, build and
   compare status files; none commits): **with the ledger** and **without** (``--no-ledger``);
4. and the describe-everything baseline (``bench_observe.describe_everything``: a Describe of every
   AWS resource the specs name plus ListTags of each SageMaker one), performed for real.

    python bench/bench_reconcile.py                          # 800/100/50 at 1x and 10x
    python bench/bench_reconcile.py --scales 1 --json
    python bench/bench_reconcile.py --training 8 --processing 2 --endpoints 1 --scales 1,2

Wall times include moto answering in the same process and git on local disk; the call counts are
the figures that carry over to AWS.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import bench_observe

from gitops_sm import app, reconcile
from gitops_sm.gitrepo import Identity
from gitops_sm.model import Action
from gitops_sm.reconcile import ReconcileOptions, ReconcileResult
from gitops_sm.sandbox import configure_timing, start_server
from gitops_sm.specs import load_specs

REGION = "us-east-1"
DESIGN_TARGET_CALLS = 20
MAX_SEED_PASSES = 6
BOT = Identity(name="bench", email="bench@localhost")


@dataclass(frozen=True, kw_only=True)
class Measured:
    label: str
    calls: int
    by_operation: Mapping[str, int]
    wall_seconds: float
    committed: bool
    no_ops: int
    changes: int

    @property
    def page_calls(self) -> int:
        return sum(n for op, n in self.by_operation.items() if bench_observe._is_page_call(op))

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "page_calls": self.page_calls,
            "per_resource_calls": self.calls - self.page_calls,
            "by_operation": dict(self.by_operation),
            "wall_seconds": round(self.wall_seconds, 3),
            "committed": self.committed,
            "plan_no_ops": self.no_ops,
            "plan_changes": self.changes,
        }


def _settings(url: str) -> app.Settings:
    return app.Settings(region=REGION, endpoint_url=url, max_attempts=3)


def _pass(repo: Path, url: str, *, use_ledger: bool) -> tuple[ReconcileResult, float]:
    settings = _settings(url)
    clients = app.make_clients(settings)
    options = ReconcileOptions(repo=str(repo), identity=BOT, use_ledger=use_ledger, push_backoff_seconds=0)
    started = time.perf_counter()
    result = reconcile.run(options=options, settings=settings, clients=clients, emit=lambda _e: None)
    return result, time.perf_counter() - started


def _measured(label: str, result: ReconcileResult, wall: float) -> Measured:
    changes = result.plan.resource_changes if result.plan else ()
    no_ops = sum(1 for c in changes if c.actions == (Action.NOOP,))
    return Measured(
        label=label, calls=result.aws_calls, by_operation=dict(result.calls_by_operation), wall_seconds=wall,
        committed=result.status_commit is not None, no_ops=no_ops, changes=len(changes) - no_ops,
    )


def _make_repo(root: Path, labels: Sequence[str]) -> tuple[Path, int]:
    work = root / "work"
    tree = _common.write_tree(work, labels=labels, files=max(1, len(labels) // 10))
    with git.Repo.init(work, initial_branch="main") as repo:
        repo.git.add("-A")
        repo.git.commit("-m", "specs", env={"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b",
                                            "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"})
    bare = root / "remote.git"
    git.Repo.clone_from(work.as_uri(), bare, bare=True).close()
    return bare, tree.documents


def run_scale(*, scale: int, training: int, processing: int, endpoints: int, say: Any) -> dict[str, Any]:
    labels = _common.steady_state_labels(training=training * scale, processing=processing * scale,
                                         endpoints=endpoints * scale)
    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-reconcile-") as tmp:
        bare, documents = _make_repo(Path(tmp), labels)
        loaded = load_specs(bare.parent / "work")
        with start_server() as server:
            server.reset()
            configure_timing(job_seconds=0, endpoint_seconds=0)
            say(f"\n== {scale}x: {training * scale} training, {processing * scale} processing, "
                f"{endpoints * scale} autoscaled endpoints ({documents} documents, {len(loaded.resources)} resources)")
            started = time.perf_counter()
            seed_passes = 0
            while True:
                seed_passes += 1
                result, _ = _pass(bare, server.url, use_ledger=True)
                if result.plan is not None and result.plan.has_errors:
                    raise SystemExit(f"bench: the generated specs plan with errors: {result.plan.errors[:1]}")
                if result.status_commit is None:
                    break
                if seed_passes == MAX_SEED_PASSES:
                    raise SystemExit(f"bench: no steady state after {MAX_SEED_PASSES} reconcile passes")
            seed_seconds = time.perf_counter() - started
            say(f"seeded by {seed_passes} reconcile passes ({seed_seconds:.0f}s); measuring ...")
            with_ledger = _measured("reconcile, ledger", *_pass(bare, server.url, use_ledger=True))
            without = _measured("reconcile, no ledger", *_pass(bare, server.url, use_ledger=False))
            naive = bench_observe.describe_everything(loaded=loaded, url=server.url)
    return {
        "scale": scale,
        "documents": documents,
        "desired_resources": len(loaded.resources),
        "seed": {"reconcile_passes": seed_passes, "seconds": round(seed_seconds, 1)},
        "expected_page_calls": bench_observe.expected_page_calls(loaded),
        "passes": {with_ledger.label: with_ledger.as_dict(), without.label: without.as_dict()},
        "baseline": {"calls": naive.calls, "wall_seconds": round(naive.wall_seconds, 3),
                     "by_operation": dict(naive.by_operation)},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--training", type=int, default=800)
    parser.add_argument("--processing", type=int, default=100)
    parser.add_argument("--endpoints", type=int, default=50, help="endpoints, each with an autoscaling policy")
    parser.add_argument("--scales", default="1,10", help="comma-separated multipliers of the counts (default 1,10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    if not scales or min(scales) < 1 or min(args.training, args.processing, args.endpoints) < 0:
        parser.error("scales must be positive integers and counts not negative")
    say = (lambda *_: None) if args.json else print

    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-aws-") as tmp:
        os.environ.update(
            AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=str(Path(tmp) / "absent"), AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "absent"),
            KUBECONFIG=str(Path(tmp) / "absent-kubeconfig"),
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "KUBERNETES_SERVICE_HOST"):
            os.environ.pop(name, None)
        runs = [run_scale(scale=s, training=args.training, processing=args.processing, endpoints=args.endpoints,
                          say=say) for s in scales]

    first = runs[0]
    ledger_calls = first["passes"]["reconcile, ledger"]["calls"]
    per_resource = first["passes"]["reconcile, ledger"]["per_resource_calls"]
    verdict = "PASS" if per_resource == 0 and ledger_calls <= max(DESIGN_TARGET_CALLS, first["expected_page_calls"]) else "OVER"
    steady = all(not p["committed"] and p["plan_changes"] == 0 for r in runs for p in r["passes"].values())
    if args.json:
        _common.dump_json({"benchmark": "reconcile", "machine": _common.machine(), "runs": runs,
                           "target": {"design_calls": DESIGN_TARGET_CALLS, "verdict": verdict},
                           "steady_state_passes_commit_nothing": steady})
        return 0

    print()
    rows = []
    for run in runs:
        base = run["baseline"]["calls"]
        for label, p in run["passes"].items():
            rows.append([f"{run['desired_resources']:,} res: {label}", p["calls"], p["page_calls"], p["per_resource_calls"],
                         f"{p['calls'] / base:.3f}", p["wall_seconds"], "yes" if p["committed"] else "no"])
        rows.append([f"{run['desired_resources']:,} res: describe-everything", base, 0, base, "1.000",
                     run["baseline"]["wall_seconds"], "-"])
    _common.print_table(["pass", "AWS calls", "page calls", "per-resource", "x baseline", "wall s", "commit"], rows)
    if len(runs) > 1:
        a, b = runs[0], runs[-1]
        grow = b["desired_resources"] / a["desired_resources"]
        calls_a = a["passes"]["reconcile, ledger"]["calls"]
        calls_b = b["passes"]["reconcile, ledger"]["calls"]
        print(f"\ngrowth {a['desired_resources']:,} -> {b['desired_resources']:,} resources ({grow:.0f}x): "
              f"ledger pass {calls_a} -> {calls_b} calls ({calls_b / calls_a:.1f}x; pages expected "
              f"{a['expected_page_calls']} -> {b['expected_page_calls']}), describe-everything "
              f"{a['baseline']['calls']:,} -> {b['baseline']['calls']:,}")
    print(f"\ntarget (design §10): about {DESIGN_TARGET_CALLS} calls at 1,000 resources, growing with pages: "
          f"{ledger_calls} calls with the ledger ({per_resource} per-resource): {verdict}")
    if not steady:
        print("WARNING: a measured pass committed or planned a change: not a pure steady state")
    return 0


if __name__ == "__main__":
    sys.exit(main())
