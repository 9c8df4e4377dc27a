"""Benchmark: loading and validating specs against a bare YAML parse of the same files (design §10).

Target: loading and validating 10,000 documents costs at most ~2.5x a bare ``yaml.CSafeLoader``
parse of the same files. This script generates N documents (copies of the ``examples/repo``
manifests, see ``_common.py``) in about 100 multi-document files under a temporary directory and
measures three things on them, each run in a fresh child process so memory figures are clean:

* ``bare parse``        ``yaml.load_all(..., Loader=yaml.CSafeLoader)`` of every file (the baseline)
* ``collect_documents`` discovery + parsing with line numbers + identity checks
* ``load_specs``        the whole load: the above plus normalisation and botocore validation

Each child first loads ``examples/repo`` once (imports, botocore's service models: a cost paid
once per process, reported apart as "setup"), then times one run (wall and CPU) and reports its
peak RSS growth (``getrusage`` maxrss). The best of ``--repeat`` runs is kept. The verdict
compares CPU time, which a busy machine inflates less than wall time; both ratios are printed.

    python bench/bench_load.py                 # 10,000 documents, best of 3
    python bench/bench_load.py --docs 2000 --repeat 5 --json
    python bench/bench_load.py --profile       # + cProfile of load_specs (top 15 cumulative)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

TARGET_RATIO = 2.5
MODES = ("bare", "collect", "load")
MODE_LABELS = {"bare": "bare CSafeLoader parse", "collect": "collect_documents", "load": "load_specs"}


# --------------------------------------------------------------------------- what is measured


def bare_parse(root: Path) -> int:
    """The baseline: parse every spec file with libyaml's SafeLoader, nothing else."""
    documents = 0
    for path in sorted(root.rglob("*.y*ml")):
        with path.open("rb") as handle:
            documents += sum(1 for doc in yaml.load_all(handle, Loader=yaml.CSafeLoader) if doc is not None)
    return documents


def collect(root: Path) -> int:
    from gitops_sm.specs import collect_documents

    collected = collect_documents(root)
    if collected.issues:
        raise SystemExit(f"bench: generated specs have issues, e.g. {collected.issues[0]}")
    return len(collected.managed)


def load(root: Path) -> int:
    from gitops_sm.specs import load_specs

    loaded = load_specs(root)
    if loaded.issues:
        raise SystemExit(f"bench: generated specs have issues, e.g. {loaded.issues[0]}")
    return len(loaded.resources)


OPERATIONS: dict[str, Callable[[Path], int]] = {"bare": bare_parse, "collect": collect, "load": load}


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def child(mode: str, root: Path, *, gc_off: bool = False) -> dict[str, Any]:
    """One measured run in this (fresh) process."""
    operation = OPERATIONS[mode]
    started = time.perf_counter()
    operation(_common.EXAMPLES_ROOT)  # imports, botocore models, caches: paid once per process
    setup = time.perf_counter() - started
    gc.collect()
    rss_before = _maxrss_kib()
    if gc_off:
        gc.disable()
    wall, cpu = time.perf_counter(), time.process_time()
    count = operation(root)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    gc.enable()
    return {
        "mode": mode,
        "count": count,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "setup_seconds": setup,
        "peak_rss_growth_mib": max(0, _maxrss_kib() - rss_before) / 1024,
        "peak_rss_mib": _maxrss_kib() / 1024,
    }


def run_child(mode: str, root: Path, *, gc_off: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, str(root), *(["--gc-off"] if gc_off else [])]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"bench: the {mode} run failed:\n{completed.stderr or completed.stdout}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- profile


def profile_load(root: Path, *, top: int = 15) -> tuple[str, list[dict[str, Any]]]:
    """cProfile of one warm ``load_specs`` (top ``top`` by cumulative time)."""
    load(_common.EXAMPLES_ROOT)
    profiler = cProfile.Profile()
    profiler.enable()
    load(root)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    rows: list[dict[str, Any]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, function), (_, calls, tottime, cumtime, _) in sorted(
        raw.items(), key=lambda item: item[1][3], reverse=True
    )[:top]:
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({function})",
                "calls": calls,
                "tottime": round(tottime, 3),
                "cumtime": round(cumtime, 3),
            }
        )
    return out.getvalue(), rows


