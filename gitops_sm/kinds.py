"""What gitops-sm knows about each supported manifest kind, as plain data.

Used by ``specs`` (which manifest kinds exist and which API request each becomes), by the
planner (job naming limits, terminal statuses) and by ``observe``/``execute`` (which List,
Describe and Stop operations belong to a job kind). Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

API_V1 = "sagemaker.aws.amazon.com/v1"
API_ACK_SAGEMAKER = "sagemaker.services.k8s.aws/v1alpha1"
API_ACK_AUTOSCALING = "applicationautoscaling.services.k8s.aws/v1alpha1"
SUPPORTED_API_VERSIONS = (API_V1, API_ACK_SAGEMAKER, API_ACK_AUTOSCALING)

SAGEMAKER = "sagemaker"
AUTOSCALING = "application-autoscaling"
LOGS = "logs"

# Most prune stops/deletes one pass makes without --allow-mass-prune (design section 4). Here, not in
# the planner, so the command line can show it as a default without importing the planner.
DEFAULT_PRUNE_THRESHOLD = 5

# Tags every resource we create carries (design section 3). Ownership is decided by these.
TAG_PREFIX = "gitops-sm/"  # every tag key gitops-sm writes starts so
TAG_MANAGED_BY = "gitops-sm/managed-by"
TAG_MANAGED_BY_VALUE = "gitops-sm"
TAG_ADDRESS = "gitops-sm/address"
TAG_SPEC_HASH = "gitops-sm/spec-hash"
# Set (to "false") when the spec carries the annotation gitops-sm.io/prune: "false", so the protection
# survives the spec leaving git.
TAG_PRUNE = "gitops-sm/prune"
OUR_TAG_KEYS = (TAG_MANAGED_BY, TAG_ADDRESS, TAG_SPEC_HASH, TAG_PRUNE)
# On an endpoint: the config gitops-sm last moved it to with UpdateEndpoint. With AWS's FailureReason it
# tells every later pass (on any machine) that this update failed, so it is not retried (issue 8).
TAG_UPDATE_TO = "gitops-sm/update-to"
# On a HostingDeployment's endpoint config: its hash without counts/weights (plan._rollout.config_shape).
TAG_CONFIG_SHAPE = "gitops-sm/config-shape"

ANNOTATION_PRUNE = "gitops-sm.io/prune"
ANNOTATION_ADOPT = "gitops-sm.io/adopt"
# On a HostingDeployment written by `migrate --from-cluster`: the original operator's model and endpoint
# config names, used while the spec hash is the recorded one (JSON: specHash, endpointConfigName, models).
ANNOTATION_MIGRATED_NAMES = "gitops-sm.io/migrated-names"
# On a HostingAutoscalingPolicy / ScalingPolicy: "detach-autoscaling" detaches it around every UpdateEndpoint.
ANNOTATION_ENDPOINT_UPDATE = "gitops-sm.io/endpoint-update"

# HostingAutoscalingPolicy defaults (seed 000, restated in design section 4).
HAP_DEFAULT_SERVICE_NAMESPACE = "sagemaker"
HAP_DEFAULT_SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
HAP_DEFAULT_POLICY_TYPE = "TargetTrackingScaling"
HAP_DEFAULT_POLICY_NAME = "SageMakerEndpointInvocationScalingPolicy"


class Kind(StrEnum):
    """Canonical kinds, independent of the dialect a manifest was written in."""

    TRAINING_JOB = "TrainingJob"
    HYPERPARAMETER_TUNING_JOB = "HyperParameterTuningJob"
    TRANSFORM_JOB = "TransformJob"
    PROCESSING_JOB = "ProcessingJob"
    HOSTING_DEPLOYMENT = "HostingDeployment"
    HOSTING_AUTOSCALING_POLICY = "HostingAutoscalingPolicy"
    MODEL = "Model"
    ENDPOINT_CONFIG = "EndpointConfig"
    ENDPOINT = "Endpoint"
    SCALABLE_TARGET = "ScalableTarget"
    SCALING_POLICY = "ScalingPolicy"

    @property
    def is_job(self) -> bool:
        return self in JOB_KINDS

    @property
    def creates_endpoint(self) -> bool:
        """A spec of this kind creates, updates and deletes one SageMaker endpoint."""
        return self in ENDPOINT_KINDS

    @property
    def scales_endpoints(self) -> bool:
        """A spec of this kind registers scalable targets / scaling policies (Application Auto Scaling)."""
        return self in SCALING_KINDS


# The kinds whose spec creates one SageMaker endpoint, and those that declare its autoscaling.
ENDPOINT_KINDS = (Kind.HOSTING_DEPLOYMENT, Kind.ENDPOINT)
SCALING_KINDS = (Kind.HOSTING_AUTOSCALING_POLICY, Kind.SCALABLE_TARGET, Kind.SCALING_POLICY)


# (apiVersion, manifest kind) -> canonical kind.
MANIFEST_KINDS: dict[tuple[str, str], Kind] = {
    (API_V1, "TrainingJob"): Kind.TRAINING_JOB,
    (API_V1, "HyperparameterTuningJob"): Kind.HYPERPARAMETER_TUNING_JOB,
    (API_V1, "BatchTransformJob"): Kind.TRANSFORM_JOB,
    (API_V1, "ProcessingJob"): Kind.PROCESSING_JOB,
    (API_V1, "HostingDeployment"): Kind.HOSTING_DEPLOYMENT,
    (API_V1, "HostingAutoscalingPolicy"): Kind.HOSTING_AUTOSCALING_POLICY,
    (API_V1, "Model"): Kind.MODEL,
    (API_V1, "EndpointConfig"): Kind.ENDPOINT_CONFIG,
    (API_ACK_SAGEMAKER, "TrainingJob"): Kind.TRAINING_JOB,
    (API_ACK_SAGEMAKER, "HyperParameterTuningJob"): Kind.HYPERPARAMETER_TUNING_JOB,
    (API_ACK_SAGEMAKER, "TransformJob"): Kind.TRANSFORM_JOB,
    (API_ACK_SAGEMAKER, "ProcessingJob"): Kind.PROCESSING_JOB,
    (API_ACK_SAGEMAKER, "Model"): Kind.MODEL,
    (API_ACK_SAGEMAKER, "EndpointConfig"): Kind.ENDPOINT_CONFIG,
    (API_ACK_SAGEMAKER, "Endpoint"): Kind.ENDPOINT,
    (API_ACK_AUTOSCALING, "ScalableTarget"): Kind.SCALABLE_TARGET,
    (API_ACK_AUTOSCALING, "ScalingPolicy"): Kind.SCALING_POLICY,
}

# Kinds of our API groups that exist upstream but gitops-sm does not manage: skipped (listed),
# never an error. Any other kind under our apiVersions is an error with a did-you-mean, so a typo
# ("Trainingjob") never makes a spec look like it left git (issue 7).
UNMANAGED_MANIFEST_KINDS: dict[str, frozenset[str]] = {
    API_V1: frozenset(),
    API_ACK_SAGEMAKER: frozenset(
        {
            "App", "AppImageConfig", "DataQualityJobDefinition", "Domain", "FeatureGroup",
            "InferenceComponent", "LabelingJob", "ModelBiasJobDefinition", "ModelExplainabilityJobDefinition",
            "ModelPackage", "ModelPackageGroup", "ModelQualityJobDefinition", "MonitoringSchedule",
            "NotebookInstance", "NotebookInstanceLifecycleConfig", "Pipeline", "PipelineExecution", "Space",
            "UserProfile",
        }
    ),
    API_ACK_AUTOSCALING: frozenset(),
}


@dataclass(frozen=True, kw_only=True)
class JobKindInfo:
    """The SageMaker operations and fields of one job kind."""

    kind: Kind
    noun: str  # "TrainingJob": stem of the API's operation and member names
    name_max_length: int
    log_group: str | None

    @property
    def create_call(self) -> str:
        return f"Create{self.noun}"

    @property
    def describe_call(self) -> str:
        return f"Describe{self.noun}"

    @property
    def stop_call(self) -> str:
        return f"Stop{self.noun}"

    @property
    def list_call(self) -> str:
        return f"List{self.noun}s"

    @property
    def list_key(self) -> str:
        return f"{self.noun}Summaries"

    @property
    def name_member(self) -> str:
        return f"{self.noun}Name"

    @property
    def arn_member(self) -> str:
        return f"{self.noun}Arn"

    @property
    def status_member(self) -> str:
        return f"{self.noun}Status"


JOB_KINDS: dict[Kind, JobKindInfo] = {
    Kind.TRAINING_JOB: JobKindInfo(
        kind=Kind.TRAINING_JOB, noun="TrainingJob", name_max_length=63, log_group="/aws/sagemaker/TrainingJobs"
    ),
    Kind.HYPERPARAMETER_TUNING_JOB: JobKindInfo(
        kind=Kind.HYPERPARAMETER_TUNING_JOB, noun="HyperParameterTuningJob", name_max_length=32, log_group=None
    ),
    Kind.TRANSFORM_JOB: JobKindInfo(
        kind=Kind.TRANSFORM_JOB, noun="TransformJob", name_max_length=63, log_group="/aws/sagemaker/TransformJobs"
    ),
    Kind.PROCESSING_JOB: JobKindInfo(
        kind=Kind.PROCESSING_JOB,
        noun="ProcessingJob",
        name_max_length=63,
        log_group="/aws/sagemaker/ProcessingJobs",
    ),
}

TERMINAL_JOB_STATUSES = frozenset({"Completed", "Failed", "Stopped"})
RUNNING_JOB_STATUSES = frozenset({"InProgress", "Stopping"})

# Endpoint statuses (DescribeEndpoint.EndpointStatus).
ENDPOINT_IN_SERVICE = "InService"
ENDPOINT_FAILED = "Failed"
ENDPOINT_TRANSITIONAL = frozenset(
    {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting", "UpdateRollbackFailed"}
)

# Length limits of SageMaker names that are not jobs.
MODEL_NAME_MAX = 63
ENDPOINT_NAME_MAX = 63
ENDPOINT_CONFIG_NAME_MAX = 63


@dataclass(frozen=True, kw_only=True)
class OperatorKind:
    """One CR kind of an in-cluster operator that gitops-sm reads (cluster CR state)."""

    group: str
    version: str
    kind: str
    plural: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def label(self) -> str:
        return f"{self.kind}.{self.api_version}"


# Every CR kind of the original operator, ACK SageMaker and ACK Application Auto Scaling we read.
OPERATOR_KINDS: tuple[OperatorKind, ...] = tuple(
    OperatorKind(group=api.partition("/")[0], version=api.partition("/")[2], kind=kind, plural=plural)
    for api, kind, plural in (
        (API_V1, "TrainingJob", "trainingjobs"),
        (API_V1, "HyperparameterTuningJob", "hyperparametertuningjobs"),
        (API_V1, "BatchTransformJob", "batchtransformjobs"),
        (API_V1, "ProcessingJob", "processingjobs"),
        (API_V1, "HostingDeployment", "hostingdeployments"),
        (API_V1, "HostingAutoscalingPolicy", "hostingautoscalingpolicies"),
        (API_V1, "Model", "models"),
        (API_V1, "EndpointConfig", "endpointconfigs"),
        (API_ACK_SAGEMAKER, "TrainingJob", "trainingjobs"),
        (API_ACK_SAGEMAKER, "HyperParameterTuningJob", "hyperparametertuningjobs"),
        (API_ACK_SAGEMAKER, "TransformJob", "transformjobs"),
        (API_ACK_SAGEMAKER, "ProcessingJob", "processingjobs"),
        (API_ACK_SAGEMAKER, "Model", "models"),
        (API_ACK_SAGEMAKER, "EndpointConfig", "endpointconfigs"),
        (API_ACK_SAGEMAKER, "Endpoint", "endpoints"),
        (API_ACK_AUTOSCALING, "ScalableTarget", "scalabletargets"),
        (API_ACK_AUTOSCALING, "ScalingPolicy", "scalingpolicies"),
    )
)
