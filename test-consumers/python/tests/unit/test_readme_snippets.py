"""The README's Python snippets run as written against the installed wheel.

CI (scripts/ci/consumer-python.sh) sets SANDERS_README to the repository's README.md. Each ```python block runs in a
namespace that already has a `stack` (for the snippets that continue an earlier one); a block that defines test
functions has them called. A snippet that raises, or whose stack does not synthesize, fails.
"""
import os
import re

import aws_cdk as cdk
import pytest

README = os.environ.get("SANDERS_README")


def python_snippets():
    with open(README, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


@pytest.mark.skipif(README is None, reason="SANDERS_README is not set (CI sets it to the repository's README.md)")
def test_the_readme_has_python_snippets():
    # The usage side by side, the migrated app.py, its stack module and a migrated test.
    assert len(python_snippets()) >= 5


@pytest.mark.skipif(README is None, reason="SANDERS_README is not set (CI sets it to the repository's README.md)")
@pytest.mark.parametrize("index", range(5))
def test_readme_python_snippet_runs(index, tmp_path, monkeypatch):
    snippets = python_snippets()
    assert index < len(snippets)
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    app = cdk.App()
    stack = cdk.Stack(app, "ReadmeSnippetStack")
    namespace = {"__name__": f"readme_snippet_{index}", "stack": stack}
    exec(compile(snippets[index], f"README.md python snippet {index}", "exec"), namespace)
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            value()
    # Whatever the snippet added to the shared stack synthesizes.
    app.synth()
