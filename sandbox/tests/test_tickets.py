"""Tickets as the real API takes them: create, update, complete, and the MSP's own tenant (#16 item 7)."""

import os

import pytest
import yaml
from conftest import ADMIN, T1, Api, seed

from autotask_sandbox import SandboxServer

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_SEED = os.path.join(HERE, "..", "seeds", "demo.yml")
MSP = ("psa-automation@northbridge.example", "demo-psa-secret-northbridge", "SANDBOX-INTERNAL-NORTHBRIDGE")


@pytest.fixture
def company(server):
    return min(server.sandbox.tenants[T1].records["Companies"])


def ticket(company, **more):
    return dict({"companyID": company, "title": "Onboarding", "status": 1, "priority": 2, "queueID": 700}, **more)


def stored(server, item_id):
    return server.sandbox.tenants[T1].records["Tickets"][item_id]


def test_a_ticket_is_created_found_by_its_external_id_and_read_back(admin, server, company):
    r = admin.call("POST", "Tickets", ticket(company, externalID="msp.autotask/contoso", description="1. do this"))
    assert r.status_code == 200, r.text
    item_id = r.json()["itemId"]
    found = admin.query("Tickets", [{"op": "eq", "field": "externalID", "value": "msp.autotask/contoso"}]).json()
    assert [t["id"] for t in found["items"]] == [item_id]
    item = admin.call("GET", "Tickets/%d" % item_id).json()["item"]
    assert item["description"] == "1. do this"
    assert item["status"] == 1 and item["completedDate"] is None


@pytest.mark.parametrize("missing", ["companyID", "title", "status", "priority"])
def test_a_create_without_a_required_field_is_refused_and_stores_nothing(admin, server, company, missing):
    before = len(server.sandbox.tenants[T1].records["Tickets"])
    body = ticket(company)
    del body[missing]
    r = admin.call("POST", "Tickets", body)
    assert r.status_code == 500
    assert r.json() == {"errors": ["%s is required." % missing]}
    assert len(server.sandbox.tenants[T1].records["Tickets"]) == before


@pytest.mark.parametrize("field, value", [("status", 99), ("priority", 9), ("queueID", 123), ("companyID", 424242)])
def test_a_value_the_tenant_does_not_have_is_refused(admin, company, field, value):
    r = admin.call("POST", "Tickets", ticket(company, **{field: value}))
    assert r.status_code == 500
    assert r.json() == {"errors": ["Value does not reference an existing entity for %s . " % field]}


def test_a_resource_needs_its_role(admin, company):
    r = admin.call("POST", "Tickets", ticket(company, assignedResourceID=13))
    assert r.status_code == 500
    assert "assignedResourceRoleID" in r.json()["errors"][0]
    assert admin.call("POST", "Tickets", ticket(company, assignedResourceID=13, assignedResourceRoleID=600)).ok


def test_a_ticket_needs_a_queue_or_a_resource_unless_the_switch_says_otherwise(company):
    body = ticket(company)
    del body["queueID"]
    for value, ok in ((True, False), (False, True)):
        doc = seed()
        doc["tenants"][0]["assumptions"] = {"ticket_needs_queue_or_resource": value}
        with SandboxServer(doc) as srv:
            assert Api(srv, ADMIN).call("POST", "Tickets", body).ok is ok


def test_the_due_date_is_optional_by_default_and_required_under_the_switch(company):
    doc = seed()
    doc["tenants"][0]["assumptions"] = {"ticket_due_date": "required"}
    with SandboxServer(doc) as srv:
        api = Api(srv, ADMIN)
        assert api.call("POST", "Tickets", ticket(company)).json() == {"errors": ["dueDateTime is required."]}
        assert api.call("POST", "Tickets", ticket(company, dueDateTime="2026-12-09T00:00:00Z")).ok


def test_patch_changes_only_what_it_sends_and_completing_sets_the_completed_date(admin, server, company):
    item_id = admin.call("POST", "Tickets", ticket(company, description="two steps")).json()["itemId"]
    r = admin.call("PATCH", "Tickets", {"id": item_id, "description": "one step"})
    assert r.json() == {"itemId": item_id}
    assert stored(server, item_id)["title"] == "Onboarding"
    assert stored(server, item_id)["description"] == "one step"
    assert admin.call("PATCH", "Tickets", {"id": item_id, "status": 5, "resolution": "compliant"}).ok
    assert stored(server, item_id)["completedDate"]
    # Reopened: the completed date goes.
    assert admin.call("PATCH", "Tickets", {"id": item_id, "status": 1}).ok
    assert stored(server, item_id)["completedDate"] is None
    # completedDate is Autotask's to set: a client's value is ignored.
    assert admin.call("PATCH", "Tickets", {"id": item_id, "completedDate": "2020-01-01T00:00:00Z"}).ok
    assert stored(server, item_id)["completedDate"] is None


def test_completing_needs_a_resolution_only_under_the_switch(company):
    doc = seed()
    doc["tenants"][0]["assumptions"] = {"ticket_complete_needs_resolution": True}
    with SandboxServer(doc) as srv:
        api = Api(srv, ADMIN)
        item_id = api.call("POST", "Tickets", ticket(company)).json()["itemId"]
        refused = api.call("PATCH", "Tickets", {"id": item_id, "status": 5})
        assert refused.json() == {"errors": ["A resolution is required to complete a ticket."]}
        assert api.call("PATCH", "Tickets", {"id": item_id, "status": 5, "resolution": "done"}).ok


def test_put_replaces_the_ticket_and_needs_its_required_fields(admin, server, company):
    item_id = admin.call("POST", "Tickets", ticket(company, description="x", externalID="ref")).json()["itemId"]
    refused = admin.call("PUT", "Tickets", {"id": item_id, "title": "only a title"})
    assert refused.status_code == 500
    assert stored(server, item_id)["description"] == "x"
    assert admin.call("PUT", "Tickets", dict(ticket(company), id=item_id, title="Replaced")).ok
    assert stored(server, item_id)["title"] == "Replaced"
    assert stored(server, item_id)["externalID"] is None  # not sent: gone (D-PUT)


def test_tickets_have_no_delete_and_the_picklists_are_listed(admin, company):
    item_id = admin.call("POST", "Tickets", ticket(company)).json()["itemId"]
    assert admin.call("DELETE", "Tickets/%d" % item_id).status_code == 405
    fields = {f["name"]: f for f in admin.call("GET", "Tickets/entityInformation/fields").json()["fields"]}
    assert {v["value"]: v["label"] for v in fields["status"]["picklistValues"]}["5"] == "Complete"
    assert {v["value"] for v in fields["priority"]["picklistValues"]} >= {"1", "2", "3", "4"}
    assert fields["title"]["isRequired"] and fields["status"]["isRequired"]
    assert fields["completedDate"]["isReadOnly"]


def test_the_demo_seeds_the_msp_tenant_apart_from_the_fleet():
    with open(DEMO_SEED, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    with SandboxServer(doc) as srv:
        listed = Api(srv, ("x", "x", "x")).control("GET", "/tenants").json()
        assert len(listed["tenants"]) == 6
        assert listed["msp_tenant"]["id"] == 28000001
        assert 28000001 not in {t["id"] for t in listed["tenants"]}
        msp = Api(srv, MSP)
        names = {c["companyName"] for c in msp.query("Companies", [{"op": "exist", "field": "id"}]).json()["items"]}
        assert "Contoso Managed IT" in names and len(names) == 6
        rows = msp.control("GET", "/tenants/28000001/entities/Tickets").json()
        assert rows == {"items": [], "count": 0}
