"""Site Configuration (CompanySiteConfigurations): Swagger's paths, protected UDFs (issue #13).

Sources: the Swagger definition (paths and CompanySiteConfigurationModel), Autotask's help
(REST CompanySiteConfigurationsEntity: "The API respects Data Protection Permissions", no UDFs
without any permission, "*****" masks; Viewing protected data, D-PD; the Site Configuration tab:
"access to CRM, Edit All or Edit Mine permission for associated organization").
"""

import pytest
from conftest import T1, seed

ENTITY = "CompanySiteConfigurations"
LEVEL = "/tenants/%d/security-levels/API User (Propel Your MSP)" % T1


def reseed(api, **assumptions):
    """The test fleet with a plain and a protected Site Configuration UDF (and values for each)."""
    doc = seed()
    doc["settings"]["assumptions"] = assumptions
    doc["tenants"][0]["udfs"] += [
        {"name": "Door Code", "entity": ENTITY},
        {"name": "Alarm PIN", "entity": ENTITY, "protected": True},
    ]
    assert api.control("POST", "/seed", doc).status_code == 200


def site_configurations(api):
    page = api.query(ENTITY, [{"op": "exist", "field": "id"}])
    assert page.status_code == 200, page.text
    return page.json()["items"]


def udf_names(api):
    return [f["name"] for f in api.call("GET", ENTITY + "/entityInformation/userDefinedFields").json()["fields"]]


def udfs(api, company):
    items = api.call("GET", "Companies/%d/SiteConfigurations" % company).json()["items"]
    return {u["name"]: u["value"] for u in items[0]["userDefinedFields"]}


def set_values(server, values):
    tenant = server.sandbox.tenants[T1]
    for row in tenant.records[ENTITY].values():
        tenant.udf_values[(ENTITY, row["id"])] = dict(values)


def test_every_company_has_one_site_configuration_at_the_swagger_paths(admin, server):
    """Swagger: /V1.0/CompanySiteConfigurations/query, /{id}, query/count; /Companies/{parentId}/
    SiteConfigurations GET/PUT/PATCH and /{id} GET; no POST, no top-level write."""
    companies = sorted(server.sandbox.tenants[T1].records["Companies"])
    rows = site_configurations(admin)
    assert sorted(r["companyID"] for r in rows) == companies
    assert set(rows[0]) == {"id", "companyID", "locationName", "userDefinedFields"}
    count = admin.call("POST", ENTITY + "/query/count", {"filter": [{"op": "exist", "field": "id"}]})
    assert count.json() == {"queryCount": len(companies)}
    first = rows[0]
    assert admin.call("GET", "%s/%d" % (ENTITY, first["id"])).json()["item"] == first
    child = "Companies/%d/SiteConfigurations" % first["companyID"]
    assert admin.call("GET", child).json()["items"] == [first]
    assert admin.call("GET", "%s/%d" % (child, first["id"])).json()["item"] == first
    other = "Companies/%d/SiteConfigurations/%d" % (companies[1], first["id"])
    assert admin.call("GET", other).json() == {"item": None}  # not that company's
    assert admin.call("POST", child, {"locationName": "x"}).status_code == 405
    assert admin.call("PATCH", ENTITY, {"id": first["id"]}).status_code == 404
    assert admin.call("PATCH", child, {"id": first["id"], "locationName": "Main site"}).status_code == 200
    fields = admin.call("GET", child + "/entityInformation/fields").json()["fields"]
    assert {f["name"] for f in fields} == {"id", "companyID", "locationName"}


def test_a_new_company_gets_its_site_configuration(admin):
    """The entity holds the UDFs of "the account represented by companyID" (REST
    CompanySiteConfigurationsEntity) and Swagger gives it no POST: it comes with the company."""
    company = admin.call("POST", "Companies", {"companyName": "Fabrikam"}).json()["itemId"]
    assert [
        r["locationName"] for r in admin.call("GET", "Companies/%d/SiteConfigurations" % company).json()["items"]
    ] == ["Fabrikam"]


