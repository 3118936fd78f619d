"""Step Functions task states checked against the AWS SDK's service models (botocore).

For every Task state of every state machine: the service and the API action exist; every member of Parameters
exists in the request shape (Step Functions writes member names in PascalCase: `jobName` is `JobName`), has the
shape's type, enum value, length and range, and every required member is there; ResultSelector's paths name
members of the response shape; the error names of Retry and Catch are errors the service models.
"""
import re

import botocore.session

from findings import Finding

_session = botocore.session.get_session()
_models = {}

# Step Functions' name for a service (the Resource's `aws-sdk:<name>:`) where it is not botocore's name without
# hyphens.
SFN_SERVICE_ALIASES = {"sfn": "stepfunctions", "cloudwatchlogs": "logs", "eventbridge": "events",
                       "elasticloadbalancingv2": "elbv2", "elasticloadbalancing": "elb"}

# Optimized integrations: Resource -> (botocore service, request operation, response shape or operation).
# https://docs.aws.amazon.com/step-functions/latest/dg/integrate-optimized.html
OPTIMIZED = {
    "batch:submitJob": ("batch", "SubmitJob", ("output", "SubmitJob")),
    "batch:submitJob.sync": ("batch", "SubmitJob", ("shape", "JobDetail")),
    "states:startExecution": ("stepfunctions", "StartExecution", ("output", "StartExecution")),
    "states:startExecution.sync": ("stepfunctions", "StartExecution", ("output", "DescribeExecution")),
    "states:startExecution.sync:2": ("stepfunctions", "StartExecution", ("output", "DescribeExecution")),
    "sns:publish": ("sns", "Publish", ("output", "Publish")),
    "dynamodb:getItem": ("dynamodb", "GetItem", ("output", "GetItem")),
    "dynamodb:putItem": ("dynamodb", "PutItem", ("output", "PutItem")),
    "dynamodb:updateItem": ("dynamodb", "UpdateItem", ("output", "UpdateItem")),
    "dynamodb:deleteItem": ("dynamodb", "DeleteItem", ("output", "DeleteItem")),
}
# The error prefix of an optimized integration (`DynamoDB.ConditionalCheckFailedException`).
OPTIMIZED_ERROR_PREFIX = {"dynamodb": "DynamoDB", "batch": "Batch", "sns": "SNS", "stepfunctions": "StepFunctions"}
# Error names every task may see (Amazon States Language).
STATES_ERRORS = {"States.ALL", "States.Timeout", "States.TaskFailed", "States.Permissions", "States.HeartbeatTimeout",
                 "States.ResultPathMatchFailure", "States.ParameterPathFailure", "States.BranchFailed",
                 "States.NoChoiceMatched", "States.IntrinsicFailure", "States.ExceedToleratedFailureThreshold",
                 "States.ItemReaderFailed", "States.ResultWriterFailed", "States.QueryEvaluationError"}
# Errors every AWS query/JSON API may return, which the service models leave out: the "Common Errors" page of each
# API reference (e.g. https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html).
COMMON_ERRORS = {"AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction",
                 "InvalidClientTokenId", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable",
                 "ThrottlingException", "ValidationError"}
# botocore's EC2 model defines no error shapes at all; EC2's error codes are documented only in its API reference
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html). These are the codes of that page
# for the calls a platform makes (addresses, NAT gateways, routes, tags); a name outside it is still a finding.
EC2_DOCUMENTED_ERRORS = {
    "RequestLimitExceeded", "AddressLimitExceeded", "NatGatewayLimitExceeded", "InvalidAllocationID.NotFound",
    "InvalidAllocationID.Malformed", "InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed", "RouteAlreadyExists",
    "InvalidRoute.NotFound", "InvalidRouteTableID.NotFound", "InvalidNatGatewayID.NotFound", "InvalidAddressID.NotFound",
    "InvalidAssociationID.NotFound", "AuthFailure", "UnauthorizedOperation", "DependencyViolation",
    "IncorrectState", "InvalidParameterValue", "MissingParameter", "TagLimitExceeded", "Unsupported",
}


