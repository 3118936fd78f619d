package com.sanders.consumer;

import java.util.List;
import java.util.Map;

import com.sanders.batchplatform.AccessLevel;
import com.sanders.batchplatform.DefaultMemoryTiers;
import com.sanders.batchplatform.JobDataAccess;
import com.sanders.batchplatform.MemoryTier;
import com.sanders.batchplatform.SandersBatchPlatform;
import com.sanders.batchplatform.WorkflowJob;

import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;

/**
 * A Java team's CDK app: `cdk synth -c environment=dev|prod`.
 *
 * SandersCustomerPlatformStack-ENV uses the platform's defaults (the original Python app's names, tiers, workflow and
 * outputs); ReportingPlatformStack-ENV has tiers and a workflow of its own; OwnResourcesPlatformStack-ENV runs on the
 * team's own bucket, table and KMS key.
 */
public final class PlatformApp {
    public static void main(final String[] args) {
        App app = new App();
        Object context = app.getNode().tryGetContext("environment");
        String environment = context instanceof String && !((String) context).isEmpty() ? (String) context : "dev";
        String region = System.getenv().getOrDefault("CDK_DEFAULT_REGION", "eu-central-1");
        StackProps stackProps = StackProps.builder()
                .env(Environment.builder().account(System.getenv("CDK_DEFAULT_ACCOUNT")).region(region).build())
                .build();

        Stack original = new Stack(app, "SandersCustomerPlatformStack-" + environment, stackProps);
        SandersBatchPlatform.Builder.create(original, "Platform")
                .environment(environment)
                .build();

        Stack reporting = new Stack(app, "ReportingPlatformStack-" + environment, stackProps);
        SandersBatchPlatform platform = SandersBatchPlatform.Builder.create(reporting, "Platform")
                .environment(environment)
                .namePrefix("reporting")
                // A team of its own gives its table keys (only the Sanders prefix has the Python app's as defaults).
                .tablePartitionKey(Attribute.builder().name("report_id").type(AttributeType.STRING).build())
                .memoryTiers(List.of(
                        DefaultMemoryTiers.SMALL,
                        MemoryTier.builder().name("30gb").memory(Size.gibibytes(30)).vcpu(4).build()))
                .workflow(List.of(
                        WorkflowJob.builder().name("extract").tier("2gb")
                                .dataAccess(JobDataAccess.builder().bucket(AccessLevel.READ).table(AccessLevel.NONE).build())
                                .build(),
                        WorkflowJob.builder().name("aggregate").tier("30gb")
                                .dependsOn(List.of("extract"))
                                .environment(Map.of("OUTPUT", "s3")).build()))
                .build();
        System.err.println("reporting platform: " + platform.getTierJobDefinitions().size() + " tier job definitions");

        new OwnResourcesPlatformStack(app, "OwnResourcesPlatformStack-" + environment, stackProps, environment);

        app.synth();
    }
}
