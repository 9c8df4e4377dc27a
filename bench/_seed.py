"""Seeding the simulator with a steady state fast, and caching it (used by ``bench_observe.py``).

Creating 10,000 resources through the loopback server costs one HTTP round trip per call plus the
observe passes between applies: many minutes. Here the same gitops-sm passes (observe -> plan ->
``execute`` until nothing is pending, so every resource carries our tags and spec hash) run
against moto **in-process** (``moto.mock_aws``: botocore hands each request straight to moto's
backends, no socket), which is several times faster, and the resulting backends are saved with
the simulator's own state-file format (``gitops_sm.sandbox.persistence``). A later run with the
same specs loads that file in a second instead of seeding again.

The measured passes afterwards go over real HTTP to ``gitops_sm.sandbox.start_server()``, which
serves the very backends seeded here (moto keeps them per process). Not part of the package.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from gitops_sm.awsclients import ClientFactory
from gitops_sm.execute import execute
from gitops_sm.model import Action, LoadResult
from gitops_sm.observe import observe
from gitops_sm.plan.planner import PlanOptions, plan
from gitops_sm.sandbox import configure_timing, install
from gitops_sm.sandbox.persistence import load_state, save_state

MAX_SEED_PASSES = 6
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    """``--cache-dir``, ``--no-cache`` and ``--json``: the options every seeding bench takes."""
    parser.add_argument(
        "--cache-dir", type=Path, default=DEFAULT_CACHE,
        help=f"where seeded simulator states are kept between runs (default {DEFAULT_CACHE})",
    )
    parser.add_argument("--no-cache", action="store_true", help="seed every scale afresh, keep nothing")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")


@dataclass(frozen=True, kw_only=True)
class Seeded:
    """How the steady state came about: seeded now (passes, mutating calls) or loaded from cache."""

    from_cache: bool
    apply_passes: int
    mutating_calls: int
    seconds: float
    state_file: Path | None


def state_key(loaded: LoadResult) -> str:
    """A name for the seeded state of these specs: addresses, spec hashes and the SageMaker names
    gitops-sm gives them (a change of the naming rule must not reuse resources seeded under the
    earlier names), and the moto version."""
    import moto

    text = "\n".join(
        sorted(f"{r.address} {r.spec_hash} {sorted(r.names.items())}" for r in loaded.resources)
    )
    return hashlib.sha256(f"{moto.__version__}\n{text}".encode()).hexdigest()[:16]


def seed(*, loaded: LoadResult, region: str, cache_dir: Path | None) -> Seeded:
    """Bring this process's simulator backends to the steady state of ``loaded``."""
    install()
    started = time.perf_counter()
    state_file = cache_dir / f"seed-{state_key(loaded)}.state" if cache_dir is not None else None
    if state_file is not None and state_file.exists() and load_state(state_file):
        return Seeded(
            from_cache=True, apply_passes=0, mutating_calls=0, seconds=time.perf_counter() - started,
            state_file=state_file,
        )

    from moto import mock_aws

    saved_url = os.environ.pop("AWS_ENDPOINT_URL", None)
    mock = mock_aws()
    mock.start()
    try:
        configure_timing(job_seconds=0, endpoint_seconds=0)
        passes, mutating = _converge(loaded=loaded, region=region)
    finally:
        mock.stop(remove_data=False)  # keep the backends: the server serves them next
        if saved_url is not None:
            os.environ["AWS_ENDPOINT_URL"] = saved_url
    if state_file is not None:
        save_state(state_file)
    return Seeded(
        from_cache=False, apply_passes=passes, mutating_calls=mutating,
        seconds=time.perf_counter() - started, state_file=state_file,
    )


def _converge(*, loaded: LoadResult, region: str) -> tuple[int, int]:
    """observe -> plan -> execute until nothing is pending; (apply passes, mutating calls)."""
    mutating = 0
    for attempt in range(MAX_SEED_PASSES):
        clients = ClientFactory(region=region, max_attempts=1)
        observed = observe(desired=loaded.resources, clients=clients, default_region=region)
        the_plan = plan(load=loaded, observed=observed, options=PlanOptions(default_region=region))
        if the_plan.errors:
            raise SystemExit(f"bench: seeding plan has errors, e.g. {the_plan.errors[0]}")
        if not any(c.is_change or Action.WAIT in c.actions for c in the_plan.resource_changes):
            return attempt, mutating
        result = execute(the_plan, clients=clients)
        if not result.ok:
            failed = result.failed[0]
            raise SystemExit(f"bench: seeding failed at {failed.address}: {failed.to_dict()}")
        mutating += result.mutating_calls
    raise SystemExit(f"bench: the simulator did not reach a steady state in {MAX_SEED_PASSES} passes")
