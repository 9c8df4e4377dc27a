"""A read that failed (throttled, denied) marks its resource and is reported at its spec (issue 7 item 8).

Before: a job listed fine whose tags or describe were throttled was planned as a no-op, and the
error printed as ``<unknown>: …``. Now the resource is an error located at its spec's file:line,
and the summary says how many AWS reads failed and for which resources.
"""

from __future__ import annotations

import io

from rich.console import Console

from gitops_sm.model import READ_FAILURE_PREFIX, Action, Issue
from gitops_sm.plan import PlanOptions, plan
from gitops_sm.plan.render import plan_summary_line, render_plan_text
from tests.literals import REGION, load, observed, observed_job, our_tags, training_job

OPTS = PlanOptions(default_region=REGION)


def _throttled(address: str, name: str) -> Issue:
    return Issue(source=None, address=address, path="",
                 message=f"{READ_FAILURE_PREFIX}ListTags on {name} failed: ThrottlingException: Rate exceeded")


def test_a_listed_job_whose_tags_were_throttled_is_an_error_not_a_noop() -> None:
    job = training_job("xgb", line=7)
    name = job.names["job"]
    obs = observed(observed_job(name, "InProgress", tags=None), errors=(_throttled(str(job.address), name),))

    the_plan = plan(load=load(job), observed=obs, options=OPTS)

    (change,) = the_plan.resource_changes
    assert change.actions == (Action.ERROR,)
    assert "ThrottlingException" in change.reason
    located = [i.format() for i in the_plan.errors]
    assert any(line.startswith(f"{job.source}: {job.address}: ") for line in located), located
    assert not any(line.startswith("<unknown>") for line in located)


def test_the_summary_says_how_many_reads_failed_and_which() -> None:
    a, b = training_job("a", line=1), training_job("b", line=20)
    errors = (_throttled(str(a.address), a.names["job"]),)
    obs = observed(
        observed_job(a.names["job"], "Completed", tags=our_tags(str(a.address), a.spec_hash)),
        observed_job(b.names["job"], "Completed", tags=our_tags(str(b.address), b.spec_hash)),
        errors=errors,
    )

    the_plan = plan(load=load(a, b), observed=obs, options=OPTS)

    assert [c.actions for c in the_plan.resource_changes] == [(Action.ERROR,), (Action.NOOP,)]
    assert "(1 AWS read failed: TrainingJob/default/a)" in plan_summary_line(the_plan)
    out = io.StringIO()
    render_plan_text(the_plan, console=Console(file=out, width=200), color=False)
    assert "1 AWS read failed: TrainingJob/default/a" in out.getvalue()


def test_an_observation_error_not_explained_by_a_change_still_gets_its_specs_location() -> None:
    job = training_job("xgb", line=3)
    name = job.names["job"]
    other = Issue(source=None, address=str(job.address), path="",
                  message=f"{READ_FAILURE_PREFIX}DescribeTrainingJob on {name} failed: ThrottlingException: slow down")
    obs = observed(
        observed_job(name, "InProgress", tags=our_tags(str(job.address), job.spec_hash)),
        errors=(_throttled(str(job.address), name), other),
    )

    the_plan = plan(load=load(job), observed=obs, options=OPTS)

    assert all(i.source == job.source for i in the_plan.errors if i.address == str(job.address))
