"""Turn one parsed manifest into the exact AWS create requests it stands for (design sections 2 and 3).

Called by ``_loader`` once per document whose apiVersion/kind/metadata.name it has already
checked: ``normalize_document(doc, kind=..., address=...)`` returns either a ``DesiredResource``
(requests complete with names and ownership tags, in the order they must be made) or located
``Issue``s — never both, never an exception for bad input.

Fields are converted by walking botocore's input shapes (``_shapes``); names and hashes follow
``_naming``. What each kind becomes:

==========================================  ==================================================
TrainingJob, HyperParameterTuningJob,       one ``Create<Job>`` (v1 BatchTransformJob is a
TransformJob, ProcessingJob (both dialects)  TransformJob)
HostingDeployment (v1)                      ``CreateModel`` per ``spec.models`` entry, then
                                            ``CreateEndpointConfig``, then ``CreateEndpoint``
HostingAutoscalingPolicy (v1)               per ``spec.resourceId`` entry ``RegisterScalableTarget``
                                            then ``PutScalingPolicy`` (defaults: ``kinds.HAP_*``)
Model, EndpointConfig (both dialects),      one ``CreateModel`` / ``CreateEndpointConfig`` /
Endpoint (ACK)                              ``CreateEndpoint``
ScalableTarget / ScalingPolicy (ACK)        one ``RegisterScalableTarget`` / ``PutScalingPolicy``
==========================================  ==================================================

Fields that are not members of the create request, handled deliberately:

* v1 ``spec.region`` → ``DesiredResource.region``; ACK's ``services.k8s.aws/region`` annotation
  does the same for ACK kinds.
* v1 ``spec.sageMakerEndpoint`` → ``DesiredResource.endpoint_url``, only an https AWS service
  endpoint or one the operator allowed (``allowlist.endpoint_problem``); like the original operator it
  overrides the *SageMaker* endpoint only, so it is validated but unused for a
  HostingAutoscalingPolicy (which only calls Application Auto Scaling).
* v1 HostingDeployment ``retainAllVariantProperties`` / ``excludeRetainedVariantProperties`` are
  ``UpdateEndpoint`` options: converted against that operation's shapes into
  ``DesiredResource.update_options``; the planner adds them to every ``UpdateEndpoint`` (and
  retains an autoscaled variant's capacity whatever they say, design §4).
* ServiceNamespace other than ``sagemaker`` (ACK ScalableTarget/ScalingPolicy, HAP) is an error:
  gitops-sm manages SageMaker variants only, and silently skipping a manifest would hide it.
* Every ACK CRD field is a member of its create request (checked by the conformance tests).

Names (``DesiredResource.names``): jobs ``{"job"}``; HostingDeployment ``{"endpoint",
"endpoint_config", "model:<spec model name>"}``; Model ``{"model"}``; EndpointConfig
``{"endpoint_config"}``; Endpoint ``{"endpoint"}``; autoscaling ``{"target:<resource id>",
"policy:<resource id>"}``. Jobs, Models and EndpointConfigs without an explicit name get a
content-addressed ``<metadata.name>-<hash8>``; an Endpoint without one is ``metadata.name``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from botocore import __version__ as botocore_version

from gitops_sm.allowlist import endpoint_problem
from gitops_sm.botocoredata import known_regions
from gitops_sm.kinds import (
    ANNOTATION_MIGRATED_NAMES,
    ANNOTATION_PRUNE,
    API_V1,
    AUTOSCALING,
    ENDPOINT_CONFIG_NAME_MAX,
    ENDPOINT_NAME_MAX,
    HAP_DEFAULT_POLICY_NAME,
    HAP_DEFAULT_POLICY_TYPE,
    HAP_DEFAULT_SCALABLE_DIMENSION,
    HAP_DEFAULT_SERVICE_NAMESPACE,
    JOB_KINDS,
    MODEL_NAME_MAX,
    OUR_TAG_KEYS,
    SAGEMAKER,
    TAG_ADDRESS,
    TAG_MANAGED_BY,
    TAG_MANAGED_BY_VALUE,
    TAG_PRUNE,
    TAG_SPEC_HASH,
    TAG_UPDATE_TO,
    Kind,
)
from gitops_sm.model import Address, AwsRequest, DesiredResource, Issue, request_view
from gitops_sm.naming import job_name_digest
from gitops_sm.redaction import hide_values, is_sensitive_at, scrub_text
from gitops_sm.specs._document import Document, FieldPath, format_path
from gitops_sm.specs._naming import content_hash, fit_name, hashed_name
from gitops_sm.specs._shapes import (
    DROP,
    Conversion,
    Problem,
    check_value,
    display_name,
    find_placeholder,
    input_shape,
    placeholder_message,
    resolve_member,
    shape_named,
    type_mismatch_message,
    unknown_field_message,
    validate,
)

ACK_REGION_ANNOTATION = "services.k8s.aws/region"
V1_DIALECT_FIELDS = ("region", "sageMakerEndpoint")
AWS_TAG_LIMIT = 50

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_RESOURCE_ID = re.compile(r"endpoint/([^/]+)/variant/([^/]+)")

SPEC: FieldPath = ("spec",)
METADATA_NAME: FieldPath = ("metadata", "name")


@dataclass(frozen=True, kw_only=True)
class NormalizeResult:
    """Either a resource (and no issues) or the located issues that kept it from being one."""

    resource: DesiredResource | None
    issues: tuple[Issue, ...]


def normalize_document(
    doc: Document, *, kind: Kind, address: Address, allowed_endpoint_urls: Collection[str] = ()
) -> NormalizeResult:
    """Convert and validate ``doc`` (already known to be ``kind`` at ``address``)."""
    return _Normalizer(doc=doc, kind=kind, address=address, allowed_endpoint_urls=allowed_endpoint_urls).run()


# --------------------------------------------------------------------------- internals


@dataclass
class _Built:
    requests: list[AwsRequest]
    names: dict[str, str]
    spec_hash: str
    explicit_name: bool
    update_options: dict[str, Any] = field(default_factory=dict)
    previous_names: tuple[str, ...] = ()


@dataclass
class _Normalizer:
    doc: Document
    kind: Kind
    address: Address
    allowed_endpoint_urls: Collection[str] = ()
    problems: list[Problem] = field(default_factory=list)
    annotations: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        data = self.doc.data if isinstance(self.doc.data, dict) else {}
        metadata = data.get("metadata")
        self.metadata: dict[Any, Any] = metadata if isinstance(metadata, dict) else {}
        name = self.metadata.get("name")
        self.name = name if isinstance(name, str) and name else self.address.name
        self.v1 = self.doc.api_version == API_V1
        self.dialect_fields: tuple[str, ...] = V1_DIALECT_FIELDS if self.v1 else ()

    # ------------------------------------------------------------------ entry

    def run(self) -> NormalizeResult:
        data = self.doc.data if isinstance(self.doc.data, dict) else {}
        spec = data.get("spec")
        annotations = self.annotations = self._annotations()
        built: _Built | None = None
        region: str | None = None
        endpoint_url: str | None = None
        if spec is None:
            self.problem(SPEC, "missing required field spec")
        elif not isinstance(spec, dict):
            self.problem(SPEC, type_mismatch_message("a mapping", spec))
        else:
            region, endpoint_url = self._where_to_call(spec, annotations)
            built = _BUILDERS[self.kind](self, spec)
        issues = self._issues()
        if issues or built is None:
            return NormalizeResult(
                resource=None, issues=issues or (self._issue(SPEC, "could not be normalised"),)
            )
        resource = DesiredResource(
            address=self.address,
            kind=self.kind,
            manifest_kind=self.doc.kind or self.kind.value,
            api_version=self.doc.api_version or "",
            source=self.doc.source,
            region=region,
            endpoint_url=None if self.kind is Kind.HOSTING_AUTOSCALING_POLICY else endpoint_url,
            spec_hash=built.spec_hash,
            explicit_name=built.explicit_name,
            previous_names=built.previous_names,
            names=dict(built.names),
            requests=tuple(built.requests),
            annotations=annotations,
            update_options=dict(built.update_options),
        )
        return NormalizeResult(resource=resource, issues=())

    # ------------------------------------------------------------------ problems

    def problem(self, path: FieldPath, message: str) -> None:
        self.problems.append(Problem(path, message))

    def absorb(self, conversion: Conversion) -> None:
        self.problems.extend(conversion.problems)
        conversion.problems.clear()

    def _issue(self, path: FieldPath, message: str) -> Issue:
        return Issue(
            source=self.doc.location(path), address=str(self.address), path=format_path(path), message=message
        )

    def _issues(self) -> tuple[Issue, ...]:
        seen: set[tuple[FieldPath, str]] = set()
        issues: list[Issue] = []
        for problem in self.problems:  # the same tag problem is found once per request it is copied into
            if (problem.path, problem.message) not in seen:
                seen.add((problem.path, problem.message))
                issues.append(self._issue(problem.path, self._without_secrets(problem)))
        return tuple(issues)

    def _without_secrets(self, problem: Problem) -> str:
        """The message, with the value quoted in it hidden when the field is secret (by key or shape)."""
        data = self.doc.data
        if not is_sensitive_at(problem.path, data):
            return scrub_text(problem.message)
        return hide_values(problem.message, _values_at(data, problem.path))

    # ------------------------------------------------------------------ metadata, region, endpoint

    def _annotations(self) -> dict[str, str]:
        raw = self.metadata.get("annotations")
        if raw is None:
            return {}
        path: FieldPath = ("metadata", "annotations")
        if not isinstance(raw, dict):
            self.problem(path, type_mismatch_message("a mapping", raw))
            return {}
        out: dict[str, str] = {}
        for key, value in raw.items():
            if not isinstance(value, str):
                # Kubernetes itself rejects these; silently str()-ing `prune: false` would be worse.
                self.problem(
                    (*path, str(key)),
                    "annotation values must be strings: " + type_mismatch_message("a string", value),
                )
                continue
            out[str(key)] = value
        # Only the annotations gitops-sm interprets are checked for placeholders; others are not ours.
        for key in (ACK_REGION_ANNOTATION, ANNOTATION_PRUNE):
            if key in out and (placeholder := find_placeholder(out[key])):
                self.problem((*path, key), placeholder_message(placeholder))
        if ANNOTATION_PRUNE in out and out[ANNOTATION_PRUNE].lower() not in ("true", "false"):
            self.problem(
                (*path, ANNOTATION_PRUNE), f'must be "true" or "false", got {out[ANNOTATION_PRUNE]!r}'
            )
        return out

    def _where_to_call(
        self, spec: Mapping[str, Any], annotations: Mapping[str, str]
    ) -> tuple[str | None, str | None]:
        region: str | None = None
        endpoint_url: str | None = None
        if self.v1:
            region = self._region(spec.get("region"), (*SPEC, "region"))
            raw = spec.get("sageMakerEndpoint")
            if raw is not None:
                endpoint_url = self._endpoint_url(raw, (*SPEC, "sageMakerEndpoint"))
        elif ACK_REGION_ANNOTATION in annotations:
            region = self._region(
                annotations[ACK_REGION_ANNOTATION], ("metadata", "annotations", ACK_REGION_ANNOTATION)
            )
        return region, endpoint_url

    def _region(self, raw: Any, path: FieldPath) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.problem(path, type_mismatch_message("a string", raw))
        elif placeholder := find_placeholder(raw):
            if path[0] == "spec":  # annotation placeholders are reported by _annotations
                self.problem(path, placeholder_message(placeholder))
        elif not _REGION.fullmatch(raw):
            self.problem(path, f"{raw!r} is not an AWS region name such as us-west-2")
        elif raw not in (regions := known_regions(SAGEMAKER)):
            close = difflib.get_close_matches(raw, sorted(regions), n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            self.problem(
                path,
                f"{raw!r} is not a region where botocore {botocore_version} knows SageMaker{hint} "
                "(if AWS opened it recently, upgrade botocore)",
            )
        else:
            return raw
        return None

    def _endpoint_url(self, raw: Any, path: FieldPath) -> str | None:
        if not isinstance(raw, str):
            self.problem(path, type_mismatch_message("a string", raw))
            return None
        if placeholder := find_placeholder(raw):
            self.problem(path, placeholder_message(placeholder))
            return None
        problem = endpoint_problem(raw, operator_allowed=self.allowed_endpoint_urls)
        if problem:
            self.problem(path, f"{raw!r} is refused: {problem}")
            return None
        return raw

    # ------------------------------------------------------------------ shared request helpers

    def _take_user_tags(self, params: dict[str, Any], conversion: Conversion) -> Any:
        """Pop the user's ``Tags`` from ``params`` and check them against our keys and the limit."""
        tags = params.pop("Tags", None)
        if tags is None:
            return None
        keys: list[tuple[Any, str]] = []
        if isinstance(tags, list):
            keys = [
                (tag.get("Key"), f".Tags[{i}].Key") for i, tag in enumerate(tags) if isinstance(tag, dict)
            ]
        elif isinstance(tags, dict):
            keys = [(key, f".Tags (key: {key})") for key in tags]
        seen: set[Any] = set()
        for key, name in keys:
            if isinstance(key, str) and key.lower().startswith("aws:"):
                conversion.problem(
                    conversion.origin(name), f'tag key "{key}" is reserved by AWS: keys may not start with "aws:"'
                )
            elif key in OUR_TAG_KEYS or key == TAG_UPDATE_TO:
                why = "an endpoint update in progress" if key == TAG_UPDATE_TO else "ownership"
                conversion.problem(
                    conversion.origin(name),
                    f'tag key "{key}" is reserved: gitops-sm sets it to record {why}',
                )
            elif key in seen:
                conversion.problem(conversion.origin(name), f'duplicate tag key "{key}"')
            seen.add(key)
        ours = len(self._our_tags(""))
        # An endpoint update tags the endpoint with the config it moves to (a failed update is
        # known to later passes), so an endpoint keeps one more tag free.
        marker = 1 if self.kind.creates_endpoint else 0
        if len(tags) + ours + marker > AWS_TAG_LIMIT:
            also = f" and the {TAG_UPDATE_TO} tag an endpoint update adds" if marker else ""
            conversion.problem(
                conversion.origin(".Tags"),
                f"has {len(tags)} tags; with gitops-sm's {ours} ownership tags{also} that exceeds "
                f"AWS's limit of {AWS_TAG_LIMIT} tags per resource",
            )
        return tags

    def _our_tags(self, spec_hash: str) -> dict[str, str]:
        """The ownership tags; prune protection is a tag too, so it outlives the spec leaving git."""
        ours = {
            TAG_MANAGED_BY: TAG_MANAGED_BY_VALUE,
            TAG_ADDRESS: str(self.address),
            TAG_SPEC_HASH: spec_hash,
        }
        if self.annotations.get(ANNOTATION_PRUNE, "").lower() == "false":
            ours[TAG_PRUNE] = "false"
        return ours

    def _with_tags(
        self,
        params: dict[str, Any],
        conversion: Conversion,
        *,
        operation: str,
        user_tags: Any,
        spec_hash: str,
    ) -> dict[str, Any]:
        """``params`` plus the user's tags and our ownership tags, in the form the shape wants."""
        tags_shape = input_shape(conversion.service, operation).members.get("Tags")
        if tags_shape is None:
            return params
        ours = self._our_tags(spec_hash)
        if tags_shape.type_name == "map":  # application-autoscaling's TagMap
            tags: Any = {**(user_tags or {}), **ours}
            ours_names = [f".Tags.{key}" for key in ours]
        else:
            user = list(user_tags or [])
            tags = [*user, *({"Key": k, "Value": v} for k, v in ours.items())]
            ours_names = [f".Tags[{i}]" for i in range(len(user), len(tags))]
        # Our tags derive from the address: a problem with them is a problem with metadata.name,
        # which the loader reports itself when it holds a placeholder.
        for name in ours_names:
            conversion.place(name, METADATA_NAME)
            if find_placeholder(self.name):
                conversion.checked.update((name, f"{name}.Value", f"{name}.Key"))
        return {**params, "Tags": tags}

    def _finish(
        self, conversion: Conversion, service: str, operation: str, params: dict[str, Any]
    ) -> AwsRequest:
        validate(params, input_shape(service, operation), conversion)
        self.absorb(conversion)
        return AwsRequest(service=service, operation=operation, params=params)

    def _check_unique(self, conversion: Conversion, items: Any, *, list_name: str, member: str) -> None:
        """Report the second and later items of ``items`` whose ``member`` repeats an earlier one."""
        if not isinstance(items, list):
            return
        seen: dict[Any, int] = {}
        for i, item in enumerate(items):
            value = item.get(member) if isinstance(item, dict) else None
            if value is None:
                continue
            if value in seen:
                conversion.problem(
                    conversion.origin(f"{list_name}[{i}].{member}"),
                    f'duplicate {display_name(member)} "{value}" (also used by item {seen[value]})',
                )
            else:
                seen[value] = i

    def _explicit_name(self, params: Mapping[str, Any], member: str, conversion: Conversion) -> str | None:
        """The name the spec gives itself, if any (a non-string one is an error, never replaced)."""
        value = params.get(member)
        if value is None or isinstance(value, str):
            return value
        conversion.problem(conversion.origin(f".{member}"), type_mismatch_message("a string", value))
        conversion.checked.add(f".{member}")
        return None

    # ------------------------------------------------------------------ jobs

    def _job(self, spec: Mapping[str, Any]) -> _Built:
        info = JOB_KINDS[self.kind]
        operation = info.create_call
        conversion = Conversion(service=SAGEMAKER)
        params = conversion.members(
            spec, input_shape(SAGEMAKER, operation), path=SPEC, ignore=self.dialect_fields
        )
        user_tags = self._take_user_tags(params, conversion)
        self._check_instance_count(params, conversion)
        explicit = self._explicit_name(params, info.name_member, conversion)
        view = request_view(SAGEMAKER, operation, params, user_tags)
        spec_hash = content_hash([view])
        previous: tuple[str, ...] = ()
        if isinstance(explicit, str):
            name = explicit
        else:
            digest = job_name_digest(address=str(self.address), spec_hash=spec_hash)
            name = hashed_name(self.name, digest=digest, max_length=info.name_max_length)
            # The name the rule before issue 7 gave (spec hash only): an existing job under it carries over.
            previous = (hashed_name(self.name, digest=spec_hash, max_length=info.name_max_length),)
            conversion.place(f".{info.name_member}", METADATA_NAME)
        params = {info.name_member: name, **{k: v for k, v in params.items() if k != info.name_member}}
        params = self._with_tags(
            params, conversion, operation=operation, user_tags=user_tags, spec_hash=spec_hash
        )
        request = self._finish(conversion, SAGEMAKER, operation, params)
        return _Built(
            requests=[request],
            names={"job": name},
            spec_hash=spec_hash,
            explicit_name=isinstance(explicit, str),
            previous_names=previous,
        )

    def _check_instance_count(self, params: Mapping[str, Any], conversion: Conversion) -> None:
        """``resourceConfig.instanceCount: 0`` passes the model's min of 0, which exists for instance groups only."""
        config = params.get("ResourceConfig")
        if isinstance(config, dict) and config.get("InstanceCount") == 0 and not config.get("InstanceGroups"):
            conversion.problem(
                conversion.origin(".ResourceConfig.InstanceCount"),
                "must be at least 1 (0 is only allowed together with instanceGroups)",
            )

    # ------------------------------------------------------------------ one SageMaker resource

    def _single(
        self,
        spec: Mapping[str, Any],
        *,
        operation: str,
        name_member: str,
        role: str,
        max_length: int,
        content_addressed: bool,
    ) -> _Built:
        conversion = Conversion(service=SAGEMAKER)
        params = conversion.members(
            spec, input_shape(SAGEMAKER, operation), path=SPEC, ignore=self.dialect_fields
        )
        if operation == "CreateEndpointConfig":
            self._check_unique(
                conversion,
                params.get("ProductionVariants"),
                list_name=".ProductionVariants",
                member="VariantName",
            )
        user_tags = self._take_user_tags(params, conversion)
        explicit = self._explicit_name(params, name_member, conversion)
        view = request_view(SAGEMAKER, operation, params, user_tags)
        spec_hash = content_hash([view])
        if isinstance(explicit, str):
            name = explicit
        else:
            conversion.place(f".{name_member}", METADATA_NAME)
            if content_addressed:
                name = hashed_name(self.name, digest=spec_hash, max_length=max_length)
            else:
                name = fit_name(self.name, max_length=max_length)
        params = {name_member: name, **{k: v for k, v in params.items() if k != name_member}}
        params = self._with_tags(
            params, conversion, operation=operation, user_tags=user_tags, spec_hash=spec_hash
        )
        request = self._finish(conversion, SAGEMAKER, operation, params)
        return _Built(
            requests=[request],
            names={role: name},
            spec_hash=spec_hash,
            explicit_name=isinstance(explicit, str),
        )

    def _model(self, spec: Mapping[str, Any]) -> _Built:
        return self._single(
            spec,
            operation="CreateModel",
            name_member="ModelName",
            role="model",
            max_length=MODEL_NAME_MAX,
            content_addressed=True,
        )

    def _endpoint_config(self, spec: Mapping[str, Any]) -> _Built:
        return self._single(
            spec,
            operation="CreateEndpointConfig",
            name_member="EndpointConfigName",
            role="endpoint_config",
            max_length=ENDPOINT_CONFIG_NAME_MAX,
            content_addressed=True,
        )

    def _endpoint(self, spec: Mapping[str, Any]) -> _Built:
        return self._single(
            spec,
            operation="CreateEndpoint",
            name_member="EndpointName",
            role="endpoint",
            max_length=ENDPOINT_NAME_MAX,
            content_addressed=False,
        )

    # ------------------------------------------------------------------ HostingDeployment

    _HD_FIELDS: ClassVar[tuple[str, ...]] = (
        "endpointName",
        "models",
        "productionVariants",
        "kmsKeyId",
        "tags",
        "retainAllVariantProperties",
        "excludeRetainedVariantProperties",
        "containers",
        *V1_DIALECT_FIELDS,
    )

    def _hosting_deployment(self, spec: Mapping[str, Any]) -> _Built:
        for key in spec:
            if key not in self._HD_FIELDS:
                self.problem(
                    (*SPEC, str(key)),
                    unknown_field_message(str(key), self._HD_FIELDS, where="HostingDeployment spec"),
                )
        update_options = self._update_only_options(spec)

        endpoint_conversion = Conversion(service=SAGEMAKER)
        endpoint_params = endpoint_conversion.members(
            {k: spec[k] for k in ("endpointName", "tags") if k in spec},
            input_shape(SAGEMAKER, "CreateEndpoint"),
            path=SPEC,
        )
        user_tags = self._take_user_tags(endpoint_params, endpoint_conversion)
        explicit = endpoint_params.get("EndpointName")
        if isinstance(explicit, str):
            endpoint = explicit
        else:
            endpoint = fit_name(self.name, max_length=ENDPOINT_NAME_MAX)
            endpoint_conversion.place(".EndpointName", METADATA_NAME)

        model_requests, model_names, model_views = self._hosting_models(
            spec, endpoint=endpoint, shared=self._shared_containers(spec)
        )

        config_op = "CreateEndpointConfig"
        config_conversion = Conversion(service=SAGEMAKER)
        config_params = config_conversion.members(
            {k: spec[k] for k in ("productionVariants", "kmsKeyId", "tags") if k in spec},
            input_shape(SAGEMAKER, config_op),
            path=SPEC,
        )
        config_tags = config_params.pop("Tags", None)
        variants = config_params.get("ProductionVariants")
        if "productionVariants" not in spec:
            self.problem((*SPEC, "productionVariants"), "missing required field productionVariants")
        elif isinstance(variants, list) and not variants:
            self.problem((*SPEC, "productionVariants"), "must list at least one production variant")
        self._check_unique(config_conversion, variants, list_name=".ProductionVariants", member="VariantName")
        view_variants: list[Any] = []
        for i, variant in enumerate(variants if isinstance(variants, list) else []):
            where = config_conversion.origin(f".ProductionVariants[{i}]")
            model = variant.get("ModelName")
            view_variants.append(dict(variant))
            if model is None:
                config_conversion.problem((*where, "modelName"), "missing required field modelName")
            elif model not in model_names:
                known = ", ".join(f'"{m}"' for m in model_names) or "none"
                config_conversion.problem(
                    config_conversion.origin(f".ProductionVariants[{i}].ModelName"),
                    f'names model "{model}", which is not in spec.models (models: {known})',
                )
            else:
                variant["ModelName"] = model_names[model]
        config_hash = content_hash([request_view(SAGEMAKER, config_op, config_params, config_tags)])
        config_name = hashed_name(endpoint, digest=config_hash, max_length=ENDPOINT_CONFIG_NAME_MAX)
        config_conversion.place(".EndpointConfigName", METADATA_NAME)

        # The resource's hash: every request without the names we generate and without our tags.
        config_view_params = (
            {**config_params, "ProductionVariants": view_variants}
            if isinstance(variants, list)
            else config_params
        )
        spec_hash = content_hash(
            [
                *model_views,
                request_view(SAGEMAKER, config_op, config_view_params, config_tags),
                request_view(SAGEMAKER, "CreateEndpoint", {}, user_tags),
            ]
        )

        if pinned := self._pinned_hosting_names(spec_hash, model_names):
            # Names the original operator gave this deployment, kept by `migrate` while the spec is
            # the one it migrated: the running endpoint stays as it is.
            config_name, renamed = pinned
            rename = {model_names[k]: v for k, v in renamed.items()}
            model_requests = [
                (AwsRequest(service=r.service, operation=r.operation,
                            params={**r.params, "ModelName": rename.get(str(r.params["ModelName"]), r.params["ModelName"])}),
                 c)
                for r, c in model_requests
            ]
            for variant in variants if isinstance(variants, list) else []:
                if isinstance(variant, dict) and variant.get("ModelName") in rename:
                    variant["ModelName"] = rename[variant["ModelName"]]
            model_names = {k: rename.get(v, v) for k, v in model_names.items()}

        requests: list[AwsRequest] = []
        for request, conversion in model_requests:
            params = self._with_tags(
                dict(request.params),
                conversion,
                operation="CreateModel",
                user_tags=user_tags,
                spec_hash=spec_hash,
            )
            requests.append(self._finish(conversion, SAGEMAKER, "CreateModel", params))
        config = self._with_tags(
            {"EndpointConfigName": config_name, **config_params},
            config_conversion,
            operation=config_op,
            user_tags=config_tags,
            spec_hash=spec_hash,
        )
        requests.append(self._finish(config_conversion, SAGEMAKER, config_op, config))
        endpoint_request = self._with_tags(
            {"EndpointName": endpoint, "EndpointConfigName": config_name},
            endpoint_conversion,
            operation="CreateEndpoint",
            user_tags=user_tags,
            spec_hash=spec_hash,
        )
        requests.append(self._finish(endpoint_conversion, SAGEMAKER, "CreateEndpoint", endpoint_request))
        names = {
            "endpoint": endpoint,
            "endpoint_config": config_name,
            **{f"model:{k}": v for k, v in model_names.items()},
        }
        return _Built(
            requests=requests,
            names=names,
            spec_hash=spec_hash,
            explicit_name=isinstance(explicit, str),
            update_options=update_options,
        )

    def _pinned_hosting_names(self, spec_hash: str, model_names: Mapping[str, str]) -> tuple[str, dict[str, str]] | None:
        """(endpoint config name, spec model name -> model name) from :data:`ANNOTATION_MIGRATED_NAMES`
        when it was written for exactly this spec (``specHash``); None otherwise (an edited spec gets
        content-addressed names again, so an update creates new models and config as usual)."""
        raw = self.annotations.get(ANNOTATION_MIGRATED_NAMES)
        if raw is None:
            return None
        path: FieldPath = ("metadata", "annotations", ANNOTATION_MIGRATED_NAMES)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            self.problem(path, f"not JSON: {exc}")
            return None
        config = data.get("endpointConfigName") if isinstance(data, dict) else None
        models = data.get("models") if isinstance(data, dict) else None
        if not (isinstance(config, str) and config and isinstance(models, dict)
                and all(isinstance(k, str) and isinstance(v, str) and v for k, v in models.items())):
            self.problem(path, 'must be JSON {"specHash": ..., "endpointConfigName": ..., "models": {name: model name}}')
            return None
        if data.get("specHash") != spec_hash:
            return None
        if set(models) != set(model_names):
            self.problem(path, f"names models {sorted(models)}, but spec.models has {sorted(model_names)}")
            return None
        return config, dict(models)

    def _update_only_options(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The UpdateEndpoint-only options, checked against and converted by that operation's shapes."""
        update = input_shape(SAGEMAKER, "UpdateEndpoint")
        conversion = Conversion(service=SAGEMAKER)
        keys = ("retainAllVariantProperties", "excludeRetainedVariantProperties")
        for key in keys:
            if spec.get(key) is not None:
                member = resolve_member(update, key)
                assert member is not None
                check_value(
                    spec[key],
                    update.members[member],
                    path=(*SPEC, key),
                    conversion=conversion,
                    name=f".{member}",
                )
        given = {k: spec[k] for k in keys if spec.get(k) is not None}
        converted = conversion.members(given, update, path=SPEC) if given else {}
        self.absorb(conversion)
        return converted

    def _shared_containers(self, spec: Mapping[str, Any]) -> dict[str, tuple[Any, FieldPath]]:
        """The user guide's format: top-level ``spec.containers`` by ``containerHostname``.

        Models then name them (``containers: [hostname]``, ``primaryContainer: hostname``); the
        CRD's own format puts the container objects inline in ``models[].containers``. Both
        normalise to the same CreateModel requests.
        """
        raw = spec.get("containers")
        path = (*SPEC, "containers")
        if raw is None:
            return {}
        if not isinstance(raw, list):
            self.problem(path, type_mismatch_message("a list", raw))
            return {}
        shared: dict[str, tuple[Any, FieldPath]] = {}
        for k, item in enumerate(raw):
            hostname = item.get("containerHostname") if isinstance(item, dict) else None
            if not isinstance(item, dict):
                self.problem((*path, k), type_mismatch_message("a mapping", item))
            elif not isinstance(hostname, str) or not hostname:
                self.problem((*path, k, "containerHostname"),
                             "missing required field containerHostname (models name shared containers by it)")
            elif hostname in shared:
                self.problem((*path, k, "containerHostname"), f'duplicate containerHostname "{hostname}"')
            else:
                shared[hostname] = (item, (*path, k))
        return shared

    def _hosting_models(
        self, spec: Mapping[str, Any], *, endpoint: str, shared: Mapping[str, tuple[Any, FieldPath]]
    ) -> tuple[list[tuple[AwsRequest, Conversion]], dict[str, str], list[dict[str, Any]]]:
        """The CreateModel requests (without our tags yet), spec name -> generated name, and hash views."""
        models = spec.get("models")
        path = (*SPEC, "models")
        if models is None:
            self.problem(path, "missing required field models")
            return [], {}, []
        if not isinstance(models, list) or not models:
            self.problem(
                path,
                "must list at least one model"
                if isinstance(models, list)
                else type_mismatch_message("a list", models),
            )
            return [], {}, []
        shape = input_shape(SAGEMAKER, "CreateModel")
        container_shape = shape.members["PrimaryContainer"]
        assert container_shape.type_name == "structure"
        requests: list[tuple[AwsRequest, Conversion]] = []
        names: dict[str, str] = {}
        views: list[dict[str, Any]] = []
        tags = spec.get("tags")
        for i, entry in enumerate(models):
            where = (*path, i)
            if not isinstance(entry, dict):
                self.problem(where, type_mismatch_message("a mapping", entry))
                continue
            model_name = entry.get("name")
            if not isinstance(model_name, str) or not model_name:
                self.problem(
                    (*where, "name"),
                    "missing required field name"
                    if model_name is None
                    else type_mismatch_message("a string", model_name),
                )
                continue
            if placeholder := find_placeholder(model_name):
                self.problem((*where, "name"), placeholder_message(placeholder))
            if model_name in names:
                self.problem((*where, "name"), f'duplicate model name "{model_name}"')
                continue
            conversion = Conversion(service=SAGEMAKER, root=where)
            params = conversion.members(
                entry,
                shape,
                path=where,
                ignore=("name", "containers", "primaryContainer"),
                reserved={
                    "ModelName": "gitops-sm names each model <endpoint>-<name>-<hash>",
                    "Tags": "use spec.tags",
                },
            )
            params.update(
                self._hosting_containers(
                    entry, conversion, where=where, container_shape=container_shape, shared=shared
                )
            )
            if tags is not None:
                params.update(conversion.members({"tags": tags}, shape, path=SPEC))
            user_tags = params.pop("Tags", None)
            view = request_view(SAGEMAKER, "CreateModel", params, user_tags)
            generated = hashed_name(
                f"{endpoint}-{model_name}", digest=content_hash([view]), max_length=MODEL_NAME_MAX
            )
            conversion.place(".ModelName", (*where, "name"))
            names[model_name] = generated
            views.append(view)
            request = AwsRequest(
                service=SAGEMAKER, operation="CreateModel", params={"ModelName": generated, **params}
            )
            requests.append((request, conversion))
        return requests, names, views

    def _hosting_containers(
        self,
        entry: Mapping[str, Any],
        conversion: Conversion,
        *,
        where: FieldPath,
        container_shape: Any,
        shared: Mapping[str, tuple[Any, FieldPath]],
    ) -> dict[str, Any]:
        """PrimaryContainer (one container) or Containers (several), as the original operator chose."""
        containers = entry.get("containers")
        path = (*where, "containers")
        if containers is None and isinstance(entry.get("primaryContainer"), str) and shared:
            containers = [entry["primaryContainer"]]  # only a primary container, named by hostname
        placed: list[tuple[Any, FieldPath]] = []
        unresolved = False
        for j, item in enumerate(containers if isinstance(containers, list) else []):
            if isinstance(item, str):  # the user guide's format: a hostname from spec.containers
                if item not in shared:
                    known = ", ".join(f'"{h}"' for h in shared) or "none"
                    conversion.problem(
                        (*path, j),
                        f'names container "{item}", which is not in spec.containers (containerHostname: {known})',
                    )
                    unresolved = True
                    continue
                placed.append(shared[item])
            else:
                placed.append((item, (*path, j)))
        if not isinstance(containers, list) or not containers:
            message = (
                "a model needs at least one container"
                if containers is None or containers == []
                else type_mismatch_message("a list", containers)
            )
            conversion.problem(path, message)
            return {}
        several = len(containers) > 1
        converted: list[dict[str, Any]] = []
        hostnames: dict[str, int] = {}
        for j, (item, item_path) in enumerate(placed):
            name = f".Containers[{j}]" if several else ".PrimaryContainer"
            conversion.place(name, item_path)
            value = conversion.value(item, container_shape, path=item_path, name=name)
            if value is DROP:
                continue
            hostname = value.get("ContainerHostname")
            if isinstance(hostname, str):
                if hostname in hostnames:
                    conversion.problem(
                        (*item_path, "containerHostname"),
                        f'duplicate containerHostname "{hostname}" (also container {hostnames[hostname]})',
                    )
                hostnames.setdefault(hostname, j)
            converted.append(value)
        primary = entry.get("primaryContainer")
        if primary is not None:
            primary_path = (*where, "primaryContainer")
            if not isinstance(primary, str):
                conversion.problem(primary_path, type_mismatch_message("a string", primary))
            elif several:
                conversion.problem(
                    primary_path,
                    "applies only to a model with one container; with several, SageMaker runs all of them "
                    "(the original operator ignored this field) — remove it",
                )
            elif primary not in hostnames and not unresolved:
                known = ", ".join(f'"{h}"' for h in hostnames) or "none"
                conversion.problem(
                    primary_path,
                    f'names container "{primary}", which is not in containers (containerHostname: {known})',
                )
        if not converted:
            return {}
        return {"Containers": converted} if several else {"PrimaryContainer": converted[0]}

    # ------------------------------------------------------------------ autoscaling

    _HAP_OWN_FIELDS: ClassVar[tuple[str, ...]] = ("resourceId", *V1_DIALECT_FIELDS)

    def _hosting_autoscaling_policy(self, spec: Mapping[str, Any]) -> _Built:
        target_shape = input_shape(AUTOSCALING, "RegisterScalableTarget")
        policy_shape = input_shape(AUTOSCALING, "PutScalingPolicy")
        reserved = {
            "ResourceId": "list endpoint/variant pairs in spec.resourceId",
            "Tags": "a HostingAutoscalingPolicy has no tags; gitops-sm tags the scalable targets itself",
        }
        target_part: dict[str, Any] = {}
        policy_part: dict[str, Any] = {}
        for key, value in spec.items():
            if key in self._HAP_OWN_FIELDS:
                continue
            in_target = resolve_member(target_shape, str(key))
            in_policy = resolve_member(policy_shape, str(key))
            if in_target is None and in_policy is None:
                candidates = {
                    display_name(m)
                    for m in [*target_shape.members, *policy_shape.members]
                    if m not in reserved
                }
                self.problem(
                    (*SPEC, str(key)),
                    unknown_field_message(
                        str(key), [*candidates, *self._HAP_OWN_FIELDS], where="HostingAutoscalingPolicy spec"
                    ),
                )
                continue
            if in_target is not None:
                target_part[key] = value
            if in_policy is not None:
                policy_part[key] = value

        resource_ids = self._hap_resource_ids(spec.get("resourceId"))
        requests: list[AwsRequest] = []
        conversions: list[Conversion] = []
        names: dict[str, str] = {}
        for rid, rid_path in resource_ids:
            target_conversion = Conversion(service=AUTOSCALING)
            target = target_conversion.members(target_part, target_shape, path=SPEC, reserved=reserved)
            target = {
                "ServiceNamespace": target.pop("ServiceNamespace", HAP_DEFAULT_SERVICE_NAMESPACE),
                "ResourceId": rid,
                "ScalableDimension": target.pop("ScalableDimension", HAP_DEFAULT_SCALABLE_DIMENSION),
                **target,
            }
            target_conversion.place(".ResourceId", rid_path)
            policy_conversion = Conversion(service=AUTOSCALING)
            policy = policy_conversion.members(policy_part, policy_shape, path=SPEC, reserved=reserved)
            policy = {
                "PolicyName": policy.pop("PolicyName", HAP_DEFAULT_POLICY_NAME),
                "ServiceNamespace": policy.pop("ServiceNamespace", HAP_DEFAULT_SERVICE_NAMESPACE),
                "ResourceId": rid,
                "ScalableDimension": policy.pop("ScalableDimension", HAP_DEFAULT_SCALABLE_DIMENSION),
                "PolicyType": policy.pop("PolicyType", HAP_DEFAULT_POLICY_TYPE),
                **policy,
            }
            policy_conversion.place(".ResourceId", rid_path)
            self._check_target(target, target_conversion)
            self._check_policy(policy, policy_conversion)
            requests += [
                AwsRequest(service=AUTOSCALING, operation="RegisterScalableTarget", params=target),
                AwsRequest(service=AUTOSCALING, operation="PutScalingPolicy", params=policy),
            ]
            conversions += [target_conversion, policy_conversion]
            names[f"target:{rid}"] = rid
            names[f"policy:{rid}"] = policy["PolicyName"]
        spec_hash = content_hash([request_view(r.service, r.operation, dict(r.params), None) for r in requests])
        finished = [
            self._finish(
                conversion,
                r.service,
                r.operation,
                self._with_tags(
                    dict(r.params), conversion, operation=r.operation, user_tags=None, spec_hash=spec_hash
                ),
            )
            for r, conversion in zip(requests, conversions, strict=True)
        ]
        return _Built(requests=finished, names=names, spec_hash=spec_hash, explicit_name=True)

    def _hap_resource_ids(self, raw: Any) -> list[tuple[str, FieldPath]]:
        path = (*SPEC, "resourceId")
        if raw is None:
            self.problem(path, "missing required field resourceId (a list of {endpointName, variantName})")
            return []
        if not isinstance(raw, list) or not raw:
            self.problem(
                path,
                "must list at least one {endpointName, variantName}"
                if isinstance(raw, list)
                else type_mismatch_message("a list", raw),
            )
            return []
        conversion = Conversion(service=SAGEMAKER)
        found: list[tuple[str, FieldPath]] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(raw):
            where = (*path, i)
            if not isinstance(item, dict):
                conversion.problem(
                    where, type_mismatch_message("a mapping with endpointName and variantName", item)
                )
                continue
            for key in item:
                if key not in ("endpointName", "variantName"):
                    conversion.problem(
                        (*where, str(key)),
                        unknown_field_message(str(key), ("endpointName", "variantName"), where="resourceId"),
                    )
            parts: list[str] = []
            for key, shape_name in (("endpointName", "EndpointName"), ("variantName", "VariantName")):
                value = item.get(key)
                if value is None:
                    conversion.problem(
                        (*where, key),
                        f"missing required field {key}: a resource ID names an endpoint and its variant",
                    )
                    continue
                before = len(conversion.problems)
                check_value(
                    value,
                    shape_named(SAGEMAKER, shape_name),
                    path=(*where, key),
                    conversion=conversion,
                    name=f"[{i}].{key}",
                )
                if len(conversion.problems) == before:
                    parts.append(value)
            if len(parts) == 2:
                rid = f"endpoint/{parts[0]}/variant/{parts[1]}"
                if rid in seen:
                    conversion.problem(where, f"duplicate resource ID {rid} (also item {seen[rid]})")
                    continue
                seen[rid] = i
                found.append((rid, where))
        self.absorb(conversion)
        return found

    def _check_scalable(self, params: Mapping[str, Any], conversion: Conversion) -> None:
        """Rules for any autoscaling request: SageMaker variants only, one dimension, a well-formed resource ID."""
        namespace = params.get("ServiceNamespace")
        if isinstance(namespace, str) and namespace != HAP_DEFAULT_SERVICE_NAMESPACE:
            conversion.problem(
                conversion.origin(".ServiceNamespace"),
                f'gitops-sm manages SageMaker endpoint variants only; serviceNamespace must be "sagemaker", got "{namespace}"',
            )
            return
        dimension = params.get("ScalableDimension")
        if isinstance(dimension, str) and dimension != HAP_DEFAULT_SCALABLE_DIMENSION:
            conversion.problem(
                conversion.origin(".ScalableDimension"),
                f'must be "{HAP_DEFAULT_SCALABLE_DIMENSION}" (the variant instance count gitops-sm manages), got "{dimension}"',
            )
        rid = params.get("ResourceId")
        if isinstance(rid, str) and ".ResourceId" not in conversion.checked:
            match = _RESOURCE_ID.fullmatch(rid)
            where = conversion.origin(".ResourceId")
            if match is None:
                conversion.problem(
                    where,
                    f'"{rid}" is not a SageMaker variant resource ID: expected endpoint/<endpoint name>/variant/<variant name>',
                )
            else:
                for part, shape_name in ((match.group(1), "EndpointName"), (match.group(2), "VariantName")):
                    check_value(
                        part,
                        shape_named(SAGEMAKER, shape_name),
                        path=where,
                        conversion=conversion,
                        name=f".ResourceId<{shape_name}>",
                    )

    def _check_target(self, params: Mapping[str, Any], conversion: Conversion) -> None:
        self._check_scalable(params, conversion)
        low, high = params.get("MinCapacity"), params.get("MaxCapacity")
        for member, value in (("MinCapacity", low), ("MaxCapacity", high)):
            if value is None and f".{member}" not in conversion.given:
                conversion.problem(
                    (*SPEC, display_name(member)),
                    f"missing required field {display_name(member)} (needed to register a scalable target)",
                )
        for member, value in (("MinCapacity", low), ("MaxCapacity", high)):
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                conversion.problem(
                    conversion.origin(f".{member}"), f"{display_name(member)} must be at least 0, got {value}"
                )
        if isinstance(low, int) and isinstance(high, int) and low > high:
            conversion.problem(
                conversion.origin(".MinCapacity"), f"minCapacity {low} is greater than maxCapacity {high}"
            )

    _POLICY_CONFIG: ClassVar[Mapping[str, str]] = {
        "TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration",
        "StepScaling": "StepScalingPolicyConfiguration",
        "PredictiveScaling": "PredictiveScalingPolicyConfiguration",
    }

    def _check_policy(self, params: Mapping[str, Any], conversion: Conversion) -> None:
        self._check_scalable(params, conversion)
        policy_type = params.get("PolicyType")
        if policy_type is None and ".PolicyType" not in conversion.given:
            conversion.problem(
                (*SPEC, "policyType"),
                "missing required field policyType (needed to create a scaling policy)",
            )
        config = self._POLICY_CONFIG.get(policy_type) if isinstance(policy_type, str) else None
        if config and config not in params and f".{config}" not in conversion.given:
            conversion.problem(
                (*SPEC, display_name(config)),
                f"missing required field {display_name(config)} (policyType is {policy_type})",
            )

    def _scalable_target(self, spec: Mapping[str, Any]) -> _Built:
        operation = "RegisterScalableTarget"
        conversion = Conversion(service=AUTOSCALING)
        params = conversion.members(
            spec, input_shape(AUTOSCALING, operation), path=SPEC, ignore=self.dialect_fields
        )
        user_tags = self._take_user_tags(params, conversion)
        self._check_target(params, conversion)
        spec_hash = content_hash([request_view(AUTOSCALING, operation, params, user_tags)])
        rid = params.get("ResourceId")
        final = self._with_tags(
            params, conversion, operation=operation, user_tags=user_tags, spec_hash=spec_hash
        )
        request = self._finish(conversion, AUTOSCALING, operation, final)
        return _Built(
            requests=[request], names={f"target:{rid}": str(rid)}, spec_hash=spec_hash, explicit_name=True
        )

    def _scaling_policy(self, spec: Mapping[str, Any]) -> _Built:
        operation = "PutScalingPolicy"
        conversion = Conversion(service=AUTOSCALING)
        params = conversion.members(
            spec, input_shape(AUTOSCALING, operation), path=SPEC, ignore=self.dialect_fields
        )
        self._check_policy(params, conversion)
        spec_hash = content_hash([request_view(AUTOSCALING, operation, params, None)])
        request = self._finish(conversion, AUTOSCALING, operation, params)
        rid, policy = params.get("ResourceId"), params.get("PolicyName")
        return _Built(
            requests=[request], names={f"policy:{rid}": str(policy)}, spec_hash=spec_hash, explicit_name=True
        )


def _values_at(data: Any, path: FieldPath) -> list[Any]:
    """The scalar(s) at ``path`` in a document: the value itself, or a ``{name, value}`` pair's value."""
    node = data
    for part in path:
        if isinstance(part, int):
            if not (isinstance(node, list) and 0 <= part < len(node)):
                return []
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return []
    if isinstance(node, dict):
        return [v for k, v in node.items() if k in ("value", "Value")]
    return [node]


_BUILDERS: Mapping[Kind, Callable[[_Normalizer, Mapping[str, Any]], _Built]] = {
    Kind.TRAINING_JOB: _Normalizer._job,
    Kind.HYPERPARAMETER_TUNING_JOB: _Normalizer._job,
    Kind.TRANSFORM_JOB: _Normalizer._job,
    Kind.PROCESSING_JOB: _Normalizer._job,
    Kind.HOSTING_DEPLOYMENT: _Normalizer._hosting_deployment,
    Kind.HOSTING_AUTOSCALING_POLICY: _Normalizer._hosting_autoscaling_policy,
    Kind.MODEL: _Normalizer._model,
    Kind.ENDPOINT_CONFIG: _Normalizer._endpoint_config,
    Kind.ENDPOINT: _Normalizer._endpoint,
    Kind.SCALABLE_TARGET: _Normalizer._scalable_target,
    Kind.SCALING_POLICY: _Normalizer._scaling_policy,
}

__all__: Sequence[str] = ("NormalizeResult", "normalize_document")
