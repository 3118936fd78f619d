"""The audit catches what it must: each test crafts a small template with one problem (the ones issue 12 lists
among them) and asserts the finding, and a fixed twin of it that has none."""
import copy
import glob
import json
import os

import pytest

import access
import audit
import iam
import least_privilege
import sfn
from findings import AllowList, Finding
from template import Template

HERE = os.path.dirname(__file__)
ROOT = os.path.join(HERE, "..", "..", "..")
ACCT = "123456789012"


def template(resources):
    return Template({"Resources": resources}, name="fixture", stack_name="Fixture")


def role(name="Role"):
    return {name: {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "states.amazonaws.com"}}]}}}}


def policy(statements, role_name="Role", name="Policy"):
    return {name: {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}, "Roles": [{"Ref": role_name}]}}}


def machine(states, role_name="Role", name="Machine"):
    definition = {"StartAt": next(iter(states)), "States": states}
    return {name: {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "DefinitionString": json.dumps(definition), "RoleArn": {"Fn::GetAtt": [role_name, "Arn"]}}}}


def task(resource, parameters, **extra):
    return {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True, **extra}


def messages(findings, check=None):
    return [f.message for f in findings if check is None or f.check == check]


QUEUE = f"arn:aws:batch:eu-central-1:{ACCT}:job-queue/q"
JOBDEF = f"arn:aws:batch:eu-central-1:{ACCT}:job-definition/d:1"


# ---- (a) Step Functions tasks against botocore --------------------------------------------------------------
def sfn_findings(state):
    t = template({**role(), **machine({"S": state})})
    return messages(sfn.check_state_machine(t, "Machine"))


def test_a_valid_submit_job_has_no_finding():
    assert sfn_findings(task("arn:aws:states:::batch:submitJob.sync", {
        "JobName": "j", "JobQueue": QUEUE, "JobDefinition": JOBDEF,
        "ContainerOverrides": {"Environment": [{"Name": "A", "Value.$": "$.a"}]},
        "RetryStrategy": {"Attempts": 3}})) == []


def test_a_catches_a_camel_case_member_the_sdk_spells_pascal_case():
    found = sfn_findings(task("arn:aws:states:::batch:submitJob", {
        "jobName": "j", "JobQueue": QUEUE, "JobDefinition": JOBDEF}))
    assert any("jobName: not a member of SubmitJobRequest (did you mean JobName?)" in m for m in found)
    assert any("required member JobName of SubmitJobRequest is missing" in m for m in found)


def test_a_catches_an_unknown_nested_member_a_wrong_type_and_an_enum_value():
    found = sfn_findings(task("arn:aws:states:::batch:submitJob", {
        "JobName": "j", "JobQueue": QUEUE, "JobDefinition": JOBDEF,
        "ContainerOverrides": {"Env": []}, "RetryStrategy": {"Attempts": "3",
                                                            "EvaluateOnExit": [{"Action": "retry"}]}}))
    assert any("ContainerOverrides.Env: not a member of ContainerOverrides" in m for m in found)
    assert any("RetryStrategy.Attempts: expected an integer" in m for m in found)
    assert any("'retry' is not one of RetryAction's values" in m for m in found)


def test_a_checks_a_parameter_given_by_path_as_the_pass_state_that_sets_it_wrote_it():
    # The job workflow writes the retry strategies and the queue once (`Set up the run`) and each SubmitJob names
    # them by path: the audit checks the value at that path against the SubmitJob member it fills.
    def run(retry, queue=QUEUE):
        states = {
            "Set up": {"Type": "Pass", "Parameters": {"date.$": "$.date", "run": {"queue": queue, "retry": [{"Attempts": 3}, retry]}},
                       "Next": "Submit"},
            "Submit": task("arn:aws:states:::batch:submitJob", {
                "JobName": "j", "JobQueue.$": "$.run.queue", "JobDefinition": JOBDEF, "RetryStrategy.$": "$.run.retry[1]"}),
        }
        return messages(sfn.check_state_machine(template({**role(), **machine(states)}), "Machine"))
    assert run({"Attempts": 2, "EvaluateOnExit": [{"Action": "RETRY", "OnStatusReason": "x*"}]}) == []
    found = run({"Attempts": "2", "EvaluateOnExit": [{"Action": "retry"}]})
    assert any("RetryStrategy (= $.run.retry[1]).Attempts: expected an integer" in m for m in found)
    assert any("'retry' is not one of RetryAction's values" in m for m in found)
    assert any("JobQueue (= $.run.queue): expected a string" in m for m in run({"Attempts": 1}, queue=7))


