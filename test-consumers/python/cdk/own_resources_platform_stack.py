"""`OwnResourcesPlatformStack-<environment>`: the platform on the team's own bucket, table and KMS key.

Also `data_safety`, a schedule from aws-cdk-lib's `ScheduleExpression`, images of the team's own (one built from
`job-image/`), alarms on the platform's metrics and a read-only role from `grant_read_data`.
scripts/ci/consumer-python.sh checks the template with scripts/ci/check-consumer.ts.
"""
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct
from sanders.batch_platform import DataSafety, MemoryTier, SandersBatchPlatform, WorkflowJob, WorkflowSchedule

PREFIX = "py-own"


class OwnResourcesPlatformStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, environment: str = "dev", **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        key = kms.Key(self, "DataKey", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.RETAIN)
        bucket = s3.Bucket(
            self,
            "Data",
            bucket_name=f"{PREFIX}-own-data-{environment}",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        )
        # The key schema the platform's jobs expect: partition key customer_id, sort key date, both strings.
        self.table = dynamodb.TableV2(
            self,
            "Features",
            table_name=f"{PREFIX}_own_features_{environment}",
            partition_key=dynamodb.Attribute(name="customer_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="date", type=dynamodb.AttributeType.STRING),
            encryption=dynamodb.TableEncryptionV2.customer_managed_key(key),
        )
        self.platform = SandersBatchPlatform(
            self,
            "Platform",
            environment=environment,
            name_prefix=PREFIX,
            # Each environment gets the opposite of its default, so the check sees the setting take effect;
            # DISPOSABLE in prod needs the acknowledgement.
            data_safety=DataSafety.RETAINED if environment == "dev" else DataSafety.DISPOSABLE,
            acknowledge_disposable_prod=True,
            existing_bucket=bucket,
            existing_table=self.table,
            existing_encryption_key=key,
            memory_tiers=[
                MemoryTier(name="small", memory=cdk.Size.gibibytes(2), vcpu=1,
                           image=ecs.ContainerImage.from_asset("job-image")),
                MemoryTier(name="large", memory=cdk.Size.gibibytes(8), vcpu=2),
            ],
            workflow=[
                WorkflowJob(name="prepare", tier="small"),
                WorkflowJob(name="train", tier="large", depends_on=["prepare"],
                            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12-slim")),
            ],
            schedule=WorkflowSchedule(
                expression=scheduler.ScheduleExpression.expression("cron(30 2 * * ? *)", cdk.TimeZone.EUROPE_BERLIN),
            ),
        )
        page = cloudwatch_actions.SnsAction(self.platform.alarm_topic)
        alarms = [
            ("failed-runs", self.platform.metric_failed_runs(), 1),
            ("failed-jobs", self.platform.metric_failed_jobs(), 1),
            ("stuck-jobs", self.platform.metric_jobs_stuck_runnable(), 1),
            # Runs longer than 4 hours, in milliseconds: the hour's longest.
            ("slow-runs", self.platform.metric_run_duration(period=cdk.Duration.hours(1),
                                                             statistic=cloudwatch.Stats.MAXIMUM), 4 * 3600 * 1000),
        ]
        for name, metric, threshold in alarms:
            cloudwatch.Alarm(
                self,
                f"Alarm-{name}",
                alarm_name=f"{PREFIX}-{name}-{environment}",
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ).add_alarm_action(page)
        analyst = iam.Role(self, "AnalystRole", assumed_by=iam.AccountRootPrincipal())
        self.platform.grant_read_data(analyst)
        cdk.CfnOutput(self, "StartRunsWith", value=self.platform.state_machine.state_machine_arn)
        cdk.CfnOutput(self, "JobWorkflow", value=self.platform.job_workflow.state_machine_arn)
