"""The status report from literals: every kind's vocabulary, health, conflicts, stable JSON, text."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from rich.console import Console

from gitops_sm import kinds
from gitops_sm.kinds import Kind
from gitops_sm.model import (
    Address,
    AwsRequest,
    DesiredResource,
    DocumentStatus,
    DocumentStatusKind,
    Issue,
    LoadResult,
    ObservedResource,
    ObservedState,
    ObservedType,
    SourceLocation,
    policy_key,
)
from gitops_sm.plan.health import Health, endpoint_health, health_of, job_health
from gitops_sm.plan.status import (
    ResourceStatus,
    StatusReport,
    build_status,
    render_status_json,
    render_status_text,
    status_file_path,
    status_summary_line,
)
from tests.literals import REGION, hap, hosting_deployment, load, observed, our_tags, training_job

JOB_TYPES = {
    Kind.TRAINING_JOB: ObservedType.TRAINING_JOB,
    Kind.HYPERPARAMETER_TUNING_JOB: ObservedType.HYPERPARAMETER_TUNING_JOB,
    Kind.TRANSFORM_JOB: ObservedType.TRANSFORM_JOB,
    Kind.PROCESSING_JOB: ObservedType.PROCESSING_JOB,
}


def desired(
    kind: Kind,
    name: str,
    names: dict[str, str],
    *,
    requests: tuple[AwsRequest, ...] = (),
    spec_hash: str = "dddddddd44444444",
    api_version: str = kinds.API_ACK_SAGEMAKER,
) -> DesiredResource:
    return DesiredResource(
        address=Address(kind=kind.value, namespace="default", name=name),
        kind=kind,
        manifest_kind=kind.value,
        api_version=api_version,
        source=SourceLocation(path=f"specs/{name}.yaml", line=3),
        region=None,
        endpoint_url=None,
        spec_hash=spec_hash,
        explicit_name=True,
        names=names,
        requests=requests,
    )


def job(kind: Kind, name: str = "job") -> DesiredResource:
    return desired(kind, name, {"job": f"{name}-2024"})


def seen(
    res: DesiredResource,
    type_: ObservedType,
    name: str,
    status: str | None,
    *,
    details: dict[str, Any] | None = None,
    volatile: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,  # None: our tags for ``res``
    tags_unread: bool = False,
) -> ObservedResource:
    return ObservedResource(
        type=type_,
        region=REGION,
        name=name,
        arn=f"arn:aws:sagemaker:{REGION}:111122223333:x/{name}",
        status=status,
        tags=None if tags_unread else (our_tags(str(res.address), res.spec_hash) if tags is None else tags),
        details=details or {},
        volatile=volatile or {},
    )


def seen_job(res: DesiredResource, status: str, **kw: Any) -> ObservedResource:
    return seen(res, JOB_TYPES[res.kind], res.names["job"], status, **kw)


def one(res: DesiredResource, *resources: ObservedResource, **kw: Any) -> ResourceStatus:
    report = build_status(load=load(res), observed=observed(*resources, **kw), default_region=REGION)
    assert len(report.resources) == 1
    return report.resources[0]


# --------------------------------------------------------------------------- health mapping


@pytest.mark.parametrize(
    ("status", "health"),
    [
        ("InProgress", Health.PROGRESSING),
        ("Stopping", Health.PROGRESSING),
        ("Completed", Health.HEALTHY),
        ("Failed", Health.DEGRADED),
        ("Stopped", Health.SUSPENDED),
        ("DeleteFailed", Health.DEGRADED),
        (None, Health.UNKNOWN),
        ("SomethingNew", Health.UNKNOWN),
    ],
)
def test_job_status_maps_to_health(status: str | None, health: Health) -> None:
    assert job_health(status) is health


@pytest.mark.parametrize(
    ("status", "health"),
    [
        ("InService", Health.HEALTHY),
        ("Creating", Health.PROGRESSING),
        ("Updating", Health.PROGRESSING),
        ("SystemUpdating", Health.PROGRESSING),
        ("RollingBack", Health.PROGRESSING),
        ("Deleting", Health.PROGRESSING),
        ("Failed", Health.DEGRADED),
        ("UpdateRollbackFailed", Health.DEGRADED),
        ("OutOfService", Health.DEGRADED),
        (None, Health.UNKNOWN),
    ],
)
def test_endpoint_status_maps_to_health(status: str | None, health: Health) -> None:
    assert endpoint_health(status) is health


def test_health_of_agrees_with_the_report() -> None:
    res = training_job()
    state = observed(seen_job(res, "Failed", details={"FailureReason": "AlgorithmError: boom"}))

    assert health_of(res, state, region=REGION) is Health.DEGRADED
    row = build_status(load=load(res), observed=state, default_region=REGION).resources[0]
    assert row.health is Health.DEGRADED
    assert row.message == "AlgorithmError: boom"


# --------------------------------------------------------------------------- jobs


def test_a_job_that_does_not_exist_is_missing_not_created_yet() -> None:
    row = one(training_job())

    assert row.health is Health.MISSING
    assert row.message == "not created yet"
    assert row.status is None
    assert row.details["model_artifacts"] is None


def test_a_job_in_a_type_that_could_not_be_listed_is_unknown_not_missing() -> None:
    row = one(training_job(), listed_all=False)

    assert row.health is Health.UNKNOWN
    assert "not read" in row.message


def test_training_job_running_shows_secondary_status_and_no_training_time_yet() -> None:
    res = training_job()
    row = one(
        res,
        seen_job(
            res,
            "InProgress",
            details={"CreationTime": "2024-06-01T10:00:00+00:00"},
            volatile={
                "SecondaryStatus": "Training",
                "TrainingStartTime": "2024-06-01T10:01:00+00:00",
                "LastModifiedTime": "2024-06-01T10:05:00+00:00",
            },
        ),
    )

    assert (row.health, row.status) == (Health.PROGRESSING, "InProgress")
    assert row.progress == {"secondary_status": "Training"}
    assert row.details["training_time_seconds"] is None
    assert row.details["creation_time"] == "2024-06-01T10:00:00+00:00"
    assert row.final is False
    assert "progress" not in row.to_file_dict()  # secondary status moves while nothing is changed
    assert "LastModifiedTime" not in json.dumps(row.to_dict())


def test_training_job_completed_shows_artifacts_and_training_time() -> None:
    res = training_job()
    row = one(
        res,
        seen_job(
            res,
            "Completed",
            details={
                "OutputLocation": "s3://b/out/xgb/output/model.tar.gz",
                "CreationTime": "2024-06-01T10:00:00+00:00",
            },
            volatile={
                "SecondaryStatus": "Completed",
                "TrainingStartTime": "2024-06-01T10:01:00+00:00",
                "TrainingEndTime": "2024-06-01T10:13:32+00:00",
            },
        ),
    )

    assert (row.health, row.status, row.message) == (Health.HEALTHY, "Completed", "")
    assert row.details == {
        "creation_time": "2024-06-01T10:00:00+00:00",
        "failure_reason": None,
        "model_artifacts": "s3://b/out/xgb/output/model.tar.gz",
        "training_time_seconds": 752,
    }
    assert row.final is True
    assert row.to_file_dict()["progress"] == {"secondary_status": "Completed"}


def test_stopped_job_is_suspended_and_keeps_its_secondary_status() -> None:
    res = training_job()
    row = one(res, seen_job(res, "Stopped", volatile={"SecondaryStatus": "MaxRuntimeExceeded"}))

    assert row.health is Health.SUSPENDED
    assert row.progress["secondary_status"] == "MaxRuntimeExceeded"


def test_tuning_job_counters_and_best_training_job_with_its_objective_metric() -> None:
    res = job(Kind.HYPERPARAMETER_TUNING_JOB, "hpo")
    row = one(
        res,
        seen_job(
            res,
            "InProgress",
            volatile={
                "TrainingJobStatusCounters": {
                    "Completed": 5,
                    "InProgress": 2,
                    "RetryableError": 1,
                    "NonRetryableError": 2,
                    "Stopped": 1,
                },
                "BestTrainingJob": {
                    "TrainingJobName": "hpo-2024-003-abcd",
                    "TrainingJobStatus": "Completed",
                    "FinalHyperParameterTuningJobObjectiveMetric": {
                        "MetricName": "validation:auc",
                        "Type": "Maximize",
                        "Value": 0.93,
                    },
                },
            },
        ),
    )

    assert row.health is Health.PROGRESSING
    assert row.progress == {
        "training_jobs": {
            "completed": 5,
            "in_progress": 2,
            "failed": 3,
            "retryable_error": 1,
            "non_retryable_error": 2,
            "stopped": 1,
        },
        "best_training_job": {
            "name": "hpo-2024-003-abcd",
            "status": "Completed",
            "objective_metric": {"name": "validation:auc", "type": "Maximize", "value": 0.93},
        },
    }
    assert "progress" not in row.to_file_dict()  # counters move while the tuning job runs


def test_tuning_job_before_any_training_job_has_no_best_job() -> None:
    res = job(Kind.HYPERPARAMETER_TUNING_JOB, "hpo")
    row = one(res, seen_job(res, "InProgress"))

    assert row.progress == {"training_jobs": None, "best_training_job": None}


def test_transform_job_output_location_and_failure_reason() -> None:
    res = job(Kind.TRANSFORM_JOB, "rescore")
    row = one(
        res,
        seen_job(
            res,
            "Failed",
            details={"OutputLocation": "s3://b/scores/", "FailureReason": "ClientError: no model"},
        ),
    )

    assert (row.health, row.message) == (Health.DEGRADED, "ClientError: no model")
    assert row.details["output_location"] == "s3://b/scores/"
    assert row.details["failure_reason"] == "ClientError: no model"
    assert row.final is True


def test_processing_job_output_locations() -> None:
    res = job(Kind.PROCESSING_JOB, "features")
    row = one(
        res, seen_job(res, "Completed", details={"OutputLocation": ["s3://b/train/", "s3://b/validation/"]})
    )

    assert row.health is Health.HEALTHY
    assert row.details["output_locations"] == ["s3://b/train/", "s3://b/validation/"]


def test_a_job_finished_before_and_recorded_by_the_ledger_is_not_a_conflict() -> None:
    res = training_job()
    # The ledger spared the Describe and ListTags: status from the List call, tags unread.
    row = one(res, seen_job(res, "Completed", tags_unread=True, details={"Ledger": {"status": "Completed"}}))

    assert (row.health, row.message) == (Health.HEALTHY, "")


# --------------------------------------------------------------------------- conflicts


def test_a_same_named_job_we_do_not_own_is_a_conflict_and_its_facts_are_not_reported() -> None:
    res = job(Kind.TRAINING_JOB, "shared")
    row = one(
        res, seen_job(res, "Completed", tags={"team": "ml"}, details={"OutputLocation": "s3://theirs/"})
    )

    assert row.health is Health.DEGRADED
    assert row.message.startswith("conflict:")
    assert "not managed by gitops-sm" in row.message
    assert row.status is None
    assert row.details["model_artifacts"] is None


def test_a_job_owned_by_another_address_is_a_conflict() -> None:
    res = job(Kind.TRAINING_JOB, "mine")
    other = our_tags("TrainingJob/other/theirs", res.spec_hash)
    row = one(res, seen_job(res, "InProgress", tags=other))

    assert row.health is Health.DEGRADED
    assert "TrainingJob/other/theirs" in row.message


def test_an_explicit_job_name_with_a_changed_spec_is_degraded_and_says_rename() -> None:
    res = job(Kind.TRAINING_JOB, "explicit")
    older = our_tags(str(res.address), "0000000000000000")
    row = one(res, seen_job(res, "Completed", tags=older))

    assert row.health is Health.DEGRADED
    assert "earlier version of this spec" in row.message
    assert row.status == "Completed"  # ours: its facts are still shown


def test_a_same_named_endpoint_we_do_not_own_is_a_conflict() -> None:
    res = hosting_deployment()
    row = one(res, seen(res, ObservedType.ENDPOINT, "web", "InService", tags={}))

    assert row.health is Health.DEGRADED
    assert row.message.startswith("conflict:")
    assert row.progress == {"variants": []}


# --------------------------------------------------------------------------- hosting


def test_hosting_deployment_serving_an_older_config_reports_current_and_desired() -> None:
    res = hosting_deployment(spec_hash="bbbbbbbb22222222")
    endpoint = seen(
        res,
        ObservedType.ENDPOINT,
        "web",
        "InService",
        details={
            "EndpointConfigName": "web-old",
            "ProductionVariants": [
                {
                    "VariantName": "v-m1",
                    "CurrentInstanceCount": 2,
                    "DesiredInstanceCount": 3,
                    "CurrentWeight": 1.0,
                    "DesiredWeight": 1.0,
                }
            ],
        },
    )
    config = seen(
        res,
        ObservedType.ENDPOINT_CONFIG,
        "web-old",
        None,
        details={"ProductionVariants": [{"VariantName": "v-m1", "InstanceType": "ml.c5.large"}]},
    )
    row = one(res, endpoint, config)

    assert row.health is Health.HEALTHY
    assert row.message == "runs endpoint config web-old; the spec asks for web-22222222"
    assert row.details["endpoint_config"] == {
        "current": "web-old",
        "desired": "web-22222222",
        "pending": None,
    }
    assert row.progress["variants"] == [
        {
            "name": "v-m1",
            "instance_type": "ml.c5.large",
            "current_instance_count": 2,
            "desired_instance_count": 3,
            "current_weight": 1.0,
            "desired_weight": 1.0,
        }
    ]
    assert "progress" not in row.to_file_dict()  # instance counts move with autoscaling


def test_updating_endpoint_is_progressing_with_its_pending_config() -> None:
    res = hosting_deployment()
    row = one(
        res,
        seen(
            res,
            ObservedType.ENDPOINT,
            "web",
            "Updating",
            details={"EndpointConfigName": "web-old", "PendingEndpointConfigName": "web-22222222"},
        ),
    )

    assert row.health is Health.PROGRESSING
    assert row.details["endpoint_config"]["pending"] == "web-22222222"


def test_failed_endpoint_is_degraded_with_its_failure_reason() -> None:
    res = hosting_deployment()
    row = one(
        res,
        seen(
            res,
            ObservedType.ENDPOINT,
            "web",
            "Failed",
            details={"EndpointConfigName": "web-22222222", "FailureReason": "image not found"},
        ),
    )

    assert (row.health, row.status, row.message) == (Health.DEGRADED, "Failed", "image not found")
    assert row.details["failure_reason"] == "image not found"


def test_ack_endpoint_desired_config_comes_from_its_request() -> None:
    request = AwsRequest(
        service=kinds.SAGEMAKER,
        operation="CreateEndpoint",
        params={"EndpointName": "ranker", "EndpointConfigName": "ranker-2024-06"},
    )
    res = desired(Kind.ENDPOINT, "ranker", {"endpoint": "ranker"}, requests=(request,))
    row = one(
        res,
        seen(
            res, ObservedType.ENDPOINT, "ranker", "Creating", details={"EndpointConfigName": "ranker-2024-06"}
        ),
    )

    assert (row.health, row.message) == (Health.PROGRESSING, "")
    assert row.details["endpoint_config"]["desired"] == "ranker-2024-06"


@pytest.mark.parametrize(
    ("kind", "type_", "role"),
    [
        (Kind.MODEL, ObservedType.MODEL, "model"),
        (Kind.ENDPOINT_CONFIG, ObservedType.ENDPOINT_CONFIG, "endpoint_config"),
    ],
)
def test_model_and_endpoint_config_exist_or_are_missing(kind: Kind, type_: ObservedType, role: str) -> None:
    res = desired(kind, "thing", {role: "thing-v1"})

    present = one(
        res, seen(res, type_, "thing-v1", None, details={"CreationTime": "2024-06-01T00:00:00+00:00"})
    )
    absent = one(res)

    assert (present.health, present.details) == (
        Health.HEALTHY,
        {"exists": True, "creation_time": "2024-06-01T00:00:00+00:00"},
    )
    assert (absent.health, absent.details["exists"], absent.message) == (
        Health.MISSING,
        False,
        "not created yet",
    )


# --------------------------------------------------------------------------- autoscaling


def _target(res: DesiredResource, rid: str, lo: int, hi: int) -> ObservedResource:
    return ObservedResource(
        type=ObservedType.SCALABLE_TARGET,
        region=REGION,
        name=rid,
        details={"MinCapacity": lo, "MaxCapacity": hi},
    )


def _policy(rid: str) -> ObservedResource:
    name = kinds.HAP_DEFAULT_POLICY_NAME
    return ObservedResource(
        type=ObservedType.SCALING_POLICY,
        region=REGION,
        name=policy_key(rid, name),
        details={"PolicyName": name, "ResourceId": rid},
    )


def test_autoscaling_fully_applied_is_healthy_per_resource_id() -> None:
    res = hap(variants=("a", "b"), max_capacity=4)
    a, b = "endpoint/web/variant/a", "endpoint/web/variant/b"
    row = one(res, _target(res, a, 1, 4), _policy(a), _target(res, b, 1, 4), _policy(b))

    assert (row.health, row.message) == (Health.HEALTHY, "")
    assert row.details["resource_ids"] == [
        {
            "resource_id": a,
            "registered": True,
            "min_capacity": 1,
            "max_capacity": 4,
            "policy_name": kinds.HAP_DEFAULT_POLICY_NAME,
            "policy_present": True,
        },
        {
            "resource_id": b,
            "registered": True,
            "min_capacity": 1,
            "max_capacity": 4,
            "policy_name": kinds.HAP_DEFAULT_POLICY_NAME,
            "policy_present": True,
        },
    ]


def test_autoscaling_partly_applied_is_progressing_and_absent_is_missing() -> None:
    res = hap(variants=("a",))
    rid = "endpoint/web/variant/a"

    partial = one(res, _target(res, rid, 1, 4))
    absent = one(res)

    assert partial.health is Health.PROGRESSING
    assert partial.details["resource_ids"][0]["policy_present"] is False
    assert absent.health is Health.MISSING


def test_autoscaling_capacity_that_differs_from_the_spec_is_named() -> None:
    res = hap(variants=("a",), max_capacity=4)
    rid = "endpoint/web/variant/a"
    row = one(res, _target(res, rid, 1, 2), _policy(rid))

    assert row.health is Health.HEALTHY
    assert row.message == "endpoint/web/variant/a: MaxCapacity 2 (spec 4)"


# --------------------------------------------------------------------------- errors


def test_an_observation_error_for_a_resource_makes_it_unknown() -> None:
    res = training_job()
    failure = Issue(
        source=None,
        address=str(res.address),
        path="",
        message="cannot read AWS state: AccessDeniedException: not allowed",
    )
    report = build_status(load=load(res), observed=observed(errors=(failure,)), default_region=REGION)

    assert report.resources[0].health is Health.UNKNOWN
    assert "AccessDeniedException" in report.resources[0].message
    assert report.errors == ()  # shown on its resource, not twice
    assert report.has_errors


def test_an_observation_error_naming_no_resource_is_a_report_error() -> None:
    failure = Issue(source=None, address=None, path="", message="cannot read AWS state: throttled")
    report = build_status(load=load(), observed=observed(errors=(failure,)), default_region=REGION)

    assert report.errors == (failure,)
    assert report.has_errors


def test_specs_that_failed_to_load_are_rows_with_health_error() -> None:
    doc_issue = Issue(
        source=SourceLocation(path="jobs/bad.yaml", line=7),
        address="TrainingJob/default/bad",
        path="spec.resourceConfig.instanceCount",
        message="must be an integer",
    )
    file_issue = Issue(
        source=SourceLocation(path="broken.yaml", line=2), address=None, path="", message="not valid YAML"
    )
    doc = DocumentStatus(
        source=SourceLocation(path="jobs/bad.yaml", line=1),
        api_version=kinds.API_V1,
        kind="TrainingJob",
        address="TrainingJob/default/bad",
        status=DocumentStatusKind.ERROR,
        issues=(doc_issue,),
    )
    loaded = LoadResult(
        root="specs",
        resources=(training_job(),),
        issues=(doc_issue, file_issue),
        skipped=(),
        documents=(doc,),
        specs_digest="sha256:x",
    )
    report = build_status(load=loaded, observed=observed(), default_region=REGION)

    rows = {(r.address, str(r.source)): r for r in report.resources}
    bad = rows[("TrainingJob/default/bad", "jobs/bad.yaml:1")]
    broken = rows[(None, "broken.yaml:2")]
    assert (bad.health, bad.kind, bad.message) == (
        Health.ERROR,
        "TrainingJob",
        "jobs/bad.yaml:7: spec.resourceConfig.instanceCount: must be an integer",
    )
    assert (broken.health, broken.message) == (Health.ERROR, "not valid YAML")
    assert report.summary["error"] == 2 and report.summary["missing"] == 1
    assert status_summary_line(report) == "3 resources: 1 missing, 2 errors."
    assert report.resources[-1] is broken  # rows without an address come last


# --------------------------------------------------------------------------- JSON


def _report() -> StatusReport:
    running = training_job("a-train", spec_hash="aaaaaaaa11111111")
    done = job(Kind.PROCESSING_JOB, "b-features")
    return build_status(
        load=load(done, running, hosting_deployment()),
        observed=observed(
            seen_job(
                running,
                "InProgress",
                volatile={"SecondaryStatus": "Downloading", "LastModifiedTime": "2024-06-01T10:05:00+00:00"},
            ),
            seen_job(done, "Completed", details={"OutputLocation": ["s3://b/x/"]}),
        ),
        default_region=REGION,
    )


def test_json_is_stable_sorted_by_address_and_in_a_fixed_key_order() -> None:
    text = render_status_json(_report())
    data = json.loads(text)

    assert text == render_status_json(_report())
    assert list(data) == ["format_version", "root", "summary", "resources", "errors"]
    assert [r["address"] for r in data["resources"]] == [
        "HostingDeployment/default/web",
        "ProcessingJob/default/b-features",
        "TrainingJob/default/a-train",
    ]
    assert list(data["resources"][0]) == [
        "address",
        "kind",
        "api_version",
        "source",
        "region",
        "names",
        "spec_hash",
        "health",
        "status",
        "message",
        "details",
        "progress",
    ]
    assert data["summary"] == {
        "healthy": 1,
        "progressing": 1,
        "degraded": 0,
        "missing": 1,
        "suspended": 0,
        "unknown": 0,
        "error": 0,
    }
    assert "LastModifiedTime" not in text


def test_status_files_have_no_moving_fields_until_they_are_final() -> None:
    rows = {r.address: r for r in _report().resources}
    running = rows["TrainingJob/default/a-train"].to_file_dict()
    done = rows["ProcessingJob/default/b-features"].to_file_dict()

    assert "progress" not in running and running["status"] == "InProgress"
    assert done["progress"] == {}
    assert status_file_path("TrainingJob/default/a-train") == "default/TrainingJob/a-train.json"


# --------------------------------------------------------------------------- text


def _render(report: StatusReport, *, terminal: bool, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=terminal, width=160, color_system="standard" if color else None
    )
    render_status_text(report, console=console, color=color)
    return buffer.getvalue()


def test_plain_text_is_aligned_columns_without_ansi() -> None:
    text = _render(_report(), terminal=False)
    lines = text.splitlines()

    assert "\x1b[" not in text
    assert lines[0].split() == ["ADDRESS", "SAGEMAKER", "NAME", "REGION", "SYNC", "HEALTH", "STATUS", "DETAILS"]
    column = lines[0].index("HEALTH")
    assert [line[column:].split()[0] for line in lines[1:4]] == ["missing", "healthy", "progressing"]
    assert lines[3].endswith("InProgress  secondary status: Downloading")
    assert lines[2].endswith("outputs: s3://b/x/")
    assert lines[1].endswith("not created yet")
    assert lines[-1] == "3 resources: 1 healthy, 1 progressing, 1 missing."
    assert all(line == line.rstrip() for line in lines)


def test_a_terminal_gets_a_table_with_coloured_health() -> None:
    text = _render(_report(), terminal=True, color=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)

    assert "Status" in plain.splitlines()[0]
    assert "─" in plain  # the table's rule
    assert re.search(r"Address\s+SageMaker name\s+Region\s+Sync\s+Health\s+Status\s+Details", plain)
    assert "\x1b[" in text  # health is coloured
    assert plain.rstrip().endswith("3 resources: 1 healthy, 1 progressing, 1 missing.")


def test_report_errors_are_listed_in_text() -> None:
    failure = Issue(source=None, address=None, path="", message="cannot read AWS state: throttled")
    report = build_status(load=load(), observed=observed(errors=(failure,)), default_region=REGION)

    text = _render(report, terminal=False)

    assert "Errors:\n  <unknown>: cannot read AWS state: throttled\n" in text
    assert text.endswith("0 resources.\n")


def test_unknown_observed_state_is_not_mistaken_for_missing() -> None:
    res = training_job()
    state = ObservedState()  # nothing listed at all

    assert health_of(res, state, region=REGION) is Health.UNKNOWN


def test_an_80_column_terminal_gets_one_block_per_resource_that_fits_it() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=80, color_system=None)

    render_status_text(_report(), console=console, color=False)

    lines = buffer.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert lines[0].split() == ["ADDRESS", "SYNC", "HEALTH", "STATUS"]
    train = lines.index(next(line for line in lines if line.startswith("TrainingJob/default/a-train ")))
    assert lines[train].split()[1:] == ["-", "progressing", "InProgress"]
    assert lines[train + 1].strip().endswith(f"· {REGION}")
    assert lines[train + 2] == "    secondary status: Downloading"
    assert len(lines) <= 12  # three resources, their details, the summary
