# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report: classification, attestation lines, scores and the three renderers."""

from __future__ import annotations

import json

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _report as r


def part(*statuses, compliant=None, **extra):
    rows = [{"property": "p%d" % i, "expected": "x", "observed": None, "status": s} for i, s in enumerate(statuses)]
    if compliant is None:
        compliant = not any(s in ("drift", "missing", "unverifiable", "unknown") for s in statuses)
    return dict(verification=rows, compliant=compliant, manual_steps=["step for %s" % ",".join(statuses)], **extra)


def outcome(role="propel", vendor="Propel Your MSP", **parts):
    return {"vendor": vendor, "role": role, "tenant_id": 7, "attestation_var": role + "_attestations", "parts": parts}


@pytest.mark.parametrize(
    "parts, expected",
    [
        ({"api_user": part("ok", "converged")}, "compliant"),
        ({"api_user": part("ok", "attested"), "security_level": part("excepted")}, "compliant"),
        ({"api_user": part("ok", "unverifiable")}, "manual"),
        ({"api_user": part("missing")}, "manual"),
        ({"api_user": part("unknown")}, "manual"),
        ({"api_user": part("ok"), "security_level": part("ok", "drift")}, "drift"),
        ({"security_level": part("ok", over_granted=[{"entity": "Tickets", "operation": "delete"}])}, "drift"),
        ({"security_level": part("unverifiable", attestation="void")}, "drift"),
    ],
)
def test_vendor_status(parts, expected):
    assert r.vendor_status(outcome(**parts)) == expected


def test_attestation_block_lists_only_the_parts_still_to_attest():
    o = outcome(
        security_level=part("unverifiable", fingerprint="sha256:aaaaaaaaaaaaaaaa", attestation="none"),
        api_user=part("ok", "attested", fingerprint="sha256:bbbbbbbbbbbbbbbb", attestation="valid"),
        protected_data=part("missing", fingerprint="sha256:cccccccccccccccc", attestation="stale"),
    )
    block = r.build([{"host": "t1", "results": [o]}])["tenants"][0]["vendors"][0]["attestation"]
    assert block["var"] == "propel_attestations"
    assert block["parts"] == {"security_level": "sha256:aaaaaaaaaaaaaaaa", "protected_data": "sha256:cccccccccccccccc"}
    assert block["yaml"].splitlines() == [
        "propel_attestations:",
        "  security_level: {fingerprint: 'sha256:aaaaaaaaaaaaaaaa', by: '<your name>', at: '<YYYY-MM-DD>'}",
        "  protected_data: {fingerprint: 'sha256:cccccccccccccccc', by: '<your name>', at: '<YYYY-MM-DD>'}",
    ]


def test_a_failed_tenant_marks_the_vendors_it_did_not_reach_and_keeps_the_ones_it_did():
    done = outcome(role="email2at", vendor="MSPintegrations Email2AT", api_user=part("ok"))
    doc = r.build(
        [
            {
                "host": "bad",
                "vendors": ["email2at", "propel"],
                "results": [done],
                "failure": {"task": "t", "msg": "401"},
            },
            {"host": "good", "vendors": ["propel"], "results": [outcome(api_user=part("ok"))]},
        ]
    )
    bad = next(t for t in doc["tenants"] if t["host"] == "bad")
    assert bad["status"] == "failed"
    assert {e["role"]: e["status"] for e in bad["vendors"]} == {"email2at": "compliant", "propel": "failed"}
    # The failed cell takes the vendor's display name from the tenants where it ran.
    assert next(e for e in bad["vendors"] if e["role"] == "propel")["vendor"] == "Propel Your MSP"
    assert [t["host"] for t in doc["tenants"]] == ["bad", "good"]  # worst first
    assert doc["totals"]["by_status"] == {"failed": 1, "drift": 0, "manual": 0, "compliant": 1}
    propel = next(v for v in doc["vendors"] if v["role"] == "propel")
    # One satisfied row on the good tenant, the failed tenant counts as one unmet property.
    assert (propel["tenants"], propel["compliant"], propel["alignment"]) == (2, 1, 0.5)


def test_a_tenant_that_failed_before_any_vendor_still_shows():
    doc = r.build([{"host": "t", "vendors": "propel", "failure": {"msg": "msp_autotask_vendors must be a list"}}])
    (tenant,) = doc["tenants"]
    assert tenant["status"] == "failed" and tenant["vendors"][0]["role"] == "(tenant)"
    assert doc["vendors"] == []
    assert "msp_autotask_vendors must be a list" in r.to_markdown(doc)


