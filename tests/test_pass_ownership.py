"""Reading less never weakens the ownership check: whatever a plan would modify has had its tags read.

observe skips the tags of a settled endpoint and of finished jobs under generated names (design
section 10); these tests run whole passes (``app.plan_pass``) against the simulator over HTTP and
check that a same-named object without our tags is still refused, and that an object a step would
modify has its tags read before the plan is final (``observe.verify_ownership``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_sm import app
from gitops_sm.awsclients import ClientFactory
from gitops_sm.kinds import Kind
from gitops_sm.model import Action, ObservedType, ResourceChange
from gitops_sm.specs import load_specs
from tests.jobspecs import Dialect, job_manifest, write_spec
from tests.manifests import hosting_autoscaling_policy, hosting_deployment, write_spec_files

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/r"
FOREIGN_TAGS = [{"Key": "owner", "Value": "someone-else"}]


def _change(outcome: app.PlanOutcome, address: str) -> ResourceChange:
    (change,) = [c for c in outcome.plan.resource_changes if c.address == address]
    return change


def _plan(root: Path) -> tuple[app.PlanOutcome, ClientFactory]:
    clients = ClientFactory(region=REGION, max_attempts=1)
    return app.plan_pass(spec_root=root, settings=app.Settings(region=REGION), clients=clients), clients


def _hosting_root(tmp_path: Path, *, max_capacity: int = 3) -> Path:
    policy = hosting_autoscaling_policy("web-scaling", endpoint="web").replace(
        "maxCapacity: 3", f"maxCapacity: {max_capacity}"
    )
    return write_spec_files(tmp_path / "specs", {"web.yaml": hosting_deployment("web"), "scaling.yaml": policy})


def _squat_our_names(sm: Any, root: Path) -> None:
    """Someone else creates the model, config and endpoint under the names the spec will use."""
    (web,) = [r for r in load_specs(root).resources if r.kind is Kind.HOSTING_DEPLOYMENT]
    model = next(name for role, name in web.names.items() if role.startswith("model"))
    sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "theirs"}, Tags=FOREIGN_TAGS)
    sm.create_endpoint_config(
        EndpointConfigName=web.names["endpoint_config"],
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
        Tags=FOREIGN_TAGS,
    )
    sm.create_endpoint(EndpointName="web", EndpointConfigName=web.names["endpoint_config"], Tags=FOREIGN_TAGS)


def test_a_same_named_foreign_endpoint_on_another_config_is_refused(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = _hosting_root(tmp_path)
    sm = boto_client("sagemaker")
    sm.create_model(ModelName="theirs", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "theirs"})
    sm.create_endpoint_config(
        EndpointConfigName="their-config",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "theirs", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
    )
    sm.create_endpoint(EndpointName="web", EndpointConfigName="their-config", Tags=FOREIGN_TAGS)

    outcome, _ = _plan(root)

    web = _change(outcome, "HostingDeployment/default/web")
    assert web.actions == (Action.ERROR,)
    assert "conflict: Endpoint 'web' already exists in us-east-1 and is not managed by gitops-sm" in web.reason
    assert web.steps == ()


def test_a_foreign_endpoint_settled_on_our_config_names_is_refused_once_autoscaling_would_touch_it(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    """The settled endpoint's tags are skipped by observe, read for the autoscaling step, then refused."""
    root = _hosting_root(tmp_path)
    _squat_our_names(boto_client("sagemaker"), root)

    outcome, clients = _plan(root)

    endpoint = outcome.observed.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None and endpoint.tags == {"owner": "someone-else"}
    assert clients.counter.by_operation()["ListTags"] == 1  # that endpoint, nothing else
    web = _change(outcome, "HostingDeployment/default/web")
    assert web.actions == (Action.ERROR,)
    assert "is not managed by gitops-sm" in web.reason
    assert all(step.target != "web" for change in outcome.plan.resource_changes for step in change.steps)


def test_an_owned_settled_endpoint_has_its_tags_read_only_when_a_step_would_modify_it(
    tmp_path: Path, aws_env: Any
) -> None:
    root = _hosting_root(tmp_path)
    first, _ = _plan(root)
    assert app.apply_plan(the_plan=first.plan, clients=ClientFactory(region=REGION, max_attempts=1)).ok
    second, _ = _plan(root)
    assert app.apply_plan(the_plan=second.plan, clients=ClientFactory(region=REGION, max_attempts=1)).ok

    steady, clients = _plan(root)
    assert not steady.plan.has_changes
    assert "ListTags" not in clients.counter.by_operation()

    edited, clients = _plan(_hosting_root(tmp_path, max_capacity=5))
    assert clients.counter.by_operation()["ListTags"] == 1
    scaling = _change(edited, "HostingAutoscalingPolicy/default/web-scaling")
    assert scaling.actions == (Action.UPDATE,)
    assert [step.call for step in scaling.steps] == ["RegisterScalableTarget"]
    endpoint = edited.observed.get(REGION, ObservedType.ENDPOINT, "web")
    assert endpoint is not None and endpoint.tags is not None


def test_a_finished_foreign_job_under_an_explicit_name_is_a_conflict(
    tmp_path: Path, boto_client: Callable[..., Any]
) -> None:
    root = tmp_path / "specs"
    write_spec(root, "prep.yaml", job_manifest(Kind.PROCESSING_JOB, Dialect.ACK, "prep", job_name="prep-2024"))
    boto_client("sagemaker").create_processing_job(
        ProcessingJobName="prep-2024",
        ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}},
        AppSpecification={"ImageUri": "theirs"},
        RoleArn=ROLE,
        Tags=FOREIGN_TAGS,
    )

    outcome, clients = _plan(root)

    prep = _change(outcome, "ProcessingJob/default/prep")
    assert prep.actions == (Action.ERROR,)
    assert "conflict: ProcessingJob 'prep-2024' already exists" in prep.reason
    assert clients.counter.by_operation() == {"ListProcessingJobs": 1, "ListTags": 1}
