"""The ``gitops-sm`` command line: click commands, output format choice and exit codes.

Entry point of the console script. Commands parse options into ``app.Settings``, call ``app``
for the pass and a renderer for the output, and map the outcome to an exit code:
0 ok / no changes, 1 error (usage errors too), 2 changes pending (with ``--detailed-exitcode``),
130 interrupted (Ctrl-C). Every ``GitopsSmError`` becomes a one-line message on stderr and exit
code 1, never a traceback.

Start-up stays light: this module imports only click and the error tree at load time; the
modules that import boto3, botocore, rich and GitPython are imported by the command that runs, so
``gitops-sm --help`` imports none of them. ``--sandbox`` starts the simulator only when the
command makes its first AWS client (a spec root that does not load never starts it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from gitops_sm import __version__
from gitops_sm.allowlist import ALLOWED_ENDPOINTS_ENV, operator_endpoints
from gitops_sm.errors import ConfigError, GitopsSmError
from gitops_sm.kinds import DEFAULT_PRUNE_THRESHOLD

if TYPE_CHECKING:  # the modules behind these import boto3, kubernetes, rich, GitPython: loaded per command
    from rich.console import Console

    from gitops_sm import app, kube
    from gitops_sm.execute import ApplyResult, ExecEvent
    from gitops_sm.model import Plan
    from gitops_sm.plan.convergence import Tracker

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, as shells report a command stopped by Ctrl-C

SANDBOX_STATE_ENV = "GITOPS_SM_SANDBOX_STATE"
SANDBOX_LOCK_WAIT_SECONDS = 600.0


def _stdout(no_color: bool) -> Console:
    from rich.console import Console

    return Console(no_color=no_color or bool(os.environ.get("NO_COLOR")), highlight=False, soft_wrap=True)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in ``90``, ``1.5``, ``90s``, ``45m``, ``2h``, ``1h30m``; ValueError otherwise."""
    value = text.strip().lower()
    parts = list(_DURATION_PART.finditer(value))
    if not value or "".join(m.group(0) for m in parts) != value or (len(parts) > 1 and not all(m[2] for m in parts)):
        raise ValueError(text)
    return sum(float(m.group(1)) * _UNIT_SECONDS[m.group(2)] for m in parts)


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """click callback: a ``--timeout``/``--poll`` value in seconds."""
    try:
        return parse_duration(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a duration: give seconds (90) or a number with s, m or h (90s, 45m, 2h)"
        ) from None


class _UsageError(click.UsageError):
    """A usage error that exits 1: exit code 2 means "changes pending" with --detailed-exitcode."""

    exit_code = EXIT_ERROR


