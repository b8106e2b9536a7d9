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


# Findings acknowledged only on the construct they concern (applied where the construct is built).
IAM5 = "AwsSolutions::AwsSolutions-IAM5"
METERING_DEAD_LETTER_QUEUE: dict[str, str] = {
    "AwsSolutions::AwsSolutions-SQS3": (
        "This queue is itself the metering function's on-failure destination (a dead-letter queue for "
        "asynchronous invocations), which cdk-nag cannot see because it only recognises SQS redrive policies."
    ),
}
INVOCATION_LOG_DELIVERY_ROLE: dict[str, str] = {
    f"{IAM5}[Resource::<MeteringInvocationLoggingLogGroupF95AA19B.Arn>:log-stream:*]": (
        "Bedrock creates its own log streams with generated names, so the role may write any stream but "
        "only inside the one invocation log group."
    ),
}
INVOCATION_LOGGING_LEGACY_GUARD: dict[str, str] = {
    f"{IAM5}[Resource::*]": (
        "GetModelInvocationLoggingConfiguration reads an account-level setting that has no resource ARN, so "
        "IAM only accepts '*'; the guard's policy allows that one read and nothing else."
    ),
}
INVOCATION_LOGGING_FUNCTION: dict[str, str] = {
    f"{IAM5}[Resource::*]": (
        "Get/Put/DeleteModelInvocationLoggingConfiguration act on an account-level setting that has no "
        "resource ARN, so IAM only accepts '*' for them; PassRole in the same policy is limited to the "
        "delivery role."
    ),
}
INVOCATION_LOGGING_PROVIDER_REASON = (
    "The CDK Provider framework may invoke the custom resource's one handler function, any version of it "
    "(ARN and ARN:*), and nothing else."
)


def invocation_logging_provider_findings(handler_logical_id: str) -> dict[str, str]:
    """The finding id names the handler function's logical id."""
    return {f"{IAM5}[Resource::<{handler_logical_id}.Arn>:*]": INVOCATION_LOGGING_PROVIDER_REASON}


PROFILE_LOOKUP_REASON = (
    "Metering resolves application inference profiles created outside this stack, whose ids it cannot "
    "know in advance; the grant is read-only (GetInferenceProfile) and limited to this account and region."
)


ALARM_STATES_REASON = (
    "The detector reads the states of this account's guardrail alarms, one per feature and kind, whose "
    "names all start with the account's alarm-name prefix; the grant is read-only (DescribeAlarms) and "
    "limited to that prefix in this account and region."
)


def _arn_prefix(stack: cdk.Stack) -> str:
    """How cdk-nag prints an environment-bound stack's ARN prefix: the partition is a literal when the
    region's partition is known at synth time, else the pseudo parameter."""
    partition = "<AWS::Partition>" if cdk.Token.is_unresolved(stack.partition) else stack.partition
    return f"arn:{partition}"


def _account(stack: cdk.Stack) -> str:
    """The account as cdk-nag prints it: the pseudo parameter in an environment-agnostic stack (the
    baseline's StackSet template)."""
    return "<AWS::AccountId>" if cdk.Token.is_unresolved(stack.account) else stack.account


def detector_alarm_findings(stack: cdk.Stack, prefix: str) -> dict[str, str]:
    resource = f"{_arn_prefix(stack)}:cloudwatch:{stack.region}:{_account(stack)}:alarm:{prefix}*"
    return {f"{IAM5}[Resource::{resource}]": ALARM_STATES_REASON}


def metering_function_findings(stack: cdk.Stack) -> dict[str, str]:
    resource = (
        f"{_arn_prefix(stack)}:bedrock:{stack.region}:{_account(stack)}:application-inference-profile/*"
    )
    return {f"{IAM5}[Resource::{resource}]": PROFILE_LOOKUP_REASON}


KMS_GRANT_WILDCARDS: dict[str, str] = {
    f"{IAM5}[Action::kms:ReEncrypt*]": (
        "CDK's key grants for encrypted queues and tables use the kms:ReEncrypt*/GenerateDataKey* action "
        "families on that one key ARN only."
    ),
    f"{IAM5}[Action::kms:GenerateDataKey*]": (
        "CDK's key grants for encrypted queues and tables use the kms:ReEncrypt*/GenerateDataKey* action "
        "families on that one key ARN only."
    ),
}

PRICE_CATALOG_BUCKET: dict[str, str] = {
    "AwsSolutions::AwsSolutions-S1": (
        "The bucket holds one regenerated, non-sensitive price catalog that only the refresh function "
        "writes, and versioning keeps every earlier catalog, so server access logs would add a second bucket "
        "without adding an audit trail."
    ),
}
ATHENA_RESULTS_BUCKET: dict[str, str] = {
    "AwsSolutions::AwsSolutions-S1": (
        "The bucket only holds Athena query results, which expire after 30 days and are reproducible from "
        "the logs, and every query is already recorded by Athena and CloudTrail, so access logs would add a "
        "second bucket without adding an audit trail."
    ),
}


