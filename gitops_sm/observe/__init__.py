"""Read-only observation of SageMaker and Application Auto Scaling for one pass (design §4, §10).

The app layer calls :func:`observe` with the desired resources and a
:class:`gitops_sm.awsclients.ClientFactory`; the pure planner consumes the returned
:class:`gitops_sm.model.ObservedState`. ``observe`` never writes to AWS.

What a pass reads, per region (and per ``spec.sageMakerEndpoint`` override), with the default
``reads=Reads.DECISIONS`` (plan, apply, reconcile: only what a planning decision depends on):

* jobs: one paginated ``List<Kind>s`` per job kind present in the specs (every kind with
  ``include_unlisted_owned``) → name, status, times of every job. For a desired job that the List
  shows finished: nothing more when its name is generated (the name embeds the spec hash, and
  nothing can be done to a finished job) or the :class:`Ledger` records it as terminal for the
  same spec hash; only ``ListTags`` when its name is explicit (the spec-hash tag tells a no-op
  from "the spec changed under an explicit name") — for training jobs not even that when a
  ``Search`` of our training jobs (100 records a page, issued only when it costs fewer calls than
  those ``ListTags``) returns a record proving the job is this spec's (``observe._search``);
  processing, transform and tuning jobs are not searched. ``Describe<Kind>`` + ``ListTags`` for desired
  jobs still running, and ``ListTags`` for running jobs whose name has the generated-name prefix
  of a desired job (the previous job a replace must stop) — or of every running job with
  ``include_unlisted_owned``. Finished jobs that are not desired are history and cost nothing.
* hosting (when the specs hold any hosting or autoscaling resource): ``ListEndpoints``,
  ``ListEndpointConfigs``, ``ListModels`` in full, then ``DescribeEndpoint`` of each desired
  endpoint — unless a ``Search`` of our endpoints (issued when cheaper than those Describes) has a
  record proving it settled as its List summary shows. A settled one (``InService`` on the config
  its spec asks for) costs nothing more; for
  any other, its tags and ``DescribeEndpointConfig`` + tags of its current config. Desired
  models/configs are described and tagged unless they are a settled endpoint's content-addressed
  ones; configs/models named ``<desired endpoint>-…`` that no spec wants (leftovers of earlier
  rollouts) get only their tags read. With ``include_unlisted_owned`` every endpoint is described
  and the tags of every endpoint, config and model are read (prune; one or two calls each).
* autoscaling: ``DescribeScalableTargets`` and ``DescribeScalingPolicies`` for the whole
  ``sagemaker`` namespace; ``ListTagsForResource`` for targets no spec declares that sit on a
  desired endpoint (a dropped resource ID), for declared targets whose endpoint was described in
  this pass (not reused from the ledger nor proven settled by its Search record: an untagged target
  of an older gitops-sm gets tagged then) and, with ``include_unlisted_owned`` (prune), for every
  undeclared target.

``reads=Reads.REPORT`` (``status``) also describes and tags finished desired jobs and settled
endpoints' objects, for the failure reasons, outputs and conflicts the report shows; a job listed
under one of a spec's ``previous_names`` (the name an earlier naming rule gave it) is read as a
desired job then.

Adoption candidates (``adopt`` addresses and specs annotated ``gitops-sm.io/adopt: "true"``) always
get their tags read, and, when not ours, one Describe whose members the spec's request sets are kept
as ``details["Definition"]`` for the planner to compare (see ``_sagemaker``). Passes without
candidates read exactly as described above.

Tags skipped this way are ``None`` on the observed resource. Before a plan is final the app calls
:func:`verify_ownership`: every existing object a step of the plan would modify gets its tags read
then, and the app plans again, so no mutation ever rests on unread tags.

A ledger that also implements :class:`RecordedState` removes the hosting Describe/ListTags calls
for endpoints, configs and models whose List summary (``volatile["ListSummary"]``) is unchanged
since it recorded them; a steady-state pass then costs only the List/Describe*-all pages
(measured with ``bench/bench_observe.py``: 24 calls for 800 training jobs, 100 processing jobs and
50 autoscaled endpoints; without a ledger, 83: those pages, 9 ``Search`` pages and 50 ``ListTags`` of
the explicit-name processing jobs).
``Search`` is never issued in ``Reads.REPORT`` passes, with ``include_unlisted_owned`` (prune), or
for what the ledger answers.

Types listed in full are in ``ObservedState.listed``: a name missing there does not exist. A read
that fails (access denied, throttled after botocore's retries, unreachable endpoint) becomes an
``Issue`` in ``ObservedState.errors`` naming the affected addresses; only missing credentials and
an unreachable endpoint for the default region abort the pass, with one
:class:`gitops_sm.errors.ObservationError`. Every call is counted by
``clients.counter`` (:class:`gitops_sm.awsclients.CallCounter`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import JOB_KINDS, Kind
from gitops_sm.model import DesiredResource, ObservedState, ObservedType
from gitops_sm.observe._autoscaling import observe_autoscaling
from gitops_sm.observe._describe import describe_job, job_by_name
from gitops_sm.observe._ledger import FROM_LEDGER, LIST_SUMMARY, Ledger, RecordedState
from gitops_sm.observe._ownership import verify_ownership
from gitops_sm.observe._reader import Reader, Reads, Scope
from gitops_sm.observe._sagemaker import (
    HostingWants,
    JobWants,
    WantedJob,
    observe_hosting,
    observe_jobs,
    request_members,
)
from gitops_sm.observe._search import SEARCH_RECORD

__all__ = ["FROM_LEDGER", "LIST_SUMMARY", "Ledger", "Reads", "RecordedState", "describe_job", "job_by_name", "observe", "verify_ownership"]

_HOSTING_KINDS = frozenset({Kind.HOSTING_DEPLOYMENT, Kind.ENDPOINT, Kind.ENDPOINT_CONFIG, Kind.MODEL})


@dataclass(kw_only=True)
class _ScopeWants:
    jobs: dict[Kind, JobWants] = field(default_factory=dict)
    hosting: HostingWants = field(default_factory=HostingWants)


def observe(
    *,
    desired: Sequence[DesiredResource],
    clients: ClientFactory,
    default_region: str,
    include_unlisted_owned: bool = False,
    ledger: Ledger | None = None,
    reads: Reads = Reads.DECISIONS,
    adopt: frozenset[str] = frozenset(),
) -> ObservedState:
    """Read what the planner needs about ``desired`` (and, for prune, everything we own).

    ``adopt``: addresses ``--adopt`` names; with those annotated ``gitops-sm.io/adopt: "true"`` they
    are the adoption candidates whose live definition is read when it is not ours (``_sagemaker``)."""
    scopes: dict[Scope, _ScopeWants] = {}
    autoscaling: dict[str, set[str]] = {}  # region -> addresses that depend on it
    declared: dict[str, set[str]] = {}  # region -> resource IDs desired autoscaling specs declare
    endpoints: dict[str, set[str]] = {}  # region -> desired endpoint names

    # (scope, kind, a name an earlier naming rule gave) -> the specs it was given to (plan.health.spec_job)
    previous_names: dict[tuple[Scope, Kind, str], list[WantedJob]] = {}

    for resource in desired:
        region = resource.region or default_region
        scope = Scope(region=region, endpoint_url=resource.endpoint_url)
        wants = scopes.setdefault(scope, _ScopeWants())
        address = str(resource.address)
        adoptable = resource.adoptable(adopt)
        if resource.kind.is_job:
            job_name = resource.names.get("job")
            if job_name:
                job_wants = wants.jobs.setdefault(resource.kind, JobWants())
                job_wants.add(
                    WantedJob(
                        address=address,
                        name=job_name,
                        spec_hash=resource.spec_hash,
                        generated=not resource.explicit_name,
                        compare=request_members(resource) if adoptable and resource.requests else (),
                    )
                )
                for previous in resource.previous_names:
                    previous_names.setdefault((scope, resource.kind, previous), []).append(
                        WantedJob(address=address, name=previous, spec_hash=resource.spec_hash, generated=True)
                    )
        elif resource.kind in _HOSTING_KINDS or resource.kind.scales_endpoints:
            wants.hosting.add(resource, adoptable=adoptable)
            autoscaling.setdefault(region, set()).add(address)
            for role, name in resource.names.items():
                if role.startswith("target:"):
                    declared.setdefault(region, set()).add(role[len("target:") :])
                elif role == "endpoint":
                    endpoints.setdefault(region, set()).add(name)

    for (scope, kind, _name), claimants in previous_names.items():
        if reads is Reads.REPORT:
            # The job an earlier naming rule named may be this spec's job: the report shows its
            # failure reason and outputs, and its tags prove whose it is.
            for claimant in claimants:
                scopes[scope].jobs[kind].add(claimant)
        elif len({claimant.address for claimant in claimants}) > 1:
            # That rule hashed the spec only, so identical specs in two namespaces shared one name:
            # only the job's tags can say whose it is (a finished job with unread tags counts as the
            # spec's own), so they are read, as under an explicit name.
            for claimant in claimants:
                scopes[scope].jobs[kind].add(replace(claimant, generated=False))

    if include_unlisted_owned:
        regions = {scope.region for scope in scopes} | {default_region}
        for region in regions:
            wants = scopes.setdefault(Scope(region=region), _ScopeWants())
            for kind in JOB_KINDS:
                wants.jobs.setdefault(kind, JobWants())
            autoscaling.setdefault(region, set())

    reader = Reader(
        clients=clients,
        recorded_state=ledger if isinstance(ledger, RecordedState) else None,
        default_region=default_region,
    )
    for scope in sorted(scopes, key=lambda s: (s.region, s.endpoint_url or "")):
        wants = scopes[scope]
        for kind in sorted(wants.jobs, key=lambda k: k.value):
            observe_jobs(
                reader,
                scope=scope,
                info=JOB_KINDS[kind],
                wants=wants.jobs[kind],
                read_all_running_tags=include_unlisted_owned,
                ledger=ledger,
                reads=reads,
            )
        if wants.hosting or (include_unlisted_owned and scope.endpoint_url is None):
            observe_hosting(
                reader, scope=scope, wants=wants.hosting, read_all_tags=include_unlisted_owned, reads=reads
            )
    for region in sorted(autoscaling):
        described = {  # endpoints described in this pass (not reused from the ledger, not proven by Search)
            r.name for r in reader.resources.values()
            if r.type is ObservedType.ENDPOINT and r.region == region
            and not r.volatile.get(FROM_LEDGER) and not r.volatile.get(SEARCH_RECORD)
        }
        observe_autoscaling(
            reader,
            region=region,
            addresses=autoscaling[region],
            declared=declared.get(region, set()),
            endpoints=endpoints.get(region, set()),
            described=described,
            read_all_tags=include_unlisted_owned,
        )

    return ObservedState(
        resources=tuple(reader.resources[key] for key in sorted(reader.resources)),
        listed=frozenset(reader.listed),
        errors=tuple(reader.issues),
    )
