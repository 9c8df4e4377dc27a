"""specs normaliser: literal manifests -> the exact AWS create requests, names and spec hashes.

Documents are parsed from literal YAML by the project's own parser (so lines are real) and fed
to ``normalize_document`` exactly as the loader does. Design sections 2 and 3.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from gitops_sm.kinds import MANIFEST_KINDS
from gitops_sm.model import Address, DesiredResource
from gitops_sm.naming import job_name_digest
from gitops_sm.specs._normalize import NormalizeResult, normalize_document
from gitops_sm.specs._yaml import parse_documents


def normalize(text: str) -> NormalizeResult:
    parsed = parse_documents(textwrap.dedent(text), path="specs/app.yaml")
    assert not parsed.issues and len(parsed.documents) == 1
    doc = parsed.documents[0].document
    kind = MANIFEST_KINDS[(doc.api_version, doc.kind)]
    metadata = doc.data["metadata"]
    address = Address(kind=kind.value, namespace=metadata.get("namespace", "default"), name=metadata["name"])
    return normalize_document(doc, kind=kind, address=address)


def resource(text: str) -> DesiredResource:
    result = normalize(text)
    assert result.issues == (), [i.format() for i in result.issues]
    assert result.resource is not None
    return result.resource


def our_tags(address: str, spec_hash: str) -> list[dict[str, str]]:
    return [
        {"Key": "gitops-sm/managed-by", "Value": "gitops-sm"},
        {"Key": "gitops-sm/address", "Value": address},
        {"Key": "gitops-sm/spec-hash", "Value": spec_hash},
    ]


V1_TRAINING = """\
    apiVersion: sagemaker.aws.amazon.com/v1
    kind: TrainingJob
    metadata:
      name: xgboost.mnist
      namespace: ml
    spec:
      region: us-west-2
      sageMakerEndpoint: https://sagemaker.us-west-2.amazonaws.com
      hyperParameters:
        - name: max_depth
          value: "5"
        - name: eta
          value: "0.2"
      algorithmSpecification:
        trainingImage: 433757028032.dkr.ecr.us-west-2.amazonaws.com/xgboost:1
        trainingInputMode: File
      roleArn: arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole
      outputDataConfig:
        s3OutputPath: s3://my-bucket/xgboost
      resourceConfig:
        instanceCount: 1
        instanceType: ml.m4.xlarge
        volumeSizeInGB: 5
      stoppingCondition:
        maxRuntimeInSeconds: 86400
      inputDataConfig:
        - channelName: train
          dataSource:
            s3DataSource:
              s3DataType: S3Prefix
              s3Uri: s3://my-bucket/xgboost/train/
              s3DataDistributionType: FullyReplicated
          contentType: text/csv
      tags:
        - key: team
          value: ml
    """


def test_v1_training_job_becomes_the_exact_create_request() -> None:
    res = resource(V1_TRAINING)
    name = res.names["job"]
    # dots are not allowed in SageMaker names; the 8 hex hash the address with the spec (issue 7)
    assert name == f"xgboost-mnist-{job_name_digest(address=str(res.address), spec_hash=res.spec_hash)[:8]}"
    assert res.previous_names == (f"xgboost-mnist-{res.spec_hash[:8]}",)  # the earlier rule's name carries over
    assert len(res.spec_hash) == 16 and int(res.spec_hash, 16) >= 0
    assert (res.region, res.endpoint_url, res.explicit_name) == (
        "us-west-2",
        "https://sagemaker.us-west-2.amazonaws.com",
        False,
    )
    assert [(r.service, r.operation) for r in res.requests] == [("sagemaker", "CreateTrainingJob")]
    assert dict(res.requests[0].params) == {
        "TrainingJobName": name,
        "HyperParameters": {"max_depth": "5", "eta": "0.2"},
        "AlgorithmSpecification": {
            "TrainingImage": "433757028032.dkr.ecr.us-west-2.amazonaws.com/xgboost:1",
            "TrainingInputMode": "File",
        },
        "RoleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
        "OutputDataConfig": {"S3OutputPath": "s3://my-bucket/xgboost"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m4.xlarge", "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://my-bucket/xgboost/train/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": "text/csv",
            }
        ],
        "Tags": [{"Key": "team", "Value": "ml"}, *our_tags("TrainingJob/ml/xgboost.mnist", res.spec_hash)],
    }
    assert res.source.path == "specs/app.yaml" and res.source.line == 1
    assert res.manifest_kind == "TrainingJob" and res.api_version == "sagemaker.aws.amazon.com/v1"


def test_same_spec_gives_the_same_name_and_hash() -> None:
    first, second = resource(V1_TRAINING), resource(V1_TRAINING)
    assert (first.names, first.spec_hash, first.requests) == (second.names, second.spec_hash, second.requests)


def test_reordered_yaml_keys_give_the_same_hash() -> None:
    reordered = V1_TRAINING.replace(
        "        instanceCount: 1\n        instanceType: ml.m4.xlarge\n",
        "        instanceType: ml.m4.xlarge\n        instanceCount: 1\n",
    )
    assert reordered != V1_TRAINING
    assert resource(reordered).spec_hash == resource(V1_TRAINING).spec_hash


def test_changed_field_gives_a_new_name() -> None:
    changed = resource(V1_TRAINING.replace("instanceCount: 1", "instanceCount: 2"))
    original = resource(V1_TRAINING)
    assert changed.spec_hash != original.spec_hash
    assert changed.names["job"] != original.names["job"]


def test_hash_ignores_generated_names_and_our_tags() -> None:
    # Another metadata.name/namespace changes the generated name and our address tag, not the hash.
    moved = resource(
        V1_TRAINING.replace("name: xgboost.mnist", "name: other").replace("namespace: ml", "namespace: prod")
    )
    original = resource(V1_TRAINING)
    assert moved.spec_hash == original.spec_hash
    assert moved.names["job"] == f"other-{job_name_digest(address=str(moved.address), spec_hash=original.spec_hash)[:8]}"
    # ...but a user tag is part of the spec.
    assert resource(V1_TRAINING.replace("value: ml\n", "value: data\n")).spec_hash != original.spec_hash


def test_region_and_endpoint_are_not_part_of_the_request_or_hash() -> None:
    other_region = resource(V1_TRAINING.replace("region: us-west-2", "region: eu-west-1"))
    assert other_region.region == "eu-west-1"
    assert other_region.spec_hash == resource(V1_TRAINING).spec_hash


def test_float_and_int_spellings_of_one_number_hash_alike() -> None:
    base = """\
        apiVersion: sagemaker.services.k8s.aws/v1alpha1
        kind: EndpointConfig
        metadata: {name: cfg}
        spec:
          endpointConfigName: cfg
          productionVariants:
            - {variantName: AllTraffic, modelName: m, instanceType: ml.c5.large, initialInstanceCount: 1, initialVariantWeight: WEIGHT}
        """
    as_int, as_float = resource(base.replace("WEIGHT", "1")), resource(base.replace("WEIGHT", "1.0"))
    assert as_int.spec_hash == as_float.spec_hash
    assert as_int.requests[0].params["ProductionVariants"][0]["InitialVariantWeight"] == 1.0


@pytest.mark.parametrize(
    ("kind", "name", "limit", "expected_stem"),
    [
        ("TrainingJob", "a" * 60 + "-b" * 5, 63, "a" * 54),
        ("HyperparameterTuningJob", "tuning-" + "x" * 40, 32, "tuning-" + "x" * 16),
        ("TrainingJob", "abc." + "d" * 48 + ".efgh", 63, "abc-" + "d" * 48 + "-e"),
        ("TrainingJob", "a" * 53 + "--b", 63, "a" * 53),  # the cut leaves "--": stripped
    ],
)
def test_generated_job_names_are_cut_to_the_api_limit(
    kind: str, name: str, limit: int, expected_stem: str
) -> None:
    text = f"""\
        apiVersion: sagemaker.aws.amazon.com/v1
        kind: {kind}
        metadata:
          name: {name}
        spec:
          SPEC
        """
    if kind == "TrainingJob":
        body = V1_TRAINING.split("    spec:\n", 1)[1]
    else:
        body = """\
              hyperParameterTuningJobConfig:
                strategy: Bayesian
                resourceLimits: {maxNumberOfTrainingJobs: 2, maxParallelTrainingJobs: 1}
              trainingJobDefinition:
                algorithmSpecification: {trainingImage: img, trainingInputMode: File}
                roleArn: arn:aws:iam::123456789012:role/r
                outputDataConfig: {s3OutputPath: s3://b/o}
                resourceConfig: {instanceCount: 1, instanceType: ml.m5.large, volumeSizeInGB: 5}
                stoppingCondition: {maxRuntimeInSeconds: 60}
            """
    full = textwrap.dedent(text).replace("  SPEC\n", textwrap.indent(textwrap.dedent(body), "  "))
    res = resource(full)
    job = res.names["job"]
    assert len(job) <= limit
    assert job == f"{expected_stem}-{job_name_digest(address=str(res.address), spec_hash=res.spec_hash)[:8]}"


def test_ack_training_job_keeps_its_explicit_name_and_maps_ack_spellings() -> None:
    res = resource(
        """\
        apiVersion: sagemaker.services.k8s.aws/v1alpha1
        kind: TrainingJob
        metadata:
          name: ack-job
          annotations:
            services.k8s.aws/region: eu-central-1
            gitops-sm.io/prune: "false"
        spec:
          trainingJobName: my-training-job
          roleARN: arn:aws:iam::123456789012:role/r
          hyperParameters: {max_depth: "5"}
          algorithmSpecification: {trainingImage: img, trainingInputMode: File}
          outputDataConfig: {s3OutputPath: s3://b/out}
          resourceConfig: {instanceCount: 1, instanceType: ml.m5.large, volumeSizeInGB: 5}
          stoppingCondition: {maxRuntimeInSeconds: 60}
          inputDataConfig:
            - channelName: train
              dataSource: {s3DataSource: {s3DataType: S3Prefix, s3URI: s3://b/train}}
        """
    )
    assert res.explicit_name is True and res.names == {"job": "my-training-job"}
    assert res.region == "eu-central-1" and res.endpoint_url is None
    assert res.prune_protected and dict(res.annotations)["services.k8s.aws/region"] == "eu-central-1"
    params = res.requests[0].params
    assert params["TrainingJobName"] == "my-training-job"
    assert params["RoleArn"] == "arn:aws:iam::123456789012:role/r"
    assert params["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://b/train"
    assert params["HyperParameters"] == {"max_depth": "5"}
    # prune protection is recorded as a tag too, so it survives the spec leaving git
    assert params["Tags"] == [
        *our_tags("TrainingJob/default/ack-job", res.spec_hash),
        {"Key": "gitops-sm/prune", "Value": "false"},
    ]


def test_ack_hpo_type_underscore_is_the_api_type() -> None:
    res = resource(
        """\
        apiVersion: sagemaker.services.k8s.aws/v1alpha1
        kind: HyperParameterTuningJob
        metadata: {name: hpo}
        spec:
          hyperParameterTuningJobName: hpo-1
          hyperParameterTuningJobConfig:
            strategy: Bayesian
            hyperParameterTuningJobObjective: {type_: Minimize, metricName: "validation:error"}
            resourceLimits: {maxNumberOfTrainingJobs: 2, maxParallelTrainingJobs: 1}
        """
    )
    config = res.requests[0].params["HyperParameterTuningJobConfig"]
    assert config["HyperParameterTuningJobObjective"] == {
        "Type": "Minimize",
        "MetricName": "validation:error",
    }


HOSTING = """\
    apiVersion: sagemaker.aws.amazon.com/v1
    kind: HostingDeployment
    metadata:
      name: hosting
    spec:
      region: us-east-2
      kmsKeyId: alias/key
      retainAllVariantProperties: true
      excludeRetainedVariantProperties:
        - variantPropertyType: DesiredWeight
      productionVariants:
        - variantName: AllTraffic
          modelName: xgb
          initialInstanceCount: 1
          instanceType: ml.r5.large
          initialVariantWeight: 1
      models:
        - name: xgb
          executionRoleArn: arn:aws:iam::123456789012:role/r
          primaryContainer: main
          containers:
            - containerHostname: main
              modelDataUrl: s3://b/model.tar.gz
              image: 123456789012.dkr.ecr.us-east-2.amazonaws.com/xgboost:latest
              environment:
                - name: LOG_LEVEL
                  value: info
      tags:
        - key: team
          value: ml
    """


def test_hosting_deployment_becomes_models_config_and_endpoint() -> None:
    res = resource(HOSTING)
    model, config, endpoint = res.requests
    assert [r.operation for r in res.requests] == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    names = dict(res.names)
    assert names["endpoint"] == "hosting"
    assert (
        names["model:xgb"].startswith("hosting-xgb-") and len(names["model:xgb"]) == len("hosting-xgb-") + 8
    )
    assert names["endpoint_config"].startswith("hosting-") and names["endpoint_config"] != names["model:xgb"]
    tags = [{"Key": "team", "Value": "ml"}, *our_tags("HostingDeployment/default/hosting", res.spec_hash)]
    assert dict(model.params) == {
        "ModelName": names["model:xgb"],
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
        "PrimaryContainer": {
            "ContainerHostname": "main",
            "ModelDataUrl": "s3://b/model.tar.gz",
            "Image": "123456789012.dkr.ecr.us-east-2.amazonaws.com/xgboost:latest",
            "Environment": {"LOG_LEVEL": "info"},
        },
        "Tags": tags,
    }
    assert dict(config.params) == {
        "EndpointConfigName": names["endpoint_config"],
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": names["model:xgb"],
                "InitialInstanceCount": 1,
                "InstanceType": "ml.r5.large",
                "InitialVariantWeight": 1.0,
            }
        ],
        "KmsKeyId": "alias/key",
        "Tags": tags,
    }
    assert dict(endpoint.params) == {
        "EndpointName": "hosting",
        "EndpointConfigName": names["endpoint_config"],
        "Tags": tags,
    }
    # UpdateEndpoint-only options are checked, never sent with a create.
    assert all("RetainAllVariantProperties" not in r.params for r in res.requests)


def test_model_change_renames_model_and_config_but_not_endpoint() -> None:
    before = resource(HOSTING)
    after = resource(HOSTING.replace("model.tar.gz", "model-v2.tar.gz"))
    assert after.names["model:xgb"] != before.names["model:xgb"]
    assert after.names["endpoint_config"] != before.names["endpoint_config"]
    assert after.names["endpoint"] == before.names["endpoint"] == "hosting"
    assert after.requests[1].params["ProductionVariants"][0]["ModelName"] == after.names["model:xgb"]


def test_capacity_change_renames_only_the_config() -> None:
    before = resource(HOSTING)
    after = resource(HOSTING.replace("initialInstanceCount: 1", "initialInstanceCount: 3"))
    assert after.names["model:xgb"] == before.names["model:xgb"]
    assert after.names["endpoint_config"] != before.names["endpoint_config"]
    assert after.spec_hash != before.spec_hash


def test_hosting_endpoint_name_and_multi_container_model() -> None:
    lines = HOSTING.splitlines(keepends=True)
    text = ""
    for line in lines:
        if line.strip() == "primaryContainer: main":
            continue  # with several containers SageMaker runs them all
        text += line
        if line.strip() == "region: us-east-2":
            text += "      endpointName: explicit-endpoint\n"
        if line.strip() == "containers:":
            text += "            - containerHostname: second\n              image: img:2\n"
    res = resource(text)
    assert res.names["endpoint"] == "explicit-endpoint" and res.explicit_name
    model = res.requests[0].params
    assert "PrimaryContainer" not in model
    assert [c["ContainerHostname"] for c in model["Containers"]] == ["second", "main"]
    assert res.names["model:xgb"].startswith("explicit-endpoint-xgb-")


HAP = """\
    apiVersion: sagemaker.aws.amazon.com/v1
    kind: HostingAutoscalingPolicy
    metadata:
      name: hap
    spec:
      region: us-east-2
      sageMakerEndpoint: https://sagemaker.us-east-2.amazonaws.com
      resourceId:
        - endpointName: ep-a
          variantName: AllTraffic
        - endpointName: ep-b
          variantName: v1
      minCapacity: 1
      maxCapacity: 4
      targetTrackingScalingPolicyConfiguration:
        targetValue: 70
        predefinedMetricSpecification:
          predefinedMetricType: SageMakerVariantInvocationsPerInstance
        scaleInCooldown: 600
    """


def test_hosting_autoscaling_policy_registers_and_puts_per_resource_id() -> None:
    res = resource(HAP)
    assert [(r.operation, r.params["ResourceId"]) for r in res.requests] == [
        ("RegisterScalableTarget", "endpoint/ep-a/variant/AllTraffic"),
        ("PutScalingPolicy", "endpoint/ep-a/variant/AllTraffic"),
        ("RegisterScalableTarget", "endpoint/ep-b/variant/v1"),
        ("PutScalingPolicy", "endpoint/ep-b/variant/v1"),
    ]
    target, policy = res.requests[0].params, res.requests[1].params
    assert dict(target) == {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/ep-a/variant/AllTraffic",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "MinCapacity": 1,
        "MaxCapacity": 4,
        "Tags": {  # RegisterScalableTarget takes a tag *map*
            "gitops-sm/managed-by": "gitops-sm",
            "gitops-sm/address": "HostingAutoscalingPolicy/default/hap",
            "gitops-sm/spec-hash": res.spec_hash,
        },
    }
    assert dict(policy) == {
        "PolicyName": "SageMakerEndpointInvocationScalingPolicy",
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/ep-a/variant/AllTraffic",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
            "ScaleInCooldown": 600,
        },
    }
    assert dict(res.names) == {
        "target:endpoint/ep-a/variant/AllTraffic": "endpoint/ep-a/variant/AllTraffic",
        "policy:endpoint/ep-a/variant/AllTraffic": "SageMakerEndpointInvocationScalingPolicy",
        "target:endpoint/ep-b/variant/v1": "endpoint/ep-b/variant/v1",
        "policy:endpoint/ep-b/variant/v1": "SageMakerEndpointInvocationScalingPolicy",
    }
    # sageMakerEndpoint only ever overrode the SageMaker client; a HAP calls Application Auto Scaling.
    assert res.region == "us-east-2" and res.endpoint_url is None


def test_ack_scalable_target_and_scaling_policy() -> None:
    target = resource(
        """\
        apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
        kind: ScalableTarget
        metadata: {name: t}
        spec:
          maxCapacity: 2
          minCapacity: 1
          resourceID: endpoint/ep/variant/AllTraffic
          scalableDimension: "sagemaker:variant:DesiredInstanceCount"
          serviceNamespace: sagemaker
          suspendedState: {dynamicScalingInSuspended: true}
        """
    )
    assert dict(target.names) == {"target:endpoint/ep/variant/AllTraffic": "endpoint/ep/variant/AllTraffic"}
    assert target.requests[0].params["SuspendedState"] == {"DynamicScalingInSuspended": True}
    assert target.requests[0].params["Tags"]["gitops-sm/address"] == "ScalableTarget/default/t"
    policy = resource(
        """\
        apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
        kind: ScalingPolicy
        metadata: {name: p}
        spec:
          policyName: my-policy
          policyType: TargetTrackingScaling
          resourceID: endpoint/ep/variant/AllTraffic
          scalableDimension: "sagemaker:variant:DesiredInstanceCount"
          serviceNamespace: sagemaker
          targetTrackingScalingPolicyConfiguration:
            targetValue: 60
            predefinedMetricSpecification: {predefinedMetricType: SageMakerVariantInvocationsPerInstance}
        """
    )
    assert dict(policy.names) == {"policy:endpoint/ep/variant/AllTraffic": "my-policy"}
    assert "Tags" not in policy.requests[0].params  # PutScalingPolicy takes no tags


def test_models_and_endpoint_configs_without_a_name_are_content_addressed() -> None:
    v1_model = """\
        apiVersion: sagemaker.aws.amazon.com/v1
        kind: Model
        metadata: {name: xgboost-model}
        spec:
          region: us-west-2
          executionRoleArn: arn:aws:iam::123456789012:role/r
          primaryContainer:
            image: img:1
            environment:
              - {name: A, value: "1"}
        """
    res = resource(v1_model)
    assert res.names == {"model": f"xgboost-model-{res.spec_hash[:8]}"} and not res.explicit_name
    assert res.requests[0].params["PrimaryContainer"] == {"Image": "img:1", "Environment": {"A": "1"}}
    assert resource(v1_model.replace("img:1", "img:2")).names["model"] != res.names["model"]


def test_ack_endpoint_passes_deployment_config_and_user_tags() -> None:
    res = resource(
        """\
        apiVersion: sagemaker.services.k8s.aws/v1alpha1
        kind: Endpoint
        metadata: {name: ep}
        spec:
          endpointName: my-endpoint
          endpointConfigName: my-config
          deploymentConfig:
            autoRollbackConfiguration:
              alarms: [{alarmName: my-alarm}]
          tags: [{key: env, value: test}]
        """
    )
    assert res.names == {"endpoint": "my-endpoint"} and res.explicit_name
    params: dict[str, Any] = dict(res.requests[0].params)
    assert params["DeploymentConfig"] == {
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "my-alarm"}]}
    }
    assert params["Tags"] == [
        {"Key": "env", "Value": "test"},
        *our_tags("Endpoint/default/ep", res.spec_hash),
    ]


def test_shell_variables_in_container_arguments_are_not_placeholders() -> None:
    res = resource(
        """\
        apiVersion: sagemaker.services.k8s.aws/v1alpha1
        kind: ProcessingJob
        metadata: {name: proc}
        spec:
          processingJobName: proc-1
          roleARN: arn:aws:iam::123456789012:role/r
          appSpecification:
            imageURI: 123456789012.dkr.ecr.us-west-2.amazonaws.com/img:1
            containerEntrypoint: [sh, -c]
            containerArguments: ["python run.py --out $OUTPUT_DIR"]
          processingResources:
            clusterConfig: {instanceCount: 1, instanceType: ml.m5.large, volumeSizeInGB: 20}
        """
    )
    assert res.requests[0].params["AppSpecification"]["ContainerArguments"] == [
        "python run.py --out $OUTPUT_DIR"
    ]
