"""The sandbox answers as real Autotask does where public clients show it (issues #13 and #19).

Each test names its public source; each would fail on the sandbox before the fix it guards.
"""

import json
import os
from urllib.parse import unquote, urlsplit

import pytest
import requests
from conftest import ADMIN, T1, Api, seed, shared_dir

ALL_IDS = {"op": "exist", "field": "id"}
CHILD_ONLY = ("ResourceRoleDepartments", "ResourceRoleQueues", "ResourceServiceDeskRoles")
CHILDREN = ("RoleDepartments", "RoleQueues", "ServiceDeskRoles", "Roles")
FIELD_KEYS = ("dataType", "length", "isRequired", "isReadOnly", "isQueryable", "isReference", "referenceEntityType")
FIELD_KEYS += ("isPickList", "picklistParentValueField", "isSupportedWebhookField")
TENANT_PICKLISTS = ("userType", "locationID")  # each tenant's own levels and locations


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


def test_an_unknown_user_on_a_zone_host_is_a_401(server, admin):
    """PyPI atrest 1.0.2's live test testInvalidUsername (atrest/test/test_api.py) expects 401 on a
    zone host; zoneInformation keeps its 500 zone error, a bad code its 500 (#19 item 5)."""
    r = Api(server, ("nobody@t1.example", "x", ADMIN[2])).call("GET", "ThresholdInformation")
    assert r.status_code == 401 and r.json() == {"Message": "Authorization has been denied for this request."}
    r = requests.get(server.url + "/atservicesrest/v1.0/zoneInformation", params={"user": "nobody"}, timeout=5)
    assert r.status_code == 500 and r.json() == {"errors": ["Zone information could not be determined"]}
    assert Api(server, (ADMIN[0], ADMIN[1], "WRONG")).call("GET", "ThresholdInformation").status_code == 500


def test_include_fields_keeps_user_defined_fields(admin, server):
    """The real answer in @apigrate/autotask-restapi's README ("Limiting fields returned on a
    query") keeps "userDefinedFields": [] beside the listed fields (#19 item 6)."""
    ci = min(server.sandbox.tenants[T1].records["ConfigurationItems"])
    admin.call("PATCH", "ConfigurationItems", {"id": ci, "userDefinedFields": [{"name": "Asset Tag", "value": "A1"}]})
    one = {"op": "eq", "field": "id", "value": ci}
    item = admin.query("ConfigurationItems", [one], includeFields=["id"]).json()["items"][0]
    assert item == {"id": ci, "userDefinedFields": []}
    reseed(admin, udfs_outside_include_fields="listed")
    admin.call("PATCH", "ConfigurationItems", {"id": ci, "userDefinedFields": [{"name": "Asset Tag", "value": "A1"}]})
    item = admin.query("ConfigurationItems", [one], includeFields=["id"]).json()["items"][0]
    assert {"name": "Asset Tag", "value": "A1"} in item["userDefinedFields"]


@pytest.mark.parametrize(
    "method, path",
    [("PATCH", "Resources/10"), ("PUT", "Resources/10"), ("GET", "Resources"), ("DELETE", "Tickets/query")],
)
def test_a_wrong_verb_on_a_known_route_is_405(admin, method, path):
    """ASP.NET Web API answers a declared path with an undeclared verb by 405 and this body, as the
    live 405 in WYRE-AI/autotask-mcp PR #170 shows (#19 item 7); Swagger declares only GET on
    /V1.0/Resources/{id}, PATCH and PUT on /V1.0/Resources."""
    r = admin.call(method, path, {"id": 10})
    assert r.status_code == 405
    assert r.json() == {"Message": "The requested resource does not support http method '%s'." % method}


def test_paging_tokens_carry_id_lists_url_encoded_and_versions_are_named(admin, server):
    """Real paging tokens carry previousIds/nextIds lists, URL-encoded (KelvinTegelaar/AutotaskAPI
    issue #66); versioninformation answers {"apiVersions": ["V1.0", "V2.0"]} (KelvinTegelaar/
    AutotaskAPI PR #76) (#19 item 8)."""
    first = admin.query("Tickets", [ALL_IDS]).json()
    link = first["pageDetails"]["nextPageUrl"]
    raw = urlsplit(link).query.split("&")[0].split("=", 1)[1]
    assert "%22" in raw and "{" not in raw  # URL-encoded JSON
    token = json.loads(unquote(raw))
    assert token["previousIds"] == [first["items"][-1]["id"]] and token["nextIds"]
    second = admin.session.get(link, timeout=10).json()
    again = json.loads(unquote(urlsplit(second["pageDetails"]["nextPageUrl"]).query.split("&")[0].split("=", 1)[1]))
    assert len(again["previousIds"]) == 2  # the link grows with every page
    r = requests.get(server.url + "/atservicesrest/versioninformation", timeout=5)
    assert r.json() == {"apiVersions": ["V1.0", "V2.0"]}


