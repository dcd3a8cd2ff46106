"""Fleet operations over a real sandbox (issue #16): what changed since the last run, the CSV export,
merged slices and a new tenant in one step."""

import csv
import json
import os

import jsonschema
from test_fleet import fleet, play  # noqa: F401 (fleet is a fixture)

from playbook import ROOT


def load(folder):
    """A report folder's JSON, checked against the published schema."""
    with open(os.path.join(ROOT, "docs", "fleet-report.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    with open(os.path.join(folder, "fleet-report.json"), encoding="utf-8") as handle:
        doc = json.load(handle)
    jsonschema.validate(doc, schema)
    return doc


def test_a_rerun_into_the_same_folder_says_what_changed_since(fleet):  # noqa: F811
    sandbox, inventory, tmp = fleet
    folder = os.path.join(tmp, "report")
    play("audit.yml", inventory)
    assert load(folder)["changes"] is None  # nothing to compare with yet
    sandbox.control("PATCH", "/tenants/60001/entities/Resources/10", {"isActive": False})
    play("audit.yml", inventory)
    changes = load(folder)["changes"]
    (item,) = changes["items"]
    # tenant1 already drifted (its security level); what is new is the deactivated user.
    assert (item["host"], item["role"], item["from"], item["to"]) == ("tenant1", "propel", "drift", "drift")
    assert item["new_drift"] == ["field isActive"] and len(item["new_manual_steps"]) == 1
    with open(os.path.join(folder, "fleet-report.md"), encoding="utf-8") as handle:
        markdown = handle.read()
    assert markdown.index("Since the previous report (audit,") < markdown.index("| vendor |")
    assert "- tenant1, Propel Your MSP: still drift; new drift: field isActive; new manual steps: 1" in markdown
    with open(os.path.join(folder, "fleet-report.csv"), encoding="utf-8", newline="") as handle:
        rows = {(r["host"], r["role"]): r for r in csv.DictReader(handle)}
    assert rows[("tenant1", "propel")]["change"] == "same" and rows[("tenant1", "propel")]["status"] == "drift"
    assert "authentication failed" in rows[("tenant2", "propel")]["failure"]
