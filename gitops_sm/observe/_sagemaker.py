"""Reading SageMaker jobs, endpoints, endpoint configs and models for one observation pass.

Called by :func:`gitops_sm.observe.observe` once per (region, endpoint URL) scope. Every read goes
through :class:`gitops_sm.observe._reader.Reader`; what is read is the minimum the planner needs
(design section 10): one paginated List per type, then Describe/ListTags only for names that are
desired, running candidates for a replace/stop, or (with ``include_unlisted_owned``) prune
candidates.

``details`` / ``volatile`` keys use the AWS member names (``FailureReason``, ``EndpointConfigName``,
``ProductionVariants``, …) plus ``OutputLocation`` for a job's output and ``Ledger`` when a job's
describe was skipped because the ledger records it as terminal for its spec hash.

Adoption candidates (a spec annotated ``gitops-sm.io/adopt: "true"`` or named by ``--adopt``) are
read so that adopting never rests on what was not read: their tags always, and when those show the
object is not ours, its Describe (one call; the one a running job or a model/config gets anyway is
reused) with the members the spec's create request sets kept under ``details["Definition"]`` for
the planner to compare. A candidate endpoint is never skipped as settled before its tags say it is
ours. Nothing changes for a pass without candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gitops_sm.kinds import (
    ENDPOINT_IN_SERVICE,
    RUNNING_JOB_STATUSES,
    SAGEMAKER,
    TERMINAL_JOB_STATUSES,
    JobKindInfo,
    Kind,
)
from gitops_sm.model import DEFINITION, JOB_OBSERVED_TYPES, DesiredResource, ObservedResource, ObservedType
from gitops_sm.naming import generated_prefix
from gitops_sm.observe._ledger import LIST_SUMMARY, Ledger
from gitops_sm.observe._reader import (
    Reader,
    ReadFailed,
    Reads,
    Scope,
    jsonable,
    pick,
    summary_fingerprint,
    tag_map,
)
from gitops_sm.observe._search import (
    SEARCH_RECORD,
    TAGS_FROM_SEARCH,
    proven_job_tags,
    search_ours,
    settled_endpoint_record,
    worth_searching,
)
from gitops_sm.ownership import is_managed

LIST_PAGE_SIZE = 100  # the maximum of every SageMaker List* call used here
TAGS_PAGE_SIZE = 50  # ListTags' maximum


@dataclass(frozen=True, kw_only=True)
class WantedJob:
    address: str
    name: str
    spec_hash: str
    generated: bool
    compare: tuple[str, ...] = ()  # an adoption candidate: the request members to keep if it is not ours


@dataclass(kw_only=True)
class JobWants:
    """The jobs of one kind that one scope's desired resources name."""

    by_name: dict[str, list[WantedJob]] = field(default_factory=dict)

    def add(self, job: WantedJob) -> None:
        self.by_name.setdefault(job.name, []).append(job)

    def addresses(self) -> list[str]:
        return [job.address for jobs in self.by_name.values() for job in jobs]

    def prefixes(self) -> dict[str, list[str]]:
        """Name prefix of each generated name → addresses (for finding the previous, running job)."""
        found: dict[str, list[str]] = {}
        for jobs in self.by_name.values():
            for job in jobs:
                prefix = generated_prefix(job.name) if job.generated else None
                if prefix:
                    found.setdefault(prefix, []).append(job.address)
        return found


