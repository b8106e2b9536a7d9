"""Optional Glue table and Athena workgroup over the invocation logs Bedrock delivers to S3
(config `accounts[].invocation_log_analytics`), for `genai-guardrails replay --athena WORKGROUP`.

* Glue database and table: one string column `line` per log line (text, gzip by extension), partitioned by
  projection on `account_id`, `log_region` and `log_hour` (`yyyy/MM/dd/HH`), matching the delivery layout
  `<s3_uri>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/yyyy/MM/dd/HH/*.json.gz`: no crawler, no
  partitions to add, and a `log_hour` range reads only those hours. Keeping the raw line lets replay's SQL
  (cli/replay/sql.py) validate every record exactly as the metering Lambda does.
* Athena workgroup (engine 3) with its configuration enforced: results in a KMS-encrypted bucket (expiring
  after 30 days), a per-query bytes-scanned limit, CloudWatch metrics.
* Named queries: cost per feature per day (list prices of the catalog at synth time).
* A managed policy with what replay needs (run queries in the workgroup, read the table and the logs, read
  and write results), to attach to the people or roles who run it.

The bucket may be another account's (a log archive): its bucket policy must then allow this account to list
and read the prefix; the table and the workgroup stay in this account.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from analytics.sql import (
    ATHENA,
    PARTITION_FORMAT,
    athena_line_source,
    attribution_plan,
    catalog_thresholds,
    cost_per_feature_per_day_sql,
)
from core.config_model import InvocationLogAnalytics
from core.naming import ANALYTICS_TABLE_NAME, analytics_database_name, analytics_workgroup_name
from core.runtime_config import RuntimeConfig
from lambdas.pricing.catalog_source import current_catalog
from stacks.nag import ATHENA_RESULTS_BUCKET, acknowledge, replay_athena_policy_findings

RESULTS_EXPIRE_DAYS = 30
# Hive's text format: one row per line; \u0001 never appears unescaped in a JSON line, so `line` is all of it.
LINE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
PROJECTION_START = "2023/01/01/00"  # Bedrock invocation logging exists since 2023
_JAVA_HOUR_FORMAT = "yyyy/MM/dd/HH"
assert PARTITION_FORMAT == "%Y/%m/%d/%H"  # the same hour format as replay's partition filter


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, prefix without slashes at either end)."""
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    return bucket, prefix.strip("/")


def logs_location(uri: str) -> str:
    bucket, prefix = split_s3_uri(uri)
    return f"s3://{bucket}/{prefix + '/' if prefix else ''}AWSLogs/"


def table_parameters(uri: str, account_ids: list[str], regions: list[str]) -> dict[str, str]:
    """Partition projection: every hour since PROJECTION_START, the configured accounts and Regions."""
    return {
        "compressionType": "gzip",
        "projection.enabled": "true",
        "projection.account_id.type": "enum",
        "projection.account_id.values": ",".join(account_ids),
        "projection.log_region.type": "enum",
        "projection.log_region.values": ",".join(regions),
        "projection.log_hour.type": "date",
        "projection.log_hour.format": _JAVA_HOUR_FORMAT,
        "projection.log_hour.range": f"{PROJECTION_START},NOW",
        "projection.log_hour.interval": "1",
        "projection.log_hour.interval.unit": "HOURS",
        "storage.location.template": (
            f"{logs_location(uri)}${{account_id}}/BedrockModelInvocationLogs/${{log_region}}/${{log_hour}}/"
        ),
    }


