"""Unit tests of the Sanders Customer Platform stack, run with `pytest tests/` as before the library.

They assert on the synthesized CloudFormation template: the original Python app's names, keys, memory tiers,
workflow and outputs, the differences between dev and prod, and a custom set of tiers and jobs.
"""
import json
import re

import aws_cdk as cdk
import aws_cdk.aws_dynamodb as dynamodb
import pytest
from aws_cdk.assertions import Match, Template
from sanders.batch_platform import (
    AccessLevel,
    DefaultMemoryTiers,
    JobDataAccess,
    MemoryTier,
    SandersBatchPlatform,
    WorkflowJob,
)

from cdk.sanders_customer_platform_stack import SandersCustomerPlatformStack

ORIGINAL_OUTPUTS = [
    "S3BucketName",
    "DynamoDBTableName",
    "ECRRepositoryURI",
    "VPCId",
    "BatchJobQueueName",
    "StepFunctionsStateMachineARN",
]


def synth(environment, **kwargs):
    app = cdk.App()
    stack = SandersCustomerPlatformStack(
        app,
        f"SandersCustomerPlatformStack-{environment}",
        environment=environment,
        env=cdk.Environment(account="123456789012", region="eu-central-1"),
        **kwargs,
    )
    return stack, Template.from_stack(stack)


@pytest.fixture(scope="module")
def dev():
    return synth("dev")[1]


@pytest.fixture(scope="module")
def prod():
    return synth("prod")[1]


def named(template, resource_type, key, value):
    """The one resource of a type whose property `key` is `value`: (logical id, resource)."""
    found = template.find_resources(resource_type, {"Properties": {key: value}})
    assert len(found) == 1, f"expected one {resource_type} with {key} {value!r}, found {sorted(found)}"
    return next(iter(found.items()))


def workflow_states(template):
    """Every state of every state machine in the template (Parallel branches and Map iterators flattened).

    Tokens inside a definition (`{"Ref": "X"}`, `{"Fn::GetAtt": [...]}`) become the string `REF:<logical id>`.
    """
    states = []

    def collect(level):
        for state in level.values():
            states.append(state)
            for branch in state.get("Branches", []):
                collect(branch["States"])
            for key in ("ItemProcessor", "Iterator"):
                if key in state:
                    collect(state[key]["States"])

    for machine in template.find_resources("AWS::StepFunctions::StateMachine").values():
        definition = machine["Properties"]["DefinitionString"]
        parts = definition["Fn::Join"][1] if isinstance(definition, dict) else [definition]
        text = ""
        for part in parts:
            if isinstance(part, str):
                text += part
            elif "Ref" in part:
                text += "REF:" + part["Ref"]
            elif "Fn::GetAtt" in part:
                text += "REF:" + part["Fn::GetAtt"][0]
            else:
                # Another intrinsic (Fn::Select of an ARN's name, ...): its function name stands for it.
                text += "REF:" + next(iter(part))
        collect(json.loads(text)["States"])
    return states


def run_value(states, path):
    """The value at `$.run...` that the job workflow's set-up state writes once per run (queue, retry strategies)."""
    run = next(s["Parameters"]["run"] for s in states if s["Type"] == "Pass" and "run" in (s.get("Parameters") or {})
               and "retry" in s["Parameters"]["run"])
    value = run
    for name, index in re.findall(r"\.([A-Za-z_]+)|\[(\d+)\]", path[len("$.run"):]):
        value = value[name] if name else value[int(index)]
    return value


def batch_jobs(template):
    """Job name -> the Batch submitJob parameters of the state that submits it, with what they name by path in the
    run's data (`"RetryStrategy.$": "$.run.retry[0]"`) written in as the values SubmitJob gets."""
    states = workflow_states(template)
    jobs = {}
    for state in states:
        if state["Type"] == "Task" and state["Resource"].startswith("arn:aws:states:::batch:submitJob"):
            parameters = dict(state["Parameters"])
            for key, path in list(parameters.items()):
                if key.endswith(".$") and isinstance(path, str) and path.startswith("$.run."):
                    parameters[key[:-2]] = run_value(states, path)
            # Batch job names carry the run's tag: States.Format('{}-<job>', $.run.tag).
            name = parameters.get("JobName") or re.match(r"States\.Format\('\{\}-([^']+)'", parameters["JobName.$"]).group(1)
            jobs[name] = parameters
    return jobs


def job_definition_memory(template):
    """Logical id of each Batch job definition -> its memory in MiB."""
    memory = {}
    for logical_id, definition in template.find_resources("AWS::Batch::JobDefinition").items():
        requirements = definition["Properties"]["ContainerProperties"]["ResourceRequirements"]
        memory[logical_id] = int(next(r["Value"] for r in requirements if r["Type"] == "MEMORY"))
    return memory


