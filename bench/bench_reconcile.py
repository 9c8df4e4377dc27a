"""Benchmark: AWS calls and wall time of a steady-state ``gitops-sm reconcile`` pass (design §10).

Target: about 20 AWS calls for the design's 1,000 resources (800 training jobs, 100 processing
jobs, 50 endpoints with autoscaling) with the ledger the status files hold, growing with List
pages (n/100), not with n; measured against the same pass without the ledger and against a
describe-everything pass, all in the same run, at each scale (default 1x and 10x = 10,000).

Per scale, in one process against the loopback simulator (``gitops_sm.sandbox``, instant timing,
real HTTP) and a bare git repository on disk:

1. generates the steady state's specs from ``examples/repo`` (``_common.py``) and commits them;
2. seeds the simulator with that steady state in-process and cached, exactly as ``bench_observe.py``
   does (``_seed.py``: gitops-sm's own observe -> plan -> execute against moto without HTTP; a later
   run with the same specs loads ``bench/.cache/seed-*.state``, ``--cache-dir``, ``--no-cache``);
3. writes the ledger through ``reconcile`` itself: passes until one makes no status commit (the
   first reads everything, writes, commits and pushes one status file per resource);
4. measures one full reconcile pass each way (clone, read status files, load, observe, plan, build
   and compare status files; none commits): **with the ledger** and **without** (``--no-ledger``),
   each with its phases (``ReconcileResult.phase_seconds``);
5. and the describe-everything baseline (``bench_observe.describe_everything``: a Describe of every
   AWS resource the specs name plus ListTags of each SageMaker one), performed for real.

Then the growth from the smallest to the largest scale (calls and wall, x) and the verdict against
the target: about 20 calls at 1,000 with the ledger, all of them List pages, and at 10x no more than
the pages real AWS would need (``bench_observe.expected_page_calls``, n/100).

    python bench/bench_reconcile.py                          # 800/100/50 at 1x and 10x
    python bench/bench_reconcile.py --scales 1 --json
    python bench/bench_reconcile.py --training 8 --processing 2 --endpoints 1 --scales 1,2 --no-cache

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
import _seed
import bench_observe

from gitops_sm import app, reconcile
from gitops_sm.gitrepo import Identity
from gitops_sm.model import Action
from gitops_sm.reconcile import ReconcileOptions, ReconcileResult
from gitops_sm.sandbox import configure_timing, reset, start_server
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
    phase_seconds: Mapping[str, float]

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
            "phase_seconds": dict(self.phase_seconds),
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
        phase_seconds=dict(result.phase_seconds),
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


def run_scale(
    *, scale: int, training: int, processing: int, endpoints: int, cache_dir: Path | None, say: Any
) -> dict[str, Any]:
    labels = _common.steady_state_labels(training=training * scale, processing=processing * scale,
                                         endpoints=endpoints * scale)
    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-reconcile-") as tmp:
        bare, documents = _make_repo(Path(tmp), labels)
        loaded = load_specs(bare.parent / "work")
        say(f"\n== {scale}x: {training * scale} training, {processing * scale} processing, "
            f"{endpoints * scale} autoscaled endpoints ({documents} documents, {len(loaded.resources)} resources)")
        reset()
        seeded = _seed.seed(loaded=loaded, region=REGION, cache_dir=cache_dir)
        say(f"simulator seeded in-process {'from the cache ' + str(seeded.state_file) if seeded.from_cache else ''}"
            f"{'' if seeded.from_cache else f'with {seeded.mutating_calls} mutating calls'} ({seeded.seconds:.0f}s); "
            "writing the ledger by reconcile passes ...")
        with start_server() as server:
            configure_timing(job_seconds=0, endpoint_seconds=0)
            started = time.perf_counter()
            ledger_passes: list[Measured] = []
            while True:
                result, wall = _pass(bare, server.url, use_ledger=True)
                if result.plan is not None and result.plan.has_errors:
                    raise SystemExit(f"bench: the generated specs plan with errors: {result.plan.errors[:1]}")
                ledger_passes.append(_measured(f"ledger-writing pass {len(ledger_passes) + 1}", result, wall))
                say(f"  {ledger_passes[-1].label}: {result.aws_calls:,} calls, {wall:.1f}s, "
                    f"{'commit' if result.status_commit else 'no commit'} ({len(result.files_changed)} files)")
                if result.status_commit is None:
                    break
                if len(ledger_passes) == MAX_SEED_PASSES:
                    raise SystemExit(f"bench: no steady state after {MAX_SEED_PASSES} reconcile passes")
            ledger_seconds = time.perf_counter() - started
            say("measuring ...")
            with_ledger = _measured("reconcile, ledger", *_pass(bare, server.url, use_ledger=True))
            say(f"  {with_ledger.label}: {with_ledger.calls:,} calls, {with_ledger.wall_seconds:.1f}s")
            without = _measured("reconcile, no ledger", *_pass(bare, server.url, use_ledger=False))
            say(f"  {without.label}: {without.calls:,} calls, {without.wall_seconds:.1f}s")
            naive = bench_observe.describe_everything(loaded=loaded, url=server.url)
            say(f"  describe-everything: {naive.calls:,} calls, {naive.wall_seconds:.1f}s")
    first_pass = ledger_passes[0]
    return {
        "scale": scale,
        "documents": documents,
        "desired_resources": len(loaded.resources),
        "seed": {"from_cache": seeded.from_cache, "mutating_calls": seeded.mutating_calls,
                 "seconds": round(seeded.seconds, 1)},
        "ledger_written": {"reconcile_passes": len(ledger_passes), "seconds": round(ledger_seconds, 1),
                           "first_pass": first_pass.as_dict(),
                           "files_committed": first_pass.committed},
        "expected_page_calls": bench_observe.expected_page_calls(loaded),
        "passes": {with_ledger.label: with_ledger.as_dict(), without.label: without.as_dict()},
        "baseline": {"calls": naive.calls, "wall_seconds": round(naive.wall_seconds, 3),
                     "by_operation": dict(naive.by_operation)},
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def growth(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Calls and wall of each pass at the largest scale over the smallest (x)."""
    if len(runs) < 2:
        return None
    small, large = runs[0], runs[-1]
    figures: dict[str, Any] = {"resources": large["desired_resources"] / small["desired_resources"]}
    for label in (*small["passes"], "describe-everything"):
        a = small["baseline"] if label == "describe-everything" else small["passes"][label]
        b = large["baseline"] if label == "describe-everything" else large["passes"][label]
        figures[label] = {
            "calls": (a["calls"], b["calls"]), "calls_x": round(b["calls"] / max(1, a["calls"]), 2),
            "wall_seconds": (a["wall_seconds"], b["wall_seconds"]),
            "wall_x": round(b["wall_seconds"] / max(1e-9, a["wall_seconds"]), 2),
        }
    figures["expected_page_calls"] = (small["expected_page_calls"], large["expected_page_calls"])
    return figures


