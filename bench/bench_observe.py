"""Benchmark: AWS calls and wall time of a steady-state ``gitops-sm plan`` and its planner (design §10).

Targets, at the design's 1,000 resources (800 training jobs, 100 processing jobs, 50 endpoints with
autoscaling) and at 10x that: a ``plan`` without a ledger (a CI plan) costs at most 0.1x the
describe-everything pass (design arithmetic: 1,150 calls per 1,000 resources, so <= 115), growing
with endpoints and List pages, not with jobs; the pure planner phase at 10x the resources takes at
most 12x its CPU time. With a ledger of recorded state: only List/Describe-all pages (about 20).

Per scale (``--scales 1,10``: the counts times each factor), in one process:

1. generates the specs of that steady state from ``examples/repo`` (``_common.py``: v1 and ACK
   training and processing jobs, v1 HostingDeployments of two variants each with a
   HostingAutoscalingPolicy), loads them with ``load_specs``;
2. seeds the simulator with gitops-sm's own passes (observe -> plan -> ``execute`` until nothing
   is pending) against moto **in-process** and caches the seeded state (``_seed.py``): 10,000
   resources through the HTTP server would take most of an hour;
3. starts the loopback simulator on those backends (``gitops_sm.sandbox``, instant timing, real
   HTTP) and measures, each with a fresh counting client factory and each planned to check it is
   still the steady state (every change a no-op):
   * ``plan (no ledger)``      ``app.plan_pass``, what ``gitops-sm plan`` does: load, observe,
     plan, and the ownership reads of anything the plan would modify;
   * ``observe: no ledger``    the observation alone;
   * ``observe: ledger, terminal jobs`` / ``recorded state``  with an in-memory ledger built from
     the first pass (the seams ``reconcile``'s status files implement);
   * the **planner phase**: the pure ``plan()`` over the plan pass's observed state, in a fresh
     child process after a warm-up, the median of ``--repeat`` runs **cold** (``--evict-mib`` MiB
     written before each, so its inputs are out of the CPU caches as they are in a pass, where
     observe runs between loading and planning: the growth verdict's figure, in process CPU
     time) and of ``--repeat`` runs **warm** (back to back); beside it, timed the same way on the
     same heap, a **linear reference** (``reference_pass``: index the observed state once, look
     up every name each spec claims, build one small result each), which shows how linear code
     grows on this machine; and the ``plan()`` each observe pass below makes right after
     observing ("in a pass");
4. and a describe-everything baseline in the same run: for every AWS resource the specs name,
   one Describe, plus ListTags for each SageMaker one (what a naive reconciler does), performed
   for real to count and time it.

    python bench/bench_observe.py                                   # 800 / 100 / 50 at 1x and 10x
    python bench/bench_observe.py --scales 1 --json
    python bench/bench_observe.py --training 80 --processing 10 --endpoints 5 --scales 1,2 --no-cache

Wall times include the simulator, which answers in the same process (moto); the call counts are
the figures that carry over to AWS.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import _seed

from gitops_sm import app
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import AUTOSCALING, JOB_KINDS, SAGEMAKER, TAG_SPEC_HASH, TERMINAL_JOB_STATUSES, Kind
from gitops_sm.model import (
    Action,
    DesiredResource,
    LoadResult,
    ObservedResource,
    ObservedState,
    ObservedType,
    policy_key,
)
from gitops_sm.observe import LIST_SUMMARY, observe
from gitops_sm.plan import PlanOptions, plan
from gitops_sm.sandbox import configure_timing, reset, start_server
from gitops_sm.specs import load_specs

REGION = "us-east-1"
DESIGN_TARGET_CALLS = 20  # "about 20 AWS calls" for the design's 1,000 resources
DESIGN_NAIVE_CALLS = 1_150
LIST_PAGE_SIZE = 100
TARGETS_PAGE_SIZE = 50  # DescribeScalableTargets' maximum
POLICIES_PAGE_SIZE = 10  # DescribeScalingPolicies' maximum

_JOB_TYPES = {
    Kind.TRAINING_JOB: ObservedType.TRAINING_JOB,
    Kind.HYPERPARAMETER_TUNING_JOB: ObservedType.HYPERPARAMETER_TUNING_JOB,
    Kind.TRANSFORM_JOB: ObservedType.TRANSFORM_JOB,
    Kind.PROCESSING_JOB: ObservedType.PROCESSING_JOB,
}


def _is_page_call(operation: str) -> bool:
    """A call that reads a whole collection page by page (grows with n/100, not with n)."""
    return (operation.startswith("List") and operation not in {"ListTags", "ListTagsForResource"}) or operation in {
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
        "Search",  # 100 records a page (observe._search)
    }


# --------------------------------------------------------------------------- the ledger


class MemoryLedger:
    """The ledger ``reconcile`` keeps, in memory: built from an earlier pass's ``ObservedState``.

    Implements :class:`gitops_sm.observe.Ledger` (terminal jobs by spec hash) and, with
    ``recorded_state``, :class:`gitops_sm.observe.RecordedState` (resources by List summary).
    """

    def __init__(self, previous: ObservedState) -> None:
        self._terminal: dict[tuple[str, str, str], tuple[str, str]] = {}
        for resource in previous.resources:
            if resource.status in TERMINAL_JOB_STATUSES and resource.tags and TAG_SPEC_HASH in resource.tags:
                self._terminal[(resource.region, resource.type.value, resource.name)] = (
                    resource.status,
                    resource.tags[TAG_SPEC_HASH],
                )

    def terminal_status(self, *, region: str, kind: Kind, name: str, spec_hash: str) -> str | None:
        recorded = self._terminal.get((region, _JOB_TYPES[kind].value, name))
        if recorded is None or recorded[1] != spec_hash:
            return None
        return recorded[0]


class MemoryLedgerWithState(MemoryLedger):
    """A :class:`MemoryLedger` that also remembers every resource by its List summary."""

    def __init__(self, previous: ObservedState) -> None:
        super().__init__(previous)
        self._by_summary: dict[tuple[str, str, str], tuple[str, ObservedResource]] = {
            resource.key: (str(resource.volatile[LIST_SUMMARY]), resource)
            for resource in previous.resources
            if resource.volatile.get(LIST_SUMMARY)
        }

    def recorded(
        self, *, region: str, type_: ObservedType, name: str, summary: str
    ) -> ObservedResource | None:
        entry = self._by_summary.get((region, type_.value, name))
        return entry[1] if entry is not None and entry[0] == summary else None


# --------------------------------------------------------------------------- passes


@dataclass(frozen=True, kw_only=True)
class PassResult:
    label: str
    calls: int
    attempts: int
    by_operation: Mapping[str, int]
    wall_seconds: float
    resources: int
    read_errors: int
    no_ops: int
    other_changes: int
    paged: bool = True  # False for the baseline, whose every call reads one resource
    planner_cpu_seconds: float | None = None  # CPU of the plan() made right after this pass's observe

    @property
    def page_calls(self) -> int:
        if not self.paged:
            return 0
        return sum(n for op, n in self.by_operation.items() if _is_page_call(op))

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "attempts": self.attempts,
            "page_calls": self.page_calls,
            "per_resource_calls": self.calls - self.page_calls,
            "by_operation": dict(sorted(self.by_operation.items())),
            "wall_seconds": round(self.wall_seconds, 3),
            "observed_resources": self.resources,
            "read_errors": self.read_errors,
            "plan_no_ops": self.no_ops,
            "plan_other_changes": self.other_changes,
        }


def _clients(url: str) -> ClientFactory:
    return ClientFactory(region=REGION, endpoint_url=url, max_attempts=1)  # no retry hides a failure


def measured_pass(
    label: str, *, loaded: LoadResult, url: str, ledger: MemoryLedger | None = None
) -> tuple[PassResult, ObservedState]:
    """One observe pass with a fresh factory (so its counter holds only this pass), then a plan."""
    clients = _clients(url)
    started = time.perf_counter()
    observed = observe(desired=loaded.resources, clients=clients, default_region=REGION, ledger=ledger)
    wall = time.perf_counter() - started
    planning = time.thread_time()  # this thread's CPU: the simulator's threads answer nothing meanwhile
    changes = plan(load=loaded, observed=observed, options=PlanOptions(default_region=REGION)).resource_changes
    planner_cpu = time.thread_time() - planning
    no_ops = sum(1 for change in changes if change.actions == (Action.NOOP,))
    return (
        PassResult(
            label=label,
            calls=clients.counter.total,
            attempts=clients.counter.attempts,
            by_operation=clients.counter.by_operation(),
            wall_seconds=wall,
            resources=len(observed.resources),
            read_errors=len(observed.errors),
            no_ops=no_ops,
            other_changes=len(changes) - no_ops,
            planner_cpu_seconds=planner_cpu,
        ),
        observed,
    )


# --------------------------------------------------------------------------- the naive baseline


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(operation))


def _naive_reads(resource: DesiredResource) -> Iterator[tuple[str, str, dict[str, Any], str | None]]:
    """(service, operation, params, ARN member to ListTags) of every read a naive reconciler makes."""
    for role, name in sorted(resource.names.items()):
        if role == "job":
            noun = JOB_KINDS[resource.kind].noun
            yield SAGEMAKER, f"Describe{noun}", {f"{noun}Name": name}, f"{noun}Arn"
        elif role == "endpoint":
            yield SAGEMAKER, "DescribeEndpoint", {"EndpointName": name}, "EndpointArn"
        elif role == "endpoint_config":
            yield SAGEMAKER, "DescribeEndpointConfig", {"EndpointConfigName": name}, "EndpointConfigArn"
        elif role == "model" or role.startswith("model:"):
            yield SAGEMAKER, "DescribeModel", {"ModelName": name}, "ModelArn"
        elif role.startswith("target:"):
            params = {"ServiceNamespace": "sagemaker", "ResourceIds": [name]}
            yield AUTOSCALING, "DescribeScalableTargets", params, None
        elif role.startswith("policy:"):
            resource_id = role.removeprefix("policy:")
            params = {"ServiceNamespace": "sagemaker", "ResourceId": resource_id, "PolicyNames": [name]}
            yield AUTOSCALING, "DescribeScalingPolicies", params, None


def describe_everything(*, loaded: LoadResult, url: str) -> PassResult:
    """The baseline: one Describe per AWS resource the specs name, ListTags per SageMaker one."""
    clients = _clients(url)
    started = time.perf_counter()
    found = 0
    for resource in loaded.resources:
        for service, operation, params, arn_member in _naive_reads(resource):
            client = clients.client(service, region=resource.region or REGION)
            response = getattr(client, _snake(operation))(**params)
            found += 1
            if arn_member is not None:
                client.list_tags(ResourceArn=response[arn_member])
    wall = time.perf_counter() - started
    return PassResult(
        label="describe-everything baseline",
        calls=clients.counter.total,
        attempts=clients.counter.attempts,
        by_operation=clients.counter.by_operation(),
        wall_seconds=wall,
        resources=found,
        read_errors=0,
        no_ops=0,
        other_changes=0,
        paged=False,
    )


# --------------------------------------------------------------------------- main


def _load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def _pages(count: int, page_size: int = LIST_PAGE_SIZE) -> int:
    return max(1, -(-count // page_size))


def expected_page_calls(loaded: LoadResult) -> int:
    """The List/Describe-all pages real AWS would need for these specs: SageMaker List* return
    100 per page, Application Auto Scaling's DescribeScalableTargets 50 and DescribeScalingPolicies 10
    (the simulator pages the same way)."""
    jobs: dict[Kind, int] = {}
    roles = {"endpoint": 0, "endpoint_config": 0, "model": 0, "target": 0, "policy": 0}
    for resource in loaded.resources:
        if resource.kind.is_job:
            jobs[resource.kind] = jobs.get(resource.kind, 0) + 1
        for role in resource.names:
            stem = role.split(":", 1)[0]
            if stem in roles:
                roles[stem] += 1
    pages = sum(_pages(count) for count in jobs.values())
    if roles["endpoint"] or roles["target"]:
        pages += _pages(roles["endpoint"]) + _pages(roles["endpoint_config"]) + _pages(roles["model"])
        pages += _pages(roles["target"], TARGETS_PAGE_SIZE) + _pages(roles["policy"], POLICIES_PAGE_SIZE)
    return pages


def measured_plan(*, spec_root: Path, url: str) -> tuple[PassResult, ObservedState, LoadResult]:
    """One ``gitops-sm plan`` pass as the CLI makes it (``app.plan_pass``: load, observe, plan, and
    the ownership reads of whatever the plan would modify), with a fresh counting factory."""
    clients = _clients(url)
    started = time.perf_counter()
    outcome = app.plan_pass(spec_root=spec_root, settings=app.Settings(region=REGION, endpoint_url=url), clients=clients)
    wall = time.perf_counter() - started
    changes = outcome.plan.resource_changes
    no_ops = sum(1 for change in changes if change.actions == (Action.NOOP,))
    result = PassResult(
        label="plan (no ledger)",
        calls=clients.counter.total,
        attempts=clients.counter.attempts,
        by_operation=clients.counter.by_operation(),
        wall_seconds=wall,
        resources=len(outcome.observed.resources),
        read_errors=len(outcome.observed.errors),
        no_ops=no_ops,
        other_changes=len(changes) - no_ops,
    )
    return result, outcome.observed, outcome.load


def planner_phase(*, loaded: LoadResult, observed: ObservedState, repeat: int, evict_mib: int) -> dict[str, Any]:
    """The pure ``plan()`` over one pass's observed state, and the linear reference pass over the
    same state (:func:`reference_pass`), timed in a fresh child process (as ``bench_load.py``
    does): this process also holds the simulator's whole state, whose heap would slow the larger
    scale for reasons that are neither's. Each is run once to warm up, then ``repeat`` times
    **cold** (``evict_mib`` MiB written just before each run, so its inputs are no longer in the
    CPU caches, as in a pass, where observe runs between loading the specs and planning) and
    ``repeat`` times **warm** (straight after the previous run). Medians of process CPU time (and
    wall time); the verdict uses the planner's cold CPU time, which other load inflates far less
    than wall time."""
    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-phase-") as tmp:
        state = Path(tmp) / "state.pickle"
        state.write_bytes(pickle.dumps((loaded, observed), protocol=pickle.HIGHEST_PROTOCOL))
        child = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--planner-phase-child", str(state), "--repeat", str(repeat),
             "--evict-mib", str(evict_mib)],
            check=True, capture_output=True, text=True,
        )
    measured: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return measured


def reference_pass(*, loaded: LoadResult, observed: ObservedState) -> int:
    """The least any linear planner does, as a yardstick measured on the same heap: index the
    observed resources by key once, then for every desired resource look up each AWS name it
    claims and build one small result (its status and tags, its first request's members). It grows
    with the machine's caches exactly as linear code does, which puts the planner's growth in scale."""
    index = {resource.key: resource for resource in observed.resources}
    results = []
    for res in loaded.resources:
        region = res.region or REGION
        for role, name in res.names.items():
            head, _, rid = role.partition(":")
            type_ = _JOB_TYPES.get(res.kind) if head == "job" else _REFERENCE_TYPES.get(head)
            found = index.get((region, type_ or "", policy_key(rid, name) if head == "policy" else name))
            results.append({
                "address": str(res.address), "role": role, "name": name,
                "status": found.status if found is not None else None,
                "tags": dict(found.tags) if found is not None and found.tags else None,
                "request": dict(res.requests[0].params) if res.requests else None,
            })
    return len(results)


_REFERENCE_TYPES = {"endpoint": ObservedType.ENDPOINT,
                    "endpoint_config": ObservedType.ENDPOINT_CONFIG, "model": ObservedType.MODEL,
                    "target": ObservedType.SCALABLE_TARGET, "policy": ObservedType.SCALING_POLICY}


def _planner_phase_child(state: Path, repeat: int, evict_mib: int) -> int:
    loaded, observed = pickle.loads(state.read_bytes())
    options = PlanOptions(default_region=REGION)
    evict = bytearray(evict_mib << 20)
    zeros = bytes(len(evict))

    def planner() -> object:
        return plan(load=loaded, observed=observed, options=options)

    def reference() -> object:
        # gc off, as plan() runs: the reference allocates as the planner does and must not pay
        # collections the planner does not
        gc.disable()
        try:
            return reference_pass(loaded=loaded, observed=observed)
        finally:
            gc.enable()

    out: dict[str, Any] = {}
    for name, run in (("planner", planner), ("reference", reference)):
        run()  # warm-up: imports, first-touch allocations
        for mode in ("cold", "warm"):
            cpu: list[float] = []
            wall: list[float] = []
            for _ in range(max(1, repeat)):
                if mode == "cold":
                    evict[:] = zeros  # write every cache line of a buffer larger than the caches
                started_cpu, started = time.process_time(), time.perf_counter()
                run()
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            out[f"{name}_{mode}_cpu"] = statistics.median(cpu)
            out[f"{name}_{mode}_wall"] = statistics.median(wall)
    print(json.dumps(out))
    return 0


def run_scale(
    *, scale: int, training: int, processing: int, endpoints: int, cache_dir: Path | None, repeat: int,
    evict_mib: int, say: Any,
) -> dict[str, Any]:
    """Seed one scale of the steady state and measure every pass of it."""
    counts = {"training": training * scale, "processing": processing * scale, "endpoints": endpoints * scale}
    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-observe-") as tmp:
        labels = _common.steady_state_labels(**counts)
        spec_root = Path(tmp) / "specs"
        tree = _common.write_tree(spec_root, labels=labels, files=max(1, len(labels) // 10))
        loaded = load_specs(spec_root)
        if loaded.issues:
            raise SystemExit(f"bench: generated specs have issues, e.g. {loaded.issues[0]}")
        say(
            f"\n== {len(loaded.resources):,} resources: {counts['training']} training jobs, {counts['processing']} "
            f"processing jobs, {counts['endpoints']} endpoints with autoscaling ({tree.documents} documents)"
        )
        reset()
        seeded = _seed.seed(loaded=loaded, region=REGION, cache_dir=cache_dir)
        say(
            f"seeded in-process {'from the cache ' + str(seeded.state_file) if seeded.from_cache else ''}"
            f"{'' if seeded.from_cache else f'with {seeded.mutating_calls} mutating calls in {seeded.apply_passes} apply passes'}"
            f" ({seeded.seconds:.0f}s); measuring over HTTP ..."
        )
        with start_server() as server:
            configure_timing(job_seconds=0, endpoint_seconds=0)
            planned, plan_state, plan_load = measured_plan(spec_root=spec_root, url=server.url)
            say(f"  {planned.label}: {planned.calls:,} calls, {planned.wall_seconds:.1f}s")
            phase = planner_phase(loaded=plan_load, observed=plan_state, repeat=repeat, evict_mib=evict_mib)
            say(f"  planner phase: {phase['planner_cold_cpu']:.3f}s CPU cold, {phase['planner_warm_cpu']:.3f}s warm; "
                f"linear reference {phase['reference_cold_cpu']:.3f}s cold, {phase['reference_warm_cpu']:.3f}s warm "
                f"(medians of {repeat}; load average {_load_average()})")
            first, first_state = measured_pass("observe: no ledger", loaded=loaded, url=server.url)
            terminal, _ = measured_pass(
                "observe: ledger, terminal jobs", loaded=loaded, url=server.url, ledger=MemoryLedger(first_state)
            )
            recorded, _ = measured_pass(
                "observe: ledger, recorded state", loaded=loaded, url=server.url,
                ledger=MemoryLedgerWithState(first_state),
            )
            for r in (first, terminal, recorded):
                say(f"  {r.label}: {r.calls:,} calls, {r.wall_seconds:.1f}s, then plan() {r.planner_cpu_seconds:.3f}s CPU")
            naive = describe_everything(loaded=loaded, url=server.url)
            say(f"  {naive.label}: {naive.calls:,} calls, {naive.wall_seconds:.1f}s")
    regimes = [planned, first, terminal, recorded]
    design_naive = DESIGN_NAIVE_CALLS * len(loaded.resources) / 1000  # the design's 1,150 per 1,000
    return {
        "scale": scale,
        "steady_state": {
            "training_jobs": counts["training"],
            "processing_jobs": counts["processing"],
            "endpoints_with_autoscaling": counts["endpoints"],
            "documents": tree.documents,
            "desired_resources": len(loaded.resources),
        },
        "seed": {
            "from_cache": seeded.from_cache,
            "apply_passes": seeded.apply_passes,
            "mutating_calls": seeded.mutating_calls,
            "seconds": round(seeded.seconds, 1),
        },
        "regimes": {r.label: r.as_dict() for r in regimes},
        "baseline": naive.as_dict(),
        # process CPU seconds, medians of --repeat; the planner's cold CPU is the verdict's figure
        "planner_phase": {key: round(value, 6) for key, value in phase.items()},
        # the plan() each observe pass above made right after observing, as a pass runs it (median)
        "planner_in_pass_cpu": round(statistics.median(r.planner_cpu_seconds or 0.0 for r in (first, terminal, recorded)), 6),
        "load_average": _load_average(),
        "plans_are_steady_state": all(r.other_changes == 0 and r.read_errors == 0 for r in regimes),
        "page_calls_expected": expected_page_calls(loaded),
        "plan_vs_baseline": planned.calls / naive.calls,
        "plan_vs_design_baseline": planned.calls / design_naive,
        "target": {
            "plan_calls_at_most": PLAN_TARGET_RATIO * design_naive,
            "verdict": "PASS" if planned.calls <= PLAN_TARGET_RATIO * design_naive else "OVER",
            "recorded_state_verdict": (
                "PASS"
                if recorded.calls == recorded.page_calls
                and recorded.calls <= max(DESIGN_TARGET_CALLS * scale, expected_page_calls(loaded))
                else "OVER"
            ),
        },
        "_results": (regimes, naive),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--training", type=int, default=800, help="training jobs at scale 1 (default 800)")
    parser.add_argument("--processing", type=int, default=100, help="processing jobs at scale 1 (default 100)")
    parser.add_argument(
        "--endpoints", type=int, default=50, help="endpoints, each with an autoscaling policy, at scale 1 (default 50)"
    )
    parser.add_argument("--scales", default="1,10", help="comma-separated multiples of the counts (default 1,10)")
    parser.add_argument("--repeat", type=int, default=7, help="planner-phase runs per scale and mode, median kept (default 7)")
    parser.add_argument("--evict-mib", type=int, default=64,
                        help="MiB written before each cold planner-phase run to evict the CPU caches (default 64)")
    _seed.add_cache_options(parser)
    parser.add_argument("--planner-phase-child", type=Path, help=argparse.SUPPRESS)  # internal: see planner_phase
    args = parser.parse_args(argv)
    if args.planner_phase_child is not None:
        return _planner_phase_child(args.planner_phase_child, args.repeat, args.evict_mib)
    try:
        scales = sorted({int(part) for part in args.scales.split(",") if part.strip()})
    except ValueError:
        parser.error("--scales takes integers, e.g. 1,10")
    if not scales or min(scales) < 1 or min(args.training, args.processing, args.endpoints) < 0:
        parser.error("counts must not be negative and scales must be at least 1")
    say = (lambda *_: None) if args.json else print

    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-env-") as tmp:
        # Fake credentials and no ~/.aws: every call goes to the simulator.
        os.environ.update(
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=str(Path(tmp) / "absent-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "absent-credentials"),
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            os.environ.pop(name, None)
        reports = [
            run_scale(
                scale=scale, training=args.training, processing=args.processing, endpoints=args.endpoints,
                cache_dir=None if args.no_cache else args.cache_dir, repeat=args.repeat,
                evict_mib=args.evict_mib, say=say,
            )
            for scale in scales
        ]

    growth = _planner_growth(reports)
    if args.json:
        for report in reports:
            report.pop("_results")
        _common.dump_json(
            {
                "benchmark": "observe",
                "machine": _common.machine(),
                "scales": reports,
                "planner_growth": growth,
                "targets": {
                    "plan_calls_ratio_to_design_baseline": PLAN_TARGET_RATIO,
                    "design_naive_calls_per_1000": DESIGN_NAIVE_CALLS,
                    "planner_growth_factor_per_10x": PLANNER_GROWTH_TARGET,
                },
            }
        )
        return 0

    for report in reports:
        regimes, naive = report.pop("_results")
        print(f"\n-- {report['steady_state']['desired_resources']:,} resources")
        _common.print_table(
            ["pass", "AWS calls", "page calls", "per-resource", "x baseline", "wall s", "no-ops", "other"],
            [
                [
                    r.label, r.calls, r.page_calls, r.calls - r.page_calls, f"{r.calls / naive.calls:.3f}",
                    r.wall_seconds, r.no_ops if r is not naive else "-", r.other_changes if r is not naive else "-",
                ]
                for r in (*regimes, naive)
            ],
        )
        print("\ncalls by operation:")
        operations = sorted({op for r in (*regimes, naive) for op in r.by_operation})
        _common.print_table(
            ["operation", *[r.label for r in (*regimes, naive)]],
            [[op, *[r.by_operation.get(op, 0) for r in (*regimes, naive)]] for op in operations],
        )
        if not report["plans_are_steady_state"]:
            print("WARNING: a measured pass did not plan a pure steady state (see 'other' / read errors)")

    print("\nsummary (design §10; describe-everything measured in the same run, the design's own figure is "
          f"{DESIGN_NAIVE_CALLS:,} per 1,000 resources):")
    _common.print_table(
        ["resources", "plan calls", "describe-everything", "ratio", "ratio (design)", "target calls", "verdict",
         "plan wall s", "baseline wall s", "planner CPU s cold", "warm", "in a pass", "reference cold", "warm",
         "load average"],
        [
            [
                f"{r['steady_state']['desired_resources']:,}",
                r["regimes"]["plan (no ledger)"]["calls"],
                r["baseline"]["calls"],
                f"{r['plan_vs_baseline']:.3f}",
                f"{r['plan_vs_design_baseline']:.3f}",
                f"<= {r['target']['plan_calls_at_most']:,.0f}",
                r["target"]["verdict"],
                r["regimes"]["plan (no ledger)"]["wall_seconds"],
                r["baseline"]["wall_seconds"],
                f"{r['planner_phase']['planner_cold_cpu']:.3f}",
                f"{r['planner_phase']['planner_warm_cpu']:.3f}",
                f"{r['planner_in_pass_cpu']:.3f}",
                f"{r['planner_phase']['reference_cold_cpu']:.3f}",
                f"{r['planner_phase']['reference_warm_cpu']:.3f}",
                r["load_average"],
            ]
            for r in reports
        ],
    )
    if growth is not None:
        factors = growth["factors"]
        print(
            f"\nplanner phase for x{growth['size_factor']:.0f} resources: x{growth['time_factor']:.1f} CPU time cold "
            f"(target <= x{growth['allowed_factor']:.1f}): {growth['verdict']}; warm x{factors['planner_warm_cpu']:.1f}, "
            f"in a pass x{factors['planner_in_pass_cpu']:.1f}; the linear reference on the same heaps: cold "
            f"x{factors['reference_cold_cpu']:.1f}, warm x{factors['reference_warm_cpu']:.1f}"
        )
    return 0


PLAN_TARGET_RATIO = 0.1  # a no-ledger plan costs at most 0.1x the design's describe-everything pass
PLANNER_GROWTH_TARGET = 12.0  # planner phase at 10x the resources within 12x the time


def _planner_growth(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    if len(reports) < 2:
        return None
    small, large = reports[0], reports[-1]
    size = large["steady_state"]["desired_resources"] / max(1, small["steady_state"]["desired_resources"])

    def factor(figures: Mapping[str, float], small_figures: Mapping[str, float], key: str) -> float:
        return figures[key] / max(1e-9, small_figures[key])

    factors = {key: factor(large["planner_phase"], small["planner_phase"], key) for key in large["planner_phase"]}
    factors["planner_in_pass_cpu"] = large["planner_in_pass_cpu"] / max(1e-9, small["planner_in_pass_cpu"])
    time_factor = factors["planner_cold_cpu"]
    allowed = PLANNER_GROWTH_TARGET * size / 10
    return {
        "size_factor": size,
        "time_factor": time_factor,  # the verdict's figure: the planner's cold process CPU time
        "factors": {key: round(value, 2) for key, value in sorted(factors.items())},
        "allowed_factor": allowed,
        "verdict": "PASS" if time_factor <= allowed else "OVER",
    }


if __name__ == "__main__":
    sys.exit(main())
