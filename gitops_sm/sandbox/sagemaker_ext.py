"""SageMaker in the simulator: the operations and AWS behaviours moto 5.2 lacks.

Installed onto moto's ``SageMakerResponse`` by ``extensions.install``; every handler below either
replaces a moto handler (keeping moto's storage) or adds a missing operation:

- duplicate ``Create*`` fails as on AWS (jobs: ResourceInUse; models, endpoint configs, endpoints:
  ValidationException "Cannot create already existing ...") instead of silently overwriting;
- jobs run for ``timing.job_seconds`` (InProgress with secondary statuses) and end Completed, or
  Failed when tagged ``gitops-sm-sandbox/outcome=Failed``; ``Stop*Job`` → Stopping → Stopped;
- endpoints are Creating/Updating/Deleting for ``timing.endpoint_seconds``; ``UpdateEndpoint``
  (with RetainAllVariantProperties and the Application Auto Scaling rule),
  ``UpdateEndpointWeightsAndCapacities`` and ``DeleteEndpoint`` follow AWS's state rules;
- ``ListTrainingJobsForHyperParameterTuningJob``; tuning jobs get counters and a best job;
- ``AddTags`` replaces values of existing keys; ``ListTags`` of a missing resource is a 400;
- not-found messages of Describe*Job use AWS's wording;
- ``Search`` of training jobs and endpoints pages and shapes its records as AWS does (``search``);
- the List* calls gitops-sm makes filter, sort and page as AWS does (``sagemaker_lists``, ``paging``).

:func:`refresh` brings one account/region up to the simulated time; ``extensions`` calls it
before every SageMaker, Application Auto Scaling and CloudWatch Logs request.
"""

from __future__ import annotations

import copy
from typing import Any

from gitops_sm.sandbox import autoscaling_ext, jobs, logs_ext, paging, sagemaker_lists, search, timing
from gitops_sm.sandbox.state import (
    FAILED,
    EndpointLife,
    JobLife,
    job_settled,
    outcome_from_tags,
    sim_state,
    to_datetime,
)

# moto's handlers that ours replace, by method name; filled once by install().
_ORIGINALS: dict[str, Any] = {}
ENDPOINT_IN_SERVICE = "InService"
ENDPOINT_FAILED = "Failed"
DEFAULT_ENDPOINT_FAILURE = (
    "The sandbox failed this endpoint as requested by the gitops-sm-sandbox/outcome tag "
    "(e.g. the primary container did not pass the ping health check)."
)


def _errors() -> Any:
    from moto.sagemaker import exceptions

    return exceptions


def _validation(message: str) -> Exception:
    return _errors().ValidationError(message=message)  # type: ignore[no-any-return]


def _arn(backend: Any, resource: str, name: str) -> str:
    from moto.sagemaker.utils import arn_formatter

    return str(arn_formatter(resource, name, backend.account_id, backend.region_name))


def _empty_result() -> Any:
    from moto.core.responses import EmptyResult

    return EmptyResult()


def _result(body: dict[str, Any]) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult(body)


# ------------------------------------------------------------------------------------- refresh


def refresh(account: str, region: str) -> None:
    """Apply every transition that is due at the current simulated time."""
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account][region]
    state = sim_state(backend)
    now = timing.now()
    # Only what can still move: a settled job or endpoint never changes again by itself, so the
    # cost of a request does not grow with the number of jobs ever created.
    for key in list(state.unsettled_jobs):
        life = state.jobs.get(key)
        if life is None or job_settled(life):
            state.settle_job(key)
            continue
        spec = jobs.JOB_SPECS[life.noun]
        job = getattr(backend, spec.store).get(life.name)
        if job is None:
            del state.jobs[key]
            state.settle_job(key)
            continue
        _advance_job(backend, spec, job, life, now)
        if job_settled(life):
            state.settle_job(key)
    for name in list(state.transitioning_endpoints):
        endpoint_life = state.endpoints.get(name)
        endpoint = backend.endpoints.get(name)
        if endpoint_life is None or endpoint is None:
            state.endpoints.pop(name, None)
            state.settle_endpoint(name)
            continue
        if not endpoint_life.operation:
            state.settle_endpoint(name)
        elif now >= endpoint_life.started_at + endpoint_life.duration:
            _finish_endpoint_operation(backend, name, endpoint, endpoint_life)


