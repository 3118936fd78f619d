"""Unit tests of `OwnResourcesPlatformStack`: the platform on the team's own bucket, TableV2 and KMS key.

scripts/ci/consumer-python.sh checks the whole synthesized template (scripts/ci/check-consumer.ts);
these check, from Python, that the platform uses the table it is given and refuses one with another key schema
(a `Table` or a `TableV2`).
"""
import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk.assertions import Template
from sanders.batch_platform import SandersBatchPlatform

from cdk.own_resources_platform_stack import OwnResourcesPlatformStack

ENV = cdk.Environment(account="123456789012", region="eu-central-1")


def test_the_platform_uses_the_team_table_and_creates_none():
    stack = OwnResourcesPlatformStack(cdk.App(), "OwnResourcesPlatformStack-dev", environment="dev", env=ENV)
    template = Template.from_stack(stack)
    table_id = stack.get_logical_id(stack.table.node.default_child)
    template.has_output("DynamoDBTableName", {"Value": {"Ref": table_id}})
    template.resource_count_is("AWS::DynamoDB::GlobalTable", 1)
    platform_table = {"Properties": {"TableName": "py-own_daily_customer_features_dev"}}
    assert not template.find_resources("AWS::DynamoDB::Table", platform_table)
    template.resource_count_is("AWS::Backup::BackupPlan", 0)


@pytest.mark.parametrize("table_class", [dynamodb.Table, dynamodb.TableV2])
def test_a_team_table_with_another_key_schema_is_refused(table_class):
    stack = cdk.Stack(cdk.App(), "WrongKeys", env=ENV)
    table = table_class(
        stack,
        "Features",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
    )
    with pytest.raises(Exception, match=r"existingTable .*partition key 'customer_id' and sort key 'date'"):
        SandersBatchPlatform(stack, "Platform", existing_table=table)
