package com.sanders.consumer;

import java.util.List;

import com.sanders.batchplatform.DataSafety;
import com.sanders.batchplatform.MemoryTier;
import com.sanders.batchplatform.SandersBatchPlatform;
import com.sanders.batchplatform.WorkflowJob;
import com.sanders.batchplatform.WorkflowSchedule;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.TimeZone;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.Stats;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.TableEncryptionV2;
import software.amazon.awscdk.services.dynamodb.TableV2;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.scheduler.CronOptionsWithTimezone;
import software.amazon.awscdk.services.scheduler.ScheduleExpression;
import software.constructs.Construct;

/**
 * OwnResourcesPlatformStack-ENV: the platform on the team's own bucket, TableV2 and KMS key, with dataSafety, a
 * schedule from aws-cdk-lib's ScheduleExpression, images of the team's own (one built from job-image/), alarms on
 * the platform's metrics and a read-only role from grantReadData. scripts/ci/consumer-java.sh checks the template
 * with scripts/ci/check-consumer.ts.
 */
public final class OwnResourcesPlatformStack extends Stack {
    static final String PREFIX = "java-own";

    private final SandersBatchPlatform platform;

    public OwnResourcesPlatformStack(final Construct scope, final String id, final StackProps props,
                                     final String environment) {
        super(scope, id, props);
        Key key = Key.Builder.create(this, "DataKey")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        Bucket bucket = Bucket.Builder.create(this, "Data")
                .bucketName(PREFIX + "-own-data-" + environment)
                .encryption(BucketEncryption.KMS)
                .encryptionKey(key)
                .enforceSsl(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .build();
        // The key schema the platform's jobs expect: partition key customer_id, sort key date, both strings.
        TableV2 table = TableV2.Builder.create(this, "Features")
                .tableName(PREFIX + "_own_features_" + environment)
                .partitionKey(Attribute.builder().name("customer_id").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("date").type(AttributeType.STRING).build())
                .encryption(TableEncryptionV2.customerManagedKey(key))
                .build();
        platform = SandersBatchPlatform.Builder.create(this, "Platform")
                .environment(environment)
                .namePrefix(PREFIX)
                // Each environment gets the opposite of its default, so the check sees the setting take effect;
                // DISPOSABLE in prod needs the acknowledgement.
                .dataSafety("dev".equals(environment) ? DataSafety.RETAINED : DataSafety.DISPOSABLE)
                .acknowledgeDisposableProd(true)
                .existingBucket(bucket)
                .existingTable(table)
                .existingEncryptionKey(key)
                .memoryTiers(List.of(
                        MemoryTier.builder().name("small").memory(Size.gibibytes(2)).vcpu(1)
                                .image(ContainerImage.fromAsset("job-image")).build(),
                        MemoryTier.builder().name("large").memory(Size.gibibytes(8)).vcpu(2).build()))
                .workflow(List.of(
                        WorkflowJob.builder().name("prepare").tier("small").build(),
                        WorkflowJob.builder().name("train").tier("large").dependsOn(List.of("prepare"))
                                .image(ContainerImage.fromRegistry("public.ecr.aws/docker/library/python:3.12-slim"))
                                .build()))
                .schedule(WorkflowSchedule.builder()
                        .expression(ScheduleExpression.cron(CronOptionsWithTimezone.builder()
                                .minute("30").hour("2").timeZone(TimeZone.EUROPE_BERLIN).build()))
                        .build())
                .build();

        alarm("failed-runs", platform.metricFailedRuns(), 1, environment);
        alarm("failed-jobs", platform.metricFailedJobs(), 1, environment);
        alarm("stuck-jobs", platform.metricJobsStuckRunnable(), 1, environment);
        // Runs longer than 4 hours, in milliseconds: the hour's longest.
        alarm("slow-runs", platform.metricRunDuration(MetricOptions.builder()
                .period(Duration.hours(1)).statistic(Stats.MAXIMUM).build()), 4 * 3600 * 1000, environment);

        Role analyst = Role.Builder.create(this, "AnalystRole").assumedBy(new AccountRootPrincipal()).build();
        platform.grantReadData(analyst);
        CfnOutput.Builder.create(this, "StartRunsWith").value(platform.getStateMachine().getStateMachineArn()).build();
        CfnOutput.Builder.create(this, "JobWorkflow").value(platform.getJobWorkflow().getStateMachineArn()).build();
    }

    private void alarm(final String name, final IMetric metric, final Number threshold, final String environment) {
        Alarm.Builder.create(this, "Alarm-" + name)
                .alarmName(PREFIX + "-" + name + "-" + environment)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build()
                .addAlarmAction(new SnsAction(platform.getAlarmTopic()));
    }

    public SandersBatchPlatform getPlatform() {
        return platform;
    }
}
