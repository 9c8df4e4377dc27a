"""Benchmark: AWS calls and wall time of one steady-state observe pass (design §10).

Target: a steady-state pass over the design's 1,000 resources (800 training jobs, 100 processing
jobs, 50 endpoints with autoscaling) makes about 20 AWS calls, against 1,150 for a
describe-everything pass, and grows with pages (n/100), not with n.

What it does, all in one process against the loopback simulator (``gitops_sm.sandbox``, instant
timing, real HTTP):

1. generates the specs of that steady state from ``examples/repo`` (``_common.py``: v1 and ACK
   training and processing jobs, v1 HostingDeployments of two variants each with a
   HostingAutoscalingPolicy), loads them with ``load_specs``;
2. seeds the simulator the way gitops-sm itself would: observe -> plan -> ``execute`` until the
   plan holds no change (jobs finish and endpoints are InService at once), so every resource
   carries our tags and spec hash;
3. measures ``observe`` in three regimes, planning each result to check it is still the steady
   state (every change a no-op):
   * ``no ledger``            what a first pass (or one without a ledger) costs;
   * ``ledger: terminal jobs`` an in-memory ledger built from the first pass knows which jobs
     ended for their spec hash: those cost no call;
   * ``ledger: recorded state`` the ledger also returns what was read about endpoints, configs
     and models whose List summary is unchanged: no Describe/ListTags for them either;
4. and a describe-everything baseline in the same run: for every AWS resource the specs name,
   one Describe, plus ListTags for each SageMaker one (what a naive reconciler does), performed
   for real to count and time it.

    python bench/bench_observe.py                               # 800 / 100 / 50
    python bench/bench_observe.py --training 80 --processing 10 --endpoints 5 --json

Wall times include the simulator, which answers in the same process (moto); the call counts are
the figures that carry over to AWS.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

from gitops_sm.awsclients import ClientFactory
from gitops_sm.execute import execute
from gitops_sm.kinds import AUTOSCALING, JOB_KINDS, SAGEMAKER, TAG_SPEC_HASH, TERMINAL_JOB_STATUSES, Kind
from gitops_sm.model import Action, DesiredResource, LoadResult, ObservedResource, ObservedState, ObservedType
from gitops_sm.observe import LIST_SUMMARY, observe
from gitops_sm.plan import PlanOptions, plan
from gitops_sm.sandbox import configure_timing, start_server
from gitops_sm.specs import load_specs

REGION = "us-east-1"
DESIGN_TARGET_CALLS = 20  # "about 20 AWS calls" for the design's 1,000 resources
DESIGN_NAIVE_CALLS = 1_150
LIST_PAGE_SIZE = 100
AUTOSCALING_PAGE_SIZE = 50
MAX_SEED_PASSES = 6

_JOB_TYPES = {
    Kind.TRAINING_JOB: ObservedType.TRAINING_JOB,
    Kind.HYPERPARAMETER_TUNING_JOB: ObservedType.HYPERPARAMETER_TUNING_JOB,
    Kind.TRANSFORM_JOB: ObservedType.TRANSFORM_JOB,
    Kind.PROCESSING_JOB: ObservedType.PROCESSING_JOB,
}


def _is_page_call(operation: str) -> bool:
    """A call that reads a whole collection page by page (grows with n/100, not with n)."""
    return (operation.startswith("List") and operation != "ListTags") or operation in {
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
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
    changes = plan(
        load=loaded, observed=observed, options=PlanOptions(default_region=REGION)
    ).resource_changes
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
        ),
        observed,
    )


def seed(*, loaded: LoadResult, url: str) -> tuple[int, int, float]:
    """Create the steady state through gitops-sm's own observe -> plan -> execute; returns
    (passes, mutating calls, seconds)."""
    started = time.perf_counter()
    mutating = 0
    for attempt in range(1, MAX_SEED_PASSES + 1):
        clients = _clients(url)
        observed = observe(desired=loaded.resources, clients=clients, default_region=REGION)
        the_plan = plan(load=loaded, observed=observed, options=PlanOptions(default_region=REGION))
        if the_plan.errors:
            raise SystemExit(f"bench: seeding plan has errors, e.g. {the_plan.errors[0]}")
        if not any(c.is_change or Action.WAIT in c.actions for c in the_plan.resource_changes):
            return attempt, mutating, time.perf_counter() - started
        result = execute(the_plan, clients=clients)
        if not result.ok:
            failed = result.failed[0]
            raise SystemExit(f"bench: seeding failed at {failed.address}: {failed.to_dict()}")
        mutating += result.mutating_calls
    raise SystemExit(f"bench: the simulator did not reach a steady state in {MAX_SEED_PASSES} passes")


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


def _pages(count: int, page_size: int = LIST_PAGE_SIZE) -> int:
    return max(1, -(-count // page_size))


def expected_page_calls(loaded: LoadResult) -> int:
    """The List/Describe-all pages real AWS would need for these specs: SageMaker List* return
    100 per page, Application Auto Scaling's Describe* 50 (the simulator pages the same way)."""
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
        pages += _pages(roles["target"], AUTOSCALING_PAGE_SIZE) + _pages(
            roles["policy"], AUTOSCALING_PAGE_SIZE
        )
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--training", type=int, default=800, help="training jobs (default 800)")
    parser.add_argument("--processing", type=int, default=100, help="processing jobs (default 100)")
    parser.add_argument(
        "--endpoints", type=int, default=50, help="endpoints, each with an autoscaling policy (default 50)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args(argv)
    if min(args.training, args.processing, args.endpoints) < 0:
        parser.error("counts must not be negative")
    say = (lambda *_: None) if args.json else print

    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-observe-") as tmp:
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
        labels = _common.steady_state_labels(
            training=args.training, processing=args.processing, endpoints=args.endpoints
        )
        spec_root = Path(tmp) / "specs"
        tree = _common.write_tree(spec_root, labels=labels, files=max(1, len(labels) // 10))
        loaded = load_specs(spec_root)
        if loaded.issues:
            raise SystemExit(f"bench: generated specs have issues, e.g. {loaded.issues[0]}")

        with start_server() as server:
            configure_timing(job_seconds=0, endpoint_seconds=0)
            say(
                f"steady state: {args.training} training jobs, {args.processing} processing jobs, "
                f"{args.endpoints} endpoints with autoscaling ({tree.documents} documents, "
                f"{len(loaded.resources)} resources); seeding the simulator at {server.url} ..."
            )
            passes, mutating, seed_seconds = seed(loaded=loaded, url=server.url)
            say(f"seeded with {mutating} mutating calls in {passes - 1} apply passes ({seed_seconds:.0f}s)\n")

            first, first_state = measured_pass("no ledger", loaded=loaded, url=server.url)
            terminal, _ = measured_pass(
                "ledger: terminal jobs", loaded=loaded, url=server.url, ledger=MemoryLedger(first_state)
            )
            recorded, _ = measured_pass(
                "ledger: recorded state",
                loaded=loaded,
                url=server.url,
                ledger=MemoryLedgerWithState(first_state),
            )
            naive = describe_everything(loaded=loaded, url=server.url)

    regimes = [first, terminal, recorded]
    expected_pages = expected_page_calls(loaded)
    steady = all(r.other_changes == 0 and r.read_errors == 0 for r in regimes)
    per_resource = recorded.calls - recorded.page_calls
    verdict = (
        "PASS" if per_resource == 0 and recorded.calls <= max(DESIGN_TARGET_CALLS, expected_pages) else "OVER"
    )

    if args.json:
        _common.dump_json(
            {
                "benchmark": "observe",
                "machine": _common.machine(),
                "steady_state": {
                    "training_jobs": args.training,
                    "processing_jobs": args.processing,
                    "endpoints_with_autoscaling": args.endpoints,
                    "documents": tree.documents,
                    "desired_resources": len(loaded.resources),
                },
                "seed": {
                    "apply_passes": passes - 1,
                    "mutating_calls": mutating,
                    "seconds": round(seed_seconds, 1),
                },
                "regimes": {r.label: r.as_dict() for r in regimes},
                "baseline": naive.as_dict(),
                "ratios_to_baseline": {r.label: r.calls / naive.calls for r in regimes},
                "plans_are_steady_state": steady,
                "target": {
                    "design_calls": DESIGN_TARGET_CALLS,
                    "design_naive_calls": DESIGN_NAIVE_CALLS,
                    "page_calls_expected": expected_pages,
                    "verdict": verdict,
                },
            }
        )
        return 0

    _common.print_table(
        [
            "pass",
            "AWS calls",
            "page calls",
            "per-resource",
            "x baseline",
            "wall s",
            "plan no-ops",
            "other changes",
        ],
        [
            [
                r.label,
                r.calls,
                r.page_calls,
                r.calls - r.page_calls,
                f"{r.calls / naive.calls:.3f}",
                r.wall_seconds,
                r.no_ops if r is not naive else "-",
                r.other_changes if r is not naive else "-",
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
    print(
        f"\ntarget (design §10): about {DESIGN_TARGET_CALLS} calls per steady-state pass (growing with pages; "
        f"{expected_pages} List/Describe-all pages for these counts) vs {DESIGN_NAIVE_CALLS:,} describe-everything "
        f"in the design's arithmetic ({naive.calls:,} measured here) -> {recorded.calls} calls with a ledger "
        f"of recorded state: {verdict}"
    )
    if not steady:
        print("WARNING: a measured pass did not plan a pure steady state (see 'other changes' / read errors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
