"""Single-job reads for ``gitops-sm logs``: which job it is, its current status and an HPO's best job.

Called by ``app`` while following a job's logs, where a whole ``observe`` pass per poll would
list every job in the region for the sake of one status. :func:`job_by_name` gives one job as an
``ObservedResource``, so ``app`` can ask the planner's rule (``plan.health.spec_job``) which job
is the spec's without listing every job.
"""

from __future__ import annotations

from typing import Any

from botocore import xform_name

from gitops_sm.awsclients import AWS_EXCEPTIONS, ClientFactory, is_not_found, translate
from gitops_sm.errors import ObservationError
from gitops_sm.kinds import JOB_KINDS, SAGEMAKER, Kind
from gitops_sm.model import JOB_OBSERVED_TYPES, ObservedResource
from gitops_sm.observe._reader import tag_map


def describe_job(
    *, clients: ClientFactory, region: str, kind: Kind, name: str, endpoint_url: str | None = None
) -> dict[str, Any]:
    """The Describe<Job> response of one job (raises ObservationError, e.g. when it does not exist).

    ``endpoint_url``: the SageMaker endpoint the job's spec names (``spec.sageMakerEndpoint``,
    already checked by the loader against the allow-list), None for the default one."""
    try:
        return _describe(clients=clients, region=region, kind=kind, name=name, endpoint_url=endpoint_url)
    except AWS_EXCEPTIONS as exc:
        raise translate(exc, operation=JOB_KINDS[kind].describe_call, target=name, error_type=ObservationError) from exc


def _describe(*, clients: ClientFactory, region: str, kind: Kind, name: str, endpoint_url: str | None) -> dict[str, Any]:
    info = JOB_KINDS[kind]
    client = clients.client(SAGEMAKER, region=region, endpoint_url=endpoint_url)
    response: dict[str, Any] = getattr(client, xform_name(info.describe_call))(**{info.name_member: name})
    return response


def job_by_name(
    *, clients: ClientFactory, region: str, kind: Kind, name: str, with_tags: bool, endpoint_url: str | None = None
) -> ObservedResource | None:
    """Job ``name`` as observed now (None when it does not exist): Describe<Job>, and ListTags
    when ``with_tags`` (raises ObservationError when AWS cannot be read), both at ``endpoint_url``
    as :func:`describe_job` explains."""
    info = JOB_KINDS[kind]
    try:
        described = _describe(clients=clients, region=region, kind=kind, name=name, endpoint_url=endpoint_url)
    except AWS_EXCEPTIONS as exc:
        if is_not_found(exc):
            return None
        raise translate(exc, operation=info.describe_call, target=name, error_type=ObservationError) from exc
    arn = described.get(info.arn_member)
    tags: dict[str, str] | None = None
    if with_tags and arn:
        client = clients.client(SAGEMAKER, region=region, endpoint_url=endpoint_url)
        try:
            pages = client.get_paginator("list_tags").paginate(ResourceArn=arn)
            tags = tag_map(tag for page in pages for tag in page.get("Tags", ()))
        except AWS_EXCEPTIONS as exc:
            raise translate(exc, operation="ListTags", target=name, error_type=ObservationError) from exc
    return ObservedResource(
        type=JOB_OBSERVED_TYPES[kind], region=region, name=name, arn=arn,
        status=described.get(info.status_member), tags=tags,
    )