def test_a_get_next_page_link_over_the_url_limit_is_404(admin):
    """KelvinTegelaar/AutotaskAPI issue #66: a GET next-page link longer than the URL limit answers
    404 (IIS request filtering, before the API)."""

    def long_filter(pad):
        return [ALL_IDS, {"op": "noteq", "field": "title", "value": "x" * pad}]

    base = len(urlsplit(admin.query("Tickets", long_filter(0)).request.url).query)
    r = admin.query("Tickets", long_filter(2000 - base))  # a first page just under the limit
    assert r.status_code == 200 and len(urlsplit(r.request.url).query) == 2000
    link = r.json()["pageDetails"]["nextPageUrl"]
    assert len(urlsplit(link).query) > 2048
    refused = admin.session.get(link, timeout=10)
    assert refused.status_code == 404 and refused.headers["Content-Type"].startswith("text/html")


def test_a_503_fault_is_an_html_proxy_page(admin):
    """sandbox/README.md promises an HTML proxy page for the 503 fault (#19 item 9)."""
    admin.control("PUT", "/faults", {"tenant": T1, "503": 1.0})
    r = admin.call("GET", "ThresholdInformation")
    assert r.status_code == 503 and r.headers["Content-Type"].startswith("text/html")
    assert b"Service Unavailable" in r.content


@pytest.mark.parametrize("method, path", [(m, e) for e in CHILD_ONLY for m in ("POST", "PUT", "PATCH", "GET")])
def test_child_only_entities_have_no_top_level_path(admin, method, path):
    """Swagger declares no /V1.0/ResourceRoleDepartments, /ResourceRoleQueues or
    /ResourceServiceDeskRoles path (only .../query, .../{id}, ...), so no verb reaches one: 404,
    as ASP.NET answers a URI no route matches (#13 item 4)."""
    r = admin.call(method, path, {"id": 1})
    assert r.status_code == 404 and r.json() == {"Message": "No HTTP resource was found that matches the request URI."}


def test_a_resources_child_collections_answer_get(admin):
    """Swagger declares GET /V1.0/Resources/{parentId}/RoleDepartments, /RoleQueues,
    /ServiceDeskRoles and /Roles (QueryActionResult) and /Roles/{id} (#13 item 4)."""
    pages = {child: admin.call("GET", "Resources/13/%s" % child).json() for child in CHILDREN}
    assert [(i["departmentID"], i["roleID"]) for i in pages["RoleDepartments"]["items"]] == [(500, 600)]
    assert [i["queueID"] for i in pages["RoleQueues"]["items"]] == [701]
    assert [i["roleID"] for i in pages["ServiceDeskRoles"]["items"]] == [600]
    assert {(i["departmentID"], i["roleID"], i["queueID"]) for i in pages["Roles"]["items"]} == {
        (500, 600, None),
        (None, None, 701),
        (None, 600, None),
    }
    assert all(set(p["pageDetails"]) == {"count", "requestCount", "prevPageUrl", "nextPageUrl"} for p in pages.values())
    one = pages["Roles"]["items"][0]["id"]
    assert admin.call("GET", "Resources/13/Roles/%d" % one).json()["item"]["resourceID"] == 13
    assert admin.call("POST", "Resources/13/Roles", {"roleID": 600}).status_code == 405  # GET only
    assert admin.call("GET", "Resources/12/RoleQueues").json()["items"] == []


def test_version_and_modules_have_the_swagger_shapes(admin):
    """Swagger: GET /V1.0/Version answers AutotaskVersionResultModel {majorVersion, minorVersion,
    build} (strings); GET /V1.0/Modules answers ModuleAccessResultModel {"modules": [{key, value}]}
    (#13 item 4)."""
    version = admin.call("GET", "Version").json()
    assert set(version) == {"majorVersion", "minorVersion", "build"}
    assert all(isinstance(v, str) for v in version.values())
    modules = admin.call("GET", "Modules").json()["modules"]
    assert modules and all(isinstance(m["key"], int) and isinstance(m["value"], bool) for m in modules)


def test_an_unknown_operator_drops_its_clause(admin):
    """Live Autotask discards a clause with an unknown operator ("ne" for "noteq") and answers
    the rest, unfiltered if nothing is left (WYRE-AI/autotask-mcp PR #282, issue #193) (#13 item 4)."""
    assert ids(admin.query("Resources", [{"op": "ne", "field": "id", "value": 10}])) == [10, 11, 12, 13]
    both = [{"op": "ne", "field": "id", "value": 10}, {"op": "eq", "field": "id", "value": 10}]
    assert ids(admin.query("Resources", both, method="POST")) == [10]


