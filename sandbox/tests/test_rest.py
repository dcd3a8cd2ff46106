"""The sandbox behaves like the Autotask REST API: auth, queries, paging, writes, access."""

import json
import threading

import pytest
import requests
from conftest import ADMIN, PROPEL, T1, Api

ALL_IDS = {"op": "exist", "field": "id"}


def test_zone_information_and_version(server):
    r = requests.get(server.url + "/atservicesrest/v1.0/zoneInformation", params={"user": ADMIN[0]}, timeout=5)
    assert r.status_code == 200
    assert r.json()["ci"] == T1 and r.json()["url"].endswith("/webservices14/ATServicesRest/")
    r = requests.get(server.url + "/atservicesrest/v1.0/zoneInformation", params={"user": "nobody"}, timeout=5)
    assert r.status_code == 500 and r.json() == {"errors": ["Zone information could not be determined"]}


@pytest.mark.parametrize(
    "creds, status, body",
    [
        ((ADMIN[0], "wrong", ADMIN[2]), 401, None),
        (("nobody@x", "s", ADMIN[2]), 401, None),  # on a zone host (test_live_answers)
        ((ADMIN[0], ADMIN[1], "WRONG"), 500, {"errors": ["IntegrationCode is invalid."]}),
        # A vendor-assigned user authenticates only with that vendor's code.
        ((PROPEL[0], PROPEL[1], ADMIN[2]), 500, {"errors": ["IntegrationCode is invalid."]}),
        # A resource that is not an API user cannot use the API.
        (("ann", "x", ADMIN[2]), 401, None),
    ],
)
def test_authentication_like_autotask(server, creds, status, body):
    r = Api(server, creds).call("GET", "ThresholdInformation")
    assert r.status_code == status
    if body is not None:
        assert r.json() == body


def test_wrong_zone_and_inactive_user_are_refused(server, admin):
    assert Api(server, ADMIN, zone="webservices2").call("GET", "ThresholdInformation").status_code == 401
    admin.control("PATCH", "/tenants/%d/entities/Resources/10" % T1, {"isActive": False})
    assert admin.call("GET", "ThresholdInformation").status_code == 401


def test_vendor_user_works_with_vendor_code(propel):
    assert propel.call("GET", "ThresholdInformation").status_code == 200


def test_paging_at_500_with_real_page_details(admin):
    r = admin.query("Tickets", [ALL_IDS])
    first = r.json()
    assert len(first["items"]) == 500
    assert first["pageDetails"]["count"] == 500 and first["pageDetails"]["requestCount"] == 500
    seen = [i["id"] for i in first["items"]]
    nxt = first["pageDetails"]["nextPageUrl"]
    pages = 1
    while nxt:
        page = admin.session.get(nxt, timeout=10).json()
        seen += [i["id"] for i in page["items"]]
        nxt = page["pageDetails"]["nextPageUrl"]
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 1201
    assert admin.call("GET", "Tickets/query/count", params={"search": json.dumps({"filter": [ALL_IDS]})}).json() == {
        "queryCount": 1201
    }


def test_a_post_started_query_pages_by_post_and_refuses_get(admin):
    """Live answer (WYRE-AI/autotask-mcp PR #170): the next page of a POST query is POSTed with the
    same body; a GET on that link is 405 with the real message."""
    body = {"filter": [ALL_IDS]}
    first = admin.query("Tickets", [ALL_IDS], method="POST").json()
    nxt = first["pageDetails"]["nextPageUrl"]
    refused = admin.session.get(nxt, timeout=10)
    assert refused.status_code == 405
    assert refused.json() == {"Message": "The requested resource does not support http method 'GET'."}
    seen = [i["id"] for i in first["items"]]
    while nxt:
        page = admin.session.post(nxt, json=body, timeout=10).json()
        seen += [i["id"] for i in page["items"]]
        nxt = page["pageDetails"]["nextPageUrl"]
    assert len(seen) == len(set(seen)) == 1201  # to the last row


def ids(response):
    assert response.status_code == 200, response.text
    return sorted(i["id"] for i in response.json()["items"])


