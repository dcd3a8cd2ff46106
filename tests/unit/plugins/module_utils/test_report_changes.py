# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed since the previous report, and the CSV export (issue #16, item 4)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _report as r
from ansible_collections.msp.autotask.plugins.module_utils import _report_changes as history
from ansible_collections.msp.autotask.plugins.modules import autotask_fleet_report as module

testing = pytest.importorskip("ansible.module_utils.testing")


def row(prop, status):
    return {"property": prop, "expected": "x", "observed": "y", "status": status}


def result(role, *rows, steps=(), attestation=None, exception=None):
    rows = [dict(x) for x in rows]
    if exception:
        rows[0]["exception"] = exception
    compliant = not any(x["status"] in ("drift", "missing", "unverifiable", "unknown") for x in rows)
    part = {"verification": rows, "compliant": compliant, "manual_steps": list(steps)}
    if attestation:
        part["attestation"] = attestation
    return {"vendor": role.title(), "role": role, "parts": {"api_user": part}}


def tenant(host, *results, failure=None):
    return {
        "host": host,
        "tenant_id": 7,
        "vendors": [x["role"] for x in results],
        "results": list(results),
        "failure": failure,
    }


BEFORE = [
    tenant("a", result("propel", row("email", "ok")), result("email2at", row("title", "missing"), steps=["Create it"])),
    tenant("b", result("propel", row("email", "ok"), attestation="valid")),
    tenant("gone", result("propel", row("email", "ok"))),
]
AFTER = [
    tenant("a", result("propel", row("email", "drift")), result("email2at", row("title", "ok"))),
    tenant("b", result("propel", row("email", "unverifiable"), steps=["Tick the box"], attestation="stale")),
    tenant("new", result("propel", row("email", "ok"))),
]


def compare(before=None, after=None):
    before, after = before or BEFORE, after or AFTER
    doc = r.build(after, generated_at="2026-12-02T10:00:00Z")
    doc["changes"] = history.changes(r.build(before, mode="audit", generated_at="2026-12-01T10:00:00Z"), doc)
    return doc


def test_each_tenant_and_vendor_says_what_got_worse_and_what_got_better():
    changes = compare()["changes"]
    by_cell = {(c["host"], c["role"]): c for c in changes["items"]}
    drifted = by_cell[("a", "propel")]
    assert (drifted["from"], drifted["to"], drifted["direction"]) == ("compliant", "drift", "worse")
    assert drifted["newly_drifted"] and drifted["new_drift"] == ["email"]
    fixed = by_cell[("a", "email2at")]
    assert (fixed["direction"], fixed["newly_compliant"]) == ("better", True)
    stale = by_cell[("b", "propel")]
    assert stale["new_manual_steps"] == ["Tick the box"]
    assert [(x["part"], x["state"]) for x in stale["lapsed_attestations"]] == [("api_user", "stale")]
    assert by_cell[("new", "propel")]["direction"] == "new"
    assert changes["absent"] == ["gone"]
    assert (changes["worse"], changes["better"]) == (2, 1)
    assert [c["direction"] for c in changes["items"]][:2] == ["worse", "worse"]  # worse first
    assert changes["previous"] == {"generated_at": "2026-12-01T10:00:00Z", "mode": "audit", "tenants": 3}


def test_an_unchanged_fleet_lists_nothing():
    changes = compare(BEFORE, BEFORE)["changes"]
    assert changes["items"] == [] and changes["absent"] == [] and changes["worse"] == 0


def test_a_tenant_that_fails_now_is_worse():
    failed = [tenant("a", failure={"task": "t", "msg": "401"}), BEFORE[1], BEFORE[2]]
    failed[0]["vendors"] = ["propel", "email2at"]
    items = compare(BEFORE, failed)["changes"]["items"]
    assert {(c["role"], c["from"], c["to"]) for c in items} == {
        ("propel", "compliant", "failed"),
        ("email2at", "manual", "failed"),
    }


def test_markdown_and_html_open_with_the_changes():
    doc = compare()
    md, page = r.to_markdown(doc), r.to_html(doc)
    heading = "Since the previous report (audit, 2026-12-01T10:00:00Z): 2 worse, 1 better"
    assert md.index(heading) < md.index("| vendor |") and page.index(heading) < page.index('id="matrix"')
    for line in (
        "worse: a, Propel: compliant -> drift; newly drifted; new drift: email",
        "worse: b, Propel: compliant -> needs manual steps; new manual steps: 1; attestation of api_user went stale",
        "better: a, Email2At: needs manual steps -> compliant; newly compliant",
        "new in this report: new, Propel: compliant",
        "not in this run: gone",
    ):
        assert "- " + line in md, line
        assert line.replace(">", "&gt;") in page, line
    assert "Since the previous report" not in r.to_markdown(r.build(AFTER))