def test_error_texts_are_the_live_ones(admin):
    """WYRE-AI/autotask-mcp PR #282: "Unable to find projectID in the TimeEntry Entity." (the
    singular entity name); its autotask-http.ts: "maxCountOfRecordsToReturn must be between 1 and
    500" (#13 item 4)."""
    r = admin.query("Resources", [{"op": "eq", "field": "projectID", "value": 1}])
    assert r.status_code == 500 and r.json() == {"errors": ["Unable to find projectID in the Resource Entity."]}
    r = admin.query("Companies", [ALL_IDS], includeFields=["nope"])
    assert r.json() == {"errors": ["Unable to find nope in the Company Entity."]}
    r = admin.query("Tickets", [ALL_IDS], maxRecords=501)
    assert r.status_code == 500 and r.json() == {"errors": ["maxCountOfRecordsToReturn must be between 1 and 500"]}


def test_resources_field_metadata_matches_the_real_sample(admin):
    """samples/resources-entityinformation-fields.json (a production tenant's answer): the same
    fields with the same types, lengths, flags, references and fixed picklists (#13 item 4)."""
    with open(os.path.join(shared_dir(), "autotask-api", "samples", "resources-entityinformation-fields.json")) as f:
        real = {x["name"]: x for x in json.load(f)["fields"]}
    ours = {x["name"]: x for x in admin.call("GET", "Resources/entityInformation/fields").json()["fields"]}
    assert sorted(ours) == sorted(real)
    for name, field in real.items():
        for key in FIELD_KEYS:
            assert ours[name][key] == field[key], (name, key)
        if name not in TENANT_PICKLISTS and field["isPickList"]:
            assert ours[name]["picklistValues"] == field["picklistValues"], name
    sort_orders = [v["sortOrder"] for v in ours["userType"]["picklistValues"]]
    assert sort_orders == list(range(1, len(sort_orders) + 1))  # from 1, as the sample


def udf_names(api):
    return [
        f["name"] for f in api.call("GET", "ConfigurationItems/entityInformation/userDefinedFields").json()["fields"]
    ]


def udf_values(api, ci):
    return {
        u["name"]: u["value"] for u in api.call("GET", "ConfigurationItems/%d" % ci).json()["item"]["userDefinedFields"]
    }


def test_protected_data_is_masked_by_default(admin, propel, server):
    """Autotask's help (Protected Data Permission, D-PD): protected contents are masked for users
    without the rights, the field stays (#13 item 4). The admin holds Edit Unprotected only."""
    ci = min(server.sandbox.tenants[T1].records["ConfigurationItems"])
    server.sandbox.tenants[T1].udf_values[("ConfigurationItems", ci)] = {"Asset Tag": "A1", "BIOS Password": "pw"}
    assert udf_names(admin) == udf_names(propel) == ["Asset Tag", "BIOS Password"]
    assert udf_values(admin, ci) == {"Asset Tag": "A1", "BIOS Password": "*****"}
    protected = {"id": ci, "userDefinedFields": [{"name": "BIOS Password", "value": "x"}]}
    assert admin.call("PATCH", "ConfigurationItems", protected).status_code == 500  # no Edit Protected
    admin.control("PUT", "/tenants/%d/protected-data/10" % T1, {"view_protected": True})
    assert udf_values(admin, ci) == {"Asset Tag": "A1", "BIOS Password": "pw"}


def test_protected_data_hidden_behind_the_switch(admin, propel):
    """protected_data_effect=hidden: the SolarWinds guide's reading (seed 002), UDFs unavailable."""
    reseed(admin, protected_data_effect="hidden")
    assert udf_names(admin) == ["Asset Tag"]  # edit unprotected implies view unprotected, not protected
    assert udf_names(propel) == []
    admin.control("PUT", "/tenants/%d/protected-data/11" % T1, {"edit_protected": True})
    assert udf_names(propel) == ["Asset Tag", "BIOS Password"]


def test_inactive_logins_and_reference_reads_follow_their_switches(admin, propel):
    """Assumptions (sandbox/README.md evidence table): an inactive user is refused unless
    inactive_login=allowed; an API-only level reads Resources whatever its rows unless
    reference_reads=false."""
    assert propel.query("Resources", [ALL_IDS]).status_code == 200
    reseed(admin, inactive_login="allowed", reference_reads=False)
    r = propel.query("Resources", [ALL_IDS])
    assert r.status_code == 500 and "adequate permissions" in r.json()["errors"][0]
    admin.control("PATCH", "/tenants/%d/entities/Resources/10" % T1, {"isActive": False})
    assert admin.call("GET", "ThresholdInformation").status_code == 200