def replay_athena_policy_findings(logs_objects: str, results_bucket_logical_id: str) -> dict[str, str]:
    """The finding ids name the configured log bucket and prefix, and the results bucket's logical id."""
    return {
        f"{IAM5}[Resource::{logs_objects}]": (
            "Replay reads any log object under the delivery prefix (AWSLogs/ of the configured bucket: every "
            "account, Region and hour the table projects), read-only."
        ),
        f"{IAM5}[Resource::<{results_bucket_logical_id}.Arn>/results/*]": (
            "Athena writes each query's result objects under results/ with generated names, in the "
            "workgroup's own results bucket."
        ),
    }


PRICE_REFRESH_FUNCTION: dict[str, str] = {
    f"{IAM5}[Resource::*]": (
        "pricing:GetProducts and cloudwatch:ListMetrics/GetMetricData support no resource ARN, so IAM only "
        "accepts '*'; the grant is read-only (the function's own metric is EMF in its log)."
    ),
}

RECONCILE_FUNCTION: dict[str, str] = {
    f"{IAM5}[Resource::*]": (
        "ce:GetCostAndUsage and cloudwatch:GetMetricData/ListMetrics support no resource ARN, so IAM only "
        "accepts '*'; the function only reads the bill and the metering's metrics."
    ),
}

DETECTOR_FUNCTION: dict[str, str] = {
    f"{IAM5}[Resource::*]": (
        "cloudwatch:GetMetricData/ListMetrics support no resource ARN, so IAM only accepts '*'; the grant is "
        "read-only."
    ),
}

EVALUATOR_FUNCTION: dict[str, str] = {
    f"{IAM5}[Resource::*]": (
        "cloudwatch:GetMetricData/ListMetrics support no resource ARN, so IAM only accepts '*'; the grant is "
        "read-only (the function's own metrics are EMF in its log)."
    ),
}


BASELINE_CODE_BUCKET: dict[str, str] = {
    "AwsSolutions::AwsSolutions-S1": (
        "The bucket holds only the baseline's Lambda code and StackSet templates, written by cdk deploy and "
        "read by CloudFormation in member accounts, and versioning keeps every earlier object, so server "
        "access logs would add a second bucket per Region without adding an audit trail."
    ),
}

# The delivery pipeline's (and its cross-Region support stacks') findings, all on what CDK Pipelines
# generates; acknowledged on those stacks only.
PIPELINE_ACKNOWLEDGED: dict[str, str] = {
    IAM5: (
        "CDK Pipelines generates these grants: object-level access to its own artifact bucket and key, "
        "CodeBuild's own log groups and report groups (named after the project at run time), and assuming "
        "the target accounts' cdk bootstrap roles, which are what limit what a deployment may do."
    ),
    "AwsSolutions::AwsSolutions-S1": (
        "The artifact and replication buckets hold only build outputs that the pipeline regenerates on "
        "every run, and CloudTrail already records who reads them, so server access logs add no audit trail."
    ),
}


def pipeline_findings(stack: cdk.Stack) -> dict[str, str]:
    """Every wildcard finding on the grants CDK Pipelines generates in the pipeline stack, by the id cdk-nag
    prints (its artifact bucket and key, its CodeBuild projects' logs and reports, the bootstrap roles)."""
    reason = PIPELINE_ACKNOWLEDGED[IAM5]
    account, region = stack.account, stack.region
    projects = ("PipelineBuildSynthCdkBuildProject6BEFA8E6", "PipelineUpdatePipelineSelfMutationDAA41400")
    resources = [
        "*",
        "<PipelineArtifactsBucketAEA9A052.Arn>/*",
        f"arn:*:iam::{account}:role/*",
        f"arn:aws:codebuild:{region}:{account}:report-group/*",
        f"arn:aws:logs:{region}:{account}:log-group:/aws/codebuild/*",
        *(f"arn:aws:codebuild:{region}:{account}:report-group/<{p}>-*" for p in projects),
        *(f"arn:aws:logs:{region}:{account}:log-group:/aws/codebuild/<{p}>:*" for p in projects),
    ]
    actions = ["kms:GenerateDataKey*", "kms:ReEncrypt*", "s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*"]
    actions += ["s3:GetObject*", "s3:List*"]
    findings = {f"{IAM5}[Resource::{r}]": reason for r in resources}
    findings.update({f"{IAM5}[Action::{a}]": reason for a in actions})
    findings["AwsSolutions::AwsSolutions-S1"] = PIPELINE_ACKNOWLEDGED["AwsSolutions::AwsSolutions-S1"]
    return findings


COST_ALLOCATION_TAGS_ACKNOWLEDGED: dict[str, str] = {
    "AwsSolutions::AwsSolutions-IAM5[Resource::*]": (
        "ce:UpdateCostAllocationTagsStatus acts on the payer account's tag settings and supports no resource "
        "ARN, so '*' is the only resource IAM accepts; the policy allows that one action and nothing else."
    ),
}


def enable_nag(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, findings: dict[str, str]) -> None:
    validations = cdk.Validations.of(scope)
    for rule_id, reason in findings.items():
        validations.acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
