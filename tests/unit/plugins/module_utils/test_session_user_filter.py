# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named users are asked for by name; a miss is checked against every API user (issue #17)."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.msp.autotask.plugins.module_utils import _client as c
from ansible_collections.msp.autotask.plugins.module_utils import _model as m
from ansible_collections.msp.autotask.plugins.module_utils import _session as s

BASE = "https://webservices14.autotask.net/ATServicesRest"
API = BASE + "/V1.0"
PROPEL = {
    "id": 10,
    "userName": "propel@t.example",
    "email": "Propel@T.Example",
    "firstName": "Propel",
    "lastName": "API",
}
E2AT = {
    "id": 11,
    "userName": "e2at@t.example",
    "email": "mspintegrations@t.example",
    "firstName": "M",
    "lastName": "API",
}
LICENSED = {"op": "eq", "field": "licenseType", "value": 7}


def page(items):
    return {"items": items, "pageDetails": {"count": len(items), "nextPageUrl": None}}


def session(named):
    admin = c.AutotaskClient("u", "s", "i", api_url=BASE, zone_cache_path=False, sleep=lambda s: None)
    return s.TenantSession(lambda: (admin, 90001), None, named_users=named)


def filters():
    return [json.loads(call.request.params["search"])["filter"] for call in responses.calls]


VENDOR_PARAMS = {
    "vendors": [
        {"user": {"api_username": " Propel@t.example", "email": "x@t.example"}, "verify_as": None},
        {"user": {"api_username": None, "email": "MSPintegrations@t.example"}, "verify_as": {"username": "probe"}},
        {"user": {"api_username": None, "email": None, "first_name": "Sw", "last_name": "API"}},
    ]
}


def test_the_named_users_are_each_vendors_user_and_probe_in_the_order_find_api_user_uses():
    assert s.named_users(VENDOR_PARAMS) == [
        ("userName", "propel@t.example"),
        ("email", "mspintegrations@t.example"),
        ("userName", "probe"),
        ("name", "sw", "api"),
    ]
    # A single-user module's own options, and nothing for a module that names no user.
    assert s.named_users({"email": "a@t.example", "verify_as": {"username": "p"}}) == [
        ("email", "a@t.example"),
        ("userName", "p"),
    ]
    assert s.named_users({"gather": ["roles"]}) == []


@responses.activate
def test_every_named_user_comes_from_one_filtered_query():
    responses.get(API + "/Resources/query", json=page([PROPEL, E2AT]))
    tenant = session(s.named_users(VENDOR_PARAMS))
    assert tenant.find_api_user(api_username="PROPEL@t.example")["id"] == 10
    assert tenant.find_api_user(email="mspintegrations@t.example")["id"] == 11
    assert len(responses.calls) == 1
    assert filters()[0] == [
        LICENSED,
        {
            "op": "or",
            "items": [
                {"op": "contains", "field": "email", "value": "mspintegrations@t.example"},
                {
                    "op": "and",
                    "items": [
                        {"op": "contains", "field": "firstName", "value": "sw"},
                        {"op": "contains", "field": "lastName", "value": "api"},
                    ],
                },
                {"op": "contains", "field": "userName", "value": "probe"},
                {"op": "contains", "field": "userName", "value": "propel@t.example"},
            ],
        },
    ]


@responses.activate
def test_a_user_the_filter_misses_is_looked_for_among_every_api_user():
    # The server answered nothing for the name (another spelling, or the user is absent):
    # absence is concluded only from the full list, which does hold the user here.
    responses.get(API + "/Resources/query", json=page([]))
    responses.get(API + "/Resources/query", json=page([PROPEL, E2AT]))
    tenant = session([("userName", "propel@t.example")])
    assert tenant.find_api_user(api_username="propel@t.example")["id"] == 10
    assert filters() == [[LICENSED, {"op": "contains", "field": "userName", "value": "propel@t.example"}], [LICENSED]]
    assert tenant.find_api_user(email="nobody@t.example") is None
    assert len(responses.calls) == 2  # the full list, once read, answers every later question


@responses.activate
def test_an_unannounced_user_is_asked_for_with_the_rest_still_unasked():
    responses.get(API + "/Resources/query", json=page([PROPEL]))
    responses.get(API + "/Resources/query", json=page([E2AT]))
    tenant = session([("userName", "propel@t.example")])
    assert tenant.find_api_user(api_username="propel@t.example")["id"] == 10
    assert tenant.find_api_user(api_username="e2at@t.example")["id"] == 11
    assert filters()[1] == [LICENSED, {"op": "contains", "field": "userName", "value": "e2at@t.example"}]


@responses.activate
def test_two_users_the_filter_returns_for_one_name_are_still_an_input_error():
    responses.get(API + "/Resources/query", json=page([PROPEL, dict(E2AT, email=PROPEL["email"])]))
    with pytest.raises(m.ModelError, match="more than one API user matches"):
        session([("email", "propel@t.example")]).find_api_user(email="propel@t.example")


@responses.activate
def test_many_named_users_read_every_api_user_instead_of_a_long_filter():
    responses.get(API + "/Resources/query", json=page([PROPEL]))
    named = [("userName", "user%d" % n) for n in range(s.MAX_FILTERED_USERS + 1)]
    assert session(named).find_api_user(api_username="propel@t.example")["id"] == 10
    assert filters() == [[LICENSED]]


@responses.activate
def test_a_stored_name_with_a_trailing_blank_is_still_a_second_match():
    # The server is asked with "contains", so it returns both; the trimmed, folded comparison
    # here then sees two users for one name (a strict "eq" would have hidden the second).
    twin = dict(E2AT, email=PROPEL["email"] + " ")
    responses.get(API + "/Resources/query", json=page([PROPEL, twin]))
    with pytest.raises(m.ModelError, match="more than one API user matches"):
        session([("email", "propel@t.example")]).find_api_user(email="propel@t.example")
    assert filters()[0][1] == {"op": "contains", "field": "email", "value": "propel@t.example"}
