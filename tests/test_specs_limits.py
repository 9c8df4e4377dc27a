"""Numbers and references the API would refuse are errors, never planned (issue 7 item 7).

Limits come from botocore's service model (min/max, and the integer/long wire types behind it)
and its bundled region list; non-finite floats (YAML ``.nan``/``.inf``) are refused; tag keys under
AWS's reserved ``aws:`` prefix, negative autoscaling capacities and a training instance count of 0
without instance groups are refused; a HostingAutoscalingPolicy naming a variant its
HostingDeployment (in the same repo) does not have is a located error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_sm.specs import load_specs
from tests.manifests import hosting_autoscaling_policy, hosting_deployment, valid_training_job

JOB = valid_training_job("limits")
HAP = hosting_autoscaling_policy("web-scaling", endpoint="web")

# (case, file text, expected file:line, field path, message fragment)
CASES = [
    ("targetValue .nan", HAP.replace("targetValue: 70", "targetValue: .nan"), "hap.yaml:12",
     "spec.targetTrackingScalingPolicyConfiguration.targetValue", "must be a finite number, got .nan"),
    ("targetValue .inf", HAP.replace("targetValue: 70", "targetValue: .inf"), "hap.yaml:12",
     "spec.targetTrackingScalingPolicyConfiguration.targetValue", "must be a finite number, got .inf"),
    ("targetValue -.inf", HAP.replace("targetValue: 70", "targetValue: -.inf"), "hap.yaml:12",
     "spec.targetTrackingScalingPolicyConfiguration.targetValue", "got -.inf"),
    ("instanceCount 10^29", JOB.replace("instanceCount: 1", f"instanceCount: {10**29}"), "hap.yaml:13",
     "spec.resourceConfig.instanceCount", "out of range: a integer is at most 2147483647"),
    ("instanceCount 0", JOB.replace("instanceCount: 1", "instanceCount: 0"), "hap.yaml:13",
     "spec.resourceConfig.instanceCount", "must be at least 1 (0 is only allowed together with instanceGroups)"),
    ("maxRuntimeInSeconds 2^63", JOB.replace("maxRuntimeInSeconds: 86400", f"maxRuntimeInSeconds: {2**63}"),
     "hap.yaml:17", "spec.stoppingCondition.maxRuntimeInSeconds", "out of range"),
    ("minCapacity -3", HAP.replace("minCapacity: 1", "minCapacity: -3"), "hap.yaml:9",
     "spec.minCapacity", "minCapacity must be at least 0, got -3"),
    ("aws: tag key", JOB + "  tags:\n    - key: aws:cloudformation:stack-name\n      value: x\n", "hap.yaml:19",
     "spec.tags[0].key", 'tag key "aws:cloudformation:stack-name" is reserved by AWS'),
    ("region us-east-9", valid_training_job("limits", region="us-east-9"), "hap.yaml:6",
     "spec.region", "'us-east-9' is not a region where botocore"),
]


@pytest.mark.parametrize(("case", "text", "location", "field", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_a_value_the_api_would_refuse_is_a_located_error(
    case: str, text: str, location: str, field: str, fragment: str, tmp_path: Path
) -> None:
    (tmp_path / "hap.yaml").write_text(text)

    loaded = load_specs(tmp_path)

    assert loaded.resources == ()
    found = [(str(i.source), i.path, i.message) for i in loaded.issues]
    assert any((src, path) == (location, field) and fragment in msg for src, path, msg in found), found


def test_the_unedited_baselines_are_valid(tmp_path: Path) -> None:
    # The corpus edits these; unedited they load, so each error above is about its edit.
    (tmp_path / "job.yaml").write_text(JOB)
    (tmp_path / "hap.yaml").write_text(HAP)
    (tmp_path / "web.yaml").write_text(hosting_deployment("web"))
    loaded = load_specs(tmp_path)
    assert loaded.issues == ()
    assert len(loaded.resources) == 3


def test_a_region_close_to_a_real_one_gets_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(valid_training_job("limits", region="us-east-9"))

    (issue,) = load_specs(tmp_path).issues

    assert 'did you mean "us-east-1"' in issue.message or 'did you mean "us-east-2"' in issue.message


def test_an_autoscaling_policy_naming_a_variant_its_hosting_deployment_lacks_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(hosting_deployment("web"))
    (tmp_path / "hap.yaml").write_text(HAP.replace("variantName: AllTraffic", "variantName: Canary"))

    loaded = load_specs(tmp_path)

    assert [str(r.address) for r in loaded.resources] == ["HostingDeployment/default/web"]
    (issue,) = loaded.issues
    assert (str(issue.source), issue.path) == ("hap.yaml:8", "spec.resourceId[0].variantName")
    assert 'endpoint web has no variant "Canary": HostingDeployment/default/web (web.yaml:1) defines AllTraffic' \
        in issue.message
    assert loaded.incomplete  # like any spec error: nothing is stopped, deleted or pruned this pass
