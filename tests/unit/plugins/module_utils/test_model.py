# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the desired-state model (pure functions)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _model as m

TICKETS = ("SERVICE DESK", "Object Permissions", "Tickets")
HR = ("ADMIN", "Feature Access", "Resources/Users (HR)")
PASSWORD = ("OTHER", "Miscellaneous", "Not required to change password (password does not expire)")


def row(key, permission):
    return {"section": key[0], "subsection": key[1], "name": key[2], "permission": permission}


@pytest.mark.parametrize(
    "kind, value, expected",
    [
        ("object", "View: All, Add: Yes", {"view": "All", "add": "Yes"}),
        ("object", "view: all\nedit: mine", {"view": "All", "edit": "Mine"}),
        ("object", ["Add: Yes", "View: All"], {"view": "All", "add": "Yes"}),  # canonical facet order
        ("object", {"Delete": "None", "View": "My Territories"}, {"view": "My Territories", "delete": "None"}),
        ("check", "(Add Check)", True),
        ("check", True, True),
        ("check", "no", False),
        ("dropdown", "full", "Full"),
    ],
)
def test_normalise_permission(kind, value, expected):
    assert m.normalise_permission(kind, value, "row", allowed=("Full", "None")) == expected


@pytest.mark.parametrize(
    "kind, value, message",
    [
        ("object", "View All", "Facet: Value"),
        ("object", "Look: All", "View, Add, Edit, Delete"),
        ("object", "View: Everything", "valid: All, Mine"),
        ("object", "Add: All", "valid: Yes, No"),
        ("object", "View: All, View: Mine", "given twice"),
        ("object", "", "at least one facet"),
        ("check", "maybe", "check box"),
        ("dropdown", "Partial", "valid: Full, None"),
    ],
)
def test_bad_permissions_name_the_valid_values(kind, value, message):
    with pytest.raises(m.ModelError, match=message):
        m.normalise_permission(kind, value, "row", allowed=("Full", "None"))


def test_rows_are_matched_case_and_space_insensitively():
    rows = m.normalise_rows([row(("service desk", "object  permissions", "TICKETS"), "View: All")])
    assert rows == {TICKETS: {"view": "All"}}


@pytest.mark.parametrize(
    "rows, message",
    [
        ([row(("SERVICEDESK", "Object Permissions", "Tickets"), "View: All")], "unknown section .* valid: CONTRACTS"),
        (
            [row(("CRM", "Object Permissions", "Tickets"), "View: All")],
            "unknown row .*strict_rows.* known rows: CONTRACTS",
        ),
        ([row(TICKETS, "View: All"), row(TICKETS, "View: Mine")], "more than once"),
        ([{"section": "CRM", "name": "x"}], "needs subsection, permission"),
        ("not a list", "must be a list"),
    ],
)
def test_bad_tables_fail_clearly(rows, message):
    with pytest.raises(m.ModelError, match=message):
        m.normalise_rows(rows, strict=True)


def test_fingerprint_is_stable_and_tracks_values():
    a = m.fingerprint({"name": "L", "rows": [1, 2]})
    assert a == m.fingerprint({"rows": [1, 2], "name": "L"})
    assert a != m.fingerprint({"name": "L", "rows": [1, 3]})
    assert a.startswith("sha256:")


@pytest.mark.parametrize(
    "attestation, expected",
    [
        (None, "none"),
        ({"fingerprint": "sha256:x", "by": "jo", "at": "2026-11-01"}, "valid"),
        ({"fingerprint": "sha256:old", "by": "jo", "at": "2026-11-01"}, "stale"),
    ],
)
def test_attestation_state(attestation, expected):
    assert m.attestation_state(attestation, "sha256:x") == expected


@pytest.mark.parametrize(
    "attestation, message",
    [
        ({"fingerprint": "sha256:x", "at": "2026-11-01"}, "by is missing"),
        ({"fingerprint": "sha256:x", "by": "jo", "at": "yesterday"}, "YYYY-MM-DD"),
    ],
)
def test_bad_attestations(attestation, message):
    with pytest.raises(m.ModelError, match=message):
        m.attestation_state(attestation, "sha256:x")


