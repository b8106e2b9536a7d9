"""cdk-nag (v3 API): the AwsSolutions pack on every stack, and every acknowledged finding with its reason
kept in this one place so a reviewer can read all exceptions at once."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

_LAMBDA_BASIC = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

# Rule id (as cdk-nag 3 prints it after "Acknowledge with") -> one-sentence justification.
ACKNOWLEDGED: dict[str, str] = {
    f"AwsSolutions::AwsSolutions-IAM4[{_LAMBDA_BASIC}]": (
        "AWSLambdaBasicExecutionRole only allows writing the function's own CloudWatch Logs, the minimum a "
        "Lambda needs; CDK's singleton custom-resource providers attach it and it grants nothing else."
    ),
    "AwsSolutions::AwsSolutions-L1": (
        "Functions are pinned to python3.13 on purpose: it is the newest runtime the public Powertools "
        "layer is published for, and the version the tests run against."
    ),
}


def enable_nag(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, findings: dict[str, str]) -> None:
    for rule_id, reason in findings.items():
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
