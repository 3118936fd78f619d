"""Every call a state machine's tasks make is allowed by the state machine's role, resource by resource.

For each Task state the audit derives the requests AWS authorizes: the API action, each resource it names (from
the task's Parameters: a subnet id, a table name, a job queue ARN; a resource the call creates gets a new id) and
the request context the role's conditions read (tags the request sets or the resource carries, ec2:Vpc,
ec2:CreateAction, cloudwatch:namespace, dynamodb:LeadingKeys). Optimized integrations add the calls Step
Functions makes for them (a `.sync` Batch job is also described and terminated, through an EventBridge rule).
Then it evaluates the role's policies as IAM does: an explicit Deny wins, else an Allow whose action, resource
and every condition match. A resource known only at run time (`JobId.$`) is checked against the role for any
resource of its type in the account, and reported as checked by type.
"""
import fnmatch
import re
from dataclasses import dataclass, field

import iam
import sfn
from findings import Finding
from template import ACCOUNT, PARTITION, REGION

RUNTIME = "RUNTIME-ID"

# Parameters that name a resource, by the IAM resource type they name.
PARAM_RESOURCE = {
    "SubnetId": ("ec2", "subnet"), "AllocationId": ("ec2", "elastic-ip"), "RouteTableId": ("ec2", "route-table"),
    "NatGatewayId": ("ec2", "natgateway"), "VpcId": ("ec2", "vpc"), "JobId": ("batch", "job"),
    "ExecutionArn": ("states", "execution"), "StateMachineArn": ("states", "stateMachine"),
    "TableName": ("dynamodb", "table"), "TopicArn": ("sns", "topic"), "JobQueue": ("batch", "job-queue"),
    "JobDefinition": ("batch", "job-definition-revision"),
}
# Which parameters a call's authorization reads (the others name something the call does not authorize on, e.g.
# CreateRoute's NatGatewayId). https://docs.aws.amazon.com/service-authorization/latest/reference/
AUTHORIZED_PARAMS = {
    "ec2:CreateNatGateway": ["SubnetId", "AllocationId"],
    "ec2:CreateRoute": ["RouteTableId"], "ec2:ReplaceRoute": ["RouteTableId"], "ec2:DeleteRoute": ["RouteTableId"],
    # Batch authorizes SubmitJob on the job queue and the job definition
    # (https://docs.aws.amazon.com/batch/latest/userguide/batch-supported-iam-actions-resources.html).
    "batch:SubmitJob": ["JobQueue", "JobDefinition"],
}
# A resource type that a call's authorization also reads, derived from another: the subnet's VPC.
DERIVED = {"ec2:CreateNatGateway": [("subnet", "vpc")]}
# Resources a call creates, by type.
CREATES = {"ec2:CreateNatGateway": "natgateway", "ec2:AllocateAddress": "elastic-ip"}
SFN_TO_IAM_PREFIX = {"sfn": "states", "cloudwatchlogs": "logs", "eventbridge": "events"}


@dataclass
class Request:
    action: str
    resource: str
    context: dict = field(default_factory=dict)
    dynamic: bool = False  # the resource's id is known only at run time
    rtype: tuple = None  # (service prefix, IAM resource type) of a dynamic resource


def _fill(arn_format, value):
    out = arn_format.replace("${Partition}", PARTITION).replace("${Region}", REGION).replace("${Account}", ACCOUNT)
    return re.sub(r"\$\{[^}]+\}", value, out, count=1).replace("${", "").replace("}", "")


def _arn_of(prefix, rtype, value):
    if isinstance(value, str) and value.startswith("arn:"):
        return value
    data = iam.service(prefix)
    fmt = data["resources"][rtype]["arn"]
    if rtype == "execution":
        return _fill(fmt.replace("${StateMachineName}:", "*:"), value)
    return _fill(fmt, value)


