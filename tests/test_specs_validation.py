"""specs validation: malformed manifests give located, human errors (file:line, address, field path).

Each case is a literal manifest; the line the error must point at carries a ``# <-`` comment.
The checks come from botocore's validator (types, required, minimums) plus the constraints its
service model carries but it does not enforce (max, pattern, enum) and gitops-sm's own rules
(placeholders, resource IDs, model references, reserved tags). Design section 2.
"""

from __future__ import annotations

import textwrap

import pytest

from gitops_sm.kinds import MANIFEST_KINDS
from gitops_sm.model import Address, Issue
from gitops_sm.specs._normalize import normalize_document
from gitops_sm.specs._yaml import parse_documents
from tests.manifests import hosting_deployment

MARK = "# <-"


def issues_of(text: str) -> tuple[tuple[Issue, ...], int]:
    """The issues of the one document in ``text`` and the line marked ``# <-``."""
    text = textwrap.dedent(text)
    marked = [number for number, line in enumerate(text.splitlines(), start=1) if MARK in line]
    assert len(marked) == 1, "each case marks exactly one line"
    parsed = parse_documents(text, path="specs/bad.yaml")
    assert not parsed.issues
    doc = parsed.documents[0].document
    kind = MANIFEST_KINDS[(doc.api_version, doc.kind)]
    address = Address(kind=kind.value, namespace="default", name=doc.data["metadata"]["name"])
    result = normalize_document(doc, kind=kind, address=address)
    assert result.resource is None, "a malformed manifest must not become a resource"
    for issue in result.issues:
        assert (
            issue.address == str(address)
            and issue.source is not None
            and issue.source.path == "specs/bad.yaml"
        )
    return result.issues, marked[0]


def training(body: str, *, extra: str = "") -> str:
    """A valid v1 TrainingJob with ``body`` replacing its resourceConfig block."""
    return f"""\
apiVersion: sagemaker.aws.amazon.com/v1
kind: TrainingJob
metadata:
  name: job
spec:
  region: us-west-2
  algorithmSpecification:
    trainingImage: 433757028032.dkr.ecr.us-west-2.amazonaws.com/xgboost:1
    trainingInputMode: File
  roleArn: arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole
  outputDataConfig:
    s3OutputPath: s3://my-bucket/xgboost
  stoppingCondition:
    maxRuntimeInSeconds: 86400
{textwrap.indent(textwrap.dedent(body), "  ")}{extra}"""


RESOURCES = """\
resourceConfig:
  instanceCount: 1
  instanceType: ml.m4.xlarge
  volumeSizeInGB: 5
"""

HOSTING = """\
apiVersion: sagemaker.aws.amazon.com/v1
kind: HostingDeployment
metadata:
  name: hosting
spec:
  productionVariants:
    - variantName: AllTraffic
      modelName: MODEL_A
      initialInstanceCount: 1
      instanceType: ml.r5.large
    VARIANT_2
  models:
    - name: xgb
      executionRoleArn: arn:aws:iam::123456789012:role/r
      PRIMARY
      containers:
        - containerHostname: main
          image: 123456789012.dkr.ecr.us-east-2.amazonaws.com/xgboost:latest
    MODEL_2
"""


def hosting(*, model_a: str = "xgb", variant_2: str = "", primary: str = "", model_2: str = "") -> str:
    return (
        HOSTING.replace("MODEL_A", model_a)
        .replace("    VARIANT_2\n", variant_2)
        .replace("      PRIMARY\n", primary)
        .replace("    MODEL_2\n", model_2)
    )


def scalable_target(
    *, resource_id: str = "endpoint/ep/variant/AllTraffic", namespace: str = "sagemaker", extra: str = ""
) -> str:
    return f"""\
apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
kind: ScalableTarget
metadata:
  name: target
spec:
  maxCapacity: 2
  minCapacity: 1
  resourceID: {resource_id}
  scalableDimension: "sagemaker:variant:DesiredInstanceCount"
  serviceNamespace: {namespace}
{extra}"""


