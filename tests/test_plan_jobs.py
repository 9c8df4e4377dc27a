"""Planning jobs with literals: create, no-op, replace (+stop), explicit-name errors, conflicts, adoption."""

from __future__ import annotations

from dataclasses import replace

from gitops_sm import kinds
from gitops_sm.model import DEFINITION, Action, Issue, SourceLocation
from gitops_sm.plan import PlanOptions, plan
from tests.literals import REGION, load, observed, observed_job, our_tags, training_job

OPTS = PlanOptions(default_region=REGION)


def only_change(p):  # type: ignore[no-untyped-def]
    assert len(p.resource_changes) == 1, p.resource_changes
    return p.resource_changes[0]


def test_absent_job_is_created_with_its_exact_request() -> None:
    job = training_job()
    change = only_change(plan(load=load(job), observed=observed(), options=OPTS))
    assert change.actions == (Action.CREATE,)
    assert [(s.call, s.target, s.region) for s in change.steps] == [("CreateTrainingJob", "xgb-aaaaaaaa", REGION)]
    assert change.steps[0].params == job.requests[0].params
    assert change.address == "TrainingJob/default/xgb"
    assert str(change.source) == "jobs/xgb.yaml:1"


def test_job_with_our_tags_and_same_hash_is_a_noop_whatever_its_status() -> None:
    job = training_job()
    for status in ("InProgress", "Completed", "Failed"):
        obs = observed(observed_job("xgb-aaaaaaaa", status, tags=our_tags(str(job.address), job.spec_hash)))
        change = only_change(plan(load=load(job), observed=obs, options=OPTS))
        assert change.actions == (Action.NOOP,), status
        assert status in change.reason
        assert change.steps == ()


def test_changed_spec_replaces_and_stops_the_running_old_job() -> None:
    job = training_job(spec_hash="bbbbbbbb00000000")
    old = observed_job("xgb-aaaaaaaa", "InProgress", tags=our_tags(str(job.address), "aaaaaaaa11111111"))
    p = plan(load=load(job), observed=observed(old), options=OPTS)
    change = only_change(p)
    assert change.actions == (Action.REPLACE,)
    assert [(s.call, s.target) for s in change.steps] == [
        ("CreateTrainingJob", "xgb-bbbbbbbb"),
        ("StopTrainingJob", "xgb-aaaaaaaa"),
    ]
    assert change.steps[1].params == {"TrainingJobName": "xgb-aaaaaaaa"}
    assert change.before is not None and change.before["name"] == "xgb-aaaaaaaa"
    assert "xgb-aaaaaaaa" in change.reason and "stopped" in change.reason


def test_changed_spec_keeps_completed_old_job_as_history() -> None:
    job = training_job(spec_hash="bbbbbbbb00000000")
    old = observed_job("xgb-aaaaaaaa", "Completed", tags=None)  # terminal: tags never read
    change = only_change(plan(load=load(job), observed=observed(old), options=OPTS))
    assert change.actions == (Action.REPLACE,)
    assert [s.call for s in change.steps] == ["CreateTrainingJob"]


def test_running_job_of_another_address_with_same_prefix_is_not_stopped() -> None:
    job = training_job(spec_hash="bbbbbbbb00000000")
    other = observed_job("xgb-aaaaaaaa", "InProgress", tags=our_tags("TrainingJob/other/xgb", "aaaaaaaa11111111"))
    change = only_change(plan(load=load(job), observed=observed(other), options=OPTS))
    assert change.actions == (Action.CREATE,)
    assert [s.call for s in change.steps] == ["CreateTrainingJob"]


def test_no_stop_when_any_spec_failed_to_load() -> None:
    job = training_job(spec_hash="bbbbbbbb00000000")
    old = observed_job("xgb-aaaaaaaa", "InProgress", tags=our_tags(str(job.address), "aaaaaaaa11111111"))
    bad = Issue(source=SourceLocation(path="broken.yaml", line=3), address=None, path="", message="bad YAML")
    p = plan(load=load(job, issues=(bad,)), observed=observed(old), options=OPTS)
    change = only_change(p)
    assert [s.call for s in change.steps] == ["CreateTrainingJob"]
    assert "NOT stopped" in change.reason
    assert p.has_errors and p.errors[0] == bad


def test_prune_false_annotation_protects_the_old_running_job() -> None:
    job = training_job(spec_hash="bbbbbbbb00000000", annotations={kinds.ANNOTATION_PRUNE: "false"})
    old = observed_job("xgb-aaaaaaaa", "InProgress", tags=our_tags(str(job.address), "aaaaaaaa11111111"))
    change = only_change(plan(load=load(job), observed=observed(old), options=OPTS))
    assert [s.call for s in change.steps] == ["CreateTrainingJob"]


def test_explicit_name_with_changed_spec_is_an_error_asking_to_rename() -> None:
    job = training_job(explicit="nightly-xgb", spec_hash="bbbbbbbb00000000")
    obs = observed(observed_job("nightly-xgb", "Completed", tags=our_tags(str(job.address), "aaaaaaaa11111111")))
    p = plan(load=load(job), observed=obs, options=OPTS)
    change = only_change(p)
    assert change.actions == (Action.ERROR,)
    assert "spec.trainingJobName" in change.reason and "new" in change.reason
    assert change.steps == ()
    assert p.has_errors and p.errors[0].address == "TrainingJob/default/xgb"