def test_a_reads_a_definition_kept_in_s3_from_its_asset_beside_the_template(tmp_path):
    # A large job workflow's definition is a CDK file asset (DefinitionS3Location) with DefinitionSubstitutions.
    def findings(parameters):
        states = {"S": task("arn:aws:states:::batch:submitJob", parameters)}
        (tmp_path / "asset.abc.json").write_text(json.dumps({"StartAt": "S", "States": states}))
        body = {"Resources": {**role(), "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "DefinitionS3Location": {"Bucket": "cdk-assets", "Key": "abc.json"},
            "DefinitionSubstitutions": {"S0": QUEUE}, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}}}}
        path = tmp_path / "Big.template.json"
        path.write_text(json.dumps(body))
        return messages(sfn.check_state_machine(Template.load(str(path)), "Machine"))
    assert findings({"JobName": "j", "JobQueue": "${S0}", "JobDefinition": JOBDEF}) == []
    assert any("RetryStrategy.Attempts: expected an integer" in m for m in findings(
        {"JobName": "j", "JobQueue": "${S0}", "JobDefinition": JOBDEF, "RetryStrategy": {"Attempts": "3"}}))


def test_a_catches_an_sdk_action_that_does_not_exist_and_a_wrong_service():
    assert any("ec2 has no action 'createNatGateways'" in m
               for m in sfn_findings(task("arn:aws:states:::aws-sdk:ec2:createNatGateways", {})))
    assert any("no AWS SDK service 'ec3'" in m
               for m in sfn_findings(task("arn:aws:states:::aws-sdk:ec3:describeVpcs", {})))


def test_a_catches_a_result_selector_path_the_response_does_not_have():
    found = sfn_findings(task("arn:aws:states:::aws-sdk:ec2:createNatGateway",
                              {"SubnetId": "subnet-1"}, ResultSelector={"id.$": "$.NatGateway.NatGatewayID"}))
    assert any("NatGatewayID is not a member of the response NatGateway" in m for m in found)
    assert sfn_findings(task("arn:aws:states:::aws-sdk:ec2:createNatGateway", {"SubnetId": "subnet-1"},
                             ResultSelector={"id.$": "$.NatGateway.NatGatewayId",
                                             "ip.$": "$.NatGateway.NatGatewayAddresses[0].PublicIp"})) == []


def test_a_catches_an_error_name_the_service_does_not_model():
    found = sfn_findings(task("arn:aws:states:::dynamodb:putItem", {"TableName": "t", "Item": {}},
                              Catch=[{"ErrorEquals": ["DynamoDB.ConditionalCheckFailed", "DynamoDb.X"],
                                      "Next": "S"}]))
    assert any("DynamoDB.ConditionalCheckFailed: dynamodb models no error ConditionalCheckFailed (its errors "
               "include: ConditionalCheckFailedException" in m for m in found)
    assert any("DynamoDb.X: errors of this task start with 'DynamoDB'" in m for m in found)
    assert sfn_findings(task("arn:aws:states:::dynamodb:putItem", {"TableName": "t", "Item": {}},
                             Catch=[{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                                     "Next": "S"}])) == []


