"""sandbox/README.md's evidence table and the code stay in step (issue #13 item 6).

Every switch in catalog.ASSUMPTIONS has a row with its values (default first) and every switch a
row names exists; every assumption row names a switch; every ASSUMPTION marker in the code names
a switch; every switch the code reads is defined.
"""

import os
import re

from autotask_sandbox import catalog

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "README.md")
CODE = os.path.join(HERE, "..", "autotask_sandbox")
KINDS = {"Swagger", "sample", "live", "client", "help", "assumption", "own"}
SWITCH = re.compile(r"^`(?P<name>\w+)` \((?P<values>[^)]*)\)$")


def evidence_rows():
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    section = text.split("## Evidence: every behaviour the sandbox models", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    cells = [[c.strip() for c in row.strip("|").split(" | ")] for row in rows[1:]]  # past the header
    assert cells and all(len(c) == 4 for c in cells), [c for c in cells if len(c) != 4]
    return [dict(zip(("behaviour", "kind", "source", "switch"), c)) for c in cells]


def switches_in_table():
    out = {}
    for row in evidence_rows():
        if row["switch"] == "—":
            continue
        match = SWITCH.match(row["switch"])
        assert match, row
        values = tuple(v.strip(" `") for v in match["values"].split(","))
        assert match["name"] not in out, "%s has two rows" % match["name"]
        out[match["name"]] = values
    return out


def code_files():
    for name in sorted(os.listdir(CODE)):
        if name.endswith(".py"):
            with open(os.path.join(CODE, name), encoding="utf-8") as handle:
                yield name, handle.read()


def test_every_row_has_a_known_kind_and_a_source():
    for row in evidence_rows():
        assert row["kind"] in KINDS, row
        assert row["source"] and row["source"] != "—", row


def test_the_table_lists_every_switch_with_its_values_and_no_other():
    expected = {name: tuple(str(v).lower() for v in values) for name, values in catalog.ASSUMPTIONS.items()}
    assert switches_in_table() == expected


def test_every_assumption_row_names_a_switch():
    for row in evidence_rows():
        if row["kind"] == "assumption":
            assert row["switch"] != "—", row


def test_every_assumption_marker_in_the_code_names_a_switch():
    for name, text in code_files():
        lines = text.splitlines()
        for n, line in enumerate(lines):
            if "ASSUMPTION" in line and "ASSUMPTIONS" not in line:
                near = " ".join(lines[n : n + 3])
                assert any(s in near for s in catalog.ASSUMPTIONS), "%s:%d names no switch" % (name, n + 1)


def test_every_switch_the_code_reads_is_defined():
    read = set()
    for _name, text in code_files():
        read |= set(re.findall(r"assumptions\[\"(\w+)\"\]", text)) | set(re.findall(r"chosen\[\"(\w+)\"\]", text))
    assert read and read <= set(catalog.ASSUMPTIONS), read - set(catalog.ASSUMPTIONS)


def test_every_switched_access_row_names_a_known_switch():
    for key, row in catalog.ROW_ACCESS.items():
        if "switch" in row:
            assert row["switch"] in catalog.ASSUMPTIONS, key
            assert row["evidence"] == "assumed", key