def _advance_job(backend: Any, spec: jobs.JobKindSpec, job: Any, life: JobLife, now: float) -> None:
    snap = jobs.materialize(spec, job, life, now)
    if spec.log_group and life.log_stream:
        events = jobs.log_events(spec, life, snap, now)
        logs_ext.append_job_log(
            account=backend.account_id,
            region=backend.region_name,
            group=spec.log_group,
            stream=life.log_stream,
            events=events[life.logged_events :],
        )
        life.logged_events = len(events)


def _finish_endpoint_operation(backend: Any, name: str, endpoint: Any, life: EndpointLife) -> None:
    finished_at = to_datetime(life.started_at + life.duration)
    operation, life.operation = life.operation, None
    sim_state(backend).settle_endpoint(name)
    if operation == "Deleting":
        del backend.endpoints[name]
        sim_state(backend).endpoints.pop(name, None)
        return
    endpoint.last_modified_time = finished_at
    endpoint.pending_deployment_summary = None
    if operation == "Creating":
        endpoint.endpoint_status = ENDPOINT_FAILED if life.fails else ENDPOINT_IN_SERVICE
        endpoint.failure_reason = life.failure_reason if life.fails else None
        return
    # Updating: a failed update rolls back to the running config and reports why.
    endpoint.endpoint_status = ENDPOINT_IN_SERVICE
    if life.fails:
        endpoint.failure_reason = life.failure_reason
    else:
        endpoint.failure_reason = None
        if life.pending_config is not None:
            endpoint.endpoint_config_name = life.pending_config
            life.variant_types = dict(life.pending_variant_types)
        if life.pending_variants is not None:
            endpoint.production_variants = life.pending_variants
    life.pending_config = None
    life.pending_variants = None
    life.pending_variant_types = {}


# ------------------------------------------------------------------------------------------ jobs


def _label_title(spec: jobs.JobKindSpec) -> str:
    return spec.label[0].upper() + spec.label[1:]


def _job_not_found(spec: jobs.JobKindSpec, name: str) -> Exception:
    """AWS's wording differs per job kind (observed by the SageMaker operator's client wrapper)."""
    if spec.noun == "TrainingJob":
        return _validation("Requested resource not found.")
    if spec.noun == "HyperParameterTuningJob":
        return _errors().ResourceNotFound(  # type: ignore[no-any-return]
            message=f"Amazon SageMaker can't find a tuning job with name {name}"
        )
    return _validation(f"Could not find requested job with name {name}")


def _keep_unmodelled_request_fields(job: Any, request: dict[str, Any]) -> None:
    """moto drops request fields it does not model (e.g. ProcessingResources); echo them back."""
    from moto.core.utils import camelcase_to_underscores

    for key, value in request.items():
        attribute = camelcase_to_underscores(key)
        if attribute in job.__dict__ or value is None:
            continue
        if job.camelCase(attribute) == key:
            setattr(job, attribute, copy.deepcopy(value))


def _create_job(response: Any, noun: str) -> Any:
    spec = jobs.JOB_SPECS[noun]
    backend = response.sagemaker_backend
    store = getattr(backend, spec.store)
    name = response._get_param(f"{noun}Name")
    if name in store:
        raise _errors().ResourceInUseException(
            message=f"{_label_title(spec)} names must be unique within an AWS account and region, "
            f"and a {spec.label} with this name already exists ({store[name].arn})"
        )
    request = copy.deepcopy(dict(response._get_params() or {}))
    result = _ORIGINALS[f"create_{_snake(noun)}"](response)
    job = store[name]
    if job.tags is None:
        job.tags = []
    if noun == "TrainingJob" and request.get("AlgorithmSpecification") is not None:
        # moto overwrites MetricDefinitions with a fixed sample; AWS echoes the request.
        job.algorithm_specification = copy.deepcopy(request["AlgorithmSpecification"])
    if noun != "HyperParameterTuningJob":
        _keep_unmodelled_request_fields(job, request)
    now = timing.now()
    job_seconds = timing.current_timing().job_seconds
    outcome, reason = outcome_from_tags(job.tags, default_reason=jobs.DEFAULT_FAILURE_REASON[noun])
    life = JobLife(
        noun=noun,
        name=name,
        created_at=now,
        duration=job_seconds,
        outcome=outcome,
        failure_reason=reason,
        log_stream=f"{name}/algo-1-{int(now)}" if spec.log_group else None,
        model_artifacts=copy.deepcopy(getattr(job, "model_artifacts", None)),
    )
    sim_state(backend).track_job(life)
    _advance_job(backend, spec, job, life, now)
    return result