@dataclass(kw_only=True)
class HostingWants:
    """The endpoints, endpoint configs and models one scope's desired resources name.

    ``configs_of`` is the endpoint config each desired endpoint should run (a HostingDeployment's
    content-addressed config, an ACK Endpoint's ``EndpointConfigName``). ``content_addressed``
    maps a HostingDeployment's config and model names to its endpoint: those objects are never
    mutated and their names embed their content, so once that endpoint is settled on the config
    the spec asks for, nothing about them can change a decision (see :func:`observe_hosting`).
    """

    endpoints: dict[str, list[str]] = field(default_factory=dict)
    endpoint_configs: dict[str, list[str]] = field(default_factory=dict)
    models: dict[str, list[str]] = field(default_factory=dict)
    addresses: set[str] = field(default_factory=set)
    configs_of: dict[str, set[str]] = field(default_factory=dict)
    content_addressed: dict[str, set[str]] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)  # config/model names an ACK/v1 resource names itself

    # Adoption candidates: an explicitly named model/config -> the request members to keep when it is
    # not ours; endpoints whose spec may adopt them (never skipped as settled before their tags are read).
    adopting: dict[str, tuple[str, ...]] = field(default_factory=dict)
    adopting_endpoints: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.addresses)

    def add(self, resource: DesiredResource, *, adoptable: bool = False) -> None:
        """Sort a hosting or autoscaling resource's ``names`` by role (design: DesiredResource.names)."""
        address = str(resource.address)
        self.addresses.add(address)
        endpoint = resource.names.get("endpoint")
        hosting = resource.kind is Kind.HOSTING_DEPLOYMENT
        if adoptable:
            if endpoint and resource.kind.creates_endpoint:
                self.adopting_endpoints.add(endpoint)
            elif resource.kind in (Kind.MODEL, Kind.ENDPOINT_CONFIG) and resource.requests:
                for role in ("model", "endpoint_config"):
                    if role in resource.names:
                        self.adopting[resource.names[role]] = request_members(resource)
        for role, name in resource.names.items():
            if role == "endpoint":
                self.endpoints.setdefault(name, []).append(address)
            elif role == "endpoint_config":
                self.endpoint_configs.setdefault(name, []).append(address)
            elif role == "model" or role.startswith("model:"):
                self.models.setdefault(name, []).append(address)
            else:
                continue
            if role != "endpoint":
                if hosting and endpoint:
                    self.content_addressed.setdefault(name, set()).add(endpoint)
                else:
                    self.explicit.add(name)
        if endpoint:
            config = resource.names.get("endpoint_config") or next(
                (
                    str(request.params["EndpointConfigName"])
                    for request in resource.requests
                    if request.operation == "CreateEndpoint" and request.params.get("EndpointConfigName")
                ),
                None,
            )
            if config:
                self.configs_of.setdefault(endpoint, set()).add(config)

    def settles(self, name: str, settled: set[str]) -> bool:
        """Whether ``name`` (a config or model) matters only to endpoints in ``settled``."""
        endpoints = self.content_addressed.get(name)
        if not endpoints or name in self.explicit:
            return False
        return endpoints <= settled


def request_members(resource: DesiredResource) -> tuple[str, ...]:
    """The members of ``resource``'s create request an adoption compares (all but its tags)."""
    return tuple(sorted(k for k in resource.requests[0].params if k != "Tags"))


# --------------------------------------------------------------------------- jobs


def observe_jobs(
    reader: Reader,
    *,
    scope: Scope,
    info: JobKindInfo,
    wants: JobWants,
    read_all_running_tags: bool,
    ledger: Ledger | None,
    reads: Reads = Reads.DECISIONS,
) -> None:
    """List every job of one kind, then describe/tag the desired ones and the running candidates."""
    type_ = JOB_OBSERVED_TYPES[info.kind]
    client = reader.client(SAGEMAKER, scope)
    try:
        summaries = reader.paginate(
            client,
            info.list_call,
            result_key=info.list_key,
            page_size=LIST_PAGE_SIZE,
            target=f"{info.noun}s in {scope.region}",
        )
    except ReadFailed as failure:
        reader.record_failure(failure, addresses=wants.addresses())
        return
    reader.listed.add((scope.region, type_.value))

    for summary in summaries:
        name = summary[info.name_member]
        reader.put(
            ObservedResource(
                type=type_,
                region=scope.region,
                name=name,
                arn=summary.get(info.arn_member),
                status=summary.get(info.status_member),
                details=pick(summary, ("CreationTime",)),
                volatile=pick(summary, ("LastModifiedTime",)),
            )
        )

    records: dict[str, Any] = {}
    if info.kind is Kind.TRAINING_JOB and reads is Reads.DECISIONS and not read_all_running_tags:
        explicit = [
            summary for summary in summaries
            if _tag_read_only(info, wants.by_name.get(summary[info.name_member]), summary, scope, ledger)
        ]
        if worth_searching(candidates=len(explicit), listed=len(summaries), list_page_size=LIST_PAGE_SIZE):
            records = search_ours(
                reader, client, resource="TrainingJob", name_key=info.name_member, region=scope.region
            )

    prefixes = wants.prefixes()
    for summary in summaries:
        name = summary[info.name_member]
        status = summary.get(info.status_member)
        wanted = wants.by_name.get(name)
        if wanted:
            _observe_wanted_job(
                reader, scope=scope, info=info, client=client, jobs=wanted, status=status, ledger=ledger,
                reads=reads, summary=summary, record=records.get(name),
            )
            continue
        if status not in RUNNING_JOB_STATUSES:
            continue  # history: finished jobs that are not desired are never read further
        prefix = generated_prefix(name)
        candidates = prefixes.get(prefix, []) if prefix else []
        if candidates or read_all_running_tags:
            read_tags(reader, client, key=(scope.region, type_.value, name), addresses=candidates)


