"""Time-based job lifecycle of the simulator: InProgress → Completed/Failed, Stopping → Stopped.

moto marks every job Completed the moment it is created. Here a job's status is a pure function
of its ``JobLife`` (when it started, how long it runs, how it ends, when a stop was asked) and the
simulated time; ``materialize`` writes that status onto moto's job object so that moto's own
Describe/List code (and its StatusEquals filters) report it. Training jobs also get secondary
statuses and log lines in CloudWatch Logs, tuning jobs get child training jobs, counters and a
best training job.

Called by ``sagemaker_ext`` on every request (``refresh_jobs``) and by its Create*/Stop* handlers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from gitops_sm.sandbox.state import COMPLETED, FAILED, JobLife, SimState, to_datetime


@dataclass(frozen=True, kw_only=True)
class JobKindSpec:
    """Where moto keeps one job kind and how AWS words things about it."""

    noun: str
    label: str  # "training job": used in AWS-style messages
    store: str  # attribute of SageMakerModelBackend holding {name: job}
    status_attr: str
    start_attr: str | None
    end_attr: str
    log_group: str | None


JOB_SPECS: dict[str, JobKindSpec] = {
    spec.noun: spec
    for spec in (
        JobKindSpec(
            noun="TrainingJob",
            label="training job",
            store="training_jobs",
            status_attr="training_job_status",
            start_attr="training_start_time",
            end_attr="training_end_time",
            log_group="/aws/sagemaker/TrainingJobs",
        ),
        JobKindSpec(
            noun="ProcessingJob",
            label="processing job",
            store="processing_jobs",
            status_attr="processing_job_status",
            start_attr="processing_start_time",
            end_attr="processing_end_time",
            log_group="/aws/sagemaker/ProcessingJobs",
        ),
        JobKindSpec(
            noun="TransformJob",
            label="transform job",
            store="transform_jobs",
            status_attr="transform_job_status",
            start_attr="transform_start_time",
            end_attr="transform_end_time",
            log_group="/aws/sagemaker/TransformJobs",
        ),
        JobKindSpec(
            noun="HyperParameterTuningJob",
            label="hyperparameter tuning job",
            store="hyper_parameter_tuning_jobs",
            status_attr="hyper_parameter_tuning_job_status",
            start_attr=None,
            end_attr="hyper_parameter_tuning_end_time",
            log_group=None,
        ),
    )
}

DEFAULT_FAILURE_REASON = {
    "TrainingJob": "AlgorithmError: the sandbox failed this job as requested by its gitops-sm-sandbox/outcome tag",
    "ProcessingJob": "AlgorithmError: the sandbox failed this job as requested by its gitops-sm-sandbox/outcome tag",
    "TransformJob": "ClientError: the sandbox failed this job as requested by its gitops-sm-sandbox/outcome tag",
    "HyperParameterTuningJob": "All training jobs failed (the sandbox failed this job as requested by its gitops-sm-sandbox/outcome tag)",
}

# Secondary statuses of a running training job and the fraction of the run at which each starts.
RUNNING_PHASES: tuple[tuple[str, float, str], ...] = (
    ("Starting", 0.0, "Preparing the instances for training"),
    ("Downloading", 0.2, "Downloading input data"),
    ("Training", 0.35, "Training image download completed. Training in progress."),
    ("Uploading", 0.9, "Uploading generated training model"),
)
TERMINAL_MESSAGES = {
    COMPLETED: "Training job completed",
    FAILED: "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
}
METRIC_FRACTIONS = (0.5, 0.65, 0.8)
RUNNING = "InProgress"
STOPPING = "Stopping"
STOPPED = "Stopped"
MAX_TUNING_CHILDREN = 4


@dataclass(frozen=True, kw_only=True)
class Transition:
    status: str
    start: float
    end: float | None
    message: str


@dataclass(frozen=True, kw_only=True)
class JobSnapshot:
    status: str
    secondary: str
    transitions: tuple[Transition, ...]
    changed_at: float
    ended_at: float | None


def stop_duration_for(job_seconds: float) -> float:
    """A stop takes half as long as a run: long enough to observe Stopping when timing is slow."""
    return job_seconds / 2.0


def snapshot(life: JobLife, now: float) -> JobSnapshot:
    end = life.created_at + life.duration
    stop_at = life.stop_requested_at
    stopped = stop_at is not None and stop_at < end
    running_until = stop_at if stopped and stop_at is not None else min(now, end)
    starts = [
        (name, life.created_at + fraction * life.duration, message)
        for name, fraction, message in RUNNING_PHASES
        if life.created_at + fraction * life.duration <= running_until
        and (fraction == 0.0 or life.created_at + fraction * life.duration < end)
    ]
    transitions: list[Transition] = []
    for index, (name, start, message) in enumerate(starts):
        next_start = starts[index + 1][1] if index + 1 < len(starts) else None
        transitions.append(Transition(status=name, start=start, end=next_start, message=message))

    def close_last(at: float) -> None:
        if transitions and transitions[-1].end is None:
            last = transitions[-1]
            transitions[-1] = Transition(status=last.status, start=last.start, end=at, message=last.message)

    if stopped and stop_at is not None:
        done = stop_at + life.stop_duration
        close_last(stop_at)
        finished = now >= done
        transitions.append(
            Transition(
                status=STOPPING,
                start=stop_at,
                end=done if finished else None,
                message=TERMINAL_MESSAGES[STOPPING],
            )
        )
        if finished:
            transitions.append(
                Transition(status=STOPPED, start=done, end=done, message=TERMINAL_MESSAGES[STOPPED])
            )
            return JobSnapshot(
                status=STOPPED,
                secondary=STOPPED,
                transitions=tuple(transitions),
                changed_at=done,
                ended_at=done,
            )
        return JobSnapshot(
            status=STOPPING,
            secondary=STOPPING,
            transitions=tuple(transitions),
            changed_at=stop_at,
            ended_at=None,
        )
    if now >= end:
        close_last(end)
        transitions.append(
            Transition(status=life.outcome, start=end, end=end, message=TERMINAL_MESSAGES[life.outcome])
        )
        return JobSnapshot(
            status=life.outcome,
            secondary=life.outcome,
            transitions=tuple(transitions),
            changed_at=end,
            ended_at=end,
        )
    current = transitions[-1]
    return JobSnapshot(
        status=RUNNING,
        secondary=current.status,
        transitions=tuple(transitions),
        changed_at=current.start,
        ended_at=None,
    )


def _deterministic_fraction(text: str) -> float:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


# ----------------------------------------------------------------------------------------- tuning


def _objective(job: Any) -> dict[str, str]:
    config = job.hyper_parameter_tuning_job_config or {}
    objective = config.get("HyperParameterTuningJobObjective") or {}
    return {
        "Type": str(objective.get("Type") or "Maximize"),
        "MetricName": str(objective.get("MetricName") or "validation:objective"),
    }


def _tuned_hyper_parameters(job: Any, index: int, count: int) -> dict[str, str]:
    ranges = (job.hyper_parameter_tuning_job_config or {}).get("ParameterRanges") or {}
    fraction = (index + 1) / (count + 1)
    tuned: dict[str, str] = {}
    for item in ranges.get("ContinuousParameterRanges") or []:
        low, high = float(item["MinValue"]), float(item["MaxValue"])
        tuned[item["Name"]] = f"{low + fraction * (high - low):.6g}"
    for item in ranges.get("IntegerParameterRanges") or []:
        low_int, high_int = int(item["MinValue"]), int(item["MaxValue"])
        tuned[item["Name"]] = str(low_int + round(fraction * (high_int - low_int)))
    for item in ranges.get("CategoricalParameterRanges") or []:
        values = item.get("Values") or [""]
        tuned[item["Name"]] = str(values[index % len(values)])
    return tuned


def tuning_children(job: Any, life: JobLife, now: float) -> list[dict[str, Any]]:
    """HyperParameterTrainingJobSummary entries of a tuning job's training jobs at ``now``."""
    limits = (job.hyper_parameter_tuning_job_config or {}).get("ResourceLimits") or {}
    count = max(1, min(int(limits.get("MaxNumberOfTrainingJobs") or 2), MAX_TUNING_CHILDREN))
    objective = _objective(job)
    children: list[dict[str, Any]] = []
    for index in range(count):
        suffix = hashlib.sha256(f"{life.name}/{index}".encode()).hexdigest()[:8]
        name = f"{life.name}-{index + 1:03d}-{suffix}"
        child_life = JobLife(
            noun="TrainingJob",
            name=name,
            created_at=life.created_at,
            duration=life.duration * (index + 1) / count,
            outcome=life.outcome,
            failure_reason="AlgorithmError: sandbox training job failed" if life.outcome == FAILED else "",
            stop_requested_at=life.stop_requested_at,
            stop_duration=life.stop_duration,
        )
        snap = snapshot(child_life, now)
        summary: dict[str, Any] = {
            "TrainingJobName": name,
            "TrainingJobArn": job.arn.replace(":hyper-parameter-tuning-job/", ":training-job/").replace(
                f"/{life.name}", f"/{name}"
            ),
            "TuningJobName": life.name,
            "CreationTime": to_datetime(life.created_at),
            "TrainingStartTime": to_datetime(life.created_at),
            "TrainingJobStatus": snap.status,
            "TunedHyperParameters": _tuned_hyper_parameters(job, index, count),
        }
        if snap.ended_at is not None:
            summary["TrainingEndTime"] = to_datetime(snap.ended_at)
        if snap.status == COMPLETED:
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                **objective,
                "Value": round(_deterministic_fraction(name), 4),
            }
            summary["ObjectiveStatus"] = "Succeeded"
        elif snap.status == FAILED:
            summary["ObjectiveStatus"] = "Failed"
            summary["FailureReason"] = child_life.failure_reason
        else:
            summary["ObjectiveStatus"] = "Pending"
        children.append(summary)
    return children