def verdict(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """About 20 calls at the first scale, pages only; at every scale no more than the pages AWS needs."""
    first = runs[0]["passes"]["reconcile, ledger"]
    at_first = first["per_resource_calls"] == 0 and first["calls"] <= max(DESIGN_TARGET_CALLS, runs[0]["expected_page_calls"])
    with_pages = all(
        r["passes"]["reconcile, ledger"]["per_resource_calls"] == 0
        and r["passes"]["reconcile, ledger"]["calls"] <= max(DESIGN_TARGET_CALLS, r["expected_page_calls"])
        for r in runs
    )
    return {"design_calls": DESIGN_TARGET_CALLS, "first_scale": "PASS" if at_first else "OVER",
            "grows_with_pages": "PASS" if with_pages else "OVER",
            "verdict": "PASS" if at_first and with_pages else "OVER"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--training", type=int, default=800)
    parser.add_argument("--processing", type=int, default=100)
    parser.add_argument("--endpoints", type=int, default=50, help="endpoints, each with an autoscaling policy")
    parser.add_argument("--scales", default="1,10", help="comma-separated multipliers of the counts (default 1,10)")
    _seed.add_cache_options(parser)
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
                          cache_dir=None if args.no_cache else args.cache_dir, say=say) for s in scales]
        reset()

    target = verdict(runs)
    grown = growth(runs)
    steady = all(not p["committed"] and p["plan_changes"] == 0 for r in runs for p in r["passes"].values())
    if args.json:
        _common.dump_json({"benchmark": "reconcile", "machine": _common.machine(), "runs": runs, "growth": grown,
                           "target": target, "steady_state_passes_commit_nothing": steady})
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

    print("\nphases of each pass (wall s; the first ledger-writing pass wrote, committed and pushed every status file):")
    phase_rows = []
    for run in runs:
        passes = {"first ledger-writing pass": run["ledger_written"]["first_pass"], **run["passes"]}
        for label, p in passes.items():
            phase_rows.append([f"{run['desired_resources']:,} res: {label}", p["wall_seconds"],
                               *[p["phase_seconds"].get(name, "-") for name in reconcile.PHASES]])
    _common.print_table(["pass", "total", *reconcile.PHASES], phase_rows)
    print("load average (1, 5, 15 min) after each scale: "
          + "; ".join(f"{r['desired_resources']:,}: {r['load_average']}" for r in runs))

    if grown is not None:
        print(f"\ngrowth {runs[0]['desired_resources']:,} -> {runs[-1]['desired_resources']:,} resources "
              f"(x{grown['resources']:.0f}); List pages real AWS needs: {grown['expected_page_calls'][0]} -> "
              f"{grown['expected_page_calls'][1]}")
        _common.print_table(
            ["pass", "calls", "calls x", "wall s", "wall x"],
            [[label, f"{g['calls'][0]:,} -> {g['calls'][1]:,}", f"{g['calls_x']:.2f}",
              f"{g['wall_seconds'][0]:.1f} -> {g['wall_seconds'][1]:.1f}", f"{g['wall_x']:.2f}"]
             for label, g in grown.items() if isinstance(g, dict)],
        )
    first = runs[0]["passes"]["reconcile, ledger"]
    print(f"\ntarget (design §10): about {DESIGN_TARGET_CALLS} calls at {runs[0]['desired_resources']:,} resources, "
          f"growing with List pages (n/100), not with n: {first['calls']} calls with the ledger "
          f"({first['per_resource_calls']} per-resource): {target['first_scale']}; "
          + ", ".join(f"{r['passes']['reconcile, ledger']['calls']} at {r['desired_resources']:,} "
                      f"(pages expected {r['expected_page_calls']})" for r in runs)
          + f": {target['grows_with_pages']}; verdict {target['verdict']}")
    if not steady:
        print("WARNING: a measured pass committed or planned a change: not a pure steady state")
    return 0


if __name__ == "__main__":
    sys.exit(main())
