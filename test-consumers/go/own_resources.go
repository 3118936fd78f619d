package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/sanders/batch-platform-go/sandersbatchplatform"
)

const ownPrefix = "go-own"

// newOwnResourcesPlatformStack is OwnResourcesPlatformStack-<env>: the platform on the team's own bucket, table and
// KMS key, with DataSafety, a schedule from aws-cdk-lib's ScheduleExpression, images of the team's own (one built
// from job-image/), alarms on the platform's metrics and a read-only role from GrantReadData.
// scripts/ci/consumer-go.sh checks the template with scripts/ci/check-consumer.ts.
func newOwnResourcesPlatformStack(scope constructs.Construct, id string, env string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), nil)
	key := awskms.NewKey(stack, jsii.String("DataKey"), &awskms.KeyProps{
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	bucket := awss3.NewBucket(stack, jsii.String("Data"), &awss3.BucketProps{
		BucketName:        jsii.String(ownPrefix + "-own-data-" + env),
		Encryption:        awss3.BucketEncryption_KMS,
		EncryptionKey:     key,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
	})
	// The key schema the platform's jobs expect: partition key customer_id, sort key date, both strings.
	table := awsdynamodb.NewTable(stack, jsii.String("Features"), &awsdynamodb.TableProps{
		TableName:     jsii.String(ownPrefix + "_own_features_" + env),
		PartitionKey:  &awsdynamodb.Attribute{Name: jsii.String("customer_id"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:       &awsdynamodb.Attribute{Name: jsii.String("date"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: key,
	})
	// Each environment gets the opposite of its default, so the check sees the setting take effect; DISPOSABLE in
	// prod needs the acknowledgement.
	safety := sandersbatchplatform.DataSafety_DISPOSABLE
	if env == "dev" {
		safety = sandersbatchplatform.DataSafety_RETAINED
	}
	platform := sandersbatchplatform.NewSandersBatchPlatform(stack, jsii.String("Platform"), &sandersbatchplatform.SandersBatchPlatformProps{
		Environment:               jsii.String(env),
		NamePrefix:                jsii.String(ownPrefix),
		DataSafety:                safety,
		AcknowledgeDisposableProd: jsii.Bool(true),
		ExistingBucket:            bucket,
		ExistingTable:             table,
		ExistingEncryptionKey:     key,
		MemoryTiers: &[]*sandersbatchplatform.MemoryTier{
			{Name: jsii.String("small"), Memory: awscdk.Size_Gibibytes(jsii.Number(2)), Vcpu: jsii.Number(1),
				Image: awsecs.ContainerImage_FromAsset(jsii.String("job-image"), nil)},
			{Name: jsii.String("large"), Memory: awscdk.Size_Gibibytes(jsii.Number(8)), Vcpu: jsii.Number(2)},
		},
		Workflow: &[]*sandersbatchplatform.WorkflowJob{
			{Name: jsii.String("prepare"), Tier: jsii.String("small")},
			{Name: jsii.String("train"), Tier: jsii.String("large"), DependsOn: jsii.Strings("prepare"),
				Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/python:3.12-slim"), nil)},
		},
		Schedule: &sandersbatchplatform.WorkflowSchedule{
			Expression: awsscheduler.ScheduleExpression_Expression(jsii.String("cron(30 2 * * ? *)"), awscdk.TimeZone_EUROPE_BERLIN()),
		},
	})

	page := awscloudwatchactions.NewSnsAction(platform.AlarmTopic())
	alarms := []struct {
		name      string
		metric    awscloudwatch.IMetric
		threshold float64
	}{
		{"failed-runs", platform.MetricFailedRuns(nil), 1},
		{"failed-jobs", platform.MetricFailedJobs(nil), 1},
		{"stuck-jobs", platform.MetricJobsStuckRunnable(nil), 1},
		// Runs longer than 4 hours, in milliseconds: the hour's longest.
		{"slow-runs", platform.MetricRunDuration(&awscloudwatch.MetricOptions{
			Period:    awscdk.Duration_Hours(jsii.Number(1)),
			Statistic: awscloudwatch.Stats_MAXIMUM(),
		}), 4 * 3600 * 1000},
	}
	for _, a := range alarms {
		awscloudwatch.NewAlarm(stack, jsii.String("Alarm-"+a.name), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(ownPrefix + "-" + a.name + "-" + env),
			Metric:             a.metric,
			Threshold:          jsii.Number(a.threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}).AddAlarmAction(page)
	}

	analyst := awsiam.NewRole(stack, jsii.String("AnalystRole"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	platform.GrantReadData(analyst)
	awscdk.NewCfnOutput(stack, jsii.String("StartRunsWith"), &awscdk.CfnOutputProps{Value: platform.StateMachine().StateMachineArn()})
	awscdk.NewCfnOutput(stack, jsii.String("JobWorkflow"), &awscdk.CfnOutputProps{Value: platform.JobWorkflow().StateMachineArn()})
	return stack
}