def model(service):
    if service not in _models:
        _models[service] = _session.get_service_model(service)
    return _models[service]


def botocore_service(sfn_name):
    """The botocore service Step Functions' `aws-sdk:<sfn_name>` calls, or None."""
    if sfn_name in SFN_SERVICE_ALIASES:
        return SFN_SERVICE_ALIASES[sfn_name]
    for name in _session.get_available_services():
        if name.replace("-", "") == sfn_name:
            return name
    return None


def operation_name(service, action):
    """botocore's operation for a camelCase action (`describeJobs` -> `DescribeJobs`), or None."""
    m = model(service)
    wanted = action.lower()
    for op in m.operation_names:
        if op.lower() == wanted:
            return op
    return None


def pascal(name):
    return name[:1].upper() + name[1:]


def members(shape):
    """A structure's members by their Step Functions (PascalCase) name."""
    return {pascal(k): v for k, v in shape.members.items()}


def is_dynamic_key(key):
    return key.endswith(".$")


_MISSING = object()


def static_values(definition):
    """Values the run's data holds from a Pass state's static Parameters (the job workflow's `Set up the run` puts
    the job queue and the retry strategies there, and each SubmitJob names them by path): a resolver from a
    reference path to that value, or _MISSING."""
    roots = []
    for _, state in _walk_states(definition):
        if state.get("Type") == "Pass" and isinstance(state.get("Parameters"), dict):
            result_path = state.get("ResultPath", "$")
            if isinstance(result_path, str):
                roots.append((result_path, state["Parameters"]))

    def resolve(path):
        for root, params in roots:
            if not path.startswith(root):
                continue
            current = params
            rest = path[len(root):]
            pos = 0
            while pos < len(rest):
                m = _PATH_STEP.match(rest, pos)
                if not m:
                    current = _MISSING
                    break
                pos = m.end()
                name = m.group(1) or m.group(3)
                if name is not None and isinstance(current, dict) and name in current:
                    current = current[name]
                elif name is None and m.group(2) not in (None, "*") and isinstance(current, list) \
                        and int(m.group(2)) < len(current):
                    current = current[int(m.group(2))]
                else:
                    current = _MISSING
                    break
            if current is not _MISSING:
                return current
        return _MISSING
    return resolve