def test_a_accepts_common_errors_and_ec2s_documented_codes_and_nothing_else():
    def errors(resource, params, names):
        return sfn_findings(task(resource, params, Retry=[{"ErrorEquals": names, "MaxAttempts": 2}]))
    start = ("arn:aws:states:::states:startExecution.sync:2", {"StateMachineArn": "arn:x"})
    assert errors(*start, ["StepFunctions.ThrottlingException", "StepFunctions.ExecutionLimitExceeded"]) == []
    assert any("StepFunctions.ThrottlingExceptionn: stepfunctions models no error" in m
               for m in errors(*start, ["StepFunctions.ThrottlingExceptionn"]))
    assert any("Sfn.ThrottlingException: errors of this task start with 'StepFunctions'" in m
               for m in errors(*start, ["Sfn.ThrottlingException"]))
    route = ("arn:aws:states:::aws-sdk:ec2:deleteRoute", {"RouteTableId": "rtb-1", "DestinationCidrBlock": "0.0.0.0/0"})
    assert errors(*route, ["Ec2.InvalidRoute.NotFoundException", "EC2.InvalidRoute.NotFound",
                           "Ec2.RequestLimitExceeded"]) == []
    assert any("Ec2.InvalidRoutes.NotFound: ec2 models no error" in m
               for m in errors(*route, ["Ec2.InvalidRoutes.NotFound"]))


def test_a_checks_states_start_execution_and_sns_publish():
    assert any("required member StateMachineArn" in m
               for m in sfn_findings(task("arn:aws:states:::states:startExecution.sync:2", {"Input": "{}"})))
    assert any("Parameters.Mesage: not a member of PublishInput" in m
               for m in sfn_findings(task("arn:aws:states:::sns:publish", {"TopicArn": "arn:x", "Mesage": "m"})))


# ---- (b) IAM statements against the service reference ---------------------------------------------------------
def iam_findings(statements):
    return messages(iam.check_template(template({**role(), **policy(statements)})))


TABLE = f"arn:aws:dynamodb:eu-central-1:{ACCT}:table/t"


def test_b_catches_leading_keys_on_describe_table():
    found = iam_findings([{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DescribeTable"],
                           "Resource": TABLE,
                           "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["c1"]}}}])
    assert found == ["condition key dynamodb:LeadingKeys does not apply to dynamodb:DescribeTable: AWS does not "
                     "set it for this action, so the condition never holds (drop the action from this statement "
                     "or the key)"]


def test_b_catches_an_unknown_action_a_wrong_resource_type_and_an_unknown_key():
    found = iam_findings([
        {"Effect": "Allow", "Action": "dynamodb:GetItems", "Resource": TABLE},
        {"Effect": "Allow", "Action": "ec2:CreateRoute", "Resource": f"arn:aws:ec2:eu-central-1:{ACCT}:natgateway/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"s3:prefixx": "a"}}},
        {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": f"arn:aws:cloudwatch::{ACCT}:x"}])
    assert "action dynamodb:GetItems: no such action in the IAM service reference" in found
    assert any(m.startswith("ec2:CreateRoute takes resources of type route-table") for m in found)
    assert "condition key s3:prefixx (StringEquals): no such condition key" in found
    assert any(m.startswith("cloudwatch:PutMetricData takes no resource ARN") for m in found)


def test_b_accepts_log_stream_wildcards_and_job_definition_revisions():
    assert iam_findings([
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:eu-central-1:{ACCT}:log-group:/aws/batch/x:*"},
        {"Effect": "Allow", "Action": "batch:SubmitJob",
         "Resource": [QUEUE, f"arn:aws:batch:eu-central-1:{ACCT}:job-definition/d:*"]}]) == []


# ---- least privilege ------------------------------------------------------------------------------------------
def lp(resources):
    return messages(least_privilege.check_template(template(resources)))


def topic_policy(statement):
    return {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}},
            "TopicPolicy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {
                "Topics": [{"Ref": "Topic"}],
                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sns:Publish",
                                                  "Resource": {"Ref": "Topic"}, **statement}]}}}}


def test_lp_catches_a_service_principal_without_a_condition():
    found = lp(topic_policy({"Principal": {"Service": "events.amazonaws.com"}}))
    assert len(found) == 1 and found[0].startswith("allows events.amazonaws.com (sns:Publish) and it has no condition")
    assert lp(topic_policy({"Principal": {"Service": "events.amazonaws.com"}, "Condition": {
        "ArnEquals": {"aws:SourceArn": f"arn:aws:events:eu-central-1:{ACCT}:rule/r"}}})) == []