def test_same_named_job_we_do_not_own_is_a_conflict() -> None:
    job = training_job(explicit="nightly-xgb")
    obs = observed(observed_job("nightly-xgb", "Completed", tags={"team": "search"}))
    change = only_change(plan(load=load(job), observed=obs, options=OPTS))
    assert change.actions == (Action.ERROR,)
    assert "not managed by gitops-sm" in change.reason
    assert change.steps == ()


def test_adoption_adds_only_our_tags() -> None:
    job = training_job(explicit="nightly-xgb", annotations={kinds.ANNOTATION_ADOPT: "true"})
    found = observed_job("nightly-xgb", "Completed", tags={"team": "search"})
    live = {k: v for k, v in job.requests[0].params.items() if k != "Tags"}  # what it runs is the spec
    obs = observed(replace(found, details={DEFINITION: live}))
    change = only_change(plan(load=load(job), observed=obs, options=OPTS))
    assert change.actions == (Action.UPDATE,)
    (step,) = change.steps
    assert step.call == "AddTags"
    assert step.params["ResourceArn"].endswith("training-job/nightly-xgb")
    assert {t["Key"] for t in step.params["Tags"]} == {kinds.TAG_MANAGED_BY, kinds.TAG_ADDRESS, kinds.TAG_SPEC_HASH}


def test_unreadable_listing_is_an_error_not_a_create() -> None:
    job = training_job()
    change = only_change(plan(load=load(job), observed=observed(listed_all=False), options=OPTS))
    assert change.actions == (Action.ERROR,)
    assert "could not be read" in change.reason


def test_invalid_specs_are_errors_while_valid_specs_are_still_planned() -> None:
    bad = Issue(source=SourceLocation(path="jobs/bad.yaml", line=7), address="TrainingJob/default/bad",
                path="spec.resourceConfig.instanceCount", message="expected an integer")
    p = plan(load=load(training_job("a"), training_job("b", spec_hash="dddddddd44444444"), issues=(bad,)),
             observed=observed(), options=OPTS)
    assert [c.address for c in p.resource_changes] == ["TrainingJob/default/a", "TrainingJob/default/b"]
    assert all(c.actions == (Action.CREATE,) for c in p.resource_changes)
    assert p.errors == (bad,)
    assert p.summary["create"] == 2


def test_planning_is_deterministic_and_round_trips_through_json() -> None:
    from gitops_sm.model import Plan

    job = training_job(spec_hash="bbbbbbbb00000000")
    old = observed_job("xgb-aaaaaaaa", "InProgress", tags=our_tags(str(job.address), "aaaaaaaa11111111"))
    first = plan(load=load(job, training_job("z")), observed=observed(old), options=OPTS)
    second = plan(load=load(training_job("z"), job), observed=observed(old), options=OPTS)
    assert first.to_dict() == second.to_dict()
    assert Plan.from_dict(first.to_dict()).to_dict() == first.to_dict()


def test_observed_digest_ignores_resources_the_plan_did_not_consult() -> None:
    job = training_job()
    unrelated_running = observed_job("someone-else", "InProgress", tags=None)
    unrelated_done = observed_job("someone-else", "Completed", tags=None)
    a = plan(load=load(job), observed=observed(unrelated_running), options=OPTS)
    b = plan(load=load(job), observed=observed(unrelated_done), options=OPTS)
    assert a.observed_digest == b.observed_digest
    ours_running = observed(observed_job("xgb-aaaaaaaa", "InProgress", tags=our_tags(str(job.address), job.spec_hash)))
    ours_done = observed(observed_job("xgb-aaaaaaaa", "Completed", tags=our_tags(str(job.address), job.spec_hash)))
    assert plan(load=load(job), observed=ours_running, options=OPTS).observed_digest != plan(
        load=load(job), observed=ours_done, options=OPTS).observed_digest


def test_two_addresses_claiming_one_job_name_are_both_errors() -> None:
    a = training_job("xgb", namespace="team-a")
    b = training_job("xgb", namespace="team-b")  # same metadata.name and spec: same generated name
    p = plan(load=load(a, b), observed=observed(), options=OPTS)
    assert [c.actions for c in p.resource_changes] == [(Action.ERROR,), (Action.ERROR,)]
    assert "TrainingJob/team-b/xgb" in p.resource_changes[0].reason
    assert "TrainingJob/team-a/xgb" in p.resource_changes[1].reason
    assert all(not c.steps for c in p.resource_changes)


def test_reverted_spec_stops_the_running_job_of_the_reverted_version() -> None:
    job = training_job(spec_hash="aaaaaaaa11111111")
    current = observed_job("xgb-aaaaaaaa", "Completed", tags=our_tags(str(job.address), job.spec_hash))
    reverted = observed_job("xgb-bbbbbbbb", "InProgress", tags=our_tags(str(job.address), "bbbbbbbb00000000"))
    change = only_change(plan(load=load(job), observed=observed(current, reverted), options=OPTS))
    assert change.actions == (Action.STOP,)
    assert [(s.call, s.target) for s in change.steps] == [("StopTrainingJob", "xgb-bbbbbbbb")]
