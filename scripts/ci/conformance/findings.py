"""A finding of the audit, and the committed allow-list of documented false positives."""
import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    check: str  # sfn, iam, access, resource-policy, least-privilege
    where: str  # stack/logical id (and state or statement)
    message: str

    def __str__(self):
        return f"[{self.check}] {self.where}: {self.message}"


class AllowList:
    """Entries `{"check", "where", "message", "reason"}`; where and message are regular expressions that must
    match the whole text. Every entry must have a reason and must match at least one finding (a stale entry is
    itself reported, so the list cannot hide a problem that is gone or grow past what is needed)."""

    def __init__(self, entries):
        self.entries = entries
        for e in entries:
            if not str(e.get("reason", "")).strip():
                raise ValueError(f"allow-list entry without a reason: {e}")

    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls(json.load(f)["falsePositives"])

    def split(self, findings):
        """(findings not allowed, allowed findings with their reason, entries that matched nothing)."""
        used = set()
        left, allowed = [], []
        for f in findings:
            for i, e in enumerate(self.entries):
                if e["check"] == f.check and re.fullmatch(e["where"], f.where) and re.fullmatch(e["message"], f.message):
                    used.add(i)
                    allowed.append((f, e["reason"]))
                    break
            else:
                left.append(f)
        stale = [e for i, e in enumerate(self.entries) if i not in used]
        return left, allowed, stale
