"""Every test that docs/failure-behaviour.md names as the proof of a guarantee exists."""

import ast
import os
import re

from playbook import ROOT

DOC = os.path.join(ROOT, "docs", "failure-behaviour.md")
# `file.py::test_name`, then `::other_test` for more tests of the same file.
CITATION = re.compile(r"`(?:(?P<file>[\w/]+\.py))?::(?P<test>test_\w+)`")


def defined_functions(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def functions_in_files_named(name):
    """Every function of every test file whose path ends with ``name`` (two folders may share one)."""
    found = set()
    for base in ("tests", "sandbox"):
        for folder, _dirs, files in os.walk(os.path.join(ROOT, base)):
            path = os.path.join(folder, os.path.basename(name))
            if os.path.basename(name) in files and path.endswith(name):
                found |= defined_functions(path)
    return found


def test_every_cited_test_exists():
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    cited, current, missing = 0, None, []
    for line in text.splitlines():
        if not line.strip() or line.startswith("|"):
            current = None  # a table row or a paragraph names its file before its first test
        for match in CITATION.finditer(line):
            current = match.group("file") or current
            cited += 1
            if match.group("test") not in (functions_in_files_named(current) if current else set()):
                missing.append("%s::%s" % (current, match.group("test")))
    assert cited > 40  # the parser still reads the document
    assert missing == [], missing


def test_no_two_test_files_share_a_name():
    # make compat collects tests/unit and tests/functional in one pytest run, where two test
    # modules of one name (no packages) stop the collection.
    names = {}
    for base in ("tests", "sandbox"):
        for folder, _dirs, files in os.walk(os.path.join(ROOT, base)):
            for name in files:
                if name.startswith("test_") and name.endswith(".py") and "output" not in folder:
                    names.setdefault(name, []).append(os.path.relpath(os.path.join(folder, name), ROOT))
    assert {n: p for n, p in names.items() if len(p) > 1} == {}