def test_s3_bucket_created(dev):
    dev.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": "sanders-customer-platform-dev",
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like({"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})})
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )


def test_dynamodb_table_created(dev):
    dev.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "sanders_daily_customer_features_dev",
            "KeySchema": [
                {"AttributeName": "customer_id", "KeyType": "HASH"},
                {"AttributeName": "date", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": "customer_id", "AttributeType": "S"},
                    {"AttributeName": "date", "AttributeType": "S"},
                ]
            ),
            "BillingMode": "PAY_PER_REQUEST",
        },
    )


def test_ecr_repository_scans_on_push(dev):
    dev.has_resource_properties(
        "AWS::ECR::Repository",
        {"ImageScanningConfiguration": {"ScanOnPush": True}},
    )


def test_vpc_is_named_after_the_environment(dev):
    dev.resource_count_is("AWS::EC2::VPC", 1)
    dev.has_resource_properties(
        "AWS::EC2::VPC",
        {"Tags": Match.array_with([{"Key": "Name", "Value": "sanders-customer-platform-vpc-dev"}])},
    )


def test_batch_runs_on_fargate_with_the_original_queue(dev):
    dev.has_resource_properties(
        "AWS::Batch::ComputeEnvironment",
        {"ComputeResources": Match.object_like({"Type": Match.string_like_regexp("^FARGATE")})},
    )
    dev.has_resource_properties("AWS::Batch::JobQueue", {"JobQueueName": "sanders-batch-queue-dev"})


def test_job_definitions_of_2_8_and_16_gb(dev):
    assert sorted(set(job_definition_memory(dev).values())) == [2048, 8192, 16384]
    for definition in dev.find_resources("AWS::Batch::JobDefinition").values():
        assert definition["Properties"]["PlatformCapabilities"] == ["FARGATE"]


def test_workflow_runs_extraction_and_processing_then_training(dev):
    jobs = batch_jobs(dev)
    assert sorted(jobs) == ["data-processing", "feature-extraction", "model-training"]
    # The first two start together; training waits for both through Batch job dependencies.
    assert "DependsOn" not in jobs["feature-extraction"]
    assert "DependsOn" not in jobs["data-processing"]
    waits_for = " ".join(d["JobId.$"] for d in jobs["model-training"]["DependsOn"])
    assert "feature_extraction" in waits_for and "data_processing" in waits_for
    # Each job runs on its original tier: 8 GB, 2 GB, 16 GB.
    memory = job_definition_memory(dev)
    tier_of = {name: memory[params["JobDefinition"][len("REF:"):]] for name, params in jobs.items()}
    assert tier_of == {"feature-extraction": 8192, "data-processing": 2048, "model-training": 16384}


def test_state_machine_is_named_and_logged(dev):
    dev.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineName": Match.string_like_regexp("^sanders-.*-dev$"),
            "LoggingConfiguration": Match.object_like({"Level": "ALL"}),
        },
    )


@pytest.mark.parametrize("key", ORIGINAL_OUTPUTS)
def test_original_outputs_exist(dev, key):
    dev.has_output(key, {})


def test_outputs_point_at_the_right_resources(dev):
    outputs = dev.find_outputs("*")
    bucket_id, _ = named(dev, "AWS::S3::Bucket", "BucketName", "sanders-customer-platform-dev")
    table_id, _ = named(dev, "AWS::DynamoDB::Table", "TableName", "sanders_daily_customer_features_dev")
    assert outputs["S3BucketName"]["Value"] == {"Ref": bucket_id}
    assert outputs["DynamoDBTableName"]["Value"] == {"Ref": table_id}
    assert outputs["VPCId"]["Value"] == {"Ref": next(iter(dev.find_resources("AWS::EC2::VPC")))}
    machines = dev.find_resources("AWS::StepFunctions::StateMachine")
    assert outputs["StepFunctionsStateMachineARN"]["Value"]["Ref"] in machines
    repository_id, _ = named(dev, "AWS::ECR::Repository", "RepositoryName", "sanders-customer-platform-dev")
    assert repository_id in json.dumps(outputs["ECRRepositoryURI"]["Value"])
    queue_id, _ = named(dev, "AWS::Batch::JobQueue", "JobQueueName", "sanders-batch-queue-dev")
    assert queue_id in json.dumps(outputs["BatchJobQueueName"]["Value"])


def test_dev_is_disposable(dev):
    _, bucket = named(dev, "AWS::S3::Bucket", "BucketName", "sanders-customer-platform-dev")
    _, table = named(dev, "AWS::DynamoDB::Table", "TableName", "sanders_daily_customer_features_dev")
    assert bucket["DeletionPolicy"] == "Delete"
    assert table["DeletionPolicy"] == "Delete"
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": False}
    # The bucket is emptied before it is deleted.
    assert {"Key": "aws-cdk:auto-delete-objects", "Value": "true"} in bucket["Properties"].get("Tags", [])


