// A Go team's CDK app: the seed's stack with default props, and a platform with its own tiers and workflow.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
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

	seed := awscdk.NewStack(app, jsii.String("SandersCustomerPlatformStack-"+env), nil)
	sandersbatchplatform.NewSandersBatchPlatform(seed, jsii.String("Platform"), &sandersbatchplatform.SandersBatchPlatformProps{
		Environment: jsii.String(env),
	})

	custom := awscdk.NewStack(app, jsii.String("GoTeamPlatformStack-"+env), nil)
	sandersbatchplatform.NewSandersBatchPlatform(custom, jsii.String("Platform"), &sandersbatchplatform.SandersBatchPlatformProps{
		Environment: jsii.String(env),
		NamePrefix:  jsii.String("go-team"),
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

	app.Synth(nil)
}