class Inventory:
    """What the template says about resources a request names: tags and the VPC, by physical id or ARN."""

    def __init__(self, template):
        self.template = template
        self.by_value = {}
        for lid, res in template.resources.items():
            try:
                values = {template.ref(lid)}
                try:
                    values.add(template.arn(lid))
                except Exception:
                    pass
            except Exception:
                continue
            for v in values:
                self.by_value[v] = lid
        self.created_tags = {}

    def tags(self, value):
        lid = self.by_value.get(value)
        if lid is None:
            return {}
        props = self.template.properties(lid)
        return {t["Key"]: t["Value"] for t in props.get("Tags") or [] if isinstance(t, dict) and "Key" in t}

    def vpc_of(self, value):
        lid = self.by_value.get(value)
        if lid is None:
            return None
        return self.template.properties(lid).get("VpcId")


def _request_tags(params):
    tags = {}
    for spec in params.get("TagSpecifications") or []:
        for t in spec.get("Tags") or []:
            if "Key" in t and "Value" in t:
                tags[t["Key"]] = t["Value"]
    return tags


def _tag_context(prefix, tags, resource=False):
    ctx = {}
    for k, v in tags.items():
        if resource:
            ctx[f"aws:ResourceTag/{k}"] = v
            ctx[f"{prefix}:ResourceTag/{k}"] = v
        else:
            ctx[f"aws:RequestTag/{k}"] = v
    if not resource and tags:
        ctx["aws:TagKeys"] = list(tags)
    return ctx