def _check_value(value, shape, where, out, resolve=None):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            out.append(f"{where}: expected an object ({shape.name}), got {type(value).__name__}")
            return
        known = members(shape)
        given = {}
        for key, v in value.items():
            name = key[:-2] if is_dynamic_key(key) else key
            if name not in known:
                hint = [k for k in known if k.lower() == name.lower()]
                out.append(f"{where}.{name}: not a member of {shape.name}"
                           + (f" (did you mean {hint[0]}?)" if hint else f"; members: {', '.join(sorted(known))}"))
                continue
            given[name] = True
            if not is_dynamic_key(key):
                _check_value(v, known[name], f"{where}.{name}", out, resolve)
            elif not isinstance(v, str) or not (v.startswith("$") or v.startswith("States.")):
                out.append(f"{where}.{key}: a path or intrinsic function must be a string starting with $ or States.")
            elif resolve is not None and v.startswith("$."):
                # A path to a value the run's data holds from a static Pass state: checked as if written here.
                static = resolve(v)
                if static is not _MISSING:
                    _check_value(static, known[name], f"{where}.{name} (= {v})", out, resolve)
        for req in shape.required_members:
            if pascal(req) not in given:
                out.append(f"{where}: required member {pascal(req)} of {shape.name} is missing")
    elif t == "list":
        if not isinstance(value, list):
            out.append(f"{where}: expected a list ({shape.name}), got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check_value(item, shape.member, f"{where}[{i}]", out, resolve)
        _check_range(len(value), shape, where, out, "items")
    elif t == "map":
        if not isinstance(value, dict):
            out.append(f"{where}: expected an object ({shape.name}), got {type(value).__name__}")
            return
        for key, v in value.items():
            if not is_dynamic_key(key):
                _check_value(v, shape.value, f"{where}.{key}", out, resolve)
    elif t == "string":
        if not isinstance(value, str):
            out.append(f"{where}: expected a string ({shape.name}), got {type(value).__name__} {value!r}")
            return
        if shape.enum and value not in shape.enum:
            out.append(f"{where}: {value!r} is not one of {shape.name}'s values: {', '.join(shape.enum)}")
        _check_range(len(value), shape, where, out, "characters")
        pattern = shape.metadata.get("pattern")
        if pattern:
            try:
                if not re.fullmatch(pattern, value):
                    out.append(f"{where}: {value!r} does not match {shape.name}'s pattern {pattern}")
            except re.error:
                pass  # a Java regex Python cannot compile: not checked
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(f"{where}: expected an integer ({shape.name}), got {type(value).__name__} {value!r}")
            return
        _check_range(value, shape, where, out, "")
    elif t in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(f"{where}: expected a number ({shape.name}), got {type(value).__name__} {value!r}")
    elif t == "boolean":
        if not isinstance(value, bool):
            out.append(f"{where}: expected true or false ({shape.name}), got {value!r}")
    elif t == "timestamp":
        if not isinstance(value, (str, int, float)):
            out.append(f"{where}: expected a timestamp ({shape.name}), got {value!r}")
    elif t == "blob":
        if not isinstance(value, str):
            out.append(f"{where}: expected a base64 string ({shape.name}), got {value!r}")


def _check_range(n, shape, where, out, unit):
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    if lo is not None and n < lo:
        out.append(f"{where}: {n} {unit} is below {shape.name}'s minimum {lo}".replace("  ", " "))
    if hi is not None and n > hi:
        out.append(f"{where}: {n} {unit} is above {shape.name}'s maximum {hi}".replace("  ", " "))


_PATH_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+|\*)\]|\['([^']+)'\]")


def check_path(path, shape, where, out):
    """A reference path ($.A.B[0].C) into a response shape; stops at maps and documents, which hold any key."""
    if not path.startswith("$"):
        return
    rest = path[1:]
    pos = 0
    current = shape
    while pos < len(rest) and current is not None:
        m = _PATH_STEP.match(rest, pos)
        if not m:
            return  # a JSONPath filter or slice: not checked
        pos = m.end()
        name = m.group(1) or m.group(3)
        if current.type_name == "structure":
            if name is None:
                out.append(f"{where}: {path} indexes {current.name}, an object")
                return
            known = members(current)
            if name not in known:
                out.append(f"{where}: {path}: {name} is not a member of the response {current.name}; "
                           f"members: {', '.join(sorted(known))}")
                return
            current = known[name]
        elif current.type_name == "list":
            if name is not None:
                out.append(f"{where}: {path}: {current.name} is a list, not an object with {name}")
                return
            current = current.member
        else:
            return


def _walk_states(definition, prefix=""):
    for name, state in (definition.get("States") or {}).items():
        yield name, state
        for branch in state.get("Branches") or []:
            yield from _walk_states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _walk_states(state[key])


def tasks(definition):
    return [(n, s) for n, s in _walk_states(definition) if s.get("Type") == "Task"]


def parse_resource(resource):
    """(kind, service, action, pattern) of a task's Resource; kind is 'sdk', 'optimized' or None."""
    m = re.fullmatch(r"arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(?:\.(waitForTaskToken))?", resource)
    if m:
        return "sdk", m.group(1), m.group(2), m.group(3)
    m = re.fullmatch(r"arn:aws[a-z-]*:states:::([a-z0-9]+:[A-Za-z0-9]+(?:\.sync(?::2)?|\.waitForTaskToken)?)", resource)
    if m:
        return "optimized", m.group(1).split(":")[0], m.group(1), None
    return None, None, None, None


