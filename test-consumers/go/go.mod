module example.com/sanders-consumer

go 1.25

require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.257.0
	github.com/aws/constructs-go/constructs/v10 v10.5.1
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/sanders/batch-platform-go/sandersbatchplatform v0.0.0
)

// scripts/ci/consumer-go.sh points this at the module jsii-pacmak built (dist/go/sandersbatchplatform).
replace github.com/sanders/batch-platform-go/sandersbatchplatform => ../sandersbatchplatform
