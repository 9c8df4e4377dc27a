"""deploy/ builds with ``kubectl kustomize`` (offline) into a CronJob that runs one reconcile pass
under the constraints the README promises, with RBAC for its Lease and config gitops-sm reads."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from gitops_sm.cli import main

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@pytest.fixture(scope="module")
def built() -> dict[str, dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on the PATH")
    out = subprocess.run(["kubectl", "kustomize", str(DEPLOY)], capture_output=True, text=True, check=True, timeout=60)
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


def test_kustomize_builds_every_piece(built: dict[str, dict[str, Any]]) -> None:
    assert sorted(built) == [
        "ClusterRole/gitops-sm-read-sagemaker-crs",
        "ClusterRoleBinding/gitops-sm-read-sagemaker-crs",
        "ConfigMap/gitops-sm-config",
        "CronJob/gitops-sm-reconcile",
        "Namespace/gitops-sm",
        "Role/gitops-sm-lease",
        "RoleBinding/gitops-sm-lease",
        "ServiceAccount/gitops-sm",
    ]
    assert all(d["metadata"].get("namespace", "gitops-sm") == "gitops-sm" for d in built.values())


def test_the_cronjob_runs_one_pass_at_a_time_non_root_on_a_read_only_root(built: dict[str, dict[str, Any]]) -> None:
    cron = built["CronJob/gitops-sm-reconcile"]["spec"]
    job = cron["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    (container,) = pod["containers"]
    assert cron["concurrencyPolicy"] == "Forbid" and cron["startingDeadlineSeconds"] > 0
    assert job["backoffLimit"] == 0 and job["activeDeadlineSeconds"] > 0
    assert pod["serviceAccountName"] == "gitops-sm" and pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["args"][0] == "reconcile"
    assert container["image"].endswith("/gitops-sm:0.1.0")
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes["work"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    for name in ("HOME", "TMPDIR", "GITOPS_SM_WORKDIR"):
        assert env[name].startswith(mounts["work"])  # every write lands on the emptyDir
    assert env["GIT_TOKEN_FILE"].startswith(mounts["git-token"])
    assert volumes["git-token"]["secret"]["secretName"] == "gitops-sm-git"


def test_rbac_allows_the_lease_and_reading_the_operators_crs_only(built: dict[str, dict[str, Any]]) -> None:
    (lease_rule,) = built["Role/gitops-sm-lease"]["rules"]
    assert lease_rule == {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]}
    for rule in built["ClusterRole/gitops-sm-read-sagemaker-crs"]["rules"]:
        assert rule["verbs"] == ["get", "list"]
    annotations = built["ServiceAccount/gitops-sm"]["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")


def test_every_config_key_is_an_environment_variable_reconcile_reads(built: dict[str, dict[str, Any]]) -> None:
    command = main.commands["reconcile"]
    envvars = {p.envvar for p in command.params if isinstance(p, click.Option) and isinstance(p.envvar, str)}
    keys = set(built["ConfigMap/gitops-sm-config"]["data"])
    assert keys - envvars - {"AWS_REGION"} == set()
    cron = built["CronJob/gitops-sm-reconcile"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert {e["name"] for e in cron["containers"][0]["env"]} - envvars - {"HOME", "TMPDIR"} == set()


def test_the_secret_example_is_not_applied_by_the_kustomization() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "git-token-secret.example.yaml" not in kustomization["resources"]
    secret = yaml.safe_load((DEPLOY / "git-token-secret.example.yaml").read_text(encoding="utf-8"))
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "gitops-sm-git" and "token" in secret["stringData"]
