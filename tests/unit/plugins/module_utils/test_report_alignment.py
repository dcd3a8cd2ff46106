# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alignment score (issue #16, item 5): defined, shown with its counts, never raised by a failure."""

from __future__ import annotations

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _report as r


def tenant(host, *statuses, failure=None):
    rows = [{"property": "p%d" % i, "status": s} for i, s in enumerate(statuses)]
    compliant = not any(s in ("drift", "missing", "unverifiable", "unknown") for s in statuses)
    result = {
        "vendor": "Propel Your MSP",
        "role": "propel",
        "parts": {"api_user": {"verification": rows, "compliant": compliant}},
    }
    return {"host": host, "vendors": ["propel"], "results": [] if failure else [result], "failure": failure}


FAILED = {"task": "auth", "msg": "authentication failed"}
HALF = ("ok", "missing")


@pytest.mark.parametrize(
    "other",
    [("ok",), ("ok",) * 10, ("missing",) * 10, ("drift",) * 3 + ("ok",), ("unknown",), ()],
    ids=["one-met", "ten-met", "ten-unmet", "mostly-drift", "unknown", "no-rows"],
)
def test_a_failed_tenant_never_scores_higher_than_any_outcome_it_could_have_had(other):
    assessed = r.build([tenant("a", *HALF), tenant("b", *other)])["vendors"][0]["alignment"]
    failed = r.build([tenant("a", *HALF), tenant("b", failure=FAILED)])["vendors"][0]["alignment"]
    assert failed <= assessed


def test_the_score_is_the_mean_of_each_tenants_share_and_a_failure_counts_as_zero():
    doc = r.build([tenant("a", *HALF), tenant("b", "ok", "ok", "ok", "ok"), tenant("c", failure=FAILED)])
    (propel,) = doc["vendors"]
    assert propel["alignment"] == round((0.5 + 1.0 + 0.0) / 3, 4)
    assert (propel["tenants"], propel["assessed"], propel["failed"]) == (3, 2, 1)
    assert (propel["rows_satisfied"], propel["rows"]) == (5, 6)


def test_an_unverified_property_is_unmet():
    (propel,) = r.build([tenant("a", "ok", "unknown")])["vendors"]
    assert propel["alignment"] == 0.5


def test_a_tenant_that_stopped_before_naming_its_vendors_lowers_the_fleet_score():
    stopped = {"host": "z", "failure": {"msg": "the run stopped before this tenant recorded its outcome"}}
    alone = r.build([tenant("a", "ok")])["alignment"]
    with_stopped = r.build([tenant("a", "ok"), stopped])["alignment"]
    assert alone["alignment"] == 1.0 and with_stopped["alignment"] == 0.5
    assert with_stopped["failed"] == 1 and "counts as 0" in with_stopped["definition"]


def test_every_format_shows_the_score_with_its_counts_and_its_definition():
    doc = r.build([tenant("a", *HALF), tenant("c", failure=FAILED)])
    md, page = r.to_markdown(doc), r.to_html(doc)
    assert "| Propel Your MSP | 2 | 0 | 1 | 25% | 1 of 2 properties met on 1 assessed, 1 failed (counted as 0) |" in md
    assert "<td>1</td><td>25%</td><td>1 of 2 properties met on 1 assessed, 1 failed (counted as 0)</td>" in page
    for text in (md, page):
        assert "Fleet alignment 25%" in text and "a failure can only lower it" in text


STOPPED = {"host": "b", "vendors": [], "failure": {"msg": "the run stopped before this tenant recorded its outcome"}}


def rmm(host):
    result = {"vendor": "RMM", "role": "rmm", "parts": {"api_user": {"verification": [], "compliant": True}}}
    return {"host": host, "vendors": ["rmm"], "results": [result]}


def test_a_tenant_that_stopped_before_naming_its_vendors_never_raises_a_vendor_score():
    # Review F3: the stopped tenant's "(tenant)" cell was skipped per vendor, so Propel rose 50% -> 100%.
    doc = r.build([tenant("a", "ok"), STOPPED])
    (propel,) = doc["vendors"]
    assert (propel["alignment"], propel["tenants"], propel["failed"]) == (0.5, 2, 1)
    (cell,) = next(t for t in doc["tenants"] if t["host"] == "b")["vendors"]
    assert (cell["role"], cell["status"], cell["assumed"]) == ("propel", "failed", "fleet")
    assert "previous report shows for it" in doc["alignment"]["definition"]
    assert "assumed from the fleet" in r.to_markdown(doc)


def test_the_previous_report_names_the_vendors_of_a_tenant_that_stopped():
    was = tenant("b", "ok")
    was["results"] += rmm("b")["results"]
    previous = r.build([tenant("a", "ok"), was, rmm("c")])
    doc = r.build([tenant("a", "ok"), STOPPED, tenant("c", "ok")], previous=previous)
    scores = {v["role"]: (v["alignment"], v["tenants"], v["failed"]) for v in doc["vendors"]}
    # rmm is in no tenant of this run: only the previous report says b had it.
    assert scores == {"propel": (round(2 / 3, 4), 3, 1), "rmm": (0.0, 1, 1)}
    cells = next(t for t in doc["tenants"] if t["host"] == "b")["vendors"]
    assert {(e["role"], e["assumed"]) for e in cells} == {("rmm", "previous report"), ("propel", "previous report")}
    # What the previous report shows for the host, not the whole fleet: c's rmm is not b's.
    alone = r.build([tenant("a", "ok"), STOPPED, rmm("c")], previous=r.build([tenant("b", "ok")]))
    assert [e["role"] for t in alone["tenants"] if t["host"] == "b" for e in t["vendors"]] == ["propel"]
    assert next(v for v in doc["vendors"] if v["role"] == "rmm")["vendor"] == "RMM"


def test_a_stopped_tenant_in_a_fleet_without_vendors_stays_one_cell_at_zero():
    doc = r.build([STOPPED])
    assert [e["role"] for e in doc["tenants"][0]["vendors"]] == ["(tenant)"] and doc["vendors"] == []
    assert doc["alignment"]["failed"] == 1
