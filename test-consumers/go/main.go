// A Go team's CDK app: the original Python app's stack with default props, a platform with its own tiers and
// workflow, and one on the team's own bucket, table and KMS key (own_resources.go).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"
	"github.com/sanders/batch-platform-go/sandersbatchplatform"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	env := "dev"
	if v, ok := app.Node().TryGetContext(jsii.String("environment")).(string); ok && v != "" {
		env = v
	}

	original := awscdk.NewStack(app, jsii.String("SandersCustomerPlatformStack-"+env), nil)
	sandersbatchplatform.NewSandersBatchPlatform(original, jsii.String("Platform"), &sandersbatchplatform.SandersBatchPlatformProps{
		Environment: jsii.String(env),
	})

	custom := awscdk.NewStack(app, jsii.String("GoTeamPlatformStack-"+env), nil)
	sandersbatchplatform.NewSandersBatchPlatform(custom, jsii.String("Platform"), &sandersbatchplatform.SandersBatchPlatformProps{
		Environment: jsii.String(env),
		NamePrefix:  jsii.String("go-team"),
		// A team of its own gives its table keys (only the Sanders prefix has the Python app's as defaults).
		TablePartitionKey: &awsdynamodb.Attribute{Name: jsii.String("item"), Type: awsdynamodb.AttributeType_STRING},
		TableSortKey:      &awsdynamodb.Attribute{Name: jsii.String("day"), Type: awsdynamodb.AttributeType_STRING},
		MemoryTiers: &[]*sandersbatchplatform.MemoryTier{
			{Name: jsii.String("small"), Memory: awscdk.Size_Gibibytes(jsii.Number(2)), Vcpu: jsii.Number(1)},
			{Name: jsii.String("large"), Memory: awscdk.Size_Gibibytes(jsii.Number(16)), Vcpu: jsii.Number(2)},
		},
		Workflow: &[]*sandersbatchplatform.WorkflowJob{
			{Name: jsii.String("a"), Tier: jsii.String("small")},
			{Name: jsii.String("b"), Tier: jsii.String("small")},
			{Name: jsii.String("c"), Tier: jsii.String("large"), DependsOn: jsii.Strings("a")},
			{Name: jsii.String("d"), Tier: jsii.String("large"), DependsOn: jsii.Strings("a", "b")},
		},
	})

	newOwnResourcesPlatformStack(app, "OwnResourcesPlatformStack-"+env, env)

	app.Synth(nil)
}
