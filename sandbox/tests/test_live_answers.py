"""The sandbox answers as real Autotask does where public clients show it (issues #13 and #19).

Each test names its public source; each would fail on the sandbox before the fix it guards.
"""

import pytest
from conftest import T1, seed

ALL_IDS = {"op": "exist", "field": "id"}


def reseed(api, **assumptions):
    """Seed the test fleet again with these assumption switches for every tenant."""
    doc = seed()
    doc["settings"]["assumptions"] = assumptions
    assert api.control("POST", "/seed", doc).status_code == 200


def ids(response):
    assert response.status_code == 200, response.text
    return sorted(i["id"] for i in response.json()["items"])


def follow(api, first, body=None):
    """Every row of a query, following nextPageUrl with the first page's verb."""
    seen = [i["id"] for i in first["items"]]
    nxt = first["pageDetails"]["nextPageUrl"]
    while nxt:
        page = (api.session.post(nxt, json=body, timeout=10) if body else api.session.get(nxt, timeout=10)).json()
        seen += [i["id"] for i in page["items"]]
        nxt = page["pageDetails"]["nextPageUrl"]
    return seen


def test_max_records_is_the_page_size_not_a_total(admin, server):
    """py-autotask 2.3.0 (py_autotask/entities/base.py) and the Anteris PHP client page with
    MaxRecords as the page size and follow nextPageUrl while rows remain (#19 item 1)."""
    ticket_ids = sorted(server.sandbox.tenants[T1].records["Tickets"])
    under = {"op": "lte", "field": "id", "value": ticket_ids[603]}  # 604 rows
    for method, body in (("GET", None), ("POST", {"filter": [under], "maxRecords": 500})):
        first = admin.query("Tickets", [under], method=method, maxRecords=500).json()
        assert len(first["items"]) == 500 and first["pageDetails"]["nextPageUrl"]
        seen = follow(admin, first, body)
        assert seen == ticket_ids[:604]
    small = admin.query("Tickets", [under], maxRecords=10).json()
    assert len(small["items"]) == 10 and small["pageDetails"]["nextPageUrl"]
    assert small["pageDetails"]["requestCount"] == 10


@pytest.mark.parametrize("path", ["Resources/999", "Tickets/1", "Resources/11/RoleQueues/999"])
def test_a_missing_id_answers_item_null_by_default_and_404_behind_the_switch(admin, path):
    """django-autotask 1.20.0 (djautotask/api.py get_single) raises not-found only on
    200 {"item": null}; @apigrate/autotask-restapi 2.0.1 index.test.js has the live test "item is
    null when get by id not found" (#19 item 3). Switch missing_id=404 keeps the other answer."""
    r = admin.call("GET", path)
    assert (r.status_code, r.json()) == (200, {"item": None})
    reseed(admin, missing_id="404")
    r = admin.call("GET", path)
    assert r.status_code == 404 and r.json() == {"Message": "No matching records found."}


def test_an_empty_filter_answers_every_row_by_default_and_refuses_behind_the_switch(admin, server):
    """django-autotask 1.20.0 sends GET Roles/query?search={"filter": []} in production
    (djautotask/sync.py, djautotask/api.py); an Anteris maintainer quoted "Value cannot be null"
    for a query without a condition (issue #15, 2020). Split evidence (#19 item 2)."""
    roles = sorted(server.sandbox.tenants[T1].records["Roles"])
    for method in ("GET", "POST"):
        assert ids(admin.query("Roles", [], method=method)) == roles
    reseed(admin, empty_filter="refused")
    r = admin.query("Roles", [])
    assert r.status_code == 500 and r.json() == {"errors": ["Value cannot be null."]}


def test_a_value_less_condition_and_a_string_boolean_are_read_leniently_by_default(admin):
    """Public clients send both and live Autotask accepts them (#19 item 4): a condition without
    value (django-autotask's resource sync since 2024-11, format_condition drops falsy values) and
    "true" as a string on a boolean (django-autotask tests/test_api.py, py-autotask's client
    docstring, the KelvinTegelaar module's examples). What they match is an ASSUMPTION (switch
    filter_values); the strict answer refuses both."""
    admin.control("PATCH", "/tenants/%d/entities/Resources/12" % T1, {"isActive": False, "title": "Tech"})
    assert ids(admin.query("Resources", [{"op": "eq", "field": "isActive", "value": "TRUE"}])) == [10, 11, 13]
    assert ids(admin.query("Resources", [{"op": "eq", "field": "isActive", "value": "false"}])) == [12]
    assert ids(admin.query("Resources", [{"op": "noteq", "field": "title"}], method="POST")) == [12]
    assert ids(admin.query("Resources", [{"op": "eq", "field": "title", "value": None}])) == [10, 11, 13]
    assert ids(admin.query("Resources", [{"op": "gt", "field": "id"}])) == []
    reseed(admin, filter_values="strict")
    for condition, message in (
        ({"op": "eq", "field": "isActive", "value": "true"}, "Value for isActive must be true or false."),
        ({"op": "eq", "field": "title"}, "The 'eq' operator requires a value."),
        ({"op": "eq", "field": "title", "value": None}, "Value for title cannot be null."),
    ):
        r = admin.query("Resources", [condition])
        assert r.status_code == 500 and r.json() == {"errors": [message]}
