# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Merging the reports of several runs (AWX slices) into one (issue #16, item 3)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _report as r
from ansible_collections.msp.autotask.plugins.module_utils import _report_merge as m
from ansible_collections.msp.autotask.plugins.modules import autotask_fleet_report as module

testing = pytest.importorskip("ansible.module_utils.testing")

DESIRED = {"security_level": {"name": "API User (Propel)", "permissions": ["Tickets"]}, "user": {"title": "API"}}


def tenant(host, status="ok", desired=None, failure=None):
    desired = json.loads(json.dumps(desired or DESIRED))
    desired["user"]["email"] = "propel@%s.example" % host  # differs per tenant, always
    part = {"verification": [{"property": "p", "status": status}], "compliant": status == "ok"}
    result = {"vendor": "Propel Your MSP", "role": "propel", "desired": desired, "parts": {"api_user": part}}
    return {"host": host, "vendors": ["propel"], "results": [] if failure else [result], "failure": failure}


FLEET = [tenant("a"), tenant("b", "missing"), tenant("c", "drift"), tenant("d", failure={"msg": "401"}), tenant("e")]


def sliced(count, mode="audit"):
    """The fleet as AWX job slicing splits it: host i goes to slice i mod count."""
    return [r.build(FLEET[k::count], mode=mode, generated_at="2026-12-02T10:0%d:00Z" % k) for k in range(count)]


def test_merged_slices_equal_the_unsliced_report():
    whole = r.build(FLEET, mode="audit", generated_at="2026-12-02T10:02:00Z")
    merged = m.merge(sliced(3), ["s1", "s2", "s3"])
    assert merged["tenants"] == whole["tenants"]
    for key in ("totals", "alignment", "vendors", "mode", "generated_at", "schema", "schema_version"):
        assert merged[key] == whole[key], key
    assert [x["source"] for x in merged["merged_from"]] == ["s1", "s2", "s3"]
    assert [x["tenants"] for x in merged["merged_from"]] == [2, 2, 1]


def test_reports_of_an_audit_and_an_onboard_are_refused_with_which_is_which():
    audit, onboard = sliced(2)[0], sliced(2, mode="onboard")[1]
    with pytest.raises(r.ReportError, match=r"different modes.*s1 is audit; s2 is onboard"):
        m.merge([audit, onboard], ["s1", "s2"])


def test_reports_of_different_desired_states_are_refused_naming_vendor_and_field():
    changed = dict(DESIRED, security_level={"name": "API User (Propel)", "permissions": ["Tickets", "Contracts"]})
    one = r.build([tenant("a"), tenant("b")], mode="audit")
    other = r.build([tenant("c", desired=changed)], mode="audit")
    with pytest.raises(r.ReportError, match=r"vendor propel differs between s1 and s2 \(security_level.permissions\)"):
        m.merge([one, other], ["s1", "s2"])


def test_the_tenants_own_address_is_not_a_different_desired_state():
    merged = m.merge([r.build([tenant("a")], mode="audit"), r.build([tenant("b")], mode="audit")], ["s1", "s2"])
    assert merged["totals"]["tenants"] == 2


def test_a_tenant_in_two_reports_is_refused():
    with pytest.raises(r.ReportError, match="tenant a is in both s1 and s2"):
        m.merge([r.build([tenant("a")]), r.build([tenant("a"), tenant("b")])], ["s1", "s2"])


@pytest.mark.parametrize(
    "bad", [{"schema": "x"}, dict(r.build([tenant("a")]), schema_version=2), dict(r.build([]), tenants="x")]
)
def test_what_is_not_a_fleet_report_of_this_schema_is_refused(bad):
    with pytest.raises(r.ReportError, match=r"^s2: "):
        m.merge([r.build([tenant("z")]), bad], ["s1", "s2"])


def run(capsys, **args):
    with testing.patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def test_the_module_merges_files_and_refuses_before_writing(tmp_path, capsys):
    paths = []
    for n, doc in enumerate(sliced(3)):
        paths.append(str(tmp_path / ("slice%d.json" % n)))
        with open(paths[-1], "w", encoding="utf-8") as handle:
            handle.write(r.to_json(doc))
    result = run(capsys, merge=paths, dest=str(tmp_path / "fleet"), formats=["json"])
    assert result["totals"]["tenants"] == 5 and result["totals"]["by_status"]["failed"] == 1
    with open(paths[2], "w", encoding="utf-8") as handle:
        handle.write(r.to_json(sliced(3, mode="onboard")[2]))
    refused = run(capsys, merge=paths, dest=str(tmp_path / "never"))
    assert refused["failed"] and "cannot merge: reports of different modes" in refused["msg"]
    assert not (tmp_path / "never").exists()
    both = run(capsys, merge=paths, tenants=[], dest=str(tmp_path / "never"))
    assert both["failed"] and "mutually exclusive" in both["msg"]


def test_a_stopped_tenant_of_a_slice_without_vendors_counts_against_the_merged_fleets_vendors():
    # Review F3: its "(tenant)" cell must not leave the merged vendor scores as if it were not there.
    stopped = r.build([{"host": "z", "vendors": [], "failure": {"msg": "stopped"}}], mode="audit")
    merged = m.merge([r.build(FLEET[:1], mode="audit"), stopped], ["s1", "s2"])
    (propel,) = merged["vendors"]
    assert (propel["tenants"], propel["failed"], propel["alignment"]) == (2, 1, 0.5)