def info(**ops):
    out = {
        "userAccessForQuery": "None",
        "userAccessForCreate": "None",
        "userAccessForUpdate": "None",
        "userAccessForDelete": "None",
    }
    out.update({"userAccessFor" + k.capitalize(): v for k, v in ops.items()})
    return out


TABLE = {TICKETS: {"view": "All", "add": "Yes"}, HR: True, PASSWORD: True}
EXACT = {"Tickets": info(query="All", create="All"), "Resources": info(query="All", update="All")}


def statuses(rows):
    return [r["status"] for r in rows]


def test_without_observation_everything_is_unverifiable_or_attested():
    rows, over, void = m.verify_rows(TABLE, None)
    assert statuses(rows) == ["unverifiable"] * 3 and over == [] and not void
    rows = m.verify_rows(TABLE, None, attestation="valid")[0]
    assert statuses(rows) == ["attested"] * 3


def test_exact_level_verifies_ok_and_grants_nothing_more():
    rows, over, void = m.verify_rows(TABLE, EXACT)
    assert statuses(rows) == ["ok", "ok", "unverifiable"]
    assert over == [] and not void
    assert rows[0]["observed"] == "Tickets query: All; Tickets create: Yes"


def test_missing_facet_is_drift_with_expected_and_observed():
    observed = dict(EXACT, Tickets=info(query="All"))
    rows = m.verify_rows(TABLE, observed)[0]
    assert rows[0]["status"] == "drift"
    assert rows[0]["expected"] == "View: All, Add: Yes"
    assert "Tickets create: No" in rows[0]["observed"]


def test_restricted_is_less_than_all():
    observed = dict(EXACT, Tickets=info(query="Restricted", create="All"))
    assert m.verify_rows(TABLE, observed)[0][0]["status"] == "drift"


def test_an_unknown_access_value_concludes_nothing():
    observed = dict(EXACT, Tickets=info(query="All", create="SomethingNew"))
    assert m.verify_rows(TABLE, observed)[0][0]["status"] == "unknown"


def test_over_granted_rights_are_reported():
    observed = dict(EXACT, Tickets=info(query="All", create="All", delete="All"), Contracts=info(query="All"))
    rows, over = m.verify_rows(TABLE, observed)[:2]
    assert statuses(rows)[:2] == ["ok", "ok"]
    assert {(o["entity"], o["operation"]) for o in over} == {("Tickets", "delete"), ("Contracts", "query")}


def test_observed_contradiction_voids_the_attestation():
    observed = dict(EXACT, Resources=info(query="All"))
    result = m.verify_rows(TABLE, observed, attestation="valid")
    rows, void = result[0], result[2]
    assert void
    assert statuses(rows) == ["ok", "drift", "unverifiable"]  # the attested password row no longer stands


TODAY = datetime.date(2026, 11, 23)


@pytest.mark.parametrize("expires, status", [("2026-12-31", "excepted"), ("2026-11-01", "drift")])
def test_exceptions_count_until_they_expire(expires, status):
    exc = {
        "section": "ADMIN",
        "subsection": "Feature Access",
        "name": "Resources/Users (HR)",
        "reason": "vendor needs it later",
        "owner": "jo",
        "expires": expires,
    }
    observed = dict(EXACT, Resources=info(query="All"))
    rows = m.verify_rows(TABLE, observed, exceptions=[exc], today=TODAY)[0]
    assert rows[1]["status"] == status


def test_exception_for_unknown_row_fails():
    with pytest.raises(m.ModelError, match="unknown row"):
        m.verify_rows(TABLE, None, exceptions=[{"section": "X", "subsection": "Y", "name": "Z"}])


@pytest.mark.parametrize(
    "given, expected",
    [
        ({}, (False, False, False, False)),
        ({"view_unprotected": True}, (False, False, False, True)),
        ({"edit_unprotected": True}, (False, False, True, True)),
        ({"view_protected": True}, (False, True, True, True)),
        ({"edit_protected": True}, (True, True, True, True)),
        ({"edit_unprotected": True, "view_unprotected": False}, (False, False, True, True)),
    ],
)
def test_protected_data_boxes_imply_the_lesser_ones(given, expected):
    boxes = m.normalise_protected(given)
    assert tuple(boxes[b] for b in m.PROTECTED_BOXES) == expected