@pytest.mark.parametrize(
    "condition, expected",
    [
        ({"op": "eq", "field": "userName", "value": "ANN"}, [12]),  # case-insensitive
        ({"op": "noteq", "field": "id", "value": 10}, [11, 12, 13]),
        ({"op": "gt", "field": "id", "value": 11}, [12, 13]),
        ({"op": "gte", "field": "id", "value": 11}, [11, 12, 13]),
        ({"op": "lt", "field": "id", "value": 11}, [10]),
        ({"op": "lte", "field": "id", "value": 11}, [10, 11]),
        ({"op": "beginsWith", "field": "firstName", "value": "propel"}, [11]),
        ({"op": "endsWith", "field": "email", "value": "@T1.example"}, [10, 11, 12, 13]),
        ({"op": "contains", "field": "lastName", "value": "dmi"}, [10]),
        ({"op": "exist", "field": "userName"}, [10, 11, 12, 13]),
        ({"op": "notExist", "field": "email2"}, [10, 11, 12, 13]),
        ({"op": "in", "field": "id", "value": [10, 12]}, [10, 12]),
        ({"op": "notIn", "field": "id", "value": [10, 12]}, [11, 13]),
        (
            {
                "op": "or",
                "items": [
                    {"op": "eq", "field": "id", "value": 10},
                    {
                        "op": "and",
                        "items": [
                            {"op": "eq", "field": "licenseType", "value": 7},
                            {"op": "contains", "field": "email", "value": "propel"},
                        ],
                    },
                ],
            },
            [10, 11],
        ),
    ],
)
def test_every_operator(admin, condition, expected):
    assert ids(admin.query("Resources", [condition])) == expected
    assert ids(admin.query("Resources", [condition], method="POST")) == expected


@pytest.mark.parametrize(
    "condition, message",
    [
        ({"op": "eq", "field": "nope", "value": 1}, "Unable to find nope"),
    ],
)
def test_query_errors_have_the_api_shape(admin, condition, message):
    r = admin.query("Resources", [condition])
    assert r.status_code == 500 and message in r.json()["errors"][0]


def test_include_fields_and_max_records(admin):
    r = admin.query("Tickets", [ALL_IDS], includeFields=["title"], maxRecords=10)
    body = r.json()
    assert len(body["items"]) == 10 and set(body["items"][0]) == {"id", "title", "userDefinedFields"}
    assert body["pageDetails"]["nextPageUrl"]  # maxRecords is the page size (test_live_answers)


def test_udf_query_and_only_one_udf(admin, server):
    ci = next(iter(server.sandbox.tenants[T1].records["ConfigurationItems"]))
    r = admin.call(
        "PATCH", "ConfigurationItems", {"id": ci, "userDefinedFields": [{"name": "Asset Tag", "value": "A1"}]}
    )
    assert r.status_code == 200, r.text
    assert ids(admin.query("ConfigurationItems", [{"op": "eq", "field": "Asset Tag", "udf": True, "value": "a1"}])) == [
        ci
    ]
    r = admin.query(
        "ConfigurationItems",
        [
            {"op": "eq", "field": "Asset Tag", "udf": True, "value": "a"},
            {"op": "eq", "field": "Other", "udf": True, "value": "b"},
        ],
    )
    assert r.status_code == 500 and "Only one" in r.json()["errors"][0]


def test_resources_cannot_be_created_or_deleted(admin):
    r = admin.call("POST", "Resources", {"firstName": "New"})
    assert r.status_code == 405 and "does not support http method 'POST'" in r.json()["Message"]
    assert admin.call("DELETE", "Resources/10").status_code == 405


def test_associations_create_update_no_delete(admin, server):
    r = admin.call("POST", "Resources/11/RoleQueues", {"queueID": 700})
    assert r.status_code == 200 and "itemId" in r.json()
    qid = r.json()["itemId"]
    assert admin.call("POST", "Resources/11/RoleQueues", {"queueID": 700}).status_code == 500  # duplicate
    assert admin.call("DELETE", "Resources/11/RoleQueues/%d" % qid).status_code == 405
    r = admin.call("POST", "Resources/11/RoleDepartments", {"departmentID": 500, "roleID": 601})
    assert r.status_code == 500 and "inactive" in r.json()["errors"][0]  # no inactive refs
    first = admin.call("POST", "Resources/11/RoleDepartments", {"departmentID": 500, "roleID": 600, "isDefault": True})
    assert first.status_code == 200
    r = admin.call("PATCH", "Resources/11/RoleDepartments", {"id": first.json()["itemId"], "isDefault": False})
    assert r.status_code == 500  # a default cannot be set false
    roles = admin.query("ResourceRoles", [{"op": "eq", "field": "resourceID", "value": 11}]).json()["items"]
    assert {(x["departmentID"], x["roleID"], x["queueID"]) for x in roles} == {(500, 600, None), (None, None, 700)}


