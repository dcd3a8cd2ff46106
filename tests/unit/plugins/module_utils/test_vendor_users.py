# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every vendor of a tenant in one pass: what runs, in which order, and nothing written on a typo."""

from __future__ import annotations

import re

import pytest
import responses

from ansible_collections.msp.autotask.plugins.module_utils import _client as c
from ansible_collections.msp.autotask.plugins.module_utils import _model as m
from ansible_collections.msp.autotask.plugins.module_utils import _session as s
from ansible_collections.msp.autotask.plugins.module_utils import _vendor_users as vu

BASE = "https://webservices14.autotask.net/ATServicesRest"
API = BASE + "/V1.0"
USER_KEYS = vu.specs.user_options()


def vendor(name, role=None, custom=True, protected=None, **user):
    full_user = {k: spec.get("default") for k, spec in USER_KEYS.items()}
    full_user.update(user)
    return {
        "vendor": name,
        "role": role,
        "security_level": {
            "name": "API User (%s)" % name,
            "custom": custom,
            "copy_from": "API User (system) (API-only)",
            "active": True,
            "permissions": [],
        },
        "user": full_user,
        "protected_data": protected,
        "verify_as": None,
        "attestations": None,
        "exceptions": [],
    }


def api_user(resource_id, email, first_name):
    """An active API user as the Resources query returns it."""
    return {
        "id": resource_id,
        "email": email,
        "userName": email.split("@")[0],
        "firstName": first_name,
        "lastName": "API",
        "isActive": True,
        "licenseType": 7,
    }


def levels(*names):
    """The Resources fields answer with a userType picklist of these levels (ids from 100)."""
    picks = [{"value": str(100 + i), "label": n, "isActive": True} for i, n in enumerate(names)]
    responses.get(
        API + "/Resources/entityInformation/fields", json={"fields": [{"name": "userType", "picklistValues": picks}]}
    )


def page(items):
    return {"items": items, "pageDetails": {"count": len(items), "nextPageUrl": None}}


def tenant():
    admin = c.AutotaskClient("u", "s", "i", api_url=BASE, zone_cache_path=False, sleep=lambda s: None)
    return s.TenantSession(lambda: (admin, 90001), None), admin


def test_the_same_vendor_twice_is_refused():
    with pytest.raises(m.ModelError, match="propel listed twice"):
        vu.validate([vendor("Propel", role="propel", email="a@x"), vendor("Propel 2", role="propel", email="b@x")])


def test_two_vendors_sharing_one_user_is_refused():
    with pytest.raises(m.ModelError, match="each vendor needs its own API user; a@x"):
        vu.validate([vendor("One", email="A@x"), vendor("Two", email="a@x ")])


def test_parts_follow_the_vendor_document():
    role, parts = vu.plan_parts(vendor("Propel Your MSP", email="p@x"))
    assert role == "propel_your_msp"
    assert [name for name, _part, _params in parts] == ["security_level", "api_user"]
    assert parts[1][2]["attestation_var"] == "propel_your_msp_attestations.api_user"
    assert parts[1][2]["security_level"] == "API User (Propel Your MSP)"
    _role, parts = vu.plan_parts(vendor("RMM", custom=False, protected={"edit_unprotected": True}, email="r@x"))
    assert [name for name, _part, _params in parts] == ["api_user", "protected_data"]
    assert parts[1][2]["edit_unprotected"] is True and parts[1][2]["view_protected"] is False
    none_asked = {"edit_protected": None, "view_protected": None, "edit_unprotected": None, "view_unprotected": None}
    _role, parts = vu.plan_parts(vendor("RMM", custom=False, protected=none_asked, email="r@x"))
    assert [name for name, _part, _params in parts] == ["api_user"]


@responses.activate
def test_a_typo_in_the_last_vendor_writes_nothing_for_the_first():
    users = [api_user(10, "p@x", "Old")]
    responses.get(API + "/Resources/query", json=page(users))
    responses.get(API + "/Departments/query", json=page([{"id": 1, "name": "Service Desk"}]))
    responses.get(API + "/Roles/query", json=page([{"id": 2, "name": "API Integration"}]))
    vendors = [
        vendor("Propel", first_name="Propel", email="p@x"),  # would rename the user
        vendor(
            "Email2AT",
            custom=False,
            email="e@x",
            departments=[{"department": "Servce Desk", "role": "API Integration", "default": True}],
        ),
    ]
    session, admin = tenant()
    with pytest.raises(m.ModelError, match="department 'Servce Desk' not found; known: Service Desk"):
        vu.run(session, {"vendors": vendors}, admin.api_calls)
    assert all(call.request.method == "GET" for call in responses.calls)


@responses.activate
def test_outcomes_keep_the_vendor_order_and_the_report_shape():
    users = [api_user(10, "p@x", "Propel")]
    levels("API User (system)", "API User (Propel)")
    responses.get(API + "/Resources/query", json=page(users))
    vendors = [
        vendor("Propel", role="propel", first_name="Propel", email="p@x"),
        vendor("Missing", custom=False, email="m@x"),
    ]
    session, admin = tenant()
    outcomes, diff = vu.run(session, {"vendors": vendors}, admin.api_calls)
    assert [o["vendor"] for o in outcomes] == ["Propel", "Missing"]
    assert set(outcomes[0]["parts"]) == {"security_level", "api_user"}
    assert outcomes[1]["parts"]["api_user"]["verification"][0]["status"] == "missing"
    assert outcomes[0]["attestation_var"] == "propel_attestations" and outcomes[0]["tenant_id"] == 90001
    assert set(diff["before"]) == {"propel", "missing"}
    assert len(responses.calls) == 2  # one read of the users and one of the levels, for both vendors