def test_compliance_and_masking():
    assert m.compliant([{"status": "ok"}, {"status": "attested"}, {"status": "excepted"}])
    for bad in ("drift", "missing", "unverifiable", "unknown"):
        assert not m.compliant([{"status": "ok"}, {"status": bad}])
    assert m.mask({"secret": "s", "nested": [{"integration_code": "c", "name": "n"}]}) == {
        "secret": "********",
        "nested": [{"integration_code": "********", "name": "n"}],
    }


def test_every_catalogue_row_is_documented():
    import os

    from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat

    doc = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs", "verification.md")
    with open(doc, encoding="utf-8") as handle:
        text = handle.read()
    for section, subsection, name in cat.ROWS:
        assert "| %s | %s | %s |" % (section, subsection, name) in text, name


EXC_HR = {
    "section": "ADMIN",
    "subsection": "Feature Access",
    "name": "Resources/Users (HR)",
    "reason": "the vendor asks for it later",
    "owner": "jo",
}


def test_an_unexpired_exception_leaves_a_valid_attestation_valid():
    observed = dict(EXACT, Resources=info(query="All"))  # HR row observed short: excepted
    rows, _over, void = m.verify_rows(
        TABLE, observed, attestation="valid", exceptions=[dict(EXC_HR, expires="2026-12-31")], today=TODAY
    )
    assert not void and statuses(rows) == ["ok", "excepted", "attested"]
    assert m.compliant(rows)


def test_an_expired_exception_on_an_observed_row_voids_and_says_why():
    observed = dict(EXACT, Resources=info(query="All"))
    rows, _over, void = m.verify_rows(
        TABLE, observed, attestation="valid", exceptions=[dict(EXC_HR, expires="2026-11-01")], today=TODAY
    )
    assert void and statuses(rows) == ["ok", "drift", "unverifiable"]
    assert "Resources/Users (HR)" in m.void_reason(rows)


def test_an_expired_exception_on_an_unobserved_row_is_drift_but_voids_nothing():
    exc = dict(EXC_HR, section="OTHER", subsection="Miscellaneous", name=PASSWORD[2], expires="2026-11-01")
    rows, _over, void = m.verify_rows(TABLE, EXACT, attestation="valid", exceptions=[exc], today=TODAY)
    assert not void and statuses(rows) == ["ok", "ok", "drift"]
    assert rows[2]["exception_expired"] == "2026-11-01"


def test_a_probe_that_cannot_log_in_makes_its_rows_unknown_never_drift():
    rows, over, void = m.verify_rows(
        TABLE, None, attestation="valid", probe_error="probe authentication failed: bad secret"
    )
    assert statuses(rows) == ["unknown", "unknown", "attested"] and over == [] and not void
    assert rows[0]["observed"] == "probe authentication failed: bad secret"


def test_a_planned_write_is_drift_until_applied_so_check_mode_is_never_green():
    ledger = m.Ledger()
    ledger.pending(("field", "isActive"), "field isActive", True, False)
    ledger.add(("field", "email"), "field email", "a@b", "a@b", "ok")
    assert statuses(ledger.rows) == ["drift", "ok"] and "onboard fixes this" in ledger.rows[0]["note"]
    assert not m.compliant(ledger.rows)
    ledger.applied()
    assert ledger[("field", "isActive")]["status"] == "converged" and "note" not in ledger.rows[0]
    assert ledger.rows[0]["key"] == ["field", "isActive"] and m.compliant(ledger.rows)


def test_a_ledger_key_is_given_once():
    ledger = m.Ledger()
    ledger.add(("user",), "API user exists", "x", "x", "ok")
    with pytest.raises(m.InternalError):
        ledger.add(("user",), "API user exists", "x", "x", "ok")


