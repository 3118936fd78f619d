#!/usr/bin/env python3
"""The Sanders Customer Platform app, as the Python team writes it on top of `sanders-batch-platform`.

Same shape as before the library existed: `cdk synth|deploy -c environment=dev|prod` makes the stack
`SandersCustomerPlatformStack-<environment>` with the outputs S3BucketName, DynamoDBTableName,
ECRRepositoryURI, VPCId, BatchJobQueueName and StepFunctionsStateMachineARN. Next to it,
`OwnResourcesPlatformStack-<environment>` runs the platform on the team's own bucket, table and KMS key.
"""
import os

import aws_cdk as cdk

from cdk.own_resources_platform_stack import OwnResourcesPlatformStack
from cdk.sanders_customer_platform_stack import SandersCustomerPlatformStack

app = cdk.App()
environment = app.node.try_get_context("environment") or "dev"
env = cdk.Environment(
    account=os.getenv("CDK_DEFAULT_ACCOUNT"),
    region=os.getenv("CDK_DEFAULT_REGION", "eu-central-1"),
)

SandersCustomerPlatformStack(
    app,
    f"SandersCustomerPlatformStack-{environment}",
    environment=environment,
    env=env,
)
OwnResourcesPlatformStack(app, f"OwnResourcesPlatformStack-{environment}", environment=environment, env=env)

app.synth()