@responses.activate
def test_a_refused_write_reports_only_the_vendors_that_finished():
    levels("API User (system)", "API User (Propel)")
    users = [
        api_user(10, "p@x", "Propel"),
        api_user(11, "e@x", "Old"),
    ]
    responses.get(API + "/Resources/query", json=page(users))
    responses.patch(API + "/Resources", status=500, json={"errors": ["The resource is locked."]})
    vendors = [
        vendor("Propel", role="propel", first_name="Propel", email="p@x"),
        vendor("Email2AT", role="email2at", custom=False, first_name="MSPintegrations", email="e@x"),
    ]
    session, admin = tenant()
    with pytest.raises(m.PartFailed) as failed:
        vu.run(session, {"vendors": vendors}, admin.api_calls)
    extra = failed.value.extra
    assert extra["failed_vendor"] == "Email2AT" and extra["failed_part"] == "api_user"
    assert [o["vendor"] for o in extra["results"]] == ["Propel"]
    assert extra["results"][0]["changed"] is False and extra["results"][0]["tenant_id"] == 90001
    assert "resource is locked" in str(failed.value.cause.errors)


@responses.activate
def test_protected_data_for_a_user_named_only_by_first_and_last_name():
    levels("API User (system)", "API User (Propel)")
    # Before the fix this raised AttributeError ('NoneType' object has no attribute 'lower').
    session, admin = tenant()
    responses.get(API + "/Resources/query", json=page([api_user(31, "rmm@x.example", "RMM")]))
    boxes = {"edit_protected": None, "view_protected": None, "edit_unprotected": True, "view_unprotected": None}
    v = vendor("RMM", first_name="RMM", last_name="API", protected=boxes)
    outcomes, _diff = vu.run(session, {"vendors": [v], "fail_on_manual": False}, admin.api_calls)
    part = outcomes[0]["parts"]["protected_data"]
    rows = {r["property"]: r["status"] for r in part["verification"]}
    assert rows["resource exists"] == "ok" and rows["Edit Unprotected Data"] == "unverifiable"


@responses.activate
def test_a_defect_is_an_internal_error_that_keeps_the_finished_vendors(monkeypatch):
    levels("API User (system)", "API User (Propel)")
    responses.get(API + "/Resources/query", json=page([api_user(10, "p@x", "Propel"), api_user(11, "r@x", "RMM")]))

    def broken(session, params):
        raise KeyError("boxes")

    monkeypatch.setattr(vu.protected_data, "run", broken)
    boxes = {"edit_protected": None, "view_protected": None, "edit_unprotected": True, "view_unprotected": None}
    vendors = [
        vendor("Propel", role="propel", first_name="Propel", email="p@x"),
        vendor("RMM", role="rmm", custom=False, email="r@x", protected=boxes),
    ]
    session, admin = tenant()
    with pytest.raises(m.PartFailed) as failed:
        vu.run(session, {"vendors": vendors}, admin.api_calls)
    assert isinstance(failed.value.cause, m.InternalError)
    assert "internal error in the protected_data part of RMM: KeyError" in str(failed.value.cause)
    assert [o["vendor"] for o in failed.value.extra["results"]] == ["Propel"]


@pytest.mark.parametrize(
    "source, where",
    [
        (None, "Rewst (rewst_*): "),
        ("msp_autotask_custom_vendors.rewst", "Rewst (msp_autotask_custom_vendors.rewst.security_level): "),
    ],
)
def test_a_bad_row_names_the_vendor_and_where_its_values_live(source, where):
    bad = vendor("Rewst", role="rewst", email="r@x")
    bad["security_level"]["permissions"] = [
        {"section": "SERVICE DESK", "subsection": "Object Permissions", "name": "Tickets", "permission": "View: Al"}
    ]
    bad["source"] = source
    # Caught before any request: the session is never touched.
    with pytest.raises(m.ModelError, match="^" + re.escape(where) + ".*valid: All, Mine"):
        vu.run(None, {"vendors": [bad], "strict_rows": False}, lambda: None)


@responses.activate
def test_two_vendors_naming_one_user_in_different_ways_are_refused_before_any_write():
    # One by api_username, the other by email: validate() sees two names, the tenant has one user.
    levels("API User (system)", "API User (Propel)", "API User (Other)")
    responses.get(API + "/Resources/query", json=page([api_user(10, "propel@x", "Propel")]))
    vendors = [
        vendor("Propel", role="propel", api_username="propel", title="Title A"),
        vendor("Other", role="other", custom=False, email="propel@x", title="Title B"),
    ]
    vu.validate(vendors)  # the names as written differ
    session, admin = tenant()
    with pytest.raises(
        m.ModelError,
        match=r"Propel \(propel_\*\) \(by api_username\) and Other \(other_\*\) "
        r"\(by email\) both name the API user with resource id 10 \(tenant 90001\)",
    ):
        vu.run(session, {"vendors": vendors}, admin.api_calls)
    assert all(call.request.method == "GET" for call in responses.calls)