@pytest.mark.parametrize(
    "attestation, rows, state, after",
    [
        ("valid", [("unverifiable", {})], "valid", ["attested"]),
        ("stale", [("unverifiable", {})], "stale", ["unverifiable"]),
        ("none", [("unverifiable", {})], "none", ["unverifiable"]),
        ("valid", [("unverifiable", {}), ("drift", {"voids_attestation": True})], "void", ["unverifiable", "drift"]),
        ("valid", [("missing", {}), ("unverifiable", {})], "valid", ["missing", "unverifiable"]),
        ("valid", [("excepted", {}), ("unverifiable", {})], "valid", ["excepted", "attested"]),
    ],
)
def test_one_attestation_rule(attestation, rows, state, after):
    rows = [dict(extra, property=str(i), status=status) for i, (status, extra) in enumerate(rows)]
    assert m.settle(rows, attestation) == state
    assert statuses(rows) == after


CUSTOMER = ("CRM", "Account & Contact Access", "Customer & Cancelation")


@pytest.mark.parametrize("companies", ["All", "None"])
def test_an_assumed_mapping_never_turns_a_row_green_or_voids_an_attestation(companies):
    table = {CUSTOMER: "All", TICKETS: {"view": "All"}}
    observed = {"Companies": info(query=companies), "Tickets": info(query="All")}
    rows, void = m.verify_rows(table, observed)[::2]
    customer, tickets = rows
    assert customer["status"] == "unverifiable" and customer["evidence"] == "assumed"
    assert "Companies query" in customer["observed"] and "not proof" in customer["note"]
    assert tickets["status"] == "ok" and tickets["evidence"] == "documented"
    assert ("warning" in customer) is (companies == "None") and not void
    rows, void = m.verify_rows(table, observed, attestation="valid")[::2]
    assert rows[0]["status"] == "attested" and not void  # a contradiction there is a warning, not a void


def test_every_observed_catalogue_row_names_its_evidence():
    for key, spec in m.cat.ROWS.items():
        if spec["observe"].get("entities"):
            assert spec["evidence"] in ("documented", "assumed"), key
        assert ("assum" in spec["source"]) <= (spec["evidence"] != "documented"), key


def test_entity_names_match_without_case_or_number_and_an_absent_one_is_said():
    singular = {"ticket": info(query="All", create="All"), "resource": info(query="All", update="All")}
    assert statuses(m.verify_rows(TABLE, singular)[0]) == statuses(m.verify_rows(TABLE, EXACT)[0])
    assert m.entity_key("CompanyToDos") == m.entity_key("ToDo") and m.entity_key("Companies") == "company"
    rows = m.verify_rows(TABLE, {"Resources": info(query="All", update="All")})[0]
    assert rows[0]["status"] == "unknown" and rows[0]["observed"] == "EntityInformation has no entry for Tickets"


def test_more_access_than_a_sole_granting_row_gives_is_drift_not_ok():
    contracts = ("CONTRACTS", "Object Permissions", "Contracts")
    table = {contracts: {"view": "None"}}
    rows = m.verify_rows(table, {"Contracts": info(query="All")})[0]
    assert rows[0]["status"] == "drift"  # only the Contracts row can grant Contracts queries


def test_a_restricted_observation_cannot_tell_mine_from_my_territories():
    rows = m.verify_rows({TICKETS: {"view": "Mine"}}, {"Tickets": info(query="Restricted")})[0]
    assert rows[0]["status"] == "unverifiable" and "not proof" in rows[0]["note"]
    assert "Mine, My Territories and Mine + Organizations" in rows[0]["note"]
    assert "another row" not in rows[0]["note"]  # the reason is the scope, not a pseudo row


def test_two_entity_names_folding_to_one_with_different_access_conclude_nothing():
    both = dict(EXACT, ticket=info(query="None"))  # "Tickets" and "ticket": which is meant?
    rows = m.verify_rows(TABLE, both)[0]
    assert rows[0]["status"] == "unknown" and "more than one entry for Tickets" in rows[0]["observed"]
    same = dict(EXACT, ticket=EXACT["Tickets"])  # the same answer twice says one thing
    assert statuses(m.verify_rows(TABLE, same)[0]) == statuses(m.verify_rows(TABLE, EXACT)[0])
