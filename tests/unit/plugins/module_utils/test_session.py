# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tenant is read once: users in one query, links in one query per kind, names from a cache."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.msp.autotask.plugins.module_utils import _client as c
from ansible_collections.msp.autotask.plugins.module_utils import _model as m
from ansible_collections.msp.autotask.plugins.module_utils import _security_level as sl
from ansible_collections.msp.autotask.plugins.module_utils import _session as s

BASE = "https://webservices14.autotask.net/ATServicesRest"
API = BASE + "/V1.0"
USERS = [
    {"id": 10, "userName": "propel@t.example", "email": "Propel@T.Example", "firstName": "Propel", "lastName": "API"},
    {"id": 11, "userName": "e2at@t.example", "email": "mspintegrations@t.example", "firstName": "M", "lastName": "API"},
]


def client(username="u"):
    return c.AutotaskClient(username, "s", "i", api_url=BASE, zone_cache_path=False, sleep=lambda s: None)


def page(items):
    return {"items": items, "pageDetails": {"count": len(items), "nextPageUrl": None}}


def session(cache_dir=None, probes=None):
    admin = client()

    def reference_cache(unused_client, tenant):
        return s.ReferenceCache(str(cache_dir), "tenant-%s" % tenant) if cache_dir else None

    def new_probe(creds):
        probe = client(creds["username"])
        (probes if probes is not None else []).append(probe)
        return probe

    return s.TenantSession(lambda: (admin, 90001), new_probe, reference_cache=reference_cache)


def search(call):
    return json.loads(call.request.params["search"])


@responses.activate
def test_every_api_user_comes_from_one_query_matched_without_case():
    responses.get(API + "/Resources/query", json=page(USERS))
    tenant = session()
    assert tenant.find_api_user(email="propel@t.example")["id"] == 10
    assert tenant.find_api_user(api_username="E2AT@t.example")["id"] == 11
    assert tenant.find_api_user(first_name="propel", last_name="api")["id"] == 10
    assert tenant.find_api_user(email="nobody@t.example") is None
    assert len(responses.calls) == 1
    body = search(responses.calls[0])
    assert body["filter"] == [{"op": "eq", "field": "licenseType", "value": 7}]
    assert "email" in body["includeFields"] and "userName" in body["includeFields"]


@responses.activate
def test_two_matches_is_an_input_error():
    responses.get(API + "/Resources/query", json=page([USERS[0], dict(USERS[1], email=USERS[0]["email"])]))
    with pytest.raises(m.ModelError, match="more than one API user matches"):
        session().find_api_user(email="propel@t.example")


@responses.activate
def test_links_of_every_announced_user_come_from_one_in_query():
    rows = [{"id": 1, "resourceID": 10, "queueID": 3}, {"id": 2, "resourceID": 12, "queueID": 4}]
    responses.get(API + "/ResourceRoleQueues/query", json=page(rows))
    tenant = session()
    for rid in (10, 11, 12):
        tenant.expect_links("ResourceRoleQueues", rid)
    assert [r["queueID"] for r in tenant.links("ResourceRoleQueues", 10)] == [3]
    assert tenant.links("ResourceRoleQueues", 11) == []
    assert [r["queueID"] for r in tenant.links("ResourceRoleQueues", 12)] == [4]
    assert len(responses.calls) == 1
    assert search(responses.calls[0])["filter"] == [{"op": "in", "field": "resourceID", "value": [10, 11, 12]}]


@responses.activate
def test_a_lone_user_is_asked_with_eq():
    responses.get(API + "/ResourceRoleDepartments/query", json=page([]))
    assert session().links("ResourceRoleDepartments", 10) == []
    assert search(responses.calls[0])["filter"] == [{"op": "eq", "field": "resourceID", "value": 10}]


@responses.activate
def test_names_are_read_once_then_served_from_the_cache(tmp_path):
    responses.get(API + "/Departments/query", json=page([{"id": 1, "name": "Service Desk"}]))
    assert session(tmp_path).lookup.id_of("department", "service desk") == 1
    assert session(tmp_path).lookup.id_of("department", "Service Desk") == 1  # a later run
    assert len(responses.calls) == 1


