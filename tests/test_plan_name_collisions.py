"""Two specs that claim one AWS name: each is an error naming the others, nothing else is touched.

The planner's collision check (``planner._name_collisions``) keeps the first owner of every
(region, type, name) a spec creates or manages and builds owner lists only for names claimed twice;
these tests pin what it reports, with literals.
"""

from __future__ import annotations

from dataclasses import replace

from literals import REGION, hosting_deployment, load, training_job

from gitops_sm.model import Action, DesiredResource, ObservedResource, ObservedState, ObservedType
from gitops_sm.plan import PlanOptions, plan

OPTIONS = PlanOptions(default_region=REGION)
OTHER_REGION = "eu-west-1"


def _changes(*resources: DesiredResource) -> dict[str, tuple[tuple[Action, ...], str]]:
    # Nothing exists yet, and every type was listed in both regions: only a collision can be an error.
    listed = frozenset((region, t.value) for region in (REGION, OTHER_REGION) for t in ObservedType)
    the_plan = plan(load=load(*resources), observed=ObservedState(listed=listed), options=OPTIONS)
    return {c.address: (c.actions, c.reason) for c in the_plan.resource_changes}


def test_two_specs_naming_one_job_are_both_errors_and_a_third_spec_still_plans() -> None:
    first = training_job("a", explicit="shared-job", namespace="team-a", line=3)
    second = training_job("a", explicit="shared-job", namespace="team-b", line=7)
    other = training_job("b")

    changes = _changes(first, second, other)

    assert changes["TrainingJob/team-a/a"] == (
        (Action.ERROR,),
        f"the TrainingJob 'shared-job' in {REGION} is also claimed by TrainingJob/team-b/a (jobs/a.yaml:7); "
        "give each spec its own name",
    )
    assert changes["TrainingJob/team-b/a"][0] == (Action.ERROR,)
    assert "also claimed by TrainingJob/team-a/a (jobs/a.yaml:3)" in changes["TrainingJob/team-b/a"][1]
    assert changes["TrainingJob/default/b"][0] == (Action.CREATE,)


def test_every_owner_of_a_name_claimed_three_times_names_the_other_two() -> None:
    specs = [training_job("a", explicit="shared-job", namespace=ns) for ns in ("n1", "n2", "n3")]

    changes = _changes(*specs)

    for spec in specs:
        actions, reason = changes[str(spec.address)]
        assert actions == (Action.ERROR,)
        others = [str(s.address) for s in specs if s is not spec]
        assert all(address in reason for address in others), reason
        assert str(spec.address) not in reason.split("claimed by", 1)[1]


def test_one_spec_claiming_a_name_twice_is_not_a_collision() -> None:
    # Two variants of one endpoint may run the same model: one owner, claimed under two roles.
    web = hosting_deployment("web", models=("m1", "m2"))
    shared = web.names["model:m1"]
    web = replace(web, names={**web.names, "model:m2": shared})

    actions, reason = _changes(web)["HostingDeployment/default/web"]

    assert Action.ERROR not in actions, reason


def test_a_second_owner_claiming_a_name_twice_is_named_once() -> None:
    first = hosting_deployment("web")
    second = hosting_deployment("api", models=("m1", "m2"))
    taken = first.names["model:m1"]
    second = replace(second, names={**second.names, "model:m1": taken, "model:m2": taken})

    changes = _changes(first, second)

    _, reason = changes["HostingDeployment/default/web"]
    assert reason == (f"the Model {taken!r} in {REGION} is also claimed by HostingDeployment/default/api "
                      "(hosting/api.yaml:1); give each spec its own name")
    assert changes["HostingDeployment/default/api"][0] == (Action.ERROR,)


def test_the_same_name_in_another_region_or_of_another_type_is_no_collision() -> None:
    here = training_job("a", explicit="same-name", namespace="n1")
    elsewhere = replace(training_job("a", explicit="same-name", namespace="n2"), region=OTHER_REGION)
    endpoint = hosting_deployment("same-name")  # an endpoint, not a training job, of that name

    changes = _changes(here, elsewhere, endpoint)

    assert all(Action.ERROR not in actions for actions, _ in changes.values()), changes


def test_an_observed_type_member_keys_as_its_value() -> None:
    # ObservedState and the planner's index key by the ObservedType member, while callers (status
    # files, listed pairs, older code) may key by its string value: both must find the same entry.
    job = ObservedResource(type=ObservedType.TRAINING_JOB, region=REGION, name="j", status="Completed")
    state = ObservedState(resources=(job,), listed=frozenset({(REGION, "TrainingJob")}))

    assert state.get(REGION, ObservedType.TRAINING_JOB, "j") is job
    assert state.was_listed(REGION, ObservedType.TRAINING_JOB)
    assert {job.key: job}[(REGION, ObservedType.TRAINING_JOB.value, "j")] is job
    assert not state.was_listed(REGION, ObservedType.PROCESSING_JOB)
