"""Generated job names hash the address too, and names made by the earlier rule carry over (issue 7 item 5).

Before: the name hashed only the request, so an identical spec in another namespace, or a spec
moved to another namespace, wanted the SageMaker name the first address's tags own (a conflict
forever: job names are never reusable). Now each address has its own name. A job created under
the earlier rule's name (``<name>-<8 hex of the spec hash>``) is kept: no second run.
"""

from __future__ import annotations

from pathlib import Path

from gitops_sm.model import Action, DesiredResource
from gitops_sm.naming import hashed_name
from gitops_sm.plan import PlanOptions, plan
from gitops_sm.specs import load_specs
from tests.literals import REGION, load, observed, observed_job, our_tags
from tests.manifests import valid_training_job

OPTS = PlanOptions(default_region=REGION)


def _jobs(tmp_path: Path, *namespaces: str) -> list[DesiredResource]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for ns in namespaces:
        (tmp_path / f"{ns}.yaml").write_text(valid_training_job("train", namespace=ns))
    loaded = load_specs(tmp_path)
    assert loaded.issues == ()
    return sorted(loaded.resources, key=lambda r: r.address.namespace)


def test_identical_specs_in_two_namespaces_get_two_names_and_both_are_created(tmp_path: Path) -> None:
    a, b = _jobs(tmp_path, "team-a", "team-b")

    assert a.spec_hash == b.spec_hash and a.names["job"] != b.names["job"]
    the_plan = plan(load=load(a, b), observed=observed(), options=OPTS)

    assert [c.actions for c in the_plan.resource_changes] == [(Action.CREATE,), (Action.CREATE,)]
    assert not the_plan.has_errors


def test_moving_a_spec_to_another_namespace_creates_its_job_instead_of_conflicting(tmp_path: Path) -> None:
    old = _jobs(tmp_path / "before", "team-a")[0]
    new = _jobs(tmp_path / "after", "team-b")[0]
    running = observed_job(old.names["job"], "InProgress", tags=our_tags(str(old.address), old.spec_hash))

    changes = plan(load=load(new), observed=observed(running), options=PlanOptions(
        default_region=REGION, prune=True)).resource_changes

    by_address = {c.address: c for c in changes}
    assert by_address[str(new.address)].actions == (Action.CREATE,)
    assert [s.call for s in by_address[str(new.address)].steps] == ["CreateTrainingJob"]
    assert by_address[str(old.address)].actions == (Action.STOP,)  # the old one, by --prune


def test_a_job_named_by_the_earlier_rule_carries_over(tmp_path: Path) -> None:
    (res,) = _jobs(tmp_path, "team-a")
    legacy = hashed_name("train", digest=res.spec_hash, max_length=63)
    assert res.previous_names == (legacy,) and res.names["job"] != legacy

    for job in (
        observed_job(legacy, "InProgress", tags=our_tags(str(res.address), res.spec_hash)),
        observed_job(legacy, "Completed", tags=None),  # finished: observe reads no tags
    ):
        (change,) = plan(load=load(res), observed=observed(job), options=OPTS).resource_changes
        assert change.actions == (Action.NOOP,), change.reason
        assert legacy in change.reason and change.names == {"job": legacy}  # named as SageMaker names it


def test_a_legacy_named_job_of_another_address_does_not_carry_over(tmp_path: Path) -> None:
    (res,) = _jobs(tmp_path, "team-a")
    legacy = res.previous_names[0]
    foreign = observed_job(legacy, "InProgress", tags=our_tags("TrainingJob/team-b/train", res.spec_hash))

    (change,) = plan(load=load(res), observed=observed(foreign), options=OPTS).resource_changes

    assert change.actions == (Action.CREATE,)