def requests_of(state, inventory, definition_name, created_tags):
    """The requests one Task state makes; raises KeyError for a call the audit cannot model."""
    kind, svc, action, _ = sfn.parse_resource(state["Resource"])
    params = state.get("Parameters") or {}
    out = []
    if kind == "optimized":
        base = action.split(".")[0]
        service, name = base.split(":")
        iam_action = f"{service}:{name[:1].upper()}{name[1:]}"
    else:
        prefix = SFN_TO_IAM_PREFIX.get(svc, svc)
        iam_action = f"{prefix}:{action[:1].upper()}{action[1:]}"
    prefix = iam_action.split(":")[0]
    data, priv = iam.privilege(iam_action)
    if priv is None:
        raise KeyError(f"{iam_action} is not an IAM action")
    ctx = {}
    if iam_action == "cloudwatch:PutMetricData" and isinstance(params.get("Namespace"), str):
        ctx["cloudwatch:namespace"] = params["Namespace"]
    if prefix == "dynamodb":
        key = params.get("Key") or params.get("Item") or {}
        first = next(iter(key.values()), None) if key else None
        if isinstance(first, dict) and isinstance(first.get("S"), str):
            ctx["dynamodb:LeadingKeys"] = [first["S"]]
    req_tags = _request_tags(params)
    ctx.update(_tag_context(prefix, req_tags))
    typed = [r for r in priv["resource_types"] if r]
    allowed_params = AUTHORIZED_PARAMS.get(iam_action)
    named = {}
    for p, (pfx, rtype) in PARAM_RESOURCE.items():
        if allowed_params is not None and p not in allowed_params:
            continue
        rtype = next((t for t in typed if t.lower() == rtype.lower()), None)
        if pfx != prefix or rtype is None:
            continue
        if p in params:
            named[rtype] = (params[p], False)
        elif p + ".$" in params:
            named[rtype] = (RUNTIME, True)
    for src, derived in DERIVED.get(iam_action, []):
        if src in named and not named[src][1]:
            vpc = inventory.vpc_of(named[src][0])
            if vpc:
                named[derived] = (vpc, False)
    if iam_action in CREATES:
        named[CREATES[iam_action]] = (RUNTIME, True)
    if not typed:
        out.append(Request(iam_action, "*", dict(ctx)))
    else:
        required = [r for r in typed if priv["resource_types"][r]["required"]]
        if not named and not any(r in named for r in required):
            raise KeyError(f"the audit does not know which resource {iam_action} names in these parameters "
                           f"(its resource types: {', '.join(typed)}); extend PARAM_RESOURCE in access.py")
        for rtype, (value, dynamic) in named.items():
            arn = _arn_of(prefix, rtype, value)
            rctx = dict(ctx)
            if rtype == CREATES.get(iam_action):
                pass
            elif dynamic:
                rctx.update(_tag_context(prefix, created_tags.get(rtype, {}), resource=True))
            else:
                rctx.update(_tag_context(prefix, inventory.tags(value), resource=True))
                vpc = inventory.vpc_of(value)
                if vpc:
                    rctx["ec2:Vpc"] = _arn_of("ec2", "vpc", vpc)
            r = Request(iam_action, arn, rctx, dynamic and rtype != CREATES.get(iam_action))
            r.rtype = (prefix, rtype)
            out.append(r)
    if prefix == "ec2" and req_tags and iam_action in CREATES:
        rtype = CREATES[iam_action]
        out.append(Request("ec2:CreateTags", _arn_of("ec2", rtype, RUNTIME),
                           {**ctx, "ec2:CreateAction": iam_action.split(":")[1]}))
    # The calls Step Functions itself makes for an optimized integration that waits
    # (https://docs.aws.amazon.com/step-functions/latest/dg/batch-iam.html, stepfunctions-iam.html).
    if kind == "optimized" and ".sync" in action:
        if action.startswith("batch:"):
            out.append(Request("batch:DescribeJobs", "*"))
            r = Request("batch:TerminateJob", _arn_of("batch", "job", RUNTIME), dynamic=True)
            r.rtype = ("batch", "job")
            out.append(r)
            rule = "StepFunctionsGetEventsForBatchJobsRule"
        else:
            sm = params.get("StateMachineArn", "")
            name = sm.split(":")[-1] if isinstance(sm, str) else "*"
            execution = f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:execution:{name}:{RUNTIME}"
            out.append(Request("states:DescribeExecution", execution))
            out.append(Request("states:StopExecution", execution))
            rule = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
        for a in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
            out.append(Request(a, f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/{rule}"))
    return out


# ---- policy evaluation ------------------------------------------------------------------------------------
def _glob(pattern, value, ignore_case=False):
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.IGNORECASE if ignore_case else 0) is not None


def _action_matches(patterns, action):
    return any(_glob(p, action, ignore_case=True) for p in patterns)


def _condition_holds(conditions, ctx):
    for op, block in conditions.items():
        base = op
        if_exists = base.endswith("IfExists")
        if if_exists:
            base = base[:-len("IfExists")]
        qualifier = None
        if ":" in base:
            qualifier, base = base.split(":", 1)
        for key, wanted in block.items():
            wanted = [str(w) for w in iam.as_list(wanted)]
            present = next((k for k in ctx if k.lower() == key.lower()), None)
            if base == "Null":
                is_null = present is None
                if str(wanted[0]).lower() != str(is_null).lower():
                    return False
                continue
            if present is None:
                if if_exists or qualifier == "ForAllValues":
                    continue
                return False
            values = [str(v) for v in iam.as_list(ctx[present])]

            def one(v):
                if base in ("StringEquals", "ArnEquals"):
                    return v in wanted
                if base == "StringEqualsIgnoreCase":
                    return v.lower() in [w.lower() for w in wanted]
                if base in ("StringLike", "ArnLike"):
                    return any(_glob(w, v) for w in wanted)
                if base in ("StringNotEquals", "ArnNotEquals"):
                    return v not in wanted
                if base in ("StringNotLike", "ArnNotLike"):
                    return not any(_glob(w, v) for w in wanted)
                if base == "Bool":
                    return v.lower() in [w.lower() for w in wanted]
                raise KeyError(f"condition operator {op} is not modelled by the audit")
            if qualifier == "ForAllValues":
                ok = all(one(v) for v in values)
            elif qualifier == "ForAnyValue":
                ok = any(one(v) for v in values)
            else:
                ok = all(one(v) for v in values) if len(values) == 1 else any(one(v) for v in values)
            if not ok:
                return False
    return True


def _resource_matches(st, request):
    arn = request.resource
    if st.not_resources:
        return not any(_glob(p, arn) for p in st.not_resources)
    if request.dynamic:
        # Known only at run time: some resource of the type (its reference ARN format) in the pattern.
        prefix, rtype = request.rtype
        fmt = iam.service(prefix)["resources"][rtype]["arn"]
        fmt = fmt.replace("${Partition}", PARTITION).replace("${Region}", REGION).replace("${Account}", ACCOUNT)
        return any(_glob(p, arn) or iam._arn_matches_format(p, fmt) for p in st.resources)
    return any(_glob(p, arn) for p in st.resources)


def allowed(statements, request):
    """(allowed, reason) under IAM's evaluation: an explicit Deny wins, then any Allow."""
    allow = None
    for st in statements:
        acts = st.not_actions or st.actions
        match = _action_matches(acts, request.action)
        if st.not_actions:
            match = not match
        if not match or not _resource_matches(st, request):
            continue
        if not _condition_holds(st.conditions, request.context):
            continue
        if st.effect == "Deny":
            return False, f"denied by {st.where}"
        allow = st
    if allow is None:
        return False, "no statement of the role allows it"
    return True, f"allowed by {allow.where}"


def role_statements(template, role_arn):
    lid = template.logical_id_of_arn(role_arn)
    if lid is None:
        return None, []
    return lid, [s for s in iam.statements(template) if s.kind == "identity" and lid in s.role_ids]


def check_state_machine(template, logical_id, notes=None):
    findings = []
    where_sm = f"{template.stack_name}/{logical_id}"
    props = template.properties(logical_id)
    role_lid, sts = role_statements(template, props["RoleArn"])
    if role_lid is None:
        return [Finding("access", where_sm, f"its role {props['RoleArn']} is not created by this template: "
                                            f"the audit cannot read its policies")]
    definition = template.state_machine_definition(logical_id)
    inventory = Inventory(template)
    tasks = sfn.tasks(definition)
    # A resource known only at run time carries the tags the call that created it set.
    created = {}
    for _, state in tasks:
        kind, svc, action, _ = sfn.parse_resource(state.get("Resource", ""))
        if kind == "sdk" and f"{svc}:{action[:1].upper()}{action[1:]}" in CREATES:
            created[CREATES[f"{svc}:{action[:1].upper()}{action[1:]}"]] = _request_tags(state.get("Parameters") or {})
    for name, state in tasks:
        where = f"{where_sm} state {name!r}"
        try:
            reqs = requests_of(state, inventory, logical_id, created)
        except KeyError as e:
            findings.append(Finding("access", where, str(e).strip('"')))
            continue
        for r in reqs:
            try:
                ok, why = allowed(sts, r)
            except KeyError as e:
                findings.append(Finding("access", where, str(e).strip('"')))
                continue
            if not ok:
                ctx = ", ".join(f"{k}={v}" for k, v in sorted(r.context.items()))
                findings.append(Finding("access", where,
                                        f"{r.action} on {r.resource} is not allowed by {role_lid}: {why}"
                                        + (f" (request context: {ctx})" if ctx else "")))
            elif r.dynamic and notes is not None:
                notes.append(f"{where}: {r.action} on a resource known at run time, checked by type: {why}")
    # Logging at level ALL and X-Ray need these on * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
    needed = []
    if (props.get("LoggingConfiguration") or {}).get("Destinations"):
        needed += ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
                   "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
                   "logs:DescribeLogGroups"]
    if (props.get("TracingConfiguration") or {}).get("Enabled"):
        needed += ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                   "xray:GetSamplingTargets"]
    for a in needed:
        ok, why = allowed(sts, Request(a, "*"))
        if not ok:
            findings.append(Finding("access", where_sm, f"{a} (for its logging or tracing) is not allowed by "
                                                        f"{role_lid}: {why}"))
    return findings


__all__ = ["check_state_machine", "allowed", "Request", "fnmatch"]
