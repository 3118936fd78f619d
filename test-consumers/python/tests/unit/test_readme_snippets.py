"""The Python snippets of the README and of docs/*.md run as written against the installed wheel.

CI (scripts/ci/consumer-python.sh) sets SANDERS_README to the repository's README.md; the docs are read from the
docs/ folder next to it. Each ```python block runs in a namespace that already has a `stack` (for the snippets
that continue an earlier one); a block that defines test functions has them called. A snippet that raises, or
whose stack does not synthesize, fails.
"""
import glob
import os
import re

import aws_cdk as cdk
import pytest

README = os.environ.get("SANDERS_README")


def documents():
    docs = sorted(glob.glob(os.path.join(os.path.dirname(README), "docs", "*.md")))
    return [README, *docs]


def python_snippets():
    snippets = []
    for path in documents():
        with open(path, encoding="utf-8") as f:
            blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
        name = os.path.relpath(path, os.path.dirname(README))
        snippets.extend((f"{name} python snippet {i}", code) for i, code in enumerate(blocks))
    return snippets


SNIPPETS = python_snippets() if README else []


@pytest.mark.skipif(README is None, reason="SANDERS_README is not set (CI sets it to the repository's README.md)")
def test_the_docs_have_python_snippets():
    # The smallest example (README), the same platform side by side (docs/languages.md), and the migrated
    # app.py, its stack module, a changed workflow and a migrated test (docs/migrating-from-the-python-app.md).
    assert len(SNIPPETS) >= 6


@pytest.mark.skipif(README is None, reason="SANDERS_README is not set (CI sets it to the repository's README.md)")
@pytest.mark.parametrize("where,code", SNIPPETS, ids=[where for where, _ in SNIPPETS])
def test_python_snippet_runs(where, code, tmp_path, monkeypatch):
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    # As `cdk synth` runs an app: with the account and region of the credentials in CDK_DEFAULT_* (a snippet for
    # several accounts and regions reads them, docs/consumer-app.md).
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
    monkeypatch.setenv("CDK_DEFAULT_REGION", os.environ.get("AWS_REGION", "eu-central-1"))
    app = cdk.App()
    stack = cdk.Stack(app, "ReadmeSnippetStack")
    namespace = {"__name__": re.sub(r"\W", "_", where), "stack": stack}
    exec(compile(code, where, "exec"), namespace)
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            value()
    # Whatever the snippet added to the shared stack synthesizes.
    app.synth()