def test_lp_catches_an_encryption_context_over_every_log_group_of_the_account():
    key = {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "logs.eu-central-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*"], "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-central-1:{ACCT}:*"}}}]}}}}
    assert any("covers every resource of the account" in m for m in lp(key))
    fixed = copy.deepcopy(key)
    fixed["Key"]["Properties"]["KeyPolicy"]["Statement"][0]["Condition"]["ArnLike"][
        "kms:EncryptionContext:aws:logs:arn"] = [f"arn:aws:logs:eu-central-1:{ACCT}:log-group:/aws/batch/x"]
    assert lp(fixed) == []


def test_lp_catches_key_use_without_via_service():
    key_arn = f"arn:aws:kms:eu-central-1:{ACCT}:key/k"
    found = lp({**role(), **policy([{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                     "Resource": key_arn}])})
    assert any("without kms:ViaService" in m for m in found)
    assert lp({**role(), **policy([{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key_arn,
                                    "Condition": {"StringEquals": {
                                        "kms:ViaService": "backup.eu-central-1.amazonaws.com"}}}])}) == []


def test_lp_catches_put_metric_data_without_a_namespace():
    found = lp({**role(), **policy([{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}])})
    assert found == ["cloudwatch:PutMetricData is granted on * with no condition although cloudwatch:namespace "
                     "can limit it"]
    assert lp({**role(), **policy([{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
                                    "Condition": {"StringEquals": {"cloudwatch:namespace": "N"}}}])}) == []


def test_lp_catches_an_execution_arn_matched_by_name_prefix():
    prefix = f"arn:aws:states:eu-central-1:{ACCT}:execution:x-workflow-dev"
    found = lp({**role(), **policy([{"Effect": "Allow", "Action": "states:DescribeExecution",
                                     "Resource": prefix + "*"}])})
    assert any("matches by name prefix" in m for m in found)
    assert lp({**role(), **policy([{"Effect": "Allow", "Action": "states:DescribeExecution",
                                    "Resource": prefix + ":*"}])}) == []


def test_lp_catches_an_execution_role_shared_by_jobs_with_different_secrets():
    def jobdef(secret):
        return {"Type": "AWS::Batch::JobDefinition", "Properties": {"Type": "container", "ContainerProperties": {
            "ExecutionRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
            "Secrets": [{"Name": "S", "ValueFrom": secret}] if secret else []}}}
    found = lp({**role(), "A": jobdef("arn:aws:secretsmanager:eu-central-1:123456789012:secret:a"),
                "B": jobdef("arn:aws:secretsmanager:eu-central-1:123456789012:secret:b")})
    assert len(found) == 2 and all("can read secrets it does not use" in m for m in found)
    assert lp({**role(), "A": jobdef(None)}) == []