def test_the_csv_has_a_row_per_tenant_and_vendor_with_owner_expiry_and_change():
    after = [dict(AFTER[0])]
    after[0]["results"] = [
        result("propel", row("email", "excepted"), exception={"owner": "jo", "expires": "2027-01-31", "reason": "r"})
    ]
    doc = compare(BEFORE, after + AFTER[1:])
    rows = list(csv.DictReader(io.StringIO(r.to_csv(doc))))
    assert list(rows[0]) == list(r.CSV_COLUMNS)
    cells = {(x["host"], x["role"]): x for x in rows}
    assert (
        cells[("a", "propel")]["exception_owner"] == "jo"
        and cells[("a", "propel")]["exception_expires"] == "2027-01-31"
    )
    assert cells[("b", "propel")]["open_steps"] == "1" and cells[("b", "propel")]["change"] == "worse"
    assert cells[("b", "propel")]["status"] == "needs manual steps" and cells[("b", "propel")]["tenant_id"] == "7"


def run(capsys, **args):
    with testing.patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    # Where the module's warnings went: the result, or (ansible-core 2.19, once controller code such
    # as the action plugin was imported into this test process) the controller's display on stderr.
    result["_warned"] = json.dumps(result.get("warnings", [])) + captured.err
    return result


def test_the_module_compares_with_the_report_already_at_dest(tmp_path, capsys):
    first = run(capsys, tenants=BEFORE, dest=str(tmp_path), formats=["json"])
    assert first["changes"] is None
    second = run(capsys, tenants=AFTER, dest=str(tmp_path), formats=["json", "markdown"])
    assert second["changes"]["worse"] == 2
    assert "Since the previous report" in (tmp_path / "fleet-report.md").read_text(encoding="utf-8")
    assert run(capsys, tenants=AFTER, dest=str(tmp_path), previous="")["changes"] is None


def test_the_module_compares_with_a_named_report_and_refuses_one_it_cannot_read(tmp_path, capsys):
    old = tmp_path / "old.json"
    old.write_text(r.to_json(r.build(BEFORE)))
    out = tmp_path / "out"
    assert run(capsys, tenants=AFTER, dest=str(out), previous=str(old))["changes"]["better"] == 1
    old.write_text(json.dumps({"schema": "something/else"}))
    failed = run(capsys, tenants=AFTER, dest=str(tmp_path / "never"), previous=str(old))
    assert failed["failed"] and "not an msp.autotask fleet report" in failed["msg"]
    assert not (tmp_path / "never").exists()


def test_an_unreadable_report_at_dest_is_skipped_with_a_warning(tmp_path, capsys):
    (tmp_path / "fleet-report.json").write_text("{not json")
    result = run(capsys, tenants=AFTER, dest=str(tmp_path), formats=["json"])
    assert result["changes"] is None and "not compared with the previous report" in result["_warned"]


def test_a_tenant_that_stops_before_naming_its_vendors_is_worse_for_each_of_its_vendors():
    # Review F3: compared by host and role, its "(tenant)" cell was "new" and nothing got worse.
    stopped = module.with_stopped_hosts(AFTER[2:], ["b", "new"])
    doc = compare(BEFORE, stopped)
    items = {(c["host"], c["role"]): c for c in doc["changes"]["items"]}
    assert (items[("b", "propel")]["from"], items[("b", "propel")]["to"]) == ("compliant", "failed")
    assert items[("b", "propel")]["direction"] == "worse" and doc["changes"]["worse"] >= 1
    assert "worse: b, Propel: compliant -> failed" in r.to_markdown(doc)


def test_changes_alone_never_hide_a_regression_behind_a_tenant_cell():
    # A report with only "(tenant)" cells for the host (a fleet without vendors, or an older report).
    current = r.build([{"host": "b", "vendors": "propel", "failure": {"msg": "msp_autotask_vendors is not a list"}}])
    changes = history.changes(r.build(BEFORE), current)
    (item,) = [c for c in changes["items"] if c["role"] == "propel"]
    assert (item["host"], item["from"], item["to"], item["direction"]) == ("b", "compliant", "failed", "worse")
    assert changes["worse"] == 1


def test_the_module_reads_the_previous_report_for_the_vendors_of_a_stopped_host(tmp_path, capsys):
    run(capsys, tenants=BEFORE, dest=str(tmp_path), formats=["json"])
    out = run(capsys, tenants=BEFORE[:1], hosts=["a", "b"], dest=str(tmp_path), formats=["json"])
    propel = next(v for v in out["vendors"] if v["role"] == "propel")
    assert (propel["tenants"], propel["failed"]) == (2, 1)
    assert ("b", "propel", "worse") in {(c["host"], c["role"], c["direction"]) for c in out["changes"]["items"]}
