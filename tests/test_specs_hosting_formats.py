"""Both HostingDeployment formats load to the same requests (issue 8 scope 1).

The CRD ships inline container objects in ``models[].containers``. The operator's user guide
("Update HostingDeployment", and its ``kubectl describe`` output) shows top-level
``spec.containers`` with ``containerHostname``, models naming them in ``containers`` and
``primaryContainer``. Users copy that example, so it must load, and to the same hash.
"""

from __future__ import annotations

from pathlib import Path

from gitops_sm.model import DesiredResource
from gitops_sm.specs import load_specs

USER_GUIDE = """\
apiVersion: sagemaker.aws.amazon.com/v1
kind: HostingDeployment
metadata:
  name: hosting-deployment
spec:
  region: us-east-2
  productionVariants:
    - variantName: AllTraffic
      modelName: xgboost-model
      initialInstanceCount: 1
      instanceType: ml.c5.large
      initialVariantWeight: 1
  models:
    - name: xgboost-model
      executionRoleArn: arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole
      containers:
        - xgboost
      primaryContainer: xgboost
  containers:
    - containerHostname: xgboost
      modelDataUrl: s3://my-bucket/inference/xgboost-mnist/model.tar.gz
      image: 825641698319.dkr.ecr.us-east-2.amazonaws.com/xgboost:latest
"""

CRD_INLINE = """\
apiVersion: sagemaker.aws.amazon.com/v1
kind: HostingDeployment
metadata:
  name: hosting-deployment
spec:
  region: us-east-2
  productionVariants:
    - variantName: AllTraffic
      modelName: xgboost-model
      initialInstanceCount: 1
      instanceType: ml.c5.large
      initialVariantWeight: 1
  models:
    - name: xgboost-model
      executionRoleArn: arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole
      containers:
        - containerHostname: xgboost
          modelDataUrl: s3://my-bucket/inference/xgboost-mnist/model.tar.gz
          image: 825641698319.dkr.ecr.us-east-2.amazonaws.com/xgboost:latest
"""


def loaded(tmp_path: Path, name: str, text: str) -> tuple[list[str], list[DesiredResource]]:
    root = tmp_path / name
    root.mkdir()
    (root / "hosting.yaml").write_text(text, encoding="utf-8")
    result = load_specs(root)
    return [i.format() for i in result.issues], list(result.resources)


def test_the_user_guide_format_and_the_crd_format_normalise_to_the_same_requests(tmp_path: Path) -> None:
    guide_issues, (guide,) = loaded(tmp_path, "guide", USER_GUIDE)
    crd_issues, (crd,) = loaded(tmp_path, "crd", CRD_INLINE)
    assert guide_issues == [] and crd_issues == []
    assert guide.spec_hash == crd.spec_hash
    assert guide.requests == crd.requests
    model = guide.requests[0].params
    assert model["PrimaryContainer"]["ContainerHostname"] == "xgboost"


def test_a_model_naming_a_hostname_no_container_has_is_a_located_error(tmp_path: Path) -> None:
    text = USER_GUIDE.replace("        - xgboost\n", "        - xgbost\n")
    issues, resources = loaded(tmp_path, "typo", text)
    assert resources == []
    assert issues == [
        'hosting.yaml:17: HostingDeployment/default/hosting-deployment: spec.models[0].containers[0]: names '
        'container "xgbost", which is not in spec.containers (containerHostname: "xgboost")'
    ]