def test_resourceid_is_immutable_on_update(admin, server):
    qid = admin.call("POST", "Resources/11/RoleQueues", {"queueID": 700}).json()["itemId"]
    admin.call("PATCH", "Resources/11/RoleQueues", {"id": qid, "resourceID": 10, "queueID": 701})
    row = server.sandbox.tenants[T1].records["ResourceRoleQueues"][qid]
    assert (row["resourceID"], row["queueID"]) == (11, 701)


def test_security_level_drives_entity_access(propel):
    info = {d["info"]["name"]: d["info"] for d in propel.call("GET", "EntityInformation").json()["entityDescriptions"]}
    assert info["Tickets"]["userAccessForQuery"] == "All"
    assert info["Tickets"]["userAccessForCreate"] == "All"
    assert info["Tickets"]["userAccessForUpdate"] == "None"
    assert info["Opportunities"]["userAccessForQuery"] == "Restricted"
    assert info["Contracts"]["userAccessForQuery"] == "None"
    assert info["Resources"]["userAccessForUpdate"] == "None"
    r = propel.query("Contracts", [ALL_IDS])
    assert r.status_code == 500 and "adequate permissions" in r.json()["errors"][0]
    assert propel.query("Opportunities", [ALL_IDS]).json()["items"] == []  # Mine: owner is someone else
    r = propel.call("PATCH", "Resources", {"id": 11, "title": "x"})
    assert r.status_code == 500 and "adequate permissions to update" in r.json()["errors"][0]


def test_hourly_threshold_and_threshold_information(admin):
    admin.control("PUT", "/settings", {"hourly_limit": 5})
    statuses = [admin.call("GET", "ThresholdInformation") for _ in range(6)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429]
    assert statuses[4].json() == {
        "externalRequestThreshold": 5,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 5,
    }


def test_fourth_concurrent_request_per_endpoint_is_refused(admin, server):
    admin.control("PUT", "/faults", {"latency_ms": 400})
    results = []

    def call():
        results.append(Api(server, ADMIN).query("Resources", [ALL_IDS]).status_code)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 200, 200, 429]
    stats = admin.control("GET", "/stats").json()
    assert stats["peak_concurrency"] == 3 and stats["refused_threads"] == 1


@pytest.mark.parametrize("kind, status", [("429", 429), ("500", 500), ("503", 503)])
def test_fault_injection(admin, kind, status):
    admin.control("PUT", "/faults", {"tenant": T1, kind: 1.0})
    r = admin.call("GET", "ThresholdInformation")
    assert r.status_code == status
    if kind == "429":
        assert r.headers["Retry-After"] == "1"


def test_dropped_connections(admin, server):
    admin.control("PUT", "/faults", {"drop": 1.0})
    with pytest.raises(requests.ConnectionError):
        admin.call("GET", "ThresholdInformation")
    admin.control("PUT", "/faults", {"drop_after_write": 1.0})
    with pytest.raises(requests.ConnectionError):
        admin.call("POST", "Resources/11/RoleQueues", {"queueID": 701})
    # The write was applied before the answer was lost.
    rows = server.sandbox.tenants[T1].records["ResourceRoleQueues"].values()
    assert [r["queueID"] for r in rows if r["resourceID"] == 11] == [701]


def test_request_log_records_who_did_what(admin, propel):
    admin.call("GET", "ThresholdInformation")
    propel.call("GET", "ThresholdInformation")
    log = admin.control("GET", "/tenants/%d/requests" % T1).json()["requests"]
    assert [(e["user"], e["integration"], e["status"]) for e in log] == [
        (ADMIN[0], "internal", 200),
        (PROPEL[0], "Propel Your MSP", 200),
    ]
    assert all("secret" not in json.dumps(e).lower() for e in log)


@pytest.mark.parametrize("value, listed", [("listed", True), ("omitted", False)])
def test_resource_roles_lists_queue_links_under_its_switch(admin, value, listed):
    # Queue links' isActive is obsolete, null on query (D-ROLES, SOAP ResourceRoleQueue), and the view
    # returns only isActive rows: whether it lists them is the switch resource_roles_queue_rows.
    from conftest import seed

    doc = seed()
    doc["settings"]["assumptions"] = {"resource_roles_queue_rows": value}
    assert admin.control("POST", "/seed", doc).status_code == 200
    assert admin.call("POST", "Resources/11/RoleQueues", {"queueID": 700}).status_code == 200
    rows = admin.query("ResourceRoles", [{"op": "eq", "field": "resourceID", "value": 11}]).json()["items"]
    assert any(r["queueID"] == 700 for r in rows) is listed
    assert all(r["isActive"] is True for r in rows)
