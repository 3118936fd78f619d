"""A synthesized CloudFormation template with its intrinsic functions resolved to the values AWS would give.

The audit reads ARNs, names and state machine definitions as strings. CloudFormation gives them only at deploy
time, so this resolver stands in for it: a resource's Ref and Fn::GetAtt become the ARN, name or id that resource
type returns (its physical name when the template sets one, else one made from the logical ID), in a fixed
account and region. A value it cannot resolve raises, so an audit never silently checks a placeholder.
"""
import hashlib
import json
import os
import re

ACCOUNT = "123456789012"
REGION = "eu-central-1"
PARTITION = "aws"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}

# The property that holds a resource's physical name, per type.
NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::Batch::JobQueue": "JobQueueName",
    "AWS::Batch::JobDefinition": "JobDefinitionName",
    "AWS::Batch::ComputeEnvironment": "ComputeEnvironmentName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Events::Rule": "Name",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::Scheduler::ScheduleGroup": "Name",
    "AWS::Backup::BackupVault": "BackupVaultName",
    "AWS::Backup::BackupPlan": None,
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
}

# EC2-style ids: prefix per type.
ID_PREFIX = {
    "AWS::EC2::VPC": "vpc",
    "AWS::EC2::Subnet": "subnet",
    "AWS::EC2::RouteTable": "rtb",
    "AWS::EC2::SecurityGroup": "sg",
    "AWS::EC2::InternetGateway": "igw",
    "AWS::EC2::NatGateway": "nat",
    "AWS::EC2::VPCEndpoint": "vpce",
    "AWS::EC2::FlowLog": "fl",
    "AWS::EC2::EIP": "eipalloc",
    "AWS::KMS::Key": "key",
    "AWS::EC2::NetworkAcl": "acl",
    "AWS::EC2::LaunchTemplate": "lt",
}


class Unresolvable(Exception):
    pass


def _hex(logical_id, n=17):
    return hashlib.sha256(logical_id.encode()).hexdigest()[:n]