CASES = {
    "string where an integer is expected": (
        training(RESOURCES.replace("instanceCount: 1", f'instanceCount: "1"  {MARK}')),
        "spec.resourceConfig.instanceCount",
        "expected an integer but YAML read the string '1'; remove the quotes",
    ),
    "boolean where an integer is expected": (
        training(RESOURCES.replace("instanceCount: 1", f"instanceCount: true  {MARK}")),
        "spec.resourceConfig.instanceCount",
        "expected an integer but YAML read the boolean true",
    ),
    "negative instance count": (
        training(RESOURCES.replace("instanceCount: 1", f"instanceCount: -1  {MARK}")),
        "spec.resourceConfig.instanceCount",
        "must be at least 0, got -1",
    ),
    "unknown field with a suggestion": (
        training(RESOURCES.replace("instanceCount: 1", f"instanceCont: 1  {MARK}")),
        "spec.resourceConfig.instanceCont",
        'unknown field "instanceCont" (not in ResourceConfig); did you mean "instanceCount"?',
    ),
    "missing required field": (
        training(RESOURCES)
        .replace("  roleArn: arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole\n", "")
        .replace("spec:\n", f"spec:  {MARK}\n"),
        "spec.roleArn",
        "missing required field roleArn",
    ),
    "bad enum value": (
        training(RESOURCES).replace("trainingInputMode: File", f"trainingInputMode: file  {MARK}"),
        "spec.algorithmSpecification.trainingInputMode",
        '"file" is not one of: Pipe, File, FastFile; did you mean "File"?',
    ),
    "pattern violation": (
        training(RESOURCES, extra=f"  trainingJobName: my_job  {MARK}\n"),
        "spec.trainingJobName",
        "'my_job' is not a valid TrainingJobName (must match [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})",
    ),
    "explicit name that is not a string": (
        training(RESOURCES, extra=f"  trainingJobName: 2024  {MARK}\n"),
        "spec.trainingJobName",
        'expected a string but YAML read the integer 2024; quote it ("2024")',
    ),
    "name too long": (
        training(RESOURCES, extra=f"  trainingJobName: {'a' * 64}  {MARK}\n"),
        "spec.trainingJobName",
        "is 64 characters long; TrainingJobName allows at most 63",
    ),
    "number where a hyperparameter string is expected": (
        training(RESOURCES, extra=f"  hyperParameters:\n    - name: max_depth\n      value: 5  {MARK}\n"),
        "spec.hyperParameters[0].value",
        'expected a string but YAML read the integer 5; quote it ("5")',
    ),
    "duplicate hyperparameter name": (
        training(
            RESOURCES,
            extra=f'  hyperParameters:\n    - name: eta\n      value: "1"\n    - name: eta  {MARK}\n      value: "2"\n',
        ),
        "spec.hyperParameters[1].name",
        'duplicate name "eta" (first given at spec.hyperParameters[0].name)',
    ),
    "angle-bracket placeholder": (
        training(RESOURCES).replace(
            "s3OutputPath: s3://my-bucket/xgboost", f"s3OutputPath: s3://<YOUR BUCKET>/out  {MARK}"
        ),
        "spec.outputDataConfig.s3OutputPath",
        "unfilled placeholder <YOUR BUCKET>",
    ),
    "dollar placeholder": (
        training(RESOURCES).replace("instanceType: ml.m4.xlarge", f"instanceType: $INSTANCE_TYPE  {MARK}"),
        "spec.resourceConfig.instanceType",
        "unfilled placeholder $INSTANCE_TYPE",
    ),
    "unquoted {ROLE_ARN} read as a mapping": (
        training(RESOURCES).replace(
            "roleArn: arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
            f"roleArn: {{ROLE_ARN}}  {MARK}",
        ),
        "spec.roleArn",
        "expected a string but YAML read a mapping; an unquoted {ROLE_ARN} placeholder is a YAML flow mapping — fill it in or quote it",
    ),
    "our tag key set by the user": (
        training(RESOURCES, extra=f"  tags:\n    - key: gitops-sm/managed-by  {MARK}\n      value: me\n"),
        "spec.tags[0].key",
        'tag key "gitops-sm/managed-by" is reserved',
    ),
    "too many tags": (
        training(
            RESOURCES,
            extra=f"  tags:  {MARK}\n" + "".join(f"    - {{key: k{i}, value: v}}\n" for i in range(48)),
        ),
        "spec.tags",
        "has 48 tags; with gitops-sm's 3 ownership tags that exceeds AWS's limit of 50",
    ),
    "region that is not a region": (
        training(RESOURCES).replace("region: us-west-2", f"region: us-west  {MARK}"),
        "spec.region",
        "'us-west' is not an AWS region name",
    ),
    "sageMakerEndpoint that is not a URL": (
        training(RESOURCES, extra=f"  sageMakerEndpoint: SAGEMAKER_ENDPOINT  {MARK}\n"),
        "spec.sageMakerEndpoint",
        "'SAGEMAKER_ENDPOINT' is refused: uses no scheme, not https",
    ),
    "non-string prune annotation": (
        training(RESOURCES).replace(
            "  name: job\n", f"  name: job\n  annotations:\n    gitops-sm.io/prune: false  {MARK}\n"
        ),
        "metadata.annotations.gitops-sm.io/prune",
        'annotation values must be strings: expected a string but YAML read the boolean false; quote it ("false")',
    ),
    "variant naming a model that is not in spec.models": (
        hosting(model_a="nope").replace("modelName: nope", f"modelName: nope  {MARK}"),
        "spec.productionVariants[0].modelName",
        'names model "nope", which is not in spec.models (models: "xgb")',
    ),
    "duplicate variant names": (
        hosting(
            variant_2=f"    - variantName: AllTraffic  {MARK}\n      modelName: xgb\n      initialInstanceCount: 1\n      instanceType: ml.r5.large\n"
        ),
        "spec.productionVariants[1].variantName",
        'duplicate variantName "AllTraffic" (also used by item 0)',
    ),
    "duplicate model names": (
        hosting(
            model_2=f"    - name: xgb  {MARK}\n      executionRoleArn: arn:aws:iam::123456789012:role/r\n      containers: [{{image: img}}]\n"
        ),
        "spec.models[1].name",
        'duplicate model name "xgb"',
    ),
    "primary container that is not a container": (
        hosting(primary=f"      primaryContainer: other  {MARK}\n"),
        "spec.models[0].primaryContainer",
        'names container "other", which is not in containers (containerHostname: "main")',
    ),
    "HAP resource id without a variant": (
        """\
        apiVersion: sagemaker.aws.amazon.com/v1
        kind: HostingAutoscalingPolicy
        metadata:
          name: hap
        spec:
          resourceId:
            - endpointName: ep  # <-
          minCapacity: 1
          maxCapacity: 2
          targetTrackingScalingPolicyConfiguration:
            targetValue: 70
            predefinedMetricSpecification: {predefinedMetricType: SageMakerVariantInvocationsPerInstance}
        """,
        "spec.resourceId[0].variantName",
        "missing required field variantName: a resource ID names an endpoint and its variant",
    ),
    "ACK resource id that is not a variant": (
        scalable_target(resource_id=f"endpoint/ep  {MARK}"),
        "spec.resourceID",
        '"endpoint/ep" is not a SageMaker variant resource ID: expected endpoint/<endpoint name>/variant/<variant name>',
    ),
    "service namespace other than sagemaker": (
        scalable_target(namespace=f"ecs  {MARK}"),
        "spec.serviceNamespace",
        'gitops-sm manages SageMaker endpoint variants only; serviceNamespace must be "sagemaker", got "ecs"',
    ),
    "minCapacity above maxCapacity": (
        scalable_target().replace("minCapacity: 1", f"minCapacity: 3  {MARK}"),
        "spec.minCapacity",
        "minCapacity 3 is greater than maxCapacity 2",
    ),
    "scaling policy without its configuration": (
        """\
        apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
        kind: ScalingPolicy
        metadata:
          name: policy
        spec:  # <-
          policyName: p
          policyType: TargetTrackingScaling
          resourceID: endpoint/ep/variant/AllTraffic
          scalableDimension: "sagemaker:variant:DesiredInstanceCount"
          serviceNamespace: sagemaker
        """,
        "spec.targetTrackingScalingPolicyConfiguration",
        "missing required field targetTrackingScalingPolicyConfiguration (policyType is TargetTrackingScaling)",
    ),
    "one {name, value} pair written as a map": (
        """\
        apiVersion: sagemaker.services.k8s.aws/v1alpha1
        kind: TrainingJob
        metadata:
          name: debugger
        spec:
          trainingJobName: debugger
          roleARN: arn:aws:iam::123456789012:role/r
          algorithmSpecification: {trainingImage: img, trainingInputMode: File}
          outputDataConfig: {s3OutputPath: s3://b/out}
          resourceConfig: {instanceCount: 1, instanceType: ml.m5.large, volumeSizeInGB: 5}
          stoppingCondition: {maxRuntimeInSeconds: 60}
          debugHookConfig:
            s3OutputPath: s3://b/hook
            collectionConfigurations:
              - collectionName: losses
                collectionParameters:  # <-
                  name: save_interval
                  value: "500"
        """,
        "spec.debugHookConfig.collectionConfigurations[0].collectionParameters",
        'looks like one {name, value} pair written as a mapping; write it as "save_interval: 500"',
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_field_is_reported_at_its_path_and_line(case: str) -> None:
    text, path, fragment = CASES[case]
    issues, line = issues_of(text)
    matching = [i for i in issues if i.path == path]
    assert matching, f"no issue at {path}; got {[i.format() for i in issues]}"
    assert any(fragment in i.message for i in matching), [i.message for i in matching]
    assert all(i.source is not None and i.source.line == line for i in matching)


def test_issue_format_names_file_line_address_path_and_message() -> None:
    issues, line = issues_of(training(RESOURCES.replace("instanceCount: 1", f"instanceCount: -1  {MARK}")))
    assert [i.format() for i in issues] == [
        f"specs/bad.yaml:{line}: TrainingJob/default/job: spec.resourceConfig.instanceCount: must be at least 0, got -1"
    ]


def test_a_placeholder_is_reported_once_not_also_as_a_pattern_or_length_error() -> None:
    issues, line = issues_of(
        training(RESOURCES).replace(
            "roleArn: arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
            f'roleArn: "{{ROLE}}"  {MARK}',
        )
    )
    assert [(i.path, i.source.line if i.source else 0, i.message) for i in issues] == [
        ("spec.roleArn", line, "unfilled placeholder {ROLE}: replace it with a real value")
    ]


def test_every_problem_of_a_document_is_reported_together() -> None:
    text = training(
        RESOURCES.replace("instanceCount: 1", "instanceCount: -1").replace(
            "volumeSizeInGB: 5", f"volumeSizeInGB: x  {MARK}"
        )
    )
    issues, _ = issues_of(text)
    assert {i.path for i in issues} == {
        "spec.resourceConfig.instanceCount",
        "spec.resourceConfig.volumeSizeInGB",
    }


def _hosting_with_tags(count: int, *, key: str = "k") -> str:
    tags = "".join(f"    - {{key: {key}{i if count > 1 else ''}, value: v}}\n" for i in range(count))
    return hosting_deployment("web", region="us-east-1") + f"  tags:  {MARK}\n" + tags


def _normalized(text: str) -> tuple[bool, list[str]]:
    doc = parse_documents(text, path="specs/web.yaml").documents[0].document
    kind = MANIFEST_KINDS[(doc.api_version, doc.kind)]
    result = normalize_document(doc, kind=kind, address=Address(kind=kind.value, namespace="default", name="web"))
    return result.resource is not None, [f"{i.path}: {i.message}" for i in result.issues]


def test_an_endpoint_keeps_a_tag_free_for_the_update_marker() -> None:
    """An update tags the endpoint with gitops-sm/update-to, so 46 user tags fit an endpoint (3 ownership
    tags + the marker = 50) and 47 are refused at load time, not by AWS half-way through an update."""
    assert _normalized(_hosting_with_tags(46)) == (True, [])
    ok, issues = _normalized(_hosting_with_tags(47))
    assert not ok
    assert issues == ["spec.tags: has 47 tags; with gitops-sm's 3 ownership tags and the gitops-sm/update-to tag "
                      "an endpoint update adds that exceeds AWS's limit of 50 tags per resource"]


def test_the_update_marker_s_key_is_reserved() -> None:
    ok, issues = _normalized(_hosting_with_tags(1, key="gitops-sm/update-to"))
    assert not ok
    assert issues == ['spec.tags[0].key: tag key "gitops-sm/update-to" is reserved: gitops-sm sets it to record an endpoint update in progress']