def _short(filename: str) -> str:
    for marker in ("gitops_sm/", "site-packages/"):
        if marker in filename:
            return filename[filename.index(marker) + (0 if marker == "gitops_sm/" else len(marker)) :]
    return filename


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents to generate (default 10,000)")
    parser.add_argument("--files", type=int, default=100, help="files to spread them over (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, best kept (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--profile", action="store_true", help="also profile load_specs (cProfile, top 15)")
    parser.add_argument(
        "--gc-off",
        action="store_true",
        help="what-if: disable Python's cyclic GC during every measured run (all modes alike)",
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, root = args.child
        print(json.dumps(child(mode, Path(root), gc_off=args.gc_off)))
        return 0
    if args.docs < 1 or args.repeat < 1 or args.files < 1:
        parser.error("--docs, --files and --repeat must be at least 1")

    with tempfile.TemporaryDirectory(prefix="gitops-sm-bench-load-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        tree = _common.write_tree(root, labels=_common.load_labels(args.docs), files=args.files)
        generate_seconds = time.perf_counter() - started
        if not args.json:
            print(
                f"generated {tree.documents:,} documents in {tree.files} files "
                f"({tree.bytes / 1e6:.1f} MB) in {generate_seconds:.1f}s; best of {args.repeat} runs each"
                + (" (cyclic GC disabled during the runs: what-if)" if args.gc_off else "")
            )

        runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for _ in range(args.repeat):  # interleaved, so a busy moment hurts every mode alike
            for mode in MODES:
                runs[mode].append(run_child(mode, root, gc_off=args.gc_off))
        profile_text, profile_rows = profile_load(root) if args.profile else ("", [])

    results = {mode: _best(runs[mode], documents=tree.documents) for mode in MODES}
    base = results["bare"]
    for mode in MODES:
        results[mode]["ratio_wall"] = results[mode]["wall_seconds"] / base["wall_seconds"]
        results[mode]["ratio_cpu"] = results[mode]["cpu_seconds"] / base["cpu_seconds"]
    ratio = results["load"]["ratio_cpu"]
    verdict = "PASS" if ratio <= TARGET_RATIO else "OVER"

    if args.json:
        _common.dump_json(
            {
                "benchmark": "load",
                "machine": _common.machine(),
                "documents": tree.documents,
                "files": tree.files,
                "bytes": tree.bytes,
                "by_template": dict(tree.by_template),
                "repeat": args.repeat,
                "gc_disabled": args.gc_off,
                "results": results,
                "target": {
                    "load_specs_over_bare_parse_max": TARGET_RATIO,
                    "ratio_cpu": ratio,
                    "verdict": verdict,
                },
                "profile_top_cumulative": profile_rows,
            }
        )
        return 0

    print()
    _common.print_table(
        [
            "measurement",
            "wall s",
            "CPU s",
            "docs/s",
            "x bare (wall)",
            "x bare (CPU)",
            "peak RSS +MiB",
            "setup s",
        ],
        [
            [
                MODE_LABELS[mode],
                results[mode]["wall_seconds"],
                results[mode]["cpu_seconds"],
                int(results[mode]["docs_per_second"]),
                round(results[mode]["ratio_wall"], 2),
                round(results[mode]["ratio_cpu"], 2),
                round(results[mode]["peak_rss_growth_mib"], 1),
                results[mode]["setup_seconds"],
            ]
            for mode in MODES
        ],
    )
    print()
    print(
        f"target (design §10): load_specs <= {TARGET_RATIO}x bare parse -> "
        f"{ratio:.2f}x (CPU), {results['load']['ratio_wall']:.2f}x (wall): {verdict}"
    )
    if profile_text:
        print("\nprofile of one load_specs run (cProfile adds overhead; compare shares, not seconds):")
        print(profile_text.strip())
    return 0


def _best(runs: list[dict[str, Any]], *, documents: int) -> dict[str, Any]:
    best = dict(min(runs, key=lambda run: run["cpu_seconds"]))
    best["wall_seconds"] = min(run["wall_seconds"] for run in runs)
    best["cpu_seconds"] = min(run["cpu_seconds"] for run in runs)
    best["setup_seconds"] = min(run["setup_seconds"] for run in runs)
    best["peak_rss_growth_mib"] = max(run["peak_rss_growth_mib"] for run in runs)
    best["docs_per_second"] = documents / best["wall_seconds"]
    best.pop("peak_rss_mib", None)
    best["peak_rss_mib"] = max(run["peak_rss_mib"] for run in runs)
    return best


if __name__ == "__main__":
    sys.exit(main())