def aws_options(func: F) -> F:
    """Options shared by every command that reads SageMaker."""
    decorators = [
        click.option("--sandbox", is_flag=True, help="Run against the embedded SageMaker simulator (no AWS account)."),
        click.option("--region", envvar="GITOPS_SM_REGION", help="Default AWS region (also GITOPS_SM_REGION; else AWS_REGION / profile)."),
        click.option("--profile", envvar="AWS_PROFILE", help="AWS profile to use."),
        click.option(
            "--retry-mode",
            type=click.Choice(["standard", "adaptive"]),
            default="standard",
            show_default=True,
            help="botocore retry mode.",
        ),
        click.option("--max-attempts", type=click.IntRange(1, 20), default=5, show_default=True,
                     help="Attempts per AWS call, retries included."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def plan_options(func: F) -> F:
    decorators = [
        click.option("--prune", is_flag=True, help="Stop/delete resources we own whose spec left git."),
        click.option("--prune-threshold", type=click.IntRange(0), default=DEFAULT_PRUNE_THRESHOLD, show_default=True,
                     help="Most prune stops/deletes allowed without --allow-mass-prune."),
        click.option("--allow-mass-prune", is_flag=True, help="Allow more prune deletions than the threshold."),
        click.option("--adopt", "adopt", multiple=True, metavar="ADDRESS",
                     help="Adopt an existing same-named resource for ADDRESS (Kind/namespace/name)."),
        click.option("--retry-failed", "retry_failed", multiple=True, metavar="ADDRESS",
                     help="Retry the failed endpoint update (or Failed endpoint) of ADDRESS although its spec is unchanged."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


_KUBE_META = "gitops_sm.kube"


def kube_options(func: F) -> F:
    """Options of every command that reads the operators' CRs (cluster CR state).

    They are taken off the command's arguments here and handed to :func:`_settings` through the
    click context, so commands keep their own signatures."""

    @functools.wraps(func)
    def wrapper(*args: Any, kube_context: str | None, kubeconfig: str | None, no_cluster: bool,
                cluster_namespaces: str | None, **kwargs: Any) -> Any:
        from gitops_sm import kube

        namespaces = tuple(n.strip() for n in (cluster_namespaces or "").split(",") if n.strip())
        click.get_current_context().meta[_KUBE_META] = (
            kube.KubeSettings(context=kube_context, kubeconfig=kubeconfig, disabled=no_cluster), namespaces,
        )
        return func(*args, **kwargs)

    decorators = [
        click.option("--kube-context", metavar="CTX", help="Kubernetes context to read operator CRs from "
                     "(default: KUBECONFIG's current context, else the pod's service account)."),
        click.option("--kubeconfig", metavar="FILE", help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."),
        click.option("--no-cluster", is_flag=True, help="Do not read operator CRs from any cluster."),
        click.option("--cluster-namespaces", metavar="NS[,NS]",
                     help="Namespaces to read operator CRs in (default: all namespaces)."),
    ]
    command: Any = wrapper
    for decorator in reversed(decorators):
        command = decorator(command)
    return cast(F, command)


def _kube_settings() -> tuple[kube.KubeSettings, tuple[str, ...]]:
    ctx = click.get_current_context(silent=True)
    found = ctx.meta.get(_KUBE_META) if ctx is not None else None
    if found is not None:
        return cast("tuple[kube.KubeSettings, tuple[str, ...]]", found)
    from gitops_sm import kube

    return kube.KubeSettings(), ()


def _cluster(settings: app.Settings) -> kube.Cluster | kube.NoCluster:
    """Find the cluster once per command; without one, say so once (stderr) and go on."""
    from gitops_sm import app, kube

    found = app.connect_cluster(settings)
    if isinstance(found, kube.NoCluster) and not settings.kube.disabled:
        _stderr().print(f"note: {found.message}", markup=False, highlight=False)
    return found


class _LazySandbox:
    """The in-process simulator, started the first time a client asks for its URL."""

    def __init__(self, state_file: Path) -> None:
        self._state_file = state_file
        self._server: Any = None
        self._lock = threading.Lock()

    def url(self) -> str:
        with self._lock:
            if self._server is None:
                from gitops_sm import sandbox

                # One directory is one sandbox: a second run waits for the first (the state file is locked).
                self._server = sandbox.start_server(port=0, state_file=self._state_file,
                                                    lock_wait_seconds=SANDBOX_LOCK_WAIT_SECONDS)
            return str(self._server.url)

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()


@contextlib.contextmanager
def _sandbox_if(enabled: bool) -> Iterator[Callable[[], str] | None]:
    """With ``--sandbox``: check its settings now, and yield a callable that starts the in-process
    simulator (moto) on a loopback port the first time it is called and returns its URL."""
    if not enabled:
        yield None
        return
    try:
        from gitops_sm import sandbox
    except ImportError as exc:  # moto is an extra
        raise ConfigError("--sandbox needs the sandbox extra: pip install 'gitops-sm[sandbox]'") from exc
    sandbox.timing_from_env()  # a bad GITOPS_SM_SANDBOX_* value is refused before anything runs
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ[key] = value
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    state = os.environ.get(SANDBOX_STATE_ENV)
    lazy = _LazySandbox(Path(state) if state else Path(".gitops-sm-sandbox.state"))
    try:
        yield lazy.url
    finally:
        lazy.stop()


def _settings(
    *, sandbox_url: Callable[[], str] | None, region: str | None, profile: str | None, retry_mode: str,
    max_attempts: int, prune: bool = False, prune_threshold: int = DEFAULT_PRUNE_THRESHOLD,
    allow_mass_prune: bool = False, adopt: tuple[str, ...] = (), retry_failed: tuple[str, ...] = (),
) -> app.Settings:
    from gitops_sm import app

    return app.Settings(
        region=region or (app.SANDBOX_REGION if sandbox_url else None),
        profile=None if sandbox_url else profile,
        retry_mode="adaptive" if retry_mode == "adaptive" else "standard",
        max_attempts=max_attempts,
        endpoint_url=sandbox_url,
        prune=prune,
        prune_threshold=prune_threshold,
        allow_mass_prune=allow_mass_prune,
        adopt=frozenset(adopt),
        kube=_kube_settings()[0],
        cluster_namespaces=_kube_settings()[1],
        allowed_endpoint_urls=_allowed_endpoints(),
        retry_failed=frozenset(retry_failed),
    )


def _allowed_endpoints() -> frozenset[str]:
    """The operator's extra endpoint URLs specs may name: ``gitops-sm --allow-endpoint-url URL …`` and
    ``GITOPS_SM_ALLOWED_ENDPOINT_URLS`` (never the specs)."""
    ctx = click.get_current_context(silent=True)
    flags = tuple(ctx.find_root().params.get("allow_endpoint_url") or ()) if ctx else ()
    return operator_endpoints((*flags, os.environ.get(ALLOWED_ENDPOINTS_ENV, "")))


def _fail(exc: GitopsSmError) -> None:
    from rich.markup import escape

    from gitops_sm.redaction import scrub_text

    _stderr().print(f"[bold red]Error:[/] {escape(scrub_text(str(exc)))}", markup=True)
    sys.exit(EXIT_ERROR)


def _interrupted() -> None:
    click.echo("\nInterrupted.", err=True)
    sys.exit(EXIT_INTERRUPTED)


class _Group(click.Group):
    """The top-level group: our errors as one line (exit 1), usage errors exit 1 (2 means "changes
    pending" with --detailed-exitcode), Ctrl-C exits 130."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise _UsageError(exc.format_message(), ctx=exc.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError:
            raise
        except click.UsageError as exc:
            raise _UsageError(exc.format_message(), ctx=exc.ctx) from None
        except GitopsSmError as exc:
            _fail(exc)
        except (KeyboardInterrupt, click.Abort):
            _interrupted()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-sm")
@click.option("--allow-endpoint-url", multiple=True, metavar="URL",
              help="An endpoint URL specs may name in spec.sageMakerEndpoint besides https AWS endpoints "
                   f"(repeatable; also {ALLOWED_ENDPOINTS_ENV}, comma-separated).")
def main(allow_endpoint_url: tuple[str, ...]) -> None:
    """GitOps for Amazon SageMaker: plan and apply jobs, endpoints and autoscaling from manifests in git."""


@main.command(short_help="Check every manifest offline.")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-color", is_flag=True)
def validate(path: Path, output: str, no_color: bool) -> None:
    """Load and validate the specs under PATH offline (no AWS, no cluster)."""
    from gitops_sm import app
    from gitops_sm.plan import render

    result = app.validate(spec_root=path, allowed_endpoint_urls=_allowed_endpoints())
    if output == "json":
        click.echo(render.render_validation_json(result))
    else:
        console = _stdout(no_color)
        render.render_validation_text(result, console=console, color=not no_color)
    sys.exit(EXIT_ERROR if result.issues else EXIT_OK)


def _emit_plan(the_plan: Plan, *, output: str, out: Path | None, no_color: bool, verbose: bool) -> None:
    from gitops_sm.plan import render

    if out is not None:
        _write_private(out, render.render_plan_json(the_plan) + "\n")
    if output == "json":
        click.echo(render.render_plan_json(the_plan, redacted=True))
    elif output == "markdown":
        click.echo(render.render_plan_markdown(the_plan))
    else:
        render.render_plan_text(the_plan, console=_stdout(no_color), color=not no_color, verbose=verbose)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600): the exact plan holds every secret."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            os.fchmod(stream.fileno(), 0o600)  # an existing file keeps its mode otherwise
            stream.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write the plan file {path}: {exc.strerror or exc}") from exc


def _plan_exit(the_plan: Plan, *, detailed: bool) -> int:
    from gitops_sm import app

    if the_plan.has_errors:
        return EXIT_ERROR
    if detailed and app.pending(the_plan):  # a wait is a change still to come
        return EXIT_CHANGES
    return EXIT_OK


@main.command("plan", short_help="Show what apply would change.")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the exact plan JSON to FILE for `apply FILE` (unredacted: keep it like your specs).")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when nothing changes, 2 when changes are pending, 1 on error.")
@click.option("--verbose", "-v", is_flag=True, help="Show no-op resources, steps with their requests, skipped documents.")
@click.option("--no-color", is_flag=True)
@kube_options
@aws_options
@plan_options
def plan_command(path: Path, output: str, out: Path | None, detailed_exitcode: bool, verbose: bool, no_color: bool,
                 sandbox: bool, region: str | None, profile: str | None, retry_mode: str, max_attempts: int,
                 prune: bool, prune_threshold: int, allow_mass_prune: bool, adopt: tuple[str, ...],
                 retry_failed: tuple[str, ...]) -> None:
    """Show what apply would do to make SageMaker match the specs under PATH."""
    from gitops_sm import app

    with _sandbox_if(sandbox) as url:
        settings = _settings(sandbox_url=url, region=region, profile=profile, retry_mode=retry_mode,
                             max_attempts=max_attempts, prune=prune, prune_threshold=prune_threshold,
                             allow_mass_prune=allow_mass_prune, adopt=adopt, retry_failed=retry_failed)
        outcome = app.plan_pass(spec_root=path, settings=settings, clients=app.make_clients(settings),
                                cluster=_cluster(settings))
    _emit_plan(outcome.plan, output=output, out=out, no_color=no_color, verbose=verbose)
    sys.exit(_plan_exit(outcome.plan, detailed=detailed_exitcode))


def _confirm_apply(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ConfigError("refusing to apply without --auto-approve: standard input is not a terminal to ask on")
    answer = click.prompt("Apply these changes? Only 'yes' is accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise ConfigError("apply cancelled; nothing was changed")


class _Progress:
    """Prints one line per finished step (plain) so CI logs show what apply did, in order."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __call__(self, event: ExecEvent) -> None:
        from gitops_sm.execute import ExecEventKind

        if event.kind is ExecEventKind.STEP_FINISHED and event.result is not None:
            r = event.result
            mark = {"done": "ok", "already-done": "ok (already done)", "failed": "FAILED"}.get(r.status.value, r.status.value)
            line = f"  {event.address}: {r.call} {r.target} ({r.region}) ... {mark}"
            if r.error_code:
                line += f": {r.error_code}: {r.error_message}"
            self.console.print(line, markup=False, highlight=False)
        elif event.kind is ExecEventKind.CHANGE_FINISHED and event.change is not None:
            change = event.change
            if change.outcome.value == "skipped":
                self.console.print(f"  {event.address}: skipped: {change.error_message}", markup=False, highlight=False)


def _report_apply(result: ApplyResult, console: Console) -> None:
    applied = sum(1 for c in result.changes if c.outcome.value == "applied")
    console.print(
        f"Apply complete: {applied} applied, {len(result.failed)} failed, {len(result.skipped)} skipped "
        f"({result.mutating_calls} API calls).",
        markup=False, highlight=False,
    )
    for change in result.failed:
        console.print(f"  failed: {change.address}: {change.error_code}: {change.error_message}", markup=False,
                      highlight=False)


class _WaitView:
    """What ``apply --wait`` shows: a header per pass before its API calls, one line per state
    change (with the time since the wait first saw the resource), and on a terminal a live list of
    what is still waiting, each with its elapsed time."""

    def __init__(self, console: Console, *, started: float) -> None:
        self.console = console
        self.started = started
        self.live: Any = None
        self.tracker: Tracker | None = None
        self.waiting: tuple[Any, ...] = ()
        self.errors_shown: set[tuple[str, str]] = set()
        self.current_header = ""
        if console.is_terminal:
            from rich.live import Live

            self.live = Live(self, console=console, refresh_per_second=4, transient=True)

    def __enter__(self) -> _WaitView:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def __rich__(self) -> Any:
        from rich.text import Text

        from gitops_sm.plan.convergence import format_seconds

        now = time.monotonic()
        lines = [f"Waiting for {len(self.waiting)} resource{'s' if len(self.waiting) != 1 else ''} "
                 f"({format_seconds(now - self.started)} so far):"] if self.waiting else ["Observing…"]
        for res in self.waiting:
            since = self.tracker.elapsed(res.address, now=now) if self.tracker else 0.0
            lines.append(f"  {res.address}: {res.status} ({format_seconds(since)})")
        return Text("\n".join(lines), style="dim")

    def line(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def pass_started(self, attempt: int, elapsed: float) -> None:
        from gitops_sm.plan.convergence import format_seconds

        self.current_header = f"[pass {attempt} +{format_seconds(elapsed)}]"

    def planned(self, wait_pass: app.WaitPass, *, applying: bool) -> None:
        from gitops_sm.plan import render
        from gitops_sm.plan.convergence import WaitState, format_seconds

        for change in wait_pass.transitions:
            after = change.after
            took = f" after {format_seconds(change.elapsed)}" if change.before is not None else ""
            if change.before is None:
                if after.state is WaitState.WAITING:
                    self.line(f"  waiting for {after.address}: {after.status}")
                continue
            if after.state is WaitState.ERROR:
                continue  # shown with the other errors below
            message = f": {after.message}" if after.state is WaitState.FAILED and after.message else ""
            self.line(f"  {after.address}: {change.before.status} → {after.status}{took}{message}")
        for res in wait_pass.verdict.errors:
            if (res.address, res.message) not in self.errors_shown:
                self.errors_shown.add((res.address, res.message))
                self.line(f"  error: {res.address}: {res.message}")
        if applying:
            self.line(f"{self.current_header} {render.plan_summary_line(wait_pass.outcome.plan)}")
        self.waiting = wait_pass.verdict.waiting

    def applied(self, result: ApplyResult) -> None:
        _report_apply(result, self.console)

    def pausing(self, seconds: float, wait_pass: app.WaitPass, tracker: Tracker) -> None:
        self.tracker = tracker
        self.waiting = wait_pass.verdict.waiting


def _finish_wait(outcome: app.WaitOutcome, console: Console, *, timeout: float) -> bool:
    """Print how the wait ended; True when it converged."""
    from gitops_sm.app import WaitEnd
    from gitops_sm.plan.convergence import format_seconds

    verdict = outcome.last.verdict
    took = format_seconds(outcome.elapsed)
    passes = f"{outcome.last.attempt} pass{'es' if outcome.last.attempt != 1 else ''}"

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    if outcome.end is WaitEnd.CONVERGED:
        healthy = len(verdict.resources) - len(verdict.errors)
        resources = f"{healthy} resource{'s' if healthy != 1 else ''} healthy"
        if not verdict.errors:
            say(f"Converged after {passes} in {took}: {resources}.")
            return True
        # Nothing is left to wait for, but an error is not convergence: name each one (exit 1).
        say(f"Settled after {passes} in {took} with {len(verdict.errors)} in error ({resources}):")
        for res in verdict.errors:
            say(f"  {res.address}: {res.message or res.status}")
        return False
    if outcome.end is WaitEnd.FAILED:
        say(f"Failed after {passes} in {took}: {len(verdict.failed)} resource{'s' if len(verdict.failed) != 1 else ''}"
            " ended in a state the spec does not ask for:")
        for res in verdict.failed:
            say(f"  {res.address}: {res.label}")
    elif outcome.end is WaitEnd.APPLY_FAILED:
        say(f"Stopped waiting after {passes} in {took}: an API call failed (see above).")
    else:
        say(f"Timed out after {took} (--timeout {format_seconds(timeout)}) waiting for "
            f"{len(verdict.waiting)} resource{'s' if len(verdict.waiting) != 1 else ''}:")
        for res in verdict.waiting:
            say(f"  {res.address}: {res.label} (for {format_seconds(outcome.waited.get(res.address, 0.0))})")
    if verdict.waiting and outcome.end is not WaitEnd.TIMED_OUT:
        say("Still in progress: " + ", ".join(f"{r.address} ({r.status})" for r in verdict.waiting))
    return False


@main.command("apply", short_help="Make SageMaker match the specs or a saved plan.")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--auto-approve", is_flag=True,
              help="Do not ask for confirmation (a plan file from plan --out is the approval: never asked).")
@click.option("--wait", "wait_", is_flag=True,
              help="Repeat observe→plan→apply until every resource is healthy; exit 1 if one fails or on --timeout.")
@click.option("--timeout", default="30m", show_default=True, callback=_duration,
              help="How long --wait may take: seconds or 90s, 45m, 2h.")
@click.option("--poll", default="15s", show_default=True, callback=_duration,
              help="Longest pause between --wait passes (it polls every second while things change).")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--verbose", "-v", is_flag=True, help="Show no-op resources, steps with their requests, skipped documents.")
@click.option("--no-color", is_flag=True)
@kube_options
@aws_options
@plan_options
def apply_command(target: Path, auto_approve: bool, wait_: bool, timeout: float, poll: float, output: str,
                  verbose: bool, no_color: bool, sandbox: bool, region: str | None, profile: str | None,
                  retry_mode: str, max_attempts: int, prune: bool, prune_threshold: int, allow_mass_prune: bool,
                  adopt: tuple[str, ...], retry_failed: tuple[str, ...]) -> None:
    """Make SageMaker match TARGET: a spec directory (plans first) or a plan file from `plan --out`."""
    from gitops_sm import app
    from gitops_sm.plan import render

    console = _stdout(no_color) if output == "text" else _stderr()
    result = None
    with _sandbox_if(sandbox) as url:
        settings = _settings(sandbox_url=url, region=region, profile=profile, retry_mode=retry_mode,
                             max_attempts=max_attempts, prune=prune, prune_threshold=prune_threshold,
                             allow_mass_prune=allow_mass_prune, adopt=adopt, retry_failed=retry_failed)
        clients = app.make_clients(settings)
        progress = _Progress(console)
        if target.is_file() and target.suffix == ".json":
            saved = app.read_plan_file(target)
            # Runs the fresh plan, which check_fresh proved equal to the saved one, step for step.
            the_plan = app.check_fresh(saved=saved, plan_file=target, settings=settings, clients=clients).plan
            allow_errors = False  # a saved plan is the approval; an errored one is refused
        else:
            the_plan = app.plan_pass(spec_root=target, settings=settings, clients=clients,
                                     cluster=_cluster(settings)).plan
            allow_errors = True
        if output == "text":
            render.render_plan_text(the_plan, console=console, color=not no_color, verbose=verbose)
        if not the_plan.has_changes and not wait_:
            if output == "json":
                click.echo(json.dumps({"plan": json.loads(render.render_plan_json(the_plan, redacted=True)),
                                       "apply": None}, indent=2))
            sys.exit(EXIT_ERROR if the_plan.has_errors else EXIT_OK)
        if the_plan.has_changes:
            if not (target.is_file() and target.suffix == ".json"):
                _confirm_apply(auto_approve)
            result = app.apply_plan(the_plan=the_plan, clients=clients, on_event=progress, allow_errors=allow_errors)
            _report_apply(result, console)
        converged = True
        if wait_ and (result is None or result.ok):
            started = time.monotonic()
            with _WaitView(console, started=started) as view:
                waited = app.wait_until_converged(
                    spec_root=Path(the_plan.source.path), settings=settings, clients=clients,
                    timeout_seconds=timeout, poll_seconds=poll, observer=view, on_event=progress,
                )
            converged = _finish_wait(waited, console, timeout=timeout)
    if output == "json":
        click.echo(json.dumps({"plan": json.loads(render.render_plan_json(the_plan, redacted=True)),
                               "apply": result.to_dict() if result is not None else None}, indent=2))
    failed = (result is not None and not result.ok) or the_plan.has_errors or not converged
    sys.exit(EXIT_ERROR if failed else EXIT_OK)


@main.command("status", short_help="Show what SageMaker runs for each spec.")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default=None,
              help="Default: a table on a terminal, JSON otherwise.")
@click.option("--no-color", is_flag=True)
@kube_options
@aws_options
def status_command(path: Path, output: str | None, no_color: bool, sandbox: bool, region: str | None,
                   profile: str | None, retry_mode: str, max_attempts: int) -> None:
    """Show each resource's SageMaker name, status, secondary status and results.

    Exits 1 when a spec failed to load, AWS could not be read, or a resource is degraded."""
    from gitops_sm import app
    from gitops_sm.plan import render_status_json, render_status_text

    with _sandbox_if(sandbox) as url:
        settings = _settings(sandbox_url=url, region=region, profile=profile, retry_mode=retry_mode,
                             max_attempts=max_attempts)
        loaded, report = app.status_pass(spec_root=path, settings=settings, clients=app.make_clients(settings),
                                         cluster=_cluster(settings))
    console = _stdout(no_color)
    if output == "json" or (output is None and not console.is_terminal):
        click.echo(render_status_json(report))
    else:
        render_status_text(report, console=console, color=not no_color)
    sys.exit(EXIT_ERROR if loaded.issues or report.has_errors else EXIT_OK)


# --since wants a unit (a bare number could be an ISO basic date); the units are parse_duration's.
_DURATION = re.compile(r"^(\d+)([smhd])$")


def _since_ms(value: str | None, *, now: float) -> int | None:
    if not value:
        return None
    match = _DURATION.match(value.strip())
    if match:
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        return int((now - seconds) * 1000)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"--since {value!r}: give a duration like 10m, 2h, 1d or an ISO time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@main.command("logs", short_help="Print a job's CloudWatch Logs.")
@click.argument("address")
@click.option("--specs", "spec_root", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Spec root that defines ADDRESS.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until the job ends.")
@click.option("--tail", type=click.IntRange(1), default=None, help="Only the last N lines.")
@click.option("--since", default=None, help="Only lines newer than this (10m, 2h, 1d or an ISO time).")
@click.option("--best", is_flag=True, help="For a tuning job: only the best training job's log.")
@click.option("--poll", type=click.FloatRange(0.1), default=5.0, show_default=True,
              help="Seconds between reads with --follow.")
@aws_options
def logs_command(address: str, spec_root: Path, follow: bool, tail: int | None, since: str | None, best: bool,
                 poll: float, sandbox: bool, region: str | None, profile: str | None, retry_mode: str,
                 max_attempts: int) -> None:
    """Print the CloudWatch Logs of the job at ADDRESS (Kind/namespace/name)."""
    from gitops_sm import app

    res = app.find_resource(spec_root=spec_root, address=address, allowed_endpoint_urls=_allowed_endpoints())
    since_ms = _since_ms(since, now=time.time())
    with _sandbox_if(sandbox) as url:
        settings = _settings(sandbox_url=url, region=region, profile=profile, retry_mode=retry_mode,
                             max_attempts=max_attempts)
        log_group, prefix, events, finished = app.job_log_events(
            res=res, settings=settings, clients=app.make_clients(settings), follow=follow, tail=tail,
            since_ms=since_ms, best=best, poll_seconds=poll,
        )
        _stderr().print(f"{log_group} {prefix}*", markup=False, highlight=False)
        count = 0
        for event in events:
            stamp = datetime.fromtimestamp(event.timestamp / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            click.echo(f"{stamp[:-4]}Z {event.stream} {event.message}")
            count += 1
        if count == 0:
            why = "the job ended without writing any" if finished() else "the job may not have started writing yet"
            _stderr().print(f"no log events ({why})", markup=False)


@main.command("migrate", short_help="Move operator-managed resources into git.")
@click.option("--from-cluster", "from_cluster", is_flag=True,
              help="Migrate the operator CRs of the configured cluster (the only source there is).")
@click.option("--namespace", "namespaces", multiple=True, metavar="NS",
              help="Only CRs in NS (repeatable; default: --cluster-namespaces, else all namespaces).")
@click.option("--to", "to", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Spec root to write the manifests under (<namespace>/<Kind>-<name>.yaml).")
@click.option("--dry-run", is_flag=True, help="Print exactly what would be done; change nothing.")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True)
@kube_options
@aws_options
def migrate_command(from_cluster: bool, namespaces: tuple[str, ...], to: Path, dry_run: bool, output: str,
                    sandbox: bool, region: str | None, profile: str | None, retry_mode: str, max_attempts: int) -> None:
    """Move resources the original SageMaker operator or ACK manages into specs under --to and under
    gitops-sm's tags, without recreating or interrupting anything: per CR, write its manifest, add the
    ownership tags, then remove the v1 finalizer (ACK: deletion-policy retain) and delete the CR.
    A CR whose manifest would not plan as a no-op is refused and left alone. Safe to rerun."""
    from gitops_sm import app

    if not from_cluster:
        raise ConfigError("migrate needs --from-cluster (the only source of resources to migrate)")
    with _sandbox_if(sandbox) as url:
        settings = _settings(sandbox_url=url, region=region, profile=profile, retry_mode=retry_mode,
                             max_attempts=max_attempts)
        console = _stdout(True) if output == "text" else _stderr()

        def echo(line: str) -> None:
            console.print(line, markup=False, highlight=False)

        report = app.migrate(to=to, settings=settings, clients=app.make_clients(settings),
                             cluster=app.connect_cluster(settings), namespaces=namespaces, dry_run=dry_run, echo=echo)
    counts: dict[str, int] = {}
    for item in report.items:
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    if output == "json":
        click.echo(json.dumps({"dry_run": report.dry_run, "cluster": report.source,
                               "items": [i.to_dict() for i in report.items]}, indent=2))
    else:
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no operator CRs found"
        echo(f"Migrate{' (dry run)' if dry_run else ''} from {report.source}: {summary}.")
    sys.exit(EXIT_OK if report.ok else EXIT_ERROR)


@main.group("sandbox", short_help="Run the embedded SageMaker simulator.")
def sandbox_group() -> None:
    """The embedded SageMaker simulator (moto with SageMaker's missing behaviour added)."""


@sandbox_group.command("serve", short_help="Serve the simulator on a loopback port.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=4566, show_default=True)
@click.option("--state-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Keep the simulator's state in FILE across restarts.")
def sandbox_serve(host: str, port: int, state_file: Path | None) -> None:
    """Run the simulator on a loopback port; point clients at it with AWS_ENDPOINT_URL."""
    try:
        from gitops_sm import sandbox
    except ImportError as exc:
        raise ConfigError("the sandbox needs the sandbox extra: pip install 'gitops-sm[sandbox]'") from exc
    sandbox.timing_from_env()
    sandbox.serve(host=host, port=port, state_file=state_file)


# --------------------------------------------------------------------------- reconcile (the CronJob pass)


def _git_token(token_file: Path | None) -> str | None:
    """The git token: ``--git-token-file`` (a mounted secret), else ``GIT_TOKEN`` / ``GITOPS_SM_GIT_TOKEN``."""
    if token_file is not None:
        try:
            return token_file.read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(f"--git-token-file {token_file}: cannot read it ({exc.strerror})") from exc
    return os.environ.get("GIT_TOKEN") or os.environ.get("GITOPS_SM_GIT_TOKEN") or None


class _PassPrinter:
    """Prints reconcile's events: JSON lines (one object per line) or a rich view on a terminal."""

    def __init__(self, *, json_lines: bool, secrets: tuple[str, ...], console: Console) -> None:
        self.json_lines = json_lines
        self.secrets = secrets
        self.console = console

    def __call__(self, event: Any) -> None:
        from gitops_sm.gitrepo import redact
        from gitops_sm.plan import render

        if self.json_lines:
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            line = json.dumps({"time": stamp, **event.to_dict()}, ensure_ascii=False, default=str)
            click.echo(redact(line, self.secrets))
            return
        if event.event == "plan" and event.plan is not None:  # the plan as `plan` shows it
            render.render_plan_text(event.plan, console=self.console, color=True)
            return
        if event.event == "change" and event.outcome == "planned":
            return  # shown in the plan above
        style = {"error": "bold red", "warning": "yellow"}.get(event.level.value, "")
        text = redact(event.message, self.secrets)
        prefix = {"error": "x ", "warning": "! "}.get(event.level.value, "  ")
        self.console.print(f"{prefix}{text}", style=style or None, markup=False, highlight=False)


@main.command("reconcile", short_help="One CronJob pass: clone, plan, apply, commit status, push.")
@click.option("--repo", envvar="GITOPS_SM_REPO", required=True,
              help="Git URL (https, ssh) or local path of the spec repository.")
@click.option("--branch", envvar="GITOPS_SM_BRANCH", default="main", show_default=True, help="Spec branch.")
@click.option("--path", "spec_path", envvar="GITOPS_SM_PATH", default="", help="Only the specs under this folder (a shard).")
@click.option("--status-branch", envvar="GITOPS_SM_STATUS_BRANCH", default=None,
              help="Commit status files to this orphan branch instead of the spec branch.")
@click.option("--dry-run", is_flag=True, help="Plan and show status changes; apply, commit and push nothing.")
@click.option("--git-token-file", type=click.Path(path_type=Path, dir_okay=False), envvar="GIT_TOKEN_FILE",
              help="File holding the git token (else the GIT_TOKEN environment variable).")
@click.option("--git-username", envvar="GIT_USERNAME", default="x-access-token", show_default=True,
              help="User name sent with the token over HTTPS.")
@click.option("--ssh-key-file", type=click.Path(path_type=Path, dir_okay=False), envvar="GIT_SSH_KEY_FILE",
              help="SSH private key for ssh:// or git@ URLs.")
@click.option("--known-hosts-file", type=click.Path(path_type=Path, dir_okay=False), envvar="GIT_SSH_KNOWN_HOSTS",
              help="known_hosts for --ssh-key-file (host keys are then checked strictly).")
@click.option("--committer-name", envvar="GITOPS_SM_COMMITTER_NAME", default="gitops-sm", show_default=True)
@click.option("--committer-email", envvar="GITOPS_SM_COMMITTER_EMAIL", default="gitops-sm@localhost", show_default=True)
@click.option("--push-attempts", type=click.IntRange(1, 20), default=5, show_default=True,
              help="Pushes tried (fetch + rebase between them) before giving up.")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), envvar="GITOPS_SM_WORKDIR",
              help="Where the clone goes (default: the system temp folder).")
@click.option("--no-ledger", is_flag=True, help="Ignore the status files' ledger (read everything from AWS).")
@click.option("--lease-namespace", envvar="GITOPS_SM_LEASE_NAMESPACE", default=None,
              help="Namespace of the Lease (default: the context's or the pod's namespace).")
@click.option("--lease-seconds", type=click.IntRange(15, 3600), default=120, show_default=True,
              help="Lease duration; the pass renews it every third of that while it applies.")
@click.option("--output", "-o", type=click.Choice(["auto", "json", "text"]), default="auto", show_default=True,
              help="auto: JSON lines when stdout is not a terminal, a rich view when it is.")
@aws_options
@plan_options
@kube_options
def reconcile_command(repo: str, branch: str, spec_path: str, status_branch: str | None, dry_run: bool,
                      git_token_file: Path | None, git_username: str, ssh_key_file: Path | None,
                      known_hosts_file: Path | None, committer_name: str, committer_email: str, push_attempts: int,
                      workdir: Path | None, no_ledger: bool, lease_namespace: str | None, lease_seconds: int,
                      output: str,
                      sandbox: bool, region: str | None,
                      profile: str | None, retry_mode: str, max_attempts: int, prune: bool, prune_threshold: int,
                      allow_mass_prune: bool, adopt: tuple[str, ...], retry_failed: tuple[str, ...]) -> None:
    """One CronJob pass: clone REPO, plan, apply, commit status files back, push."""
    from gitops_sm import app, gitrepo, reconcile

    token = _git_token(git_token_file)
    auth = gitrepo.GitAuth(token=token, username=git_username, ssh_key_file=ssh_key_file,
                           known_hosts_file=known_hosts_file)
    console = _stdout(False)
    printer = _PassPrinter(json_lines=output == "json" or (output == "auto" and not console.is_terminal),
                           secrets=auth.secrets, console=console)
    identity = gitrepo.Identity(name=committer_name, email=committer_email)
    try:
        with _sandbox_if(sandbox) as url:
            if sandbox:
                repo = _sandbox_repo(repo=repo, branch=branch, identity=identity, printer=printer)
            options = reconcile.ReconcileOptions(
                repo=repo, branch=branch, path=spec_path, status_branch=status_branch, dry_run=dry_run,
                push_attempts=push_attempts, identity=identity, auth=auth, workdir=workdir, use_ledger=not no_ledger,
            )
            settings = _settings(sandbox_url=url, region=region, profile=profile, retry_mode=retry_mode,
                                 max_attempts=max_attempts, prune=prune, prune_threshold=prune_threshold,
                                 allow_mass_prune=allow_mass_prune, adopt=adopt, retry_failed=retry_failed)
            if sandbox and not settings.kube.context:
                # The sandbox never takes a Lease in whatever cluster the kubeconfig points at, unless asked.
                settings = dataclasses.replace(settings, kube=dataclasses.replace(settings.kube, disabled=True))
            cluster = app.connect_cluster(settings)
            lock = reconcile.pass_lock(cluster=cluster, options=options, namespace=lease_namespace,
                                       duration_seconds=lease_seconds, emit=printer)
            result = reconcile.run(options=options, settings=settings, clients=app.make_clients(settings),
                                   emit=printer, lock=lock, cluster=cluster)
    except GitopsSmError as exc:
        printer(reconcile.PassEvent(event="pass-finished", level=reconcile.Level.ERROR, outcome="error",
                                    message=f"{type(exc).__name__}: {exc}", fields={"exit_code": EXIT_ERROR}))
        sys.exit(EXIT_ERROR)
    sys.exit(result.exit_code)


def _sandbox_repo(*, repo: str, branch: str, identity: Any, printer: _PassPrinter) -> str:
    """``--sandbox`` with a spec folder that is not a git repository: reconcile a sandbox copy of it."""
    from gitops_sm import gitrepo, reconcile

    path = Path(repo)
    if "://" in repo or not path.is_dir() or gitrepo.repository_top(path=path) is not None:
        return repo
    state = os.environ.get(SANDBOX_STATE_ENV)
    bare = (Path(state).parent if state else Path(".")) / ".gitops-sm-sandbox.git"
    gitrepo.seed_from_directory(source=path.resolve(), bare=bare.resolve(), branch=branch, identity=identity)
    printer(reconcile.PassEvent(
        event="sandbox",
        message=f"{repo} is not a git repository: reconciling a copy of it in {bare} "
        f"(see its status commits with: git --git-dir {bare} log)",
    ))
    return str(bare.resolve())