def _snake(noun: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return str(camelcase_to_underscores(noun))


def _stop_job(response: Any, noun: str) -> Any:
    spec = jobs.JOB_SPECS[noun]
    backend = response.sagemaker_backend
    name = response._get_param(f"{noun}Name")
    job = getattr(backend, spec.store).get(name)
    if job is None:
        raise _job_not_found(spec, name)
    life = sim_state(backend).jobs.get((noun, name))
    status = getattr(job, spec.status_attr)
    if life is None or status != jobs.RUNNING:
        raise _validation(f"The request was rejected because the {spec.label} is in status {status}.")
    now = timing.now()
    life.stop_requested_at = now
    life.stop_duration = jobs.stop_duration_for(timing.current_timing().job_seconds)
    _advance_job(backend, spec, job, life, now)
    return _empty_result()


def _describe_job(response: Any, noun: str) -> Any:
    spec = jobs.JOB_SPECS[noun]
    name = response._get_param(f"{noun}Name")
    if name not in getattr(response.sagemaker_backend, spec.store):
        raise _job_not_found(spec, name)
    return _ORIGINALS[f"describe_{_snake(noun)}"](response)


# ------------------------------------------------------------------------------------- endpoints


def _variant_types(config: Any) -> dict[str, str | None]:
    return {variant["VariantName"]: variant.get("InstanceType") for variant in config.production_variants}


def _variant_summary(variant_config: dict[str, Any], *, count: int | None, weight: float) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "VariantName": variant_config["VariantName"],
        "CurrentWeight": weight,
        "DesiredWeight": weight,
    }
    if count is not None:
        summary["CurrentInstanceCount"] = count
        summary["DesiredInstanceCount"] = count
    if variant_config.get("ServerlessConfig"):
        summary["CurrentServerlessConfig"] = variant_config["ServerlessConfig"]
        summary["DesiredServerlessConfig"] = variant_config["ServerlessConfig"]
    return summary


def _endpoint_life(backend: Any, name: str) -> EndpointLife:
    return sim_state(backend).endpoints.setdefault(name, EndpointLife())


def _require_endpoint(backend: Any, name: str) -> Any:
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        raise _validation(f'Could not find endpoint "{_arn(backend, "endpoint", name)}".')
    return endpoint


def _require_in_service(endpoint: Any) -> None:
    if endpoint.endpoint_status == ENDPOINT_IN_SERVICE:
        return
    if endpoint.endpoint_status == ENDPOINT_FAILED:
        raise _validation(
            f'Cannot update endpoint "{endpoint.arn}" because it is in Failed state; delete it and create it again.'
        )
    raise _validation(f'Cannot update in-progress endpoint "{endpoint.arn}".')


def _start_operation(backend: Any, endpoint: Any, life: EndpointLife, operation: str) -> None:
    now = timing.now()
    life.operation = operation
    life.started_at = now
    life.duration = timing.current_timing().endpoint_seconds
    sim_state(backend).start_endpoint_operation(endpoint.endpoint_name)
    endpoint.endpoint_status = operation
    endpoint.last_modified_time = to_datetime(now)