def _materialize_tuning(job: Any, life: JobLife, snap: JobSnapshot, now: float) -> None:
    children = tuning_children(job, life, now)
    statuses = [child["TrainingJobStatus"] for child in children]
    job.training_job_status_counters = {
        "Completed": statuses.count(COMPLETED),
        "InProgress": statuses.count(RUNNING) + statuses.count(STOPPING),
        "RetryableError": 0,
        "NonRetryableError": statuses.count(FAILED),
        "Stopped": statuses.count(STOPPED),
    }
    objectives = [child["ObjectiveStatus"] for child in children]
    job.objective_status_counters = {
        "Succeeded": objectives.count("Succeeded"),
        "Pending": objectives.count("Pending"),
        "Failed": objectives.count("Failed"),
    }
    completed = [child for child in children if child["TrainingJobStatus"] == COMPLETED]
    if completed:
        maximize = _objective(job)["Type"] == "Maximize"
        best = sorted(
            completed,
            key=lambda child: child["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
            reverse=maximize,
        )[0]
        job.best_training_job = dict(best)
    else:
        job.best_training_job = None
    job.OverallBestTrainingJob = None
    job.tuning_job_completion_details = None
    elapsed = (snap.ended_at if snap.ended_at is not None else now) - life.created_at
    job.consumed_resources = {"RuntimeInSeconds": int(elapsed)}
    job.failure_reason = life.failure_reason if snap.status == FAILED else None


# ------------------------------------------------------------------------------------ materialize


def materialize(spec: JobKindSpec, job: Any, life: JobLife, now: float) -> JobSnapshot:
    """Write the job's status at ``now`` onto moto's object (only when something changed)."""
    snap = snapshot(life, now)
    key: tuple[Any, ...] = (snap.status, snap.secondary, len(snap.transitions), snap.changed_at)
    if spec.noun == "HyperParameterTuningJob":
        # Children finish one after another while the tuning job itself is still InProgress.
        key = (*key, tuple(child["TrainingJobStatus"] for child in tuning_children(job, life, now)))
    if life.materialized == key:
        return snap
    life.materialized = key
    setattr(job, spec.status_attr, snap.status)
    job.creation_time = to_datetime(life.created_at)
    job.last_modified_time = to_datetime(snap.changed_at)
    if spec.start_attr is not None:
        setattr(job, spec.start_attr, to_datetime(life.created_at))
    setattr(job, spec.end_attr, to_datetime(snap.ended_at) if snap.ended_at is not None else None)
    if spec.noun == "HyperParameterTuningJob":
        _materialize_tuning(job, life, snap, now)
        return snap
    job.failure_reason = life.failure_reason if snap.status == FAILED else None
    if spec.noun == "TrainingJob":
        _materialize_training(job, life, snap)
    return snap


def _materialize_training(job: Any, life: JobLife, snap: JobSnapshot) -> None:
    job.secondary_status = snap.secondary
    job.secondary_status_transitions = [
        {
            "Status": transition.status,
            "StartTime": to_datetime(transition.start),
            **({"EndTime": to_datetime(transition.end)} if transition.end is not None else {}),
            "StatusMessage": transition.message,
        }
        for transition in snap.transitions
    ]
    finished = snap.ended_at is not None
    job.training_time_in_seconds = int(snap.ended_at - life.created_at) if snap.ended_at is not None else None
    job.billable_time_in_seconds = job.training_time_in_seconds
    if snap.status == COMPLETED:
        job.model_artifacts = dict(life.model_artifacts) if life.model_artifacts else None
        job.final_metric_data_list = [
            {
                "MetricName": "train:loss",
                "Value": round(0.1 + 0.5 * _deterministic_fraction(life.name), 4),
                "Timestamp": to_datetime(snap.ended_at or life.created_at),
            }
        ]
    else:
        job.model_artifacts = None
        job.final_metric_data_list = None if not finished else []


# ------------------------------------------------------------------------------------------- logs


def _log_line(spec: JobKindSpec, transition: Transition) -> str:
    """``[sandbox] <phase>: <message>`` in the words of the job's own kind (the secondary statuses
    are a training job's; a processing or transform job runs and uploads its outputs)."""
    if spec.noun == "TrainingJob":
        return f"[sandbox] {transition.status}: {transition.message}"
    label = spec.label
    words = {
        "Starting": ("Starting", f"Preparing the instances for the {label}"),
        "Downloading": ("Downloading", "Downloading input data"),
        "Training": ("Running", f"{label.capitalize()} in progress"),
        "Uploading": ("Uploading", "Uploading the output data"),
        COMPLETED: (COMPLETED, f"{label.capitalize()} completed"),
        FAILED: (FAILED, f"{label.capitalize()} failed"),
        STOPPING: (STOPPING, f"Stopping the {label}"),
        STOPPED: (STOPPED, f"{label.capitalize()} stopped"),
    }
    phase, message = words.get(transition.status, (transition.status, transition.message))
    return f"[sandbox] {phase}: {message}"


def log_events(spec: JobKindSpec, life: JobLife, snap: JobSnapshot, now: float) -> list[tuple[float, str]]:
    """Every log line the job has written by ``now``, oldest first; earlier results are prefixes."""
    events: list[tuple[float, str]] = []
    for transition in snap.transitions:
        events.append((transition.start, _log_line(spec, transition)))
        if transition.status == "Training" and spec.noun == "TrainingJob":  # only training reports metrics
            until = transition.end if transition.end is not None else now
            for epoch, fraction in enumerate(METRIC_FRACTIONS, start=1):
                at = life.created_at + fraction * life.duration
                if at <= until and at <= now:
                    loss = round(0.7 / epoch + 0.05 * _deterministic_fraction(f"{life.name}/{epoch}"), 4)
                    events.append((at, f"#metrics epoch={epoch} train:loss={loss}"))
    events.sort(key=lambda event: event[0])
    return events


def job_lives(state: SimState) -> list[JobLife]:
    return list(state.jobs.values())
