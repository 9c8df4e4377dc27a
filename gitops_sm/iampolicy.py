"""deploy/iam-policy.json: the least-privilege IAM policy of the reconcile CronJob, built from code.

The one statement that matters is derived from :func:`gitops_sm.allowlist.iam_actions`, the list
of every AWS call the planner can emit and every read ``observe``/``execute``/``logs`` make, so
the policy grants exactly what the code can call. Three fixed statements cover what AWS requires
*around* those calls and the code never calls itself: ``iam:PassRole`` of the SageMaker execution
roles named in specs (Create*Job, CreateModel pass them), the CloudWatch alarms a target-tracking
``PutScalingPolicy`` creates and ``DeleteScalingPolicy`` removes, and the service-linked role
Application Auto Scaling creates on the first ``RegisterScalableTarget``.

``tests/test_deploy_iam_policy.py`` fails when the file and the code drift apart. Regenerate with::

    python -m gitops_sm.iampolicy > deploy/iam-policy.json
"""

from __future__ import annotations

import json
from typing import Any

from gitops_sm.allowlist import iam_actions

EXECUTION_ROLE_PLACEHOLDER = "arn:aws:iam::111122223333:role/sagemaker-execution-*"
AUTOSCALING_SLR = (
    "arn:aws:iam::*:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)
CALLS_SID = "GitopsSmCalls"


def policy_document() -> dict[str, Any]:
    """The IAM policy document, statements in a fixed order."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": CALLS_SID, "Effect": "Allow", "Action": list(iam_actions()), "Resource": "*"},
            {
                "Sid": "PassSageMakerExecutionRoles",
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": [EXECUTION_ROLE_PLACEHOLDER],
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            },
            {
                "Sid": "TargetTrackingAlarms",
                "Effect": "Allow",
                "Action": ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"],
                "Resource": "*",
            },
            {
                "Sid": "AutoscalingServiceLinkedRole",
                "Effect": "Allow",
                "Action": ["iam:CreateServiceLinkedRole"],
                "Resource": [AUTOSCALING_SLR],
                "Condition": {"StringLike": {"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"}},
            },
        ],
    }


def render() -> str:
    """The exact text of deploy/iam-policy.json."""
    return json.dumps(policy_document(), indent=2) + "\n"


if __name__ == "__main__":
    print(render(), end="")