def test_prod_keeps_its_data(prod):
    prod.has_resource_properties("AWS::S3::Bucket", {"BucketName": "sanders-customer-platform-prod"})
    prod.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "sanders_daily_customer_features_prod",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
        },
    )
    _, bucket = named(prod, "AWS::S3::Bucket", "BucketName", "sanders-customer-platform-prod")
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    for resource_type, key, name in (
        ("AWS::S3::Bucket", "BucketName", "sanders-customer-platform-prod"),
        ("AWS::DynamoDB::Table", "TableName", "sanders_daily_customer_features_prod"),
        ("AWS::ECR::Repository", "RepositoryName", "sanders-customer-platform-prod"),
    ):
        _, resource = named(prod, resource_type, key, name)
        assert resource["DeletionPolicy"] == "Retain", f"{name}: {resource['DeletionPolicy']}"
    assert {"Key": "aws-cdk:auto-delete-objects", "Value": "true"} not in bucket["Properties"].get("Tags", [])
    prod.has_resource_properties("AWS::Batch::JobQueue", {"JobQueueName": "sanders-batch-queue-prod"})
    for key in ORIGINAL_OUTPUTS:
        prod.has_output(key, {})


def test_custom_tiers_and_workflow():
    # GIVEN two tiers of the team's own and a fan-in workflow
    tiers = [
        MemoryTier(name="4gb", memory=cdk.Size.gibibytes(4), vcpu=1),
        MemoryTier(name="30gb", memory=cdk.Size.gibibytes(30), vcpu=4),
    ]
    workflow = [
        WorkflowJob(name="ingest", tier="4gb", command=["python", "ingest.py", "Ref::date"]),
        WorkflowJob(name="score", tier="30gb", depends_on=["ingest"]),
        WorkflowJob(name="report", tier="4gb", depends_on=["ingest", "score"], retry_attempts=1),
    ]
    # WHEN
    _, template = synth("dev", memory_tiers=tiers, workflow=workflow)
    # THEN one job definition per tier, and the jobs in dependency order on their tiers
    memory = job_definition_memory(template)
    assert sorted(set(memory.values())) == [4096, 30720]
    jobs = batch_jobs(template)
    assert sorted(jobs) == ["ingest", "report", "score"]
    assert "DependsOn" not in jobs["ingest"]
    assert "ingest" in json.dumps(jobs["score"]["DependsOn"])
    assert "ingest" in json.dumps(jobs["report"]["DependsOn"]) and "score" in json.dumps(jobs["report"]["DependsOn"])
    tier_of = {name: memory[params["JobDefinition"][len("REF:"):]] for name, params in jobs.items()}
    assert tier_of == {"ingest": 4096, "score": 30720, "report": 4096}
    assert jobs["report"]["RetryStrategy"]["Attempts"] == 1
    for key in ORIGINAL_OUTPUTS:
        template.has_output(key, {})


def test_every_kind_of_prop_from_python():
    # GIVEN the platform used directly, with a name prefix, a library tier constant, per-job data access,
    # a timeout and an environment map (the example of the README's usage section)
    app = cdk.App()
    stack = cdk.Stack(app, "Analytics", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    platform = SandersBatchPlatform(
        stack,
        "Platform",
        environment="prod",
        name_prefix="analytics",
        # A team of its own gives its table keys (only the Sanders prefix has the Python app's as defaults).
        table_partition_key=dynamodb.Attribute(name="account_id", type=dynamodb.AttributeType.STRING),
        memory_tiers=[DefaultMemoryTiers.SMALL, MemoryTier(name="30gb", memory=cdk.Size.gibibytes(30), vcpu=4)],
        workflow=[
            WorkflowJob(
                name="ingest",
                tier="2gb",
                command=["python", "ingest.py", "Ref::date"],
                data_access=JobDataAccess(bucket=AccessLevel.READ_WRITE, bucket_prefix="raw/", table=AccessLevel.NONE),
            ),
            WorkflowJob(name="score", tier="30gb", depends_on=["ingest"], timeout=cdk.Duration.hours(2)),
            WorkflowJob(name="report", tier="2gb", depends_on=["ingest", "score"], environment={"FORMAT": "parquet"}),
        ],
    )
    # WHEN
    template = Template.from_stack(stack)
    # THEN names follow the prefix, and each prop reaches the template
    assert platform.environment == "prod"
    named(template, "AWS::S3::Bucket", "BucketName", "analytics-customer-platform-prod")
    named(template, "AWS::DynamoDB::Table", "TableName", "analytics_daily_customer_features_prod")
    assert sorted(set(job_definition_memory(template).values())) == [2048, 30720]
    jobs = batch_jobs(template)
    assert jobs["score"]["Timeout"] == {"AttemptDurationSeconds": 7200}
    assert {"Name": "FORMAT", "Value": "parquet"} in jobs["report"]["ContainerOverrides"]["Environment"]
    # 'ingest' runs with a role of its own that reaches only raw/ in the bucket.
    assert "/raw/*" in json.dumps(template.to_json()["Resources"])


def test_fails_when_a_job_uses_an_unknown_tier():
    app = cdk.App()
    stack = cdk.Stack(app, "Broken")
    with pytest.raises(RuntimeError, match=re.escape("uses tier 'huge', which does not exist")):
        SandersBatchPlatform(stack, "Platform", workflow=[WorkflowJob(name="train", tier="huge")])