def check_state_machine(template, logical_id):
    findings = []
    where_sm = f"{template.stack_name}/{logical_id}"
    definition = template.state_machine_definition(logical_id)
    if definition.get("QueryLanguage") == "JSONata":
        findings.append(Finding("sfn", where_sm, "JSONata state machines are not checked by the audit"))
        return findings
    resolve = static_values(definition)
    for name, state in tasks(definition):
        where = f"{where_sm} state {name!r}"
        if state.get("QueryLanguage") == "JSONata":
            findings.append(Finding("sfn", where, "JSONata states are not checked by the audit"))
            continue
        resource = state.get("Resource", "")
        kind, svc, action, _ = parse_resource(resource)
        out = []
        if kind == "sdk":
            service = botocore_service(svc)
            if service is None:
                findings.append(Finding("sfn", where, f"{resource}: no AWS SDK service {svc!r}"))
                continue
            op = operation_name(service, action)
            if op is None:
                findings.append(Finding("sfn", where, f"{resource}: {service} has no action {action!r}"))
                continue
            if action != op[:1].lower() + op[1:]:
                out.append(f"Resource: the action is written {action!r}; Step Functions expects camelCase "
                           f"{op[:1].lower() + op[1:]!r}")
            op_model = model(service).operation_model(op)
            response = op_model.output_shape
            error_prefixes = {svc.lower()}
        elif kind == "optimized":
            if action not in OPTIMIZED:
                findings.append(Finding("sfn", where, f"{resource}: an integration the audit does not know"))
                continue
            service, op, (how, response_name) = OPTIMIZED[action]
            op_model = model(service).operation_model(op)
            response = (model(service).operation_model(response_name).output_shape if how == "output"
                        else model(service).shape_for(response_name))
            error_prefixes = {OPTIMIZED_ERROR_PREFIX[service]}
        else:
            findings.append(Finding("sfn", where, f"{resource}: not an AWS SDK or optimized integration"))
            continue
        params = state.get("Parameters")
        if params is None:
            params = {}
        if isinstance(params, dict):
            _check_value(params, op_model.input_shape, "Parameters", out, resolve)
        for key, value in (state.get("ResultSelector") or {}).items():
            if is_dynamic_key(key) and isinstance(value, str) and response is not None:
                check_path(value, response, f"ResultSelector.{key}", out)
        out.extend(_check_errors(state, service, error_prefixes, kind))
        findings.extend(Finding("sfn", where, f"{resource}: {o}") for o in out)
    return findings


def modeled_errors(service):
    m = model(service)
    errors = {n for n in m.shape_names if m.shape_for(n).metadata.get("exception")}
    if service == "ec2" and not errors:
        errors = set(EC2_DOCUMENTED_ERRORS)
    return errors | COMMON_ERRORS


def _check_errors(state, service, prefixes, kind):
    out = []
    errors = modeled_errors(service)
    for field in ("Retry", "Catch"):
        for i, rule in enumerate(state.get(field) or []):
            for error in rule.get("ErrorEquals") or []:
                if error in STATES_ERRORS or error.startswith("States."):
                    if error not in STATES_ERRORS:
                        out.append(f"{field}[{i}]: {error} is not an Amazon States Language error")
                    continue
                prefix, _, name = error.partition(".")
                if (prefix.lower() if kind == "sdk" else prefix) not in prefixes:
                    out.append(f"{field}[{i}]: {error}: errors of this task start with "
                               f"{sorted(prefixes)[0]!r} (case as documented)")
                    continue
                if kind == "sdk" and prefix[:1] != prefix[:1].upper():
                    out.append(f"{field}[{i}]: {error}: the service name is written in PascalCase")
                bare = name[:-len("Exception")] if name.endswith("Exception") else name
                if name not in errors and bare not in errors:
                    near = sorted(e for e in errors if e.lower().startswith(bare.lower()[:6])) or sorted(errors)
                    out.append(f"{field}[{i}]: {error}: {service} models no error {name} (its errors include: "
                               f"{', '.join(near[:6]) or 'none'})")
    return out