def test_lp_catches_an_aws_managed_policy():
    r = role()
    r["Role"]["Properties"]["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert lp(r) == ["has the AWS-managed policy arn:aws:iam::aws:policy/AdministratorAccess"]


# ---- (c) every call allowed by the role ------------------------------------------------------------------------
def access_findings(states, statements, extra=None):
    t = template({**role(), **policy(statements), **machine(states), **(extra or {})})
    return messages(access.check_state_machine(t, "Machine"))


def test_c_catches_a_submit_job_to_a_job_definition_the_role_does_not_name():
    state = {"S": task("arn:aws:states:::batch:submitJob", {"JobName": "j", "JobQueue": QUEUE,
                                                            "JobDefinition": JOBDEF})}
    ok = [{"Effect": "Allow", "Action": "batch:SubmitJob",
           "Resource": [QUEUE, f"arn:aws:batch:eu-central-1:{ACCT}:job-definition/d:*"]}]
    assert access_findings(state, ok) == []
    bad = [{"Effect": "Allow", "Action": "batch:SubmitJob",
            "Resource": [QUEUE, f"arn:aws:batch:eu-central-1:{ACCT}:job-definition/other:*"]}]
    found = access_findings(state, bad)
    assert found == [f"batch:SubmitJob on {JOBDEF} is not allowed by Role: no statement of the role allows it"]


def test_c_catches_the_calls_a_sync_integration_needs():
    state = {"S": task("arn:aws:states:::batch:submitJob.sync", {"JobName": "j", "JobQueue": QUEUE,
                                                                 "JobDefinition": JOBDEF})}
    found = access_findings(state, [{"Effect": "Allow", "Action": "batch:SubmitJob", "Resource": "*"}])
    assert any(m.startswith("batch:TerminateJob") for m in found)
    assert any(m.startswith("events:PutRule on arn:aws:events:eu-central-1:123456789012:rule/"
                            "StepFunctionsGetEventsForBatchJobsRule") for m in found)


def test_c_evaluates_tag_conditions_and_denies():
    state = {"S": task("arn:aws:states:::aws-sdk:ec2:allocateAddress", {
        "Domain": "vpc", "TagSpecifications": [{"ResourceType": "elastic-ip", "Tags": [{"Key": "k", "Value": "v"}]}]})}
    eip = f"arn:aws:ec2:eu-central-1:{ACCT}:elastic-ip/*"
    allow_create = {"Effect": "Allow", "Action": "ec2:AllocateAddress", "Resource": eip,
                    "Condition": {"StringEquals": {"aws:RequestTag/k": "v"}}}
    allow_tag = {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": eip,
                 "Condition": {"StringEquals": {"ec2:CreateAction": "AllocateAddress"}}}
    assert access_findings(state, [allow_create, allow_tag]) == []
    wrong_tag = copy.deepcopy(allow_create)
    wrong_tag["Condition"]["StringEquals"]["aws:RequestTag/k"] = "other"
    assert any(m.startswith("ec2:AllocateAddress") for m in access_findings(state, [wrong_tag, allow_tag]))
    deny = {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}
    assert any("denied by" in m for m in access_findings(state, [allow_create, allow_tag, deny]))
    assert any(m.startswith("ec2:CreateTags") for m in access_findings(state, [allow_create]))


def test_c_catches_put_metric_data_in_another_namespace():
    state = {"S": task("arn:aws:states:::aws-sdk:cloudwatch:putMetricData", {
        "Namespace": "A", "MetricData": [{"MetricName": "m", "Value": 1}]})}
    st = {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
          "Condition": {"StringEquals": {"cloudwatch:namespace": "B"}}}
    assert any("cloudwatch:namespace=A" in m for m in access_findings(state, [st]))


def test_c_reports_a_call_it_cannot_model():
    state = {"S": task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "b", "Key": "k"})}
    assert any("the audit does not know which resource s3:GetObject names" in m
               for m in access_findings(state, [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))


# ---- the allow-list -------------------------------------------------------------------------------------------
def test_allow_list_needs_a_reason_and_reports_stale_entries():
    with pytest.raises(ValueError, match="without a reason"):
        AllowList([{"check": "iam", "where": ".*", "message": ".*", "reason": " "}])
    allow = AllowList([{"check": "iam", "where": "A", "message": "m.*", "reason": "r"},
                       {"check": "iam", "where": "B", "message": "x", "reason": "r"}])
    left, allowed, stale = allow.split([Finding("iam", "A", "m1"), Finding("iam", "A", "n")])
    assert [f.message for f in left] == ["n"] and len(allowed) == 1 and stale[0]["where"] == "B"


# ---- the committed templates ----------------------------------------------------------------------------------
def committed_templates():
    return [t for t in glob.glob(os.path.join(ROOT, "test/integ/*.snapshot/*.template.json")) if "DeployAssert" not in t]


def test_every_committed_template_resolves_and_has_tasks_and_statements():
    paths = committed_templates()
    assert len(paths) >= 3
    for p in paths:
        t = Template.load(p)
        sms = t.of_type("AWS::StepFunctions::StateMachine")
        assert sms, p
        assert all(sfn.tasks(t.state_machine_definition(lid)) for lid in sms)
        assert iam.statements(t)


def test_the_cli_fails_on_a_finding(tmp_path, capsys):
    bad = tmp_path / "Bad.template.json"
    bad.write_text(json.dumps({"Resources": {**role(), **policy([{"Effect": "Allow", "Action": "s3:GetObjects",
                                                                   "Resource": "*"}])}}))
    assert audit.main([str(bad)]) == 1
    assert "no such action" in capsys.readouterr().out