def test_protected_site_configuration_udfs_are_masked_and_need_edit_protected(admin, server):
    """D-PD and the REST entity page: protected values read "*****" without View Protected;
    writing one needs Edit Protected. The admin holds Edit Unprotected only."""
    reseed(admin)
    set_values(server, {"Door Code": "1234", "Alarm PIN": "9876"})
    company = min(server.sandbox.tenants[T1].records["Companies"])
    assert udfs(admin, company) == {"Door Code": "1234", "Alarm PIN": "*****"}
    row = site_configurations(admin)[0]["id"]
    child = "Companies/%d/SiteConfigurations" % company
    protected = {"id": row, "userDefinedFields": [{"name": "Alarm PIN", "value": "1"}]}
    assert admin.call("PATCH", child, protected).status_code == 500
    plain = {"id": row, "userDefinedFields": [{"name": "Door Code", "value": "4321"}]}
    assert admin.call("PATCH", child, plain).status_code == 200
    admin.control("PUT", "/tenants/%d/protected-data/10" % T1, {"edit_protected": True})
    assert admin.call("PATCH", child, protected).status_code == 200
    assert udfs(admin, company) == {"Door Code": "4321", "Alarm PIN": "1"}


def test_without_any_protected_data_permission_no_site_configuration_udf_displays(admin, propel):
    """REST CompanySiteConfigurationsEntity: "If the user has no Protected Data Permission, then no
    UDFs will display"; with one, all display (values masked by the boxes)."""
    reseed(admin)
    assert udf_names(propel) == []
    admin.control("PUT", "/tenants/%d/protected-data/11" % T1, {"view_unprotected": True})
    assert udf_names(propel) == ["Door Code", "Alarm PIN"]


def test_protected_site_configuration_udfs_hidden_behind_the_switch(admin):
    """protected_data_effect=hidden (the SolarWinds guide's reading, seed 002) covers Site
    Configuration as it covers Configuration Items."""
    reseed(admin, protected_data_effect="hidden")
    assert udf_names(admin) == ["Door Code"]
    admin.control("PUT", "/tenants/%d/protected-data/10" % T1, {"view_protected": True})
    assert udf_names(admin) == ["Door Code", "Alarm PIN"]


@pytest.mark.parametrize(
    "permission, query, update", [("View: Mine, Edit: Mine", "Restricted", "Restricted"), (None, "None", "None")]
)
def test_site_configuration_access_follows_the_organization_access(admin, propel, server, permission, query, update):
    """Help, Site Configuration tab: "access to CRM, Edit All or Edit Mine permission for associated
    organization": the CRM Accounts row governs it; Mine reaches the caller's companies only."""
    if permission:
        row = {"section": "CRM", "subsection": "Object Permissions", "name": "Accounts", "permission": permission}
        assert admin.control("PATCH", LEVEL, {"permissions": [row]}).status_code == 200
    info = propel.call("GET", ENTITY + "/entityInformation").json()["info"]
    assert (info["userAccessForQuery"], info["userAccessForUpdate"]) == (query, update)
    if not permission:
        assert propel.query(ENTITY, [{"op": "exist", "field": "id"}]).status_code == 500
        return
    mine = max(server.sandbox.tenants[T1].records["Companies"])
    admin.control("PATCH", "/tenants/%d/entities/Companies/%d" % (T1, mine), {"ownerResourceID": 11})
    assert [r["companyID"] for r in site_configurations(propel)] == [mine]
    rows = {r["companyID"]: r["id"] for r in server.sandbox.tenants[T1].records[ENTITY].values()}
    for company, status in ((mine, 200), (min(rows), 500)):  # Edit Mine: the caller's company only
        body = {"id": rows[company], "locationName": "Main site"}
        assert propel.call("PATCH", "Companies/%d/SiteConfigurations" % company, body).status_code == status