def test_exceptions_and_over_granted_rights_reach_every_format():
    rows = part(
        "excepted",
        "drift",
        over_granted=[{"entity": "Tickets", "operation": "delete", "allowed": "None", "observed": "All"}],
    )
    rows["verification"][0]["exception"] = {"reason": "vendor bug", "owner": "jo", "expires": "2027-01-31"}
    rows["verification"][1].update(note="exception expired on 2026-01-01", exception_expired="2026-01-01")
    doc = r.build([{"host": "t", "results": [outcome(security_level=rows)]}])
    entry = doc["tenants"][0]["vendors"][0]
    assert [x["expired"] for x in entry["exceptions"]] == [False, True]
    assert doc["totals"]["over_granted"] == 1 and doc["totals"]["exceptions"] == 2
    md, page = r.to_markdown(doc), r.to_html(doc)
    for text in (
        "exception until 2027-01-31",
        "vendor bug",
        "over-granted: Tickets delete is All",
        "exception expired",
    ):
        assert text in md and text in page


def test_renderers_escape_what_tenants_typed():
    o = outcome(api_user=part("missing"))
    o["parts"]["api_user"]["manual_steps"] = ["Set Title to '<script>alert(1)</script>'."]
    doc = r.build([{"host": "t<1>", "name": "A & B <Co>", "results": [o]}])
    page = r.to_html(doc)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "A &amp; B &lt;Co&gt;" in page
    assert json.loads(r.to_json(doc))["tenants"][0]["name"] == "A & B <Co>"
    assert "- [ ] Set Title to '\\<script>alert(1)\\</script>'." in r.to_markdown(doc)


def test_compliant_vendors_carry_no_checklist():
    o = outcome(api_user=part("ok"))
    o["parts"]["api_user"]["manual_steps"] = ["left over"]
    entry = r.build([{"host": "t", "results": [o]}])["tenants"][0]["vendors"][0]
    assert entry["status"] == "compliant" and entry["manual_steps"] == [] and entry["attestation"] is None


@pytest.mark.parametrize("bad", [None, "x", [{"no": "host"}], [{"host": "t", "results": [{"parts": {}}]}]])
def test_malformed_input_is_a_report_error(bad):
    with pytest.raises(r.ReportError):
        r.build(bad)


@pytest.mark.parametrize(
    "given, expected", [(42, 42), ("42", 42), ("", None), ("None", None), (None, None), (True, None)]
)
def test_database_ids_as_older_cores_render_them(given, expected):
    doc = r.build(
        [{"host": "t", "tenant_id": given, "results": [dict(outcome(api_user=part("ok")), tenant_id="None")]}]
    )
    assert doc["tenants"][0]["tenant_id"] == expected


def test_each_part_says_whether_its_attestation_is_valid_stale_or_void():
    level = part("drift", attestation="void", attestation_reason="permission: Tickets: observed None")
    user = part("unverifiable", attestation="stale")
    doc = r.build([{"host": "t", "results": [outcome(security_level=level, api_user=user)]}])
    entry = doc["tenants"][0]["vendors"][0]
    assert entry["attestations"] == {
        "security_level": {"state": "void", "reason": "permission: Tickets: observed None"},
        "api_user": {"state": "stale", "reason": "the desired state changed since it was recorded"},
    }
    md, page = r.to_markdown(doc), r.to_html(doc)
    for needle in ("attestation of security_level: void", "Tickets: observed None", "attestation of api_user: stale"):
        assert needle in md and needle in page


def test_every_format_says_what_the_greens_rest_on_and_lists_extra_links_and_warnings():
    level = part("ok", "attested", "attested")
    level["verification"][1].update(
        property="permission: CRM > Account & Contact Access > Customer & Cancelation",
        warning="the observation contradicts this row; check it in the UI",
        observed="Companies query: None",
    )
    user = part("converged", "ok")
    user["verification"][1].update(property="department/role Sales/Sales Rep (not in the inventory)", extra=True)
    doc = r.build([{"host": "t", "results": [outcome(security_level=level, api_user=user)]}])
    entry = doc["tenants"][0]["vendors"][0]
    assert entry["greens"] == {"observed": 2, "written": 1, "attested": 2, "excepted": 0}
    assert [x["property"] for x in entry["extra_links"]] == ["department/role Sales/Sales Rep (not in the inventory)"]
    assert len(entry["warnings"]) == 1
    md, page = r.to_markdown(doc), r.to_html(doc)
    for needle in (
        "green rows: 2 observed through the API, 1 written this run, 2 attested",
        "extra link: department/role Sales/Sales Rep",
        "warning: ",
    ):
        assert needle in md and needle in page
    assert "Companies query: None" in md and "Companies query: None" in page
