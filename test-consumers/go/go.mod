module example.com/sanders-consumer

go 1.25

// scripts/ci/consumer-go.sh runs `go get github.com/sanders/batch-platform-go/sandersbatchplatform@v<version>`,
// which adds the platform module here, resolved through GOPROXY from the team's module proxy.
require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.257.0
	github.com/aws/constructs-go/constructs/v10 v10.5.1
	github.com/aws/jsii-runtime-go v1.140.0
)
