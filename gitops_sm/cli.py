"""The ``gitops-sm`` command line: click commands, output format choice and exit codes.

Entry point of the console script. Commands parse options into ``app.Settings``, call ``app``
for the pass and a renderer for the output, and map the outcome to an exit code:
0 ok / no changes, 1 error, 2 changes pending (with ``--detailed-exitcode``). Every
``GitopsSmError`` becomes a one-line message on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from gitops_sm import __version__, app
from gitops_sm.errors import ConfigError, GitopsSmError
from gitops_sm.model import Plan
from gitops_sm.plan import render
from gitops_sm.plan.planner import DEFAULT_PRUNE_THRESHOLD

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2

SANDBOX_STATE_ENV = "GITOPS_SM_SANDBOX_STATE"


def _stdout(no_color: bool) -> Console:
    return Console(no_color=no_color or bool(os.environ.get("NO_COLOR")), highlight=False, soft_wrap=True)


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def aws_options(func: F) -> F:
    """Options shared by every command that reads SageMaker."""
    decorators = [
        click.option("--sandbox", is_flag=True, help="Run against the embedded SageMaker simulator (no AWS account)."),
        click.option("--region", envvar="GITOPS_SM_REGION", help="Default AWS region (else AWS_REGION / profile)."),
        click.option("--profile", envvar="AWS_PROFILE", help="AWS profile to use."),
        click.option(
            "--retry-mode",
            type=click.Choice(["standard", "adaptive"]),
            default="standard",
            show_default=True,
            help="botocore retry mode.",
        ),
        click.option("--max-attempts", type=click.IntRange(1, 20), default=5, show_default=True),
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
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@contextlib.contextmanager
def _sandbox_if(enabled: bool) -> Iterator[str | None]:
    """Start the in-process simulator (moto) on a loopback port and yield its URL."""
    if not enabled:
        yield None
        return
    try:
        from gitops_sm import sandbox
    except ImportError as exc:  # moto is an extra
        raise ConfigError("--sandbox needs the sandbox extra: pip install 'gitops-sm[sandbox]'") from exc
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ[key] = value
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    state = os.environ.get(SANDBOX_STATE_ENV)
    state_file = Path(state) if state else Path(".gitops-sm-sandbox.state")
    with sandbox.start_server(port=0, state_file=state_file) as server:
        yield str(server.url)


def _settings(
    *, sandbox_url: str | None, region: str | None, profile: str | None, retry_mode: str, max_attempts: int,
    prune: bool = False, prune_threshold: int = DEFAULT_PRUNE_THRESHOLD, allow_mass_prune: bool = False,
    adopt: tuple[str, ...] = (),
) -> app.Settings:
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
    )


def _fail(exc: GitopsSmError) -> None:
    _stderr().print(f"[bold red]Error:[/] {exc}", markup=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GitopsSmError as exc:
            _fail(exc)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-sm")
def main() -> None:
    """GitOps for Amazon SageMaker: plan and apply jobs, endpoints and autoscaling from manifests in git."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-color", is_flag=True)
def validate(path: Path, output: str, no_color: bool) -> None:
    """Load and validate the specs under PATH offline (no AWS, no cluster)."""
    result = app.validate(spec_root=path)
    if output == "json":
        click.echo(render.render_validation_json(result))
    else:
        console = _stdout(no_color)
        render.render_validation_text(result, console=console, color=not no_color)
    sys.exit(EXIT_ERROR if result.issues else EXIT_OK)


def _emit_plan(the_plan: Plan, *, output: str, out: Path | None, no_color: bool, verbose: bool) -> None:
    if out is not None:
        out.write_text(render.render_plan_json(the_plan) + "\n", encoding="utf-8")
    if output == "json":
        click.echo(render.render_plan_json(the_plan))
    elif output == "markdown":
        click.echo(render.render_plan_markdown(the_plan))
    else:
        render.render_plan_text(the_plan, console=_stdout(no_color), color=not no_color, verbose=verbose)


def _plan_exit(the_plan: Plan, *, detailed: bool) -> int:
    if the_plan.has_errors:
        return EXIT_ERROR
    if detailed and the_plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


@main.command("plan")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the plan JSON to FILE (for apply).")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when nothing changes, 2 when changes are pending, 1 on error.")
@click.option("--verbose", "-v", is_flag=True, help="Show no-op resources, steps and skipped documents.")
@click.option("--no-color", is_flag=True)
@aws_options
@plan_options
def plan_command(path: Path, output: str, out: Path | None, detailed_exitcode: bool, verbose: bool, no_color: bool,
                 sandbox: bool, region: str | None, profile: str | None, retry_mode: str, max_attempts: int,
                 prune: bool, prune_threshold: int, allow_mass_prune: bool, adopt: tuple[str, ...]) -> None:
    """Show what apply would do to make SageMaker match the specs under PATH."""
    with _sandbox_if(sandbox) as url:
        settings = _settings(sandbox_url=url, region=region, profile=profile, retry_mode=retry_mode,
                             max_attempts=max_attempts, prune=prune, prune_threshold=prune_threshold,
                             allow_mass_prune=allow_mass_prune, adopt=adopt)
        outcome = app.plan_pass(spec_root=path, settings=settings, clients=app.make_clients(settings))
    _emit_plan(outcome.plan, output=output, out=out, no_color=no_color, verbose=verbose)
    sys.exit(_plan_exit(outcome.plan, detailed=detailed_exitcode))
