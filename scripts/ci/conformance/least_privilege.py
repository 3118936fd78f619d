"""The platform's least-privilege rules (docs/security.md, "What is on by default"), over every policy of a template.

1. A resource policy (key, topic, bucket, ...) allows a service principal only with a condition that ties it to
   this platform: aws:SourceArn / aws:SourceAccount / aws:SourceOrgID, a kms:EncryptionContext key or
   kms:ViaService, whose value is not a wildcard over every resource of the account.
2. An identity policy uses a KMS key (Decrypt, Encrypt, GenerateDataKey, ReEncrypt) only through a service
   (kms:ViaService) or for a named encryption context.
3. An action that takes no resource ARN but has a condition key of its own (cloudwatch:PutMetricData and
   cloudwatch:namespace) is not granted on * without a condition.
4. No ARN matches by name prefix: `...:execution:x-workflow-dev*` also matches `x-workflow-dev2`; end the name
   with its separator first (`x-workflow-dev:*`).
5. A job definition's execution role reads only the secrets of the job definitions that use it.
6. No AWS-managed policy is attached to a role.
"""
import re

import iam
from findings import Finding

TYING_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths",
              "kms:encryptioncontext:", "kms:viaservice")
KMS_USE = re.compile(r"^kms:(decrypt|encrypt|generatedatakey|reencrypt)", re.IGNORECASE)


def _values(v):
    return [str(x) for x in iam.as_list(v)]


def account_wide(value):
    """An ARN pattern that names every resource of an account (or of a type in it): `arn:aws:logs:r:a:*`,
    `arn:aws:logs:r:a:log-group:*`, `arn:aws:cloudwatch:r:a:alarm:*`."""
    parts = value.split(":", 5)
    if len(parts) < 6 or not value.startswith("arn:"):
        return value.strip() == "*"
    resource = parts[5]
    return re.fullmatch(r"(?:[A-Za-z0-9-]+[:/])?\*", resource) is not None


def _tied(st):
    for op, block in st.conditions.items():
        for key, value in block.items():
            if key.lower().startswith(TYING_KEYS) and not all(account_wide(v) and "Like" in op for v in _values(value)):
                return True
    return False


def service_principal_rule(st):
    if st.kind != "resource" or st.effect != "Allow":
        return []
    principals = st.service_principals()
    if not principals:
        return []
    if _tied(st):
        return []
    wide = [f"{k} {v}" for op, b in st.conditions.items() for k, vs in b.items() for v in _values(vs)
            if k.lower().startswith(TYING_KEYS)]
    why = (f"its only tying condition covers every resource of the account ({'; '.join(wide)})" if wide
           else "it has no condition")
    return [f"allows {', '.join(principals)} ({', '.join(st.actions)}) and {why}: any resource of that service, "
            f"in any account unless the account is fixed, can use it (confused deputy); add aws:SourceArn of the "
            f"platform's own resource (or aws:SourceAccount, or an encryption context naming it)"]


def kms_rule(st):
    if st.kind != "identity" or st.effect != "Allow":
        return []
    used = [a for a in st.actions if KMS_USE.match(a) or a in ("kms:*", "*")]
    if not used:
        return []
    keys = [k.lower() for _, k in st.condition_keys()]
    if any(k.startswith("kms:viaservice") or k.startswith("kms:encryptioncontext:") for k in keys):
        return []
    return [f"uses the key ({', '.join(used)}) on {', '.join(st.resources)} without kms:ViaService or "
            f"kms:EncryptionContext: the role can decrypt with it directly, not only through the service that "
            f"needs it"]


def unscoped_action_rule(st):
    if st.kind != "identity" or st.effect != "Allow" or st.conditions or "*" not in st.resources:
        return []
    out = []
    for pattern in st.actions:
        for action in iam.expand_action(pattern):
            if action == "*":
                continue
            data, priv = iam.privilege(action)
            if [r for r in priv["resource_types"] if r]:
                continue
            own = sorted(k for k in iam.condition_keys_for(data, priv)
                         if not k.startswith("aws:") and not k.endswith("Region"))
            if own:
                out.append(f"{action} is granted on * with no condition although {', '.join(own)} can limit it")
    return out


PREFIX_WILDCARD = re.compile(r"[A-Za-z0-9_.\-]\*")


def name_prefix(value):
    """A `*` right after a name character in an ARN's resource part (S3 object keys excepted)."""
    if not value.startswith("arn:"):
        return False
    parts = value.split(":", 5)
    if len(parts) < 6:
        return False
    if parts[2] == "s3":
        return False  # bucket/key-prefix* is how S3 prefixes are written
    return PREFIX_WILDCARD.search(parts[5]) is not None


def prefix_rule(st):
    out = []
    for r in st.resources:
        if name_prefix(r):
            out.append(f"resource {r} matches by name prefix, so it also names resources whose name only "
                       f"starts with it; end the name with its separator (`:` or `/`) before the *")
    for op, block in st.conditions.items():
        if "Like" not in op:
            continue
        for key, value in block.items():
            for v in _values(value):
                if name_prefix(v):
                    out.append(f"condition {key} {v} matches by name prefix; end the name with its separator "
                               f"before the *")
    return out


def secrets_rule(template):
    """Findings: an execution role shared by job definitions with different secrets."""
    out = []
    by_role = {}
    for lid, res in template.of_type("AWS::Batch::JobDefinition").items():
        props = template.properties(lid)
        container = props.get("ContainerProperties") or {}
        role = container.get("ExecutionRoleArn")
        secrets = frozenset(s.get("ValueFrom") for s in container.get("Secrets") or [])
        by_role.setdefault(role, []).append((lid, secrets))
    for role, defs in by_role.items():
        all_secrets = frozenset().union(*[s for _, s in defs])
        for lid, secrets in defs:
            extra = sorted(all_secrets - secrets)
            if extra:
                out.append(Finding("least-privilege", f"{template.stack_name}/{lid}",
                                   f"its execution role {role} is shared with other job definitions, so this job "
                                   f"can read secrets it does not use: {', '.join(extra)}; give a job with secrets "
                                   f"an execution role of its own"))
    return out


def managed_policy_rule(template):
    out = []
    for lid, res in template.of_type("AWS::IAM::Role").items():
        for arn in iam.as_list(template.properties(lid).get("ManagedPolicyArns")):
            if re.match(r"arn:aws[a-z-]*:iam::aws:policy/", str(arn)):
                out.append(Finding("least-privilege", f"{template.stack_name}/{lid}",
                                   f"has the AWS-managed policy {arn}"))
    return out


def check_template(template):
    findings = []
    for st in iam.statements(template):
        for rule in (service_principal_rule, kms_rule, unscoped_action_rule, prefix_rule):
            for msg in rule(st):
                findings.append(Finding("least-privilege", st.where, msg))
    findings.extend(secrets_rule(template))
    findings.extend(managed_policy_rule(template))
    return findings