class SageMakerExtensions:
    """Handlers copied onto moto's SageMakerResponse by :func:`install` (``self`` is that response)."""

    # -- jobs -----------------------------------------------------------------------------------

    def create_training_job(self: Any) -> Any:
        return _create_job(self, "TrainingJob")

    def create_processing_job(self: Any) -> Any:
        return _create_job(self, "ProcessingJob")

    def create_transform_job(self: Any) -> Any:
        return _create_job(self, "TransformJob")

    def create_hyper_parameter_tuning_job(self: Any) -> Any:
        return _create_job(self, "HyperParameterTuningJob")

    def stop_training_job(self: Any) -> Any:
        return _stop_job(self, "TrainingJob")

    def stop_processing_job(self: Any) -> Any:
        return _stop_job(self, "ProcessingJob")

    def stop_transform_job(self: Any) -> Any:
        return _stop_job(self, "TransformJob")

    def stop_hyper_parameter_tuning_job(self: Any) -> Any:
        return _stop_job(self, "HyperParameterTuningJob")

    def describe_training_job(self: Any) -> Any:
        return _describe_job(self, "TrainingJob")

    def describe_processing_job(self: Any) -> Any:
        return _describe_job(self, "ProcessingJob")

    def describe_hyper_parameter_tuning_job(self: Any) -> Any:
        return _describe_job(self, "HyperParameterTuningJob")

    def list_training_jobs_for_hyper_parameter_tuning_job(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("HyperParameterTuningJobName")
        job = backend.hyper_parameter_tuning_jobs.get(name)
        life = sim_state(backend).jobs.get(("HyperParameterTuningJob", name))
        if job is None or life is None:
            raise _job_not_found(jobs.JOB_SPECS["HyperParameterTuningJob"], name)
        children = jobs.tuning_children(job, life, timing.now())
        status = self._get_param("StatusEquals")
        if status:
            children = [child for child in children if child["TrainingJobStatus"] == status]
        operation = "ListTrainingJobsForHyperParameterTuningJob"
        size = paging.page_size("sagemaker", operation, self._get_param("MaxResults"), invalid=_validation)
        sort_by = self._get_param("SortBy") or paging.sort_default("sagemaker", operation, "SortBy")
        sort_keys = {
            "Name": lambda child: child["TrainingJobName"],
            "Status": lambda child: child["TrainingJobStatus"],
            "FinalObjectiveMetricValue": lambda child: child.get(
                "FinalHyperParameterTuningJobObjectiveMetric", {}
            ).get("Value", float("-inf")),
            "CreationTime": lambda child: child["TrainingJobName"],
        }
        children.sort(key=sort_keys.get(sort_by, sort_keys["CreationTime"]))
        order = self._get_param("SortOrder") or paging.sort_default("sagemaker", operation, "SortOrder")
        if order == "Descending":
            children.reverse()
        page, token = paging.cut(children, token=self._get_param("NextToken"), size=size, invalid=_validation)
        body: dict[str, Any] = {"TrainingJobSummaries": page}
        if token is not None:
            body["NextToken"] = token
        return _result(body)

    # -- models and endpoint configs --------------------------------------------------------------

    def create_model(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("ModelName")
        if name in backend._models:
            raise _validation(f'Cannot create already existing model "{_arn(backend, "model", name)}".')
        result = _ORIGINALS["create_model"](self)
        model = backend._models[name]
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        if not model.primary_container:
            model.primary_container = None
        if not model.containers:
            model.containers = None
        return result

    def create_endpoint_config(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointConfigName")
        if name in backend.endpoint_configs:
            raise _validation(
                f'Cannot create already existing endpoint configuration "{_arn(backend, "endpoint-config", name)}".'
            )
        return _ORIGINALS["create_endpoint_config"](self)

    # -- endpoints ------------------------------------------------------------------------------

    def create_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        if name in backend.endpoints:
            raise _validation(f'Cannot create already existing endpoint "{_arn(backend, "endpoint", name)}".')
        config_name = self._get_param("EndpointConfigName")
        config = backend.endpoint_configs.get(config_name)
        if config is None:
            raise _validation(
                f'Could not find endpoint configuration "{_arn(backend, "endpoint-config", config_name)}".'
            )
        result = _ORIGINALS["create_endpoint"](self)
        endpoint = backend.endpoints[name]
        if endpoint.tags is None:
            endpoint.tags = []
        endpoint.production_variants = [
            _variant_summary(
                v, count=v.get("InitialInstanceCount"), weight=float(v.get("InitialVariantWeight", 1.0))
            )
            for v in config.production_variants
        ]
        outcome, reason = outcome_from_tags(
            list(endpoint.tags) + list(config.tags or []), default_reason=DEFAULT_ENDPOINT_FAILURE
        )
        life = EndpointLife(
            fails=outcome == FAILED, failure_reason=reason, variant_types=_variant_types(config)
        )
        sim_state(backend).endpoints[name] = life
        _start_operation(backend, endpoint, life, "Creating")
        endpoint.creation_time = endpoint.last_modified_time
        endpoint.failure_reason = None
        endpoint.pending_deployment_summary = None
        return result

    def update_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        endpoint = _require_endpoint(backend, name)
        config = backend.endpoint_configs.get(config_name)
        if config is None:
            raise _validation(
                f'Could not find endpoint configuration "{_arn(backend, "endpoint-config", config_name)}".'
            )
        _require_in_service(endpoint)
        life = _endpoint_life(backend, name)
        new_types = _variant_types(config)
        autoscaled = autoscaling_ext.registered_variants(
            account=backend.account_id, region=backend.region_name, endpoint_name=name
        )
        blocked = [
            variant
            for variant in autoscaled
            if variant not in new_types or new_types[variant] != life.variant_types.get(variant)
        ]
        if blocked:
            raise _validation(
                f'The variant(s) "[{", ".join(blocked)}]" must not be registered as scalable targets with '
                "Application Auto Scaling when UpdateEndpoint changes their instance type or removes them. "
                "Delete the scaling policies and deregister the scalable targets, then update "
                f'endpoint "{endpoint.arn}".'
            )
        retain = bool(self._get_param("RetainAllVariantProperties", False))
        excluded = {
            item.get("VariantPropertyType")
            for item in self._get_param("ExcludeRetainedVariantProperties") or []
        }
        current = {variant["VariantName"]: variant for variant in endpoint.production_variants}
        pending: list[dict[str, Any]] = []
        for variant_config in config.production_variants:
            count = variant_config.get("InitialInstanceCount")
            weight = float(variant_config.get("InitialVariantWeight", 1.0))
            running = current.get(variant_config["VariantName"])
            if retain and running is not None:
                if "DesiredInstanceCount" not in excluded and running.get("DesiredInstanceCount") is not None:
                    count = running["DesiredInstanceCount"]
                if "DesiredWeight" not in excluded and running.get("DesiredWeight") is not None:
                    weight = float(running["DesiredWeight"])
            pending.append(_variant_summary(variant_config, count=count, weight=weight))
        outcome, reason = outcome_from_tags(config.tags, default_reason=DEFAULT_ENDPOINT_FAILURE)
        life.fails = outcome == FAILED
        life.failure_reason = reason
        life.pending_config = config_name
        life.pending_variants = pending
        life.pending_variant_types = new_types
        _start_operation(backend, endpoint, life, "Updating")
        endpoint.pending_deployment_summary = {
            "EndpointConfigName": config_name,
            "ProductionVariants": [
                {
                    "VariantName": summary["VariantName"],
                    "DesiredWeight": summary["DesiredWeight"],
                    **(
                        {"DesiredInstanceCount": summary["DesiredInstanceCount"]}
                        if "DesiredInstanceCount" in summary
                        else {}
                    ),
                    **(
                        {"InstanceType": new_types[summary["VariantName"]]}
                        if new_types[summary["VariantName"]]
                        else {}
                    ),
                }
                for summary in pending
            ],
            "StartTime": endpoint.last_modified_time,
        }
        return _result({"EndpointArn": endpoint.arn})

    def update_endpoint_weights_and_capacities(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        endpoint = _require_endpoint(backend, name)
        _require_in_service(endpoint)
        desired = self._get_param("DesiredWeightsAndCapacities") or []
        known = {variant["VariantName"] for variant in endpoint.production_variants}
        seen: set[str] = set()
        for item in desired:
            variant_name = item.get("VariantName")
            if variant_name in seen:
                raise _validation(f'The variant name "{variant_name}" was non-unique within the request.')
            if variant_name not in known:
                raise _validation(
                    f'The variant name(s) "{variant_name}" is/are not present within endpoint configuration '
                    f'"{endpoint.endpoint_config_name}".'
                )
            seen.add(variant_name)
        pending = copy.deepcopy(endpoint.production_variants)
        for item in desired:
            for running, after in zip(endpoint.production_variants, pending, strict=True):
                if running["VariantName"] != item["VariantName"]:
                    continue
                if item.get("DesiredWeight") is not None:
                    running["DesiredWeight"] = after["DesiredWeight"] = after["CurrentWeight"] = float(
                        item["DesiredWeight"]
                    )
                if item.get("DesiredInstanceCount") is not None:
                    count = int(item["DesiredInstanceCount"])
                    running["DesiredInstanceCount"] = after["DesiredInstanceCount"] = after[
                        "CurrentInstanceCount"
                    ] = count
        life = _endpoint_life(backend, name)
        life.fails = False
        life.pending_config = None
        life.pending_variants = pending
        life.pending_variant_types = {}
        _start_operation(backend, endpoint, life, "Updating")
        return _result({"EndpointArn": endpoint.arn})

    def delete_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            raise _validation(f'Could not find endpoint "{_arn(backend, "endpoint", name)}".')
        if endpoint.endpoint_status not in (ENDPOINT_IN_SERVICE, ENDPOINT_FAILED, "OutOfService"):
            raise _validation(f'Cannot update in-progress endpoint "{endpoint.arn}".')
        # AWS deregisters the variants' scalable targets (and their policies) without notice.
        autoscaling_ext.deregister_endpoint(
            account=backend.account_id, region=backend.region_name, endpoint_name=name
        )
        _start_operation(backend, endpoint, _endpoint_life(backend, name), "Deleting")
        return _empty_result()

    # -- search -----------------------------------------------------------------------------------

    def search(self: Any) -> Any:
        resource = self._get_param("Resource")
        if resource not in search.RESOURCES:
            return _ORIGINALS["search"](self)
        return _result(
            search.search(
                self.sagemaker_backend,
                resource=resource,
                expression=self._get_param("SearchExpression"),
                sort_by=self._get_param("SortBy"),
                sort_order=self._get_param("SortOrder"),
                next_token=self._get_param("NextToken"),
                max_results=self._get_param("MaxResults"),
            )
        )

    # -- tags -------------------------------------------------------------------------------------

    def add_tags(self: Any) -> Any:
        backend = self.sagemaker_backend
        arn = self._get_param("ResourceArn")
        resource = _resource_for_tags(backend, arn)
        tags = list(resource.tags or [])
        for tag in self._get_param("Tags") or []:
            tags = [existing for existing in tags if existing.get("Key") != tag.get("Key")]
            tags.append(tag)
        resource.tags = tags
        return _result({"Tags": tags})

    def list_tags(self: Any) -> Any:
        # AWS refuses MaxResults below 50 (moto takes any); moto pages the rest as AWS does.
        paging.page_size("sagemaker", "ListTags", self._get_param("MaxResults"), invalid=_validation)
        _resource_for_tags(self.sagemaker_backend, self._get_param("ResourceArn"))
        return _ORIGINALS["list_tags"](self)

    def delete_tags(self: Any) -> Any:
        _resource_for_tags(self.sagemaker_backend, self._get_param("ResourceArn"))
        return _ORIGINALS["delete_tags"](self)


def _resource_for_tags(backend: Any, arn: str) -> Any:
    try:
        resource = backend._get_resource_from_arn(arn)
    except (ValueError, AttributeError):
        resource = None
    if resource is None:
        raise _validation(f"Could not find resource {arn}.")
    if getattr(resource, "tags", None) is None:
        resource.tags = []
    return resource


def _accept_any_ml_instance_type(self: Any, instance_type: str) -> None:
    """moto allows only an old list of instance types; AWS accepts every ml.* family."""
    import re

    if not re.fullmatch(r"ml\.[a-z0-9-]+\.[a-z0-9-]+", instance_type or ""):
        raise _validation(
            f"Value '{instance_type}' at 'instanceType' failed to satisfy constraint: "
            "Member must be a SageMaker instance type such as ml.m5.large"
        )


def install() -> None:
    from moto.sagemaker.models import FakeEndpointConfig
    from moto.sagemaker.responses import SageMakerResponse

    if _ORIGINALS:
        return
    for extensions in (SageMakerExtensions, sagemaker_lists.SageMakerListExtensions):
        for name, function in vars(extensions).items():
            if name.startswith("_") or not callable(function):
                continue
            original = SageMakerResponse.__dict__.get(name)
            if original is not None:
                _ORIGINALS[name] = original
            setattr(SageMakerResponse, name, function)
    _ORIGINALS.setdefault("installed", True)
    FakeEndpointConfig.validate_instance_type = _accept_any_ml_instance_type  # type: ignore[method-assign]