@responses.activate
def test_a_name_the_cache_lacks_is_read_again_once(tmp_path):
    responses.get(API + "/Departments/query", json=page([{"id": 1, "name": "Service Desk"}]))
    session(tmp_path).lookup.id_of("department", "Service Desk")
    responses.replace(
        responses.GET,
        API + "/Departments/query",
        json=page([{"id": 1, "name": "Service Desk"}, {"id": 2, "name": "NOC"}]),
    )
    assert session(tmp_path).lookup.id_of("department", "NOC") == 2
    with pytest.raises(m.ModelError, match="department 'Sales' not found; known: NOC, Service Desk"):
        session(tmp_path).lookup.id_of("department", "Sales")
    assert len(responses.calls) == 3  # the first read, one re-read for NOC, one for Sales


def test_an_expired_or_dropped_cache_is_not_trusted(tmp_path):
    cache = s.ReferenceCache(str(tmp_path), "t", ttl=60)
    cache.put("role", [(2, "API Integration")])
    assert cache.get("role") == [(2, "API Integration")]
    assert s.ReferenceCache(str(tmp_path), "t", ttl=-1).get("role") is None
    assert s.ReferenceCache(str(tmp_path), "another tenant").get("role") is None
    cache.drop()
    assert cache.get("role") is None


def test_an_unwritable_cache_costs_calls_not_errors():
    cache = s.ReferenceCache("/dev/null/none", "t")
    cache.put("role", [(2, "API Integration")])
    assert cache.get("role") is None


@responses.activate
def test_a_probe_identity_is_asked_once_however_many_parts_ask():
    responses.get(
        API + "/EntityInformation",
        json={"entityDescriptions": [{"info": {"name": "Tickets", "userAccessForQuery": "All"}}]},
    )
    probes = []
    tenant = session(probes=probes)
    creds = {"username": "probe@t.example", "secret": "x", "integration_code": "y"}
    first = tenant.entity_access(creds)
    assert tenant.entity_access(dict(creds, username="PROBE@t.example")) is first
    assert len(probes) == 1 and len(responses.calls) == 1


@responses.activate
def test_a_refused_probe_stays_refused_without_asking_again():
    responses.get(API + "/EntityInformation", status=401, body="")
    tenant = session()
    creds = {"username": "probe@t.example", "secret": "x", "integration_code": "y"}
    with pytest.raises(c.AutotaskAuthError):
        tenant.entity_access(creds)
    with pytest.raises(c.AutotaskAuthError):
        tenant.entity_access(creds)  # the refusal is remembered, not asked again
    assert len(responses.calls) == 1


def _put_zone(args):
    path, n = args
    c.ZoneCache(path).put("https://discovery.example", "user%d@t.example" % n, {"url": "https://z%d" % n})


def test_parallel_forks_lose_no_zone_cache_entry(tmp_path):
    import multiprocessing

    path = str(tmp_path / "zones.json")
    with multiprocessing.get_context("fork").Pool(8) as pool:
        pool.map(_put_zone, [(path, n) for n in range(64)])
    cache = c.ZoneCache(path)
    assert all(cache.get("https://discovery.example", "user%d@t.example" % n) for n in range(64))


@responses.activate
def test_a_level_whose_picklist_entry_has_no_is_active_is_unknown_never_active():
    picks = [{"value": "100", "label": "API User (Propel)"}]  # no isActive: it says nothing of it
    responses.get(
        API + "/Resources/entityInformation/fields", json={"fields": [{"name": "userType", "picklistValues": picks}]}
    )
    tenant = session()
    assert tenant.find_level("API User (Propel)") == (100, "API User (Propel)", None)
    rows = sl._level_rows(tenant, {"name": "API User (Propel)", "active": True}, "API User (system)")[0]
    active = next(r for r in rows if r["key"] == ["level", "active"])
    assert active["status"] == "unknown" and not active.get("voids_attestation")
