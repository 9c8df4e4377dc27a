"""One botocore data loader (and service model) per process, shared by the spec normaliser, the planner and the AWS clients.

Parsing SageMaker's service model costs a few hundred milliseconds; ``specs`` (to normalise and
validate manifests offline) and ``awsclients`` (to build boto3 clients) both need it. Sharing
the loader makes the second use free. Pure: it reads botocore's bundled JSON, nothing else.
"""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session
from botocore.model import ServiceModel


@functools.cache
def shared_loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def new_botocore_session() -> botocore.session.Session:
    """A fresh botocore session (own credentials and config) that reuses the shared loader."""
    session = botocore.session.get_session()
    session.register_component("data_loader", shared_loader())
    return session


@functools.cache
def known_regions(service: str) -> frozenset[str]:
    """Every region of every partition where botocore's bundled endpoint data offers ``service``."""
    session = new_botocore_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition_name=partition)
    )


@functools.cache
def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service`` ("sagemaker", "application-autoscaling"), loaded once per process."""
    return new_botocore_session().get_service_model(service)