class Template:
    def __init__(self, body, name="template", stack_name=None):
        self.body = body
        self.name = name
        self.stack_name = stack_name or name
        self.resources = body.get("Resources", {})
        self._names = {}

    @classmethod
    def load(cls, path):
        with open(path) as f:
            body = json.load(f)
        stack = re.sub(r"\.template\.json$", "", path.split("/")[-1])
        return cls(body, name=path, stack_name=stack)

    def of_type(self, *types):
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    # ---- physical values -------------------------------------------------------------------------------
    def physical_name(self, logical_id):
        if logical_id in self._names:
            return self._names[logical_id]
        res = self.resources[logical_id]
        prop = NAME_PROPERTY.get(res["Type"])
        value = (res.get("Properties") or {}).get(prop) if prop else None
        if value is not None:
            name = self.resolve(value)
        else:
            name = f"{self.stack_name}-{logical_id}-{_hex(logical_id, 12).upper()}"
            if res["Type"] == "AWS::S3::Bucket":
                name = name.lower()[:63]
            if res["Type"] == "AWS::IAM::Role":
                name = name[:64]
        self._names[logical_id] = name
        return name

    def ec2_id(self, logical_id):
        t = self.resources[logical_id]["Type"]
        if t == "AWS::KMS::Key":
            h = _hex(logical_id, 32)
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        return f"{ID_PREFIX[t]}-{_hex(logical_id)}"

    def arn(self, logical_id):
        t = self.resources[logical_id]["Type"]
        a, r, p = ACCOUNT, REGION, PARTITION
        n = lambda: self.physical_name(logical_id)  # noqa: E731
        if t == "AWS::DynamoDB::Table":
            return f"arn:{p}:dynamodb:{r}:{a}:table/{n()}"
        if t == "AWS::S3::Bucket":
            return f"arn:{p}:s3:::{n()}"
        if t == "AWS::ECR::Repository":
            return f"arn:{p}:ecr:{r}:{a}:repository/{n()}"
        if t == "AWS::Batch::JobQueue":
            return f"arn:{p}:batch:{r}:{a}:job-queue/{n()}"
        if t == "AWS::Batch::JobDefinition":
            return f"arn:{p}:batch:{r}:{a}:job-definition/{n()}:1"
        if t == "AWS::Batch::ComputeEnvironment":
            return f"arn:{p}:batch:{r}:{a}:compute-environment/{n()}"
        if t == "AWS::StepFunctions::StateMachine":
            return f"arn:{p}:states:{r}:{a}:stateMachine:{n()}"
        if t == "AWS::SNS::Topic":
            return f"arn:{p}:sns:{r}:{a}:{n()}"
        if t == "AWS::Logs::LogGroup":
            return f"arn:{p}:logs:{r}:{a}:log-group:{n()}:*"
        if t == "AWS::IAM::Role":
            path = (self.resources[logical_id].get("Properties") or {}).get("Path", "/")
            return f"arn:{p}:iam::{a}:role{path}{n()}"
        if t == "AWS::IAM::ManagedPolicy":
            return f"arn:{p}:iam::{a}:policy/{n()}"
        if t == "AWS::Events::Rule":
            return f"arn:{p}:events:{r}:{a}:rule/{n()}"
        if t == "AWS::Scheduler::Schedule":
            return f"arn:{p}:scheduler:{r}:{a}:schedule/default/{n()}"
        if t == "AWS::Scheduler::ScheduleGroup":
            return f"arn:{p}:scheduler:{r}:{a}:schedule-group/{n()}"
        if t == "AWS::Backup::BackupVault":
            return f"arn:{p}:backup:{r}:{a}:backup-vault:{n()}"
        if t == "AWS::Backup::BackupPlan":
            return f"arn:{p}:backup:{r}:{a}:backup-plan:{_hex(logical_id, 36)}"
        if t == "AWS::CloudWatch::Alarm":
            return f"arn:{p}:cloudwatch:{r}:{a}:alarm:{n()}"
        if t == "AWS::CloudWatch::Dashboard":
            return f"arn:{p}:cloudwatch::{a}:dashboard/{n()}"
        if t == "AWS::Lambda::Function":
            return f"arn:{p}:lambda:{r}:{a}:function:{n()}"
        if t == "AWS::SecretsManager::Secret":
            return f"arn:{p}:secretsmanager:{r}:{a}:secret:{n()}-AbCdEf"
        if t == "AWS::SSM::Parameter":
            return f"arn:{p}:ssm:{r}:{a}:parameter/{n().lstrip('/')}"
        if t == "AWS::KMS::Key":
            return f"arn:{p}:kms:{r}:{a}:key/{self.ec2_id(logical_id)}"
        if t in ID_PREFIX:
            kind = {"AWS::EC2::VPC": "vpc", "AWS::EC2::Subnet": "subnet", "AWS::EC2::RouteTable": "route-table",
                    "AWS::EC2::SecurityGroup": "security-group", "AWS::EC2::InternetGateway": "internet-gateway",
                    "AWS::EC2::NatGateway": "natgateway", "AWS::EC2::VPCEndpoint": "vpc-endpoint",
                    "AWS::EC2::EIP": "elastic-ip", "AWS::EC2::FlowLog": "vpc-flow-log",
                    "AWS::EC2::NetworkAcl": "network-acl", "AWS::EC2::LaunchTemplate": "launch-template"}[t]
            return f"arn:{p}:ec2:{r}:{a}:{kind}/{self.ec2_id(logical_id)}"
        raise Unresolvable(f"{self.name}: no ARN for {logical_id} ({t})")

    def ref(self, logical_id):
        if logical_id in PSEUDO:
            return PSEUDO[logical_id]
        if logical_id in (self.body.get("Parameters") or {}):
            default = self.body["Parameters"][logical_id].get("Default")
            if default is None:
                raise Unresolvable(f"{self.name}: parameter {logical_id} has no default")
            return default
        if logical_id not in self.resources:
            raise Unresolvable(f"{self.name}: Ref to unknown {logical_id}")
        t = self.resources[logical_id]["Type"]
        if t in ("AWS::Batch::JobQueue", "AWS::Batch::JobDefinition", "AWS::Batch::ComputeEnvironment",
                 "AWS::StepFunctions::StateMachine", "AWS::SNS::Topic", "AWS::IAM::ManagedPolicy",
                 "AWS::Backup::BackupPlan", "AWS::SecretsManager::Secret"):
            return self.arn(logical_id)
        if t == "AWS::EC2::EIP":
            return "192.0.2." + str(int(_hex(logical_id, 2), 16) % 250 + 1)
        if t in ID_PREFIX:
            return self.ec2_id(logical_id)
        if t in NAME_PROPERTY or t.startswith("AWS::"):
            if t in NAME_PROPERTY and NAME_PROPERTY[t]:
                return self.physical_name(logical_id)
            return f"{logical_id}-{_hex(logical_id, 8)}"
        return f"{logical_id}-{_hex(logical_id, 8)}"

    def get_att(self, logical_id, attribute):
        if logical_id not in self.resources:
            raise Unresolvable(f"{self.name}: GetAtt of unknown {logical_id}")
        t = self.resources[logical_id]["Type"]
        if attribute in ("Arn", "JobQueueArn", "JobDefinitionArn", "ComputeEnvironmentArn", "TopicArn"):
            return self.arn(logical_id)
        if attribute in ("Name", "TopicName", "StateMachineName"):
            return self.physical_name(logical_id)
        if attribute in ("GroupId", "SubnetId", "VpcId", "RouteTableId", "KeyId"):
            return self.ec2_id(logical_id)
        if attribute == "AllocationId":
            return self.ec2_id(logical_id)
        if attribute == "RepositoryUri":
            return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{self.physical_name(logical_id)}"
        if attribute in ("DomainName", "RegionalDomainName"):
            return f"{self.physical_name(logical_id)}.s3.{REGION}.amazonaws.com"
        if attribute == "CidrBlock":
            return "10.0.0.0/16"
        if attribute == "DefaultSecurityGroup":
            return f"sg-{_hex(logical_id + 'default')}"
        if attribute == "StreamArn":
            return self.arn(logical_id) + "/stream/2026-01-01T00:00:00.000"
        if attribute == "RoleId":
            return "AROA" + _hex(logical_id, 17).upper()
        if attribute.endswith("Arn"):
            return self.arn(logical_id)
        if attribute.endswith("Id"):
            return self.arn(logical_id).rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        if attribute.endswith("Name"):
            return self.physical_name(logical_id)
        raise Unresolvable(f"{self.name}: GetAtt {logical_id}.{attribute} ({t})")

    # ---- intrinsic functions --------------------------------------------------------------------------
    def resolve(self, value):
        """The value with every intrinsic function replaced by what CloudFormation would give."""
        if isinstance(value, list):
            return [v for v in (self.resolve(x) for x in value) if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                if isinstance(arg, str):
                    arg = arg.split(".", 1)
                return self.get_att(arg[0], arg[1])
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(self.resolve(p)) for p in self.resolve(parts) if p is not None)
            if key == "Fn::Split":
                sep, s = arg
                return str(self.resolve(s)).split(sep)
            if key == "Fn::Select":
                i, items = arg
                return self.resolve(items)[int(self.resolve(i))]
            if key == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
            if key == "Fn::Sub":
                if isinstance(arg, str):
                    s, variables = arg, {}
                else:
                    s, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}

                def sub(m):
                    name = m.group(1)
                    if name.startswith("!"):
                        return "${" + name[1:] + "}"
                    if name in variables:
                        return str(variables[name])
                    if "." in name:
                        lid, att = name.split(".", 1)
                        return str(self.get_att(lid, att))
                    return str(self.ref(name))
                return re.sub(r"\$\{([^}]+)\}", sub, s)
            if key == "Fn::If":
                raise Unresolvable(f"{self.name}: Fn::If is not supported by the audit")
            if key == "Fn::ImportValue":
                raise Unresolvable(f"{self.name}: Fn::ImportValue cannot be resolved offline")
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items()) if v is not None}

    def properties(self, logical_id):
        return self.resolve(self.resources[logical_id].get("Properties") or {})

    def state_machine_definition(self, logical_id):
        props = self.resources[logical_id]["Properties"]
        if "Definition" in props:
            return self.resolve(props["Definition"])
        if "DefinitionS3Location" in props:
            # A large job workflow's definition is a CDK file asset beside the template (cdk.out/asset.<key>).
            key = props["DefinitionS3Location"]["Key"]
            asset = os.path.join(os.path.dirname(os.path.abspath(self.name)), f"asset.{key}")
            with open(asset) as f:
                text = f.read()
        else:
            text = self.resolve(props["DefinitionString"])
        subs = self.resolve(props.get("DefinitionSubstitutions") or {})
        for k, v in subs.items():
            text = text.replace("${" + k + "}", str(v))
        return json.loads(text)

    def logical_id_of_arn(self, arn):
        """The logical ID of the role whose ARN this is, if the template creates it."""
        for lid, res in self.resources.items():
            try:
                if res["Type"] in ("AWS::IAM::Role",) and self.arn(lid) == arn:
                    return lid
            except Unresolvable:
                pass
        return None
