"""Benchmark: how fast the simulator answers at 1,000 and 10,000 resources (the benches' own speed).

The other benchmarks drive gitops-sm against the loopback simulator (``gitops_sm.sandbox``); their
wall time at 10,000 resources is mostly the simulator answering. This script measures that
directly: per scale (``--scales 1,10``: the design's 800 training jobs, 100 processing jobs and 50
autoscaled endpoints times each factor) it seeds the steady state in-process and cached exactly as
``bench_observe.py`` does (``_seed.py``, ``--cache-dir``), starts the server on those backends and
sends, over real HTTP, ``--repeat`` times (alternating the scales) ``--rounds`` rounds of a fixed request mix — the reads a reconcile pass
makes, each with a response of the same size at every scale (a 100-job page from the middle of the
list, one job's Describe and ListTags, a 50-item page of endpoints, configs and scalable targets,
a 10-item page of policies and a 100-item page of models). Per operation it prints calls per second and the process CPU time per call (client and server
share the process; CPU is what other work on the machine inflates least), best of the repeats.

Baseline, measured in the same run: the smallest scale. The simulator's cost per request should
not depend on how many jobs it holds, so the target is a CPU time per call at 10x the resources
within 1.25x its time at 1x (``--json`` for the figures only). ``ListModels`` is in the mix: the
simulator pages it as AWS does (a 100-model page), where moto answered with every model at once.

    python bench/bench_simulator.py                       # 1,000 and 10,000 resources
    python bench/bench_simulator.py --scales 1 --rounds 20 --json
    python bench/bench_simulator.py --training 40 --processing 4 --endpoints 2 --scales 1,2 --no-cache
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import _seed

from gitops_sm.sandbox import configure_timing, reset, start_server
from gitops_sm.sandbox.persistence import load_state
from gitops_sm.specs import load_specs

REGION = "us-east-1"
GROWTH_TARGET = 1.25  # time per call at the largest scale / at the smallest
PAGE = 100
SMALL_PAGE = 50
POLICY_PAGE = 10  # DescribeScalingPolicies' maximum


def _client(service: str, url: str) -> Any:
    return boto3.client(
        service, region_name=REGION, endpoint_url=url, config=Config(retries={"max_attempts": 1})
    )


def request_mix(url: str) -> dict[str, Callable[[int], Any]]:
    """Operation -> a call (given the round number) whose response has the same size at every scale."""
    sm = _client("sagemaker", url)
    autoscaling = _client("application-autoscaling", url)
    first = sm.list_training_jobs(MaxResults=PAGE)
    jobs = first["TrainingJobSummaries"]
    tokens = _training_job_tokens(sm)
    middle = tokens[len(tokens) // 2] if tokens else None  # a real (opaque) token to a middle page
    processing = sm.list_processing_jobs(MaxResults=PAGE)["ProcessingJobSummaries"]
    endpoints = sm.list_endpoints(MaxResults=SMALL_PAGE)["Endpoints"]
    if not (jobs and processing and endpoints):
        raise SystemExit("bench: the seeded simulator has no training job, processing job or endpoint")

    def pick(items: Sequence[Mapping[str, Any]], key: str, index: int) -> Any:
        return items[index % len(items)][key]

    return {
        "ListTrainingJobs": lambda i: sm.list_training_jobs(MaxResults=PAGE, **({"NextToken": middle} if middle else {})),
        "ListTrainingJobs StatusEquals": lambda i: sm.list_training_jobs(MaxResults=PAGE, StatusEquals="Completed"),
        "DescribeTrainingJob": lambda i: sm.describe_training_job(TrainingJobName=pick(jobs, "TrainingJobName", i)),
        "ListTags": lambda i: sm.list_tags(ResourceArn=pick(jobs, "TrainingJobArn", i)),
        "DescribeProcessingJob": lambda i: sm.describe_processing_job(
            ProcessingJobName=pick(processing, "ProcessingJobName", i)
        ),
        "DescribeEndpoint": lambda i: sm.describe_endpoint(EndpointName=pick(endpoints, "EndpointName", i)),
        "ListEndpoints": lambda i: sm.list_endpoints(MaxResults=SMALL_PAGE),
        "ListEndpointConfigs": lambda i: sm.list_endpoint_configs(MaxResults=SMALL_PAGE),
        "DescribeScalableTargets": lambda i: autoscaling.describe_scalable_targets(
            ServiceNamespace="sagemaker", MaxResults=SMALL_PAGE
        ),
        "DescribeScalingPolicies": lambda i: autoscaling.describe_scaling_policies(
            ServiceNamespace="sagemaker", MaxResults=POLICY_PAGE
        ),
        "ListModels": lambda i: sm.list_models(MaxResults=PAGE),
    }


def _training_job_tokens(sm: Any) -> list[str]:
    """The NextToken of every page of ListTrainingJobs after the first."""
    tokens: list[str] = []
    while True:
        page = sm.list_training_jobs(MaxResults=PAGE, **({"NextToken": tokens[-1]} if tokens else {}))
        token = page.get("NextToken")
        if not token:
            return tokens
        tokens.append(token)


def measure(mix: Mapping[str, Callable[[int], Any]], *, rounds: int) -> dict[str, dict[str, float]]:
    """Interleaved rounds (one call of every operation per round), so load on the machine hits all alike:
    per operation the wall and the process CPU time per call."""
    wall = dict.fromkeys(mix, 0.0)
    cpu = dict.fromkeys(mix, 0.0)
    for call in mix.values():  # warm-up: connections, botocore's lazy loading
        call(0)
    for index in range(rounds):
        for operation, call in mix.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            call(index)
            cpu[operation] += time.process_time() - started_cpu
            wall[operation] += time.perf_counter() - started
    return {
        operation: {
            "calls": rounds,
            "ms_per_call": 1000 * wall[operation] / rounds,
            "cpu_ms_per_call": 1000 * cpu[operation] / rounds,
            "calls_per_second": rounds / wall[operation],
        }
        for operation in mix
    }


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """One scale's seeded state on disk (each repeat reloads it instead of seeding again)."""

    scale: int
    resources: int
    state_file: Path
    from_cache: bool
    seed_seconds: float


