"""Prune safety with literals: only with --prune, never when a spec failed, threshold, protection tag."""

from __future__ import annotations

from gitops_sm import kinds
from gitops_sm.model import Action, Issue, SourceLocation
from gitops_sm.plan import PlanOptions, plan
from tests.literals import REGION, load, observed, observed_job, our_tags, training_job

ORPHAN = observed_job("gone-aaaaaaaa", "InProgress", tags=our_tags("TrainingJob/default/gone", "a" * 16))


def test_without_prune_orphans_are_left_alone() -> None:
    p = plan(load=load(training_job()), observed=observed(ORPHAN), options=PlanOptions(default_region=REGION))
    assert [c.address for c in p.resource_changes] == ["TrainingJob/default/xgb"]


def test_prune_stops_our_running_job_whose_spec_left_git() -> None:
    p = plan(load=load(training_job()), observed=observed(ORPHAN),
             options=PlanOptions(default_region=REGION, prune=True))
    stop = next(c for c in p.resource_changes if c.address == "TrainingJob/default/gone")
    assert stop.actions == (Action.STOP,)
    assert [(s.call, s.params) for s in stop.steps] == [("StopTrainingJob", {"TrainingJobName": "gone-aaaaaaaa"})]


def test_prune_never_touches_foreign_completed_or_protected_jobs() -> None:
    foreign = observed_job("theirs", "InProgress", tags={"team": "x"})
    done = observed_job("old-aaaaaaaa", "Completed", tags=our_tags("TrainingJob/default/old", "a" * 16))
    protected = observed_job("keep-aaaaaaaa", "InProgress",
                             tags=our_tags("TrainingJob/default/keep", "a" * 16, **{kinds.TAG_PRUNE: "false"}))
    p = plan(load=load(), observed=observed(foreign, done, protected),
             options=PlanOptions(default_region=REGION, prune=True))
    assert p.resource_changes == ()


def test_prune_plans_nothing_destructive_when_a_spec_failed_to_load() -> None:
    bad = Issue(source=SourceLocation(path="x.yaml", line=1), address=None, path="", message="bad")
    p = plan(load=load(issues=(bad,)), observed=observed(ORPHAN), options=PlanOptions(default_region=REGION, prune=True))
    assert all(not c.steps for c in p.resource_changes)
    assert "failed to load" in p.resource_changes[0].reason


def test_mass_prune_over_the_threshold_is_an_error_until_allowed() -> None:
    orphans = [observed_job(f"gone{i}-aaaaaaaa", "InProgress", tags=our_tags(f"TrainingJob/default/gone{i}", "a" * 16))
               for i in range(3)]
    p = plan(load=load(), observed=observed(*orphans), options=PlanOptions(default_region=REGION, prune=True, prune_threshold=2))
    assert all(c.actions == (Action.ERROR,) for c in p.resource_changes) and len(p.resource_changes) == 3
    assert "threshold" in p.resource_changes[0].reason and p.has_errors
    allowed = plan(load=load(), observed=observed(*orphans),
                   options=PlanOptions(default_region=REGION, prune=True, prune_threshold=2, allow_mass_prune=True))
    assert [c.actions for c in allowed.resource_changes] == [(Action.STOP,)] * 3