def _tag_read_only(
    info: JobKindInfo,
    jobs: Sequence[WantedJob] | None,
    summary: Mapping[str, Any],
    scope: Scope,
    ledger: Ledger | None,
) -> bool:
    """Whether a listed job would cost exactly one ``ListTags`` in a decisions pass: desired under
    an explicit name, finished, and not recorded by the ledger."""
    if not jobs or summary.get(info.status_member) not in TERMINAL_JOB_STATUSES or all(j.generated for j in jobs):
        return False
    return _ledger_terminal(ledger, scope=scope, info=info, jobs=jobs) is None


def _ledger_terminal(
    ledger: Ledger | None, *, scope: Scope, info: JobKindInfo, jobs: Sequence[WantedJob]
) -> tuple[WantedJob, str] | None:
    """The wanted job the ledger records as terminal for its spec hash, with that status, or None.

    A name several specs want (identical specs that shared one under the earlier naming rule) is
    never settled by a ledger keyed by name and spec hash: its tags say whose job it is."""
    if ledger is None or len({job.address for job in jobs}) != 1:
        return None
    for job in jobs:
        recorded = ledger.terminal_status(region=scope.region, kind=info.kind, name=job.name, spec_hash=job.spec_hash)
        if recorded is not None:
            return job, recorded
    return None


def _observe_wanted_job(
    reader: Reader,
    *,
    scope: Scope,
    info: JobKindInfo,
    client: Any,
    jobs: Sequence[WantedJob],
    status: str | None,
    ledger: Ledger | None,
    reads: Reads,
    summary: Mapping[str, Any],
    record: Mapping[str, Any] | None = None,
) -> None:
    type_ = JOB_OBSERVED_TYPES[info.kind]
    key = (scope.region, type_.value, jobs[0].name)
    addresses = [job.address for job in jobs]
    compare = tuple(sorted({member for job in jobs for member in job.compare}))
    tags: dict[str, str] | None = None
    if status in TERMINAL_JOB_STATUSES and (hit := _ledger_terminal(ledger, scope=scope, info=info, jobs=jobs)):
        # The list says terminal and the ledger recorded this very job as ours and finished:
        # nothing about it can change any more, so it costs no call.
        job, recorded = hit
        current = reader.resources[key]
        reader.put(replace(current, details={**current.details, "Ledger": {"status": recorded, "spec_hash": job.spec_hash}}))
        return
    if status in TERMINAL_JOB_STATUSES and reads is Reads.DECISIONS:
        if all(job.generated for job in jobs) and not compare:
            # Its generated name embeds the spec hash, so the List page already proves which spec it
            # ran, and nothing can be done to a finished job: no further call.
            return
        # An explicit name proves nothing about the spec: its spec-hash tag decides between no-op
        # and "the spec changed under an explicit name". The Describe decides nothing here, except
        # for an adoption candidate that is not ours: adopting compares its definition. A Search
        # record proving this very spec's job stands in for the ListTags (observe._search).
        proven = (
            proven_job_tags(record, summary=summary, address=jobs[0].address, spec_hash=jobs[0].spec_hash)
            if len(jobs) == 1
            else None
        )
        if proven is not None:  # ours, for this address and spec hash: nothing to adopt either
            current = reader.resources[key]
            reader.put(replace(current, tags=proven, volatile={**current.volatile, TAGS_FROM_SEARCH: True}))
            return
        tags = read_tags(reader, client, key=key, addresses=addresses)
        if not compare or tags is None or is_managed(tags):
            return
    try:
        described = reader.call(
            client, info.describe_call, target=jobs[0].name, **{info.name_member: jobs[0].name}
        )
    except ReadFailed as failure:
        if failure.not_found:  # deleted between list and describe
            reader.drop(key)
        else:
            reader.record_failure(failure, addresses=addresses)
        return
    current = reader.resources[key]
    details, volatile = _job_fields(info.kind, described)
    reader.put(
        replace(
            current,
            arn=described.get(info.arn_member) or current.arn,
            status=described.get(info.status_member) or current.status,
            details={**current.details, **details},
            volatile={**current.volatile, **volatile},
        )
    )
    if tags is None:
        tags = read_tags(reader, client, key=key, addresses=addresses)
    _keep_definition(reader, key=key, described=described, members=compare, tags=tags)


