"""Single-job reads for ``gitops-sm logs``: the current status of one job and an HPO's best job.

Called by ``app`` while following a job's logs, where a whole ``observe`` pass per poll would
list every job in the region for the sake of one status.
"""

from __future__ import annotations

from typing import Any

from botocore import xform_name

from gitops_sm.awsclients import AWS_EXCEPTIONS, ClientFactory, translate
from gitops_sm.errors import ObservationError
from gitops_sm.kinds import JOB_KINDS, SAGEMAKER, Kind


def describe_job(*, clients: ClientFactory, region: str, kind: Kind, name: str) -> dict[str, Any]:
    """The Describe<Job> response of one job (raises ObservationError, e.g. when it does not exist)."""
    info = JOB_KINDS[kind]
    client = clients.client(SAGEMAKER, region=region)
    try:
        response: dict[str, Any] = getattr(client, xform_name(info.describe_call))(**{info.name_member: name})
    except AWS_EXCEPTIONS as exc:
        raise translate(exc, operation=info.describe_call, target=name, error_type=ObservationError) from exc
    return response