class InvocationLogAnalyticsTable(Construct):
    """`.database_name`, `.table_name`, `.workgroup`, `.results_bucket`, `.replay_policy` are public."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: InvocationLogAnalytics,
        account_name: str,
        account_id: str,
        region: str,
        runtime_config: RuntimeConfig,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        if not settings.s3_uri:
            raise ValueError("invocation_log_analytics.s3_uri is required")
        stack = cdk.Stack.of(self)
        account_ids = settings.log_account_ids or [account_id]
        regions = settings.log_regions or [region]
        bucket_name, prefix = split_s3_uri(settings.s3_uri)
        self.database_name = analytics_database_name(account_name)
        self.table_name = ANALYTICS_TABLE_NAME

        self.results_bucket = s3.Bucket(
            self,
            "Results",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=cdk.Duration.days(RESULTS_EXPIRE_DAYS),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(self.results_bucket, ATHENA_RESULTS_BUCKET)

        database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="GenAI cost guardrails: Bedrock invocation logs delivered to S3",
            ),
        )
        table = glue.CfnTable(
            self,
            "Table",
            catalog_id=stack.account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=self.table_name,
                description="One row per invocation-log line (JSON text), partitioned by projection",
                table_type="EXTERNAL_TABLE",
                parameters=table_parameters(settings.s3_uri, account_ids, regions),
                partition_keys=[
                    glue.CfnTable.ColumnProperty(name="account_id", type="string"),
                    glue.CfnTable.ColumnProperty(name="log_region", type="string"),
                    glue.CfnTable.ColumnProperty(name="log_hour", type="string"),
                ],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[glue.CfnTable.ColumnProperty(name="line", type="string")],
                    location=logs_location(settings.s3_uri),
                    input_format=TEXT_INPUT,
                    output_format=TEXT_OUTPUT,
                    compressed=True,
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=LINE_SERDE,
                        parameters={"field.delim": "\u0001", "serialization.format": "\u0001"},
                    ),
                ),
            ),
        )
        table.node.add_dependency(database)

        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=analytics_workgroup_name(account_name),
            description="GenAI cost guardrails: replay and cost queries over the Bedrock invocation logs",
            state="ENABLED",
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=settings.bytes_scanned_limit_gb * 1_000_000_000,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.results_bucket.bucket_name}/results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn
                    ),
                ),
            ),
        )

        runtime = runtime_config
        catalog = current_catalog(runtime.price_overrides(), runtime.pricing.discount_percent)
        plan = attribution_plan(runtime)
        lines = f'SELECT "$path" AS file, line FROM "{self.database_name}"."{self.table_name}"'
        cost_query = athena.CfnNamedQuery(
            self,
            "CostPerFeaturePerDay",
            name=f"{account_name}: cost per feature per day",
            description="Requests, tokens and list-price cost per day, application and feature, from the "
            "invocation logs (replay --athena prices exactly)",
            database=self.database_name,
            work_group=self.workgroup.name,
            query_string=cost_per_feature_per_day_sql(
                runtime,
                athena_line_source(lines, ATHENA, plan.metadata_keys),
                catalog_thresholds(catalog),
                catalog,
                regions,
            ),
        )
        cost_query.node.add_dependency(self.workgroup)
        cost_query.node.add_dependency(table)

        # What `genai-guardrails replay --athena` needs, nothing more: attach to whoever runs it.
        workgroup_arn = stack.format_arn(
            service="athena", resource="workgroup", resource_name=self.workgroup.name
        )
        logs_bucket_arn = f"arn:{stack.partition}:s3:::{bucket_name}"
        logs_objects = f"{logs_bucket_arn}/{prefix + '/' if prefix else ''}AWSLogs/*"
        statements = [
            iam.PolicyStatement(
                sid="RunQueriesInTheWorkgroup",
                actions=[
                    "athena:StartQueryExecution",
                    "athena:GetQueryExecution",
                    "athena:GetQueryResults",
                    "athena:StopQueryExecution",
                    "athena:GetWorkGroup",
                ],
                resources=[workgroup_arn],
            ),
            iam.PolicyStatement(
                sid="ReadTheTable",
                actions=["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                resources=[
                    stack.format_arn(service="glue", resource="catalog"),
                    stack.format_arn(service="glue", resource="database", resource_name=self.database_name),
                    stack.format_arn(
                        service="glue",
                        resource="table",
                        resource_name=f"{self.database_name}/{self.table_name}",
                    ),
                ],
            ),
            iam.PolicyStatement(
                sid="ListTheLogs",
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[logs_bucket_arn],
            ),
            iam.PolicyStatement(
                sid="ReadTheLogs",
                actions=["s3:GetObject"],
                resources=[logs_objects],
            ),
        ]
        statements += [
            iam.PolicyStatement(
                sid="ListTheResults",
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[self.results_bucket.bucket_arn],
            ),
            iam.PolicyStatement(
                sid="ReadAndWriteTheResults",
                actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[self.results_bucket.arn_for_objects("results/*")],
            ),
            iam.PolicyStatement(
                sid="EncryptTheResults",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[key.key_arn],
            ),
        ]
        if settings.log_kms_key_arn:
            statements.append(
                iam.PolicyStatement(
                    sid="DecryptTheLogs", actions=["kms:Decrypt"], resources=[settings.log_kms_key_arn]
                )
            )
        self.replay_policy = iam.ManagedPolicy(
            self,
            "ReplayPolicy",
            description="Run genai-guardrails replay --athena in the invocation-log workgroup",
            statements=statements,
        )
        results_id = stack.get_logical_id(self.results_bucket.node.default_child)  # type: ignore[arg-type]
        partition = "<AWS::Partition>" if cdk.Token.is_unresolved(stack.partition) else stack.partition
        rendered_logs = f"arn:{partition}:s3:::{logs_objects.split(':::', 1)[1]}"
        acknowledge(self.replay_policy, replay_athena_policy_findings(rendered_logs, results_id))