def prepare(*, scale: int, training: int, processing: int, endpoints: int, cache_dir: Path, say: Any) -> Prepared:
    counts = {"training": training * scale, "processing": processing * scale, "endpoints": endpoints * scale}
    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-simulator-") as tmp:
        labels = _common.steady_state_labels(**counts)
        spec_root = Path(tmp) / "specs"
        _common.write_tree(spec_root, labels=labels, files=max(1, len(labels) // 10))
        loaded = load_specs(spec_root)
    if loaded.issues:
        raise SystemExit(f"bench: generated specs have issues, e.g. {loaded.issues[0]}")
    reset()
    seeded = _seed.seed(loaded=loaded, region=REGION, cache_dir=cache_dir)
    if seeded.state_file is None:
        raise SystemExit("bench: seeding kept no state file")
    say(f"{len(loaded.resources):,} resources ({counts['training']} training jobs, {counts['processing']} "
        f"processing jobs, {counts['endpoints']} endpoints with autoscaling): seeded "
        f"{'from the cache' if seeded.from_cache else 'in-process'} in {seeded.seconds:.0f}s")
    return Prepared(
        scale=scale, resources=len(loaded.resources), state_file=seeded.state_file,
        from_cache=seeded.from_cache, seed_seconds=seeded.seconds,
    )


def run_scale(prepared: Prepared, *, rounds: int) -> dict[str, Any]:
    """Load the scale's state alone into the simulator (no specs of the bench in memory) and measure."""
    reset()
    gc.collect()
    if not load_state(prepared.state_file):
        raise SystemExit(f"bench: cannot load {prepared.state_file}")
    with start_server() as server:
        configure_timing(job_seconds=0, endpoint_seconds=0)
        by_operation = measure(request_mix(server.url), rounds=rounds)
    return {"by_operation": by_operation, "load_average": [round(value, 2) for value in os.getloadavg()]}


def best_of(prepared: Prepared, runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per operation the run with the least CPU per call; the mix from those."""
    by_operation: dict[str, dict[str, float]] = {}
    for operation in runs[0]["by_operation"]:
        best = min((run["by_operation"][operation] for run in runs), key=lambda f: f["cpu_ms_per_call"])
        by_operation[operation] = {key: round(value, 3) for key, value in best.items()}
    in_mix = list(by_operation.values())
    wall_ms = sum(figures["ms_per_call"] for figures in in_mix)
    cpu_ms = sum(figures["cpu_ms_per_call"] for figures in in_mix)
    return {
        "scale": prepared.scale,
        "desired_resources": prepared.resources,
        "seed": {"from_cache": prepared.from_cache, "seconds": round(prepared.seed_seconds, 1)},
        "by_operation": by_operation,
        "mix": {
            "operations": len(in_mix),
            "ms_per_call": round(wall_ms / len(in_mix), 3),
            "cpu_ms_per_call": round(cpu_ms / len(in_mix), 3),
            "calls_per_second": round(1000 * len(in_mix) / wall_ms, 1),
        },
        "load_averages": [run["load_average"] for run in runs],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--training", type=int, default=800, help="training jobs at scale 1 (default 800)")
    parser.add_argument("--processing", type=int, default=100, help="processing jobs at scale 1 (default 100)")
    parser.add_argument("--endpoints", type=int, default=50, help="autoscaled endpoints at scale 1 (default 50)")
    parser.add_argument("--scales", default="1,10", help="comma-separated multiples of the counts (default 1,10)")
    parser.add_argument("--rounds", type=int, default=40, help="calls of each operation per run (default 40)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per scale, scales alternating; best kept (default 2)")
    _seed.add_cache_options(parser)
    args = parser.parse_args(argv)
    try:
        scales = sorted({int(part) for part in args.scales.split(",") if part.strip()})
    except ValueError:
        parser.error("--scales takes integers, e.g. 1,10")
    if not scales or min(scales) < 1 or min(args.rounds, args.repeat, args.training, args.processing, args.endpoints) < 1:
        parser.error("counts, scales, rounds and repeats must be at least 1")
    say = (lambda *_: None) if args.json else print

    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-env-") as tmp:
        os.environ.update(
            AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=str(Path(tmp) / "absent-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "absent-credentials"),
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            os.environ.pop(name, None)
        cache_dir = Path(tmp) / "cache" if args.no_cache else args.cache_dir
        prepared = [
            prepare(scale=scale, training=args.training, processing=args.processing, endpoints=args.endpoints,
                    cache_dir=cache_dir, say=say)
            for scale in scales
        ]
        say(f"measuring: {args.repeat} x {args.rounds} rounds of the request mix per scale over HTTP ...")
        measured: dict[int, list[dict[str, Any]]] = {p.scale: [] for p in prepared}
        for _ in range(args.repeat):
            for p in prepared:
                measured[p.scale].append(run_scale(p, rounds=args.rounds))
        runs = [best_of(p, measured[p.scale]) for p in prepared]
        reset()

    small, large = runs[0], runs[-1]
    growth = large["mix"]["cpu_ms_per_call"] / small["mix"]["cpu_ms_per_call"]
    wall_growth = large["mix"]["ms_per_call"] / small["mix"]["ms_per_call"]
    verdict = "PASS" if growth <= GROWTH_TARGET else "OVER"
    summary = {
        "baseline_resources": small["desired_resources"],
        "largest_resources": large["desired_resources"],
        "cpu_per_call_growth": round(growth, 3),
        "wall_per_call_growth": round(wall_growth, 3),
        "target": GROWTH_TARGET,
        "verdict": verdict,
    }
    if args.json:
        _common.dump_json({"benchmark": "simulator", "machine": _common.machine(), "runs": runs, "growth": summary})
        return 0

    print()
    headers = ["operation", *[f"{r['desired_resources']:,}: calls/s" for r in runs],
               *[f"{r['desired_resources']:,}: CPU ms/call" for r in runs], "x baseline (CPU)"]
    rows = [
        [
            op,
            *[r["by_operation"][op]["calls_per_second"] for r in runs],
            *[f"{r['by_operation'][op]['cpu_ms_per_call']:.2f}" for r in runs],
            f"{large['by_operation'][op]['cpu_ms_per_call'] / small['by_operation'][op]['cpu_ms_per_call']:.2f}",
        ]
        for op in small["by_operation"]
    ]
    rows.append(["mix", *[r["mix"]["calls_per_second"] for r in runs],
                 *[f"{r['mix']['cpu_ms_per_call']:.2f}" for r in runs], f"{growth:.2f}"])
    _common.print_table(headers, rows)
    print("\nload average (1, 5, 15 min) after each run: "
          + "; ".join(f"{r['desired_resources']:,}: {r['load_averages']}" for r in runs))
    print(f"target: CPU per call at {large['desired_resources']:,} resources within {GROWTH_TARGET}x its CPU at "
          f"{small['desired_resources']:,} (the baseline of this run): x{growth:.2f} {verdict} (wall x{wall_growth:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