def _keep_definition(
    reader: Reader, *, key: tuple[str, str, str], described: Mapping[str, Any], members: Sequence[str],
    tags: Mapping[str, str] | None,
) -> None:
    """Keep an adoption candidate's live definition (``members`` of its Describe) when it is not ours."""
    current = reader.resources.get(key)
    if not members or tags is None or is_managed(tags) or current is None:
        return
    reader.put(replace(current, details={**current.details, DEFINITION: pick(described, members)}))


def _job_fields(kind: Kind, described: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(details, volatile) of a Describe<Job> response."""
    details = pick(described, ("FailureReason", "ExitMessage", "CreationTime"))
    volatile = pick(
        described,
        (
            "SecondaryStatus",
            "LastModifiedTime",
            "TrainingStartTime",
            "TrainingEndTime",
            "TransformStartTime",
            "TransformEndTime",
            "ProcessingStartTime",
            "ProcessingEndTime",
            "HyperParameterTuningEndTime",
        ),
    )
    output: Any = None
    if kind is Kind.TRAINING_JOB:
        output = (described.get("ModelArtifacts") or {}).get("S3ModelArtifacts")
    elif kind is Kind.TRANSFORM_JOB:
        output = (described.get("TransformOutput") or {}).get("S3OutputPath")
    elif kind is Kind.PROCESSING_JOB:
        outputs = (described.get("ProcessingOutputConfig") or {}).get("Outputs") or ()
        output = [o["S3Output"]["S3Uri"] for o in outputs if "S3Output" in o] or None
    elif kind is Kind.HYPERPARAMETER_TUNING_JOB:
        # Counters and the best job move while the tuning job runs: progress, not state.
        volatile.update(pick(described, ("TrainingJobStatusCounters", "ObjectiveStatusCounters")))
        best = described.get("BestTrainingJob") or {}
        if best:
            volatile["BestTrainingJob"] = pick(
                best, ("TrainingJobName", "TrainingJobStatus", "FinalHyperParameterTuningJobObjectiveMetric")
            )
    if output:
        details["OutputLocation"] = jsonable(output)
    return details, volatile


def read_tags(
    reader: Reader, client: Any, *, key: tuple[str, str, str], addresses: Iterable[str]
) -> dict[str, str] | None:
    """ListTags of an observed resource (by its ARN); stores them on the resource."""
    current = reader.resources.get(key)
    if current is None or not current.arn:
        return None
    try:
        tags = reader.paginate(
            client,
            "ListTags",
            result_key="Tags",
            page_size=TAGS_PAGE_SIZE,
            target=current.name,
            ResourceArn=current.arn,
        )
    except ReadFailed as failure:
        if not failure.not_found:
            reader.record_failure(failure, addresses=addresses)
        return None
    found = tag_map(tags)
    current = reader.resources[key]
    volatile = {k: v for k, v in current.volatile.items() if k != TAGS_FROM_SEARCH}
    reader.put(replace(current, tags=found, volatile=volatile))
    return found


# --------------------------------------------------------------------------- hosting


def observe_hosting(
    reader: Reader, *, scope: Scope, wants: HostingWants, read_all_tags: bool, reads: Reads = Reads.DECISIONS
) -> None:
    """Endpoints, endpoint configs and models of one scope.

    Lists all three (so a missing name means absent) and describes each desired endpoint. An
    endpoint that is **settled** — ``InService`` on a config the specs ask for, no deployment
    pending — gets no further call: nothing in this pass will modify it (if one of its autoscaling
    changes does, ``verify_ownership`` reads its tags before the plan is final), and its
    HostingDeployment's content-addressed config and models are proven by their names in the List
    pages. Every other desired endpoint is tagged and its current config described and tagged;
    desired configs/models are described and tagged unless they belong only to settled endpoints;
    configs/models named ``<desired endpoint>-…`` that no spec wants (leftovers of earlier
    rollouts the planner may delete) get their tags read. With ``read_all_tags`` (prune), or
    ``reads=Reads.REPORT`` (status), nothing is skipped: every endpoint is described and tagged,
    and with ``read_all_tags`` every config and model gets its tags read.
    """
    client = reader.client(SAGEMAKER, scope)
    region = scope.region
    endpoints = _list_hosting(
        reader,
        client,
        scope=scope,
        type_=ObservedType.ENDPOINT,
        operation="ListEndpoints",
        result_key="Endpoints",
        name_key="EndpointName",
        arn_key="EndpointArn",
        status_key="EndpointStatus",
        wants=wants,
    )
    configs = _list_hosting(
        reader,
        client,
        scope=scope,
        type_=ObservedType.ENDPOINT_CONFIG,
        operation="ListEndpointConfigs",
        result_key="EndpointConfigs",
        name_key="EndpointConfigName",
        arn_key="EndpointConfigArn",
        status_key=None,
        wants=wants,
    )
    models = _list_hosting(
        reader,
        client,
        scope=scope,
        type_=ObservedType.MODEL,
        operation="ListModels",
        result_key="Models",
        name_key="ModelName",
        arn_key="ModelArn",
        status_key=None,
        wants=wants,
    )

    described_configs: set[str] = set()
    settled: set[str] = set()
    may_skip = reads is Reads.DECISIONS and not read_all_tags
    if endpoints is not None:
        names = [name for name in sorted(endpoints) if read_all_tags or name in wants.endpoints]
        recorded_of = {  # an adoption candidate is read from AWS, never from the ledger
            name: None if name in wants.adopting_endpoints else reader.reuse_recorded(
                (region, ObservedType.ENDPOINT.value, name))
            for name in names
        }
        records: dict[str, Any] = {}
        if may_skip:
            # Endpoints a Search record could prove settled: desired, not from the ledger, InService.
            candidates = [
                name for name in names
                if recorded_of[name] is None and wants.configs_of.get(name) and name not in wants.adopting_endpoints
                and reader.resources[(region, ObservedType.ENDPOINT.value, name)].status == ENDPOINT_IN_SERVICE
            ]
            if worth_searching(candidates=len(candidates), listed=len(endpoints), list_page_size=LIST_PAGE_SIZE):
                records = search_ours(reader, client, resource="Endpoint", name_key="EndpointName", region=region)
        for name in names:
            addresses = wants.endpoints.get(name)
            key = (region, ObservedType.ENDPOINT.value, name)
            adopting = name in wants.adopting_endpoints
            recorded = recorded_of[name]
            if recorded is not None:
                config_name = recorded.details.get("EndpointConfigName")
                current_config = str(config_name) if config_name else None
                tags = dict(recorded.tags) if recorded.tags is not None else None
            else:
                listed = reader.resources[key]
                record = None if adopting else settled_endpoint_record(  # a candidate's own tags decide
                    records.get(name),
                    status=listed.status,
                    last_modified=listed.volatile.get("LastModifiedTime"),
                    configs=wants.configs_of.get(name),
                )
                if record is not None:  # proven settled by its Search record: no Describe (observe._search)
                    _put_endpoint(reader, key=key, described=record, source={SEARCH_RECORD: True})
                    settled.add(name)
                    continue
                current_config = _describe_endpoint(
                    reader, client, region=region, name=name, addresses=addresses or []
                )
                tags = None
                if may_skip and addresses and _is_settled(reader.resources.get(key), wants.configs_of.get(name)):
                    if adopting:  # settled only once its tags say it is ours (else adopting would skip it)
                        tags = read_tags(reader, client, key=key, addresses=addresses)
                    if not adopting or (tags is not None and is_managed(tags)):
                        settled.add(name)
                        continue
                if tags is None:
                    tags = read_tags(reader, client, key=key, addresses=addresses or [])
            owned_or_wanted = addresses is not None or bool(tags and is_managed(tags))
            if current_config and owned_or_wanted and current_config not in described_configs:
                described_configs.add(current_config)
                config_addresses = list(addresses or []) + wants.endpoint_configs.get(current_config, [])
                _describe_and_tag(
                    reader,
                    client,
                    region=region,
                    type_=ObservedType.ENDPOINT_CONFIG,
                    name=current_config,
                    addresses=config_addresses,
                    known=configs,
                )

    endpoint_prefixes = tuple(f"{name}-" for name in wants.endpoints)
    for type_, wanted, known in (
        (ObservedType.ENDPOINT_CONFIG, wants.endpoint_configs, configs),
        (ObservedType.MODEL, wants.models, models),
    ):
        if known is None:
            continue
        for name in sorted(known):
            if name in wanted:
                if may_skip and wants.settles(name, settled):
                    continue  # content-addressed, and its endpoint is settled on what the spec asks
                if not (type_ is ObservedType.ENDPOINT_CONFIG and name in described_configs):
                    _describe_and_tag(
                        reader,
                        client,
                        region=region,
                        type_=type_,
                        name=name,
                        addresses=wanted[name],
                        known=known,
                        compare=wants.adopting.get(name, ()),
                    )
            elif read_all_tags or (endpoint_prefixes and name.startswith(endpoint_prefixes)):
                key = (region, type_.value, name)
                if reader.resources[key].tags is None and reader.reuse_recorded(key) is None:
                    read_tags(reader, client, key=key, addresses=[])


def _is_settled(endpoint: ObservedResource | None, configs: set[str] | None) -> bool:
    """InService on one of ``configs`` (what the specs ask it to run) with nothing pending."""
    if endpoint is None or not configs or endpoint.status != ENDPOINT_IN_SERVICE:
        return False
    return endpoint.details.get("EndpointConfigName") in configs and not endpoint.details.get(
        "PendingEndpointConfigName"
    )



def _list_hosting(
    reader: Reader,
    client: Any,
    *,
    scope: Scope,
    type_: ObservedType,
    operation: str,
    result_key: str,
    name_key: str,
    arn_key: str,
    status_key: str | None,
    wants: HostingWants,
) -> set[str] | None:
    """List one hosting type in full; the names found, or None when the list failed."""
    try:
        items = reader.paginate(
            client,
            operation,
            result_key=result_key,
            page_size=LIST_PAGE_SIZE,
            target=f"{type_.value}s in {scope.region}",
        )
    except ReadFailed as failure:
        reader.record_failure(failure, addresses=wants.addresses)
        return None
    reader.listed.add((scope.region, type_.value))
    for item in items:
        reader.put(
            ObservedResource(
                type=type_,
                region=scope.region,
                name=item[name_key],
                arn=item.get(arn_key),
                status=item.get(status_key) if status_key else None,
                details=pick(item, ("CreationTime",)),
                volatile={**pick(item, ("LastModifiedTime",)), LIST_SUMMARY: summary_fingerprint(item)},
            )
        )
    return {item[name_key] for item in items}


_ENDPOINT_VARIANT_KEYS = (
    "VariantName",
    "CurrentInstanceCount",
    "DesiredInstanceCount",
    "CurrentWeight",
    "DesiredWeight",
    "InstanceType",
    "CurrentServerlessConfig",
    "DesiredServerlessConfig",
)
_CONFIG_VARIANT_KEYS = (
    "VariantName",
    "ModelName",
    "InstanceType",
    "InitialInstanceCount",
    "InitialVariantWeight",
    "ServerlessConfig",
    "AcceleratorType",
)


def _describe_endpoint(
    reader: Reader, client: Any, *, region: str, name: str, addresses: Sequence[str]
) -> str | None:
    """DescribeEndpoint into the observed endpoint; returns its current config name."""
    key = (region, ObservedType.ENDPOINT.value, name)
    try:
        described = reader.call(client, "DescribeEndpoint", target=name, EndpointName=name)
    except ReadFailed as failure:
        if failure.not_found:
            reader.drop(key)
        else:
            reader.record_failure(failure, addresses=addresses)
        return None
    _put_endpoint(reader, key=key, described=described, source={})
    config = described.get("EndpointConfigName")
    return str(config) if config else None


def _put_endpoint(
    reader: Reader, *, key: tuple[str, str, str], described: Mapping[str, Any], source: Mapping[str, Any]
) -> None:
    """A DescribeEndpoint response (or an Endpoint Search record, same members) into the observed endpoint."""
    details = pick(described, ("EndpointConfigName", "FailureReason", "CreationTime"))
    details["ProductionVariants"] = [
        pick(v, _ENDPOINT_VARIANT_KEYS) for v in described.get("ProductionVariants") or ()
    ]
    pending = described.get("PendingDeploymentSummary") or {}
    if pending.get("EndpointConfigName"):
        details["PendingEndpointConfigName"] = pending["EndpointConfigName"]
    volatile = pick(described, ("LastModifiedTime",))
    current = reader.resources[key]
    reader.put(
        replace(
            current,
            arn=described.get("EndpointArn") or current.arn,
            status=described.get("EndpointStatus") or current.status,
            details=details,
            volatile={**current.volatile, **volatile, **source},
        )
    )


def _describe_and_tag(
    reader: Reader,
    client: Any,
    *,
    region: str,
    type_: ObservedType,
    name: str,
    addresses: Sequence[str],
    known: set[str] | None,
    compare: Sequence[str] = (),
) -> None:
    """Describe<Model|EndpointConfig> + ListTags of one name (present in ``known``); with ``compare``
    (an adoption candidate) never from the ledger, and its definition kept when it is not ours."""
    if known is not None and name not in known:
        return
    key = (region, type_.value, name)
    if not compare and reader.reuse_recorded(key) is not None:
        return  # unchanged since the ledger recorded it (models and configs never change)
    if type_ is ObservedType.MODEL:
        operation, name_key, arn_key = "DescribeModel", "ModelName", "ModelArn"
    else:
        operation, name_key, arn_key = "DescribeEndpointConfig", "EndpointConfigName", "EndpointConfigArn"
    try:
        described = reader.call(client, operation, target=name, **{name_key: name})
    except ReadFailed as failure:
        if failure.not_found:
            reader.drop(key)
        else:
            reader.record_failure(failure, addresses=addresses)
        return
    if type_ is ObservedType.MODEL:
        details = pick(described, ("ExecutionRoleArn", "PrimaryContainer", "Containers", "CreationTime"))
    else:
        details = pick(described, ("CreationTime",))
        details["ProductionVariants"] = [
            pick(v, _CONFIG_VARIANT_KEYS) for v in described.get("ProductionVariants") or ()
        ]
    current = reader.resources.get(key) or ObservedResource(type=type_, region=region, name=name)
    reader.put(replace(current, arn=described.get(arn_key) or current.arn, details=details))
    tags = read_tags(reader, client, key=key, addresses=addresses)
    _keep_definition(reader, key=key, described=described, members=compare, tags=tags)
