"""Sandbox responses validate against the real Swagger 2.0 definitions (../shared/autotask-api)."""

import json
import os

import jsonschema
import pytest
import requests
from conftest import shared_dir

SPEC_PATH = os.path.join(shared_dir(), "autotask-api", "autotask-swagger.json")

ENTITY_MODELS = {
    "Resources": "ResourceModel",
    "ResourceRoles": "ResourceRoleModel",
    "ResourceRoleDepartments": "ResourceRoleDepartmentModel",
    "ResourceRoleQueues": "ResourceRoleQueueModel",
    "ResourceServiceDeskRoles": "ResourceServiceDeskRoleModel",
    "Departments": "DepartmentModel",
    "Roles": "RoleModel",
    "Companies": "CompanyModel",
    "Contracts": "ContractModel",
    "Opportunities": "OpportunityModel",
    "Tickets": "TicketModel",
    "ConfigurationItems": "ConfigurationItemModel",
    "CompanyToDos": "CompanyToDoModel",
    "CompanySiteConfigurations": "CompanySiteConfigurationModel",
    "UserDefinedFieldDefinitions": "UserDefinedFieldDefinitionModel",
}
# Fields a newer real answer shows that the 2022 Swagger file predates:
# samples/resources-entityinformation-fields.json (2025) lists payrollIdentifier.
NEWER_FIELDS = {"ResourceModel": {"payrollIdentifier": {"type": ["string", "null"]}}}
# Declared verbs the sandbox does not model, with the reason: the collection never deletes a to-do.
UNMODELLED = {"/V1.0/Companies/{parentId}/ToDos/{id}": {"DELETE"}}


@pytest.fixture(scope="module")
def spec():
    if not os.path.exists(SPEC_PATH):
        pytest.fail("the Swagger definition is missing at %s (set AUTOTASK_SHARED_DIR)" % SPEC_PATH)
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def nullable(schema):
    """The real API sends null for empty values, which Swagger 2.0 cannot state; allow it."""
    if isinstance(schema, dict):
        out = {k: nullable(v) for k, v in schema.items()}
        if isinstance(out.get("type"), str) and out["type"] != "object":
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(schema, list):
        return [nullable(v) for v in schema]
    return schema


def validator(spec, ref, strict=True):
    definitions = nullable(spec["definitions"])
    # Swagger declares RestUserAccessLevel as an empty object (an enum it failed to describe);
    # real responses carry the names (panoramicdata test built from a real response).
    definitions["RestUserAccessLevel"] = {"enum": ["None", "All", "Restricted"]}
    # "Object" is C#'s untyped object: itemId is an integer and isSupportedWebhookField a boolean
    # in real answers (shared samples), so it admits any JSON value.
    definitions["Object"] = {}
    for model, extra in NEWER_FIELDS.items():
        definitions[model] = dict(definitions[model], properties=dict(definitions[model]["properties"], **extra))
    if strict:  # nothing beyond what the model declares
        for name in definitions:
            if definitions[name].get("properties"):
                definitions[name] = dict(definitions[name], additionalProperties=False)
    schema = {"$ref": "#/definitions/" + ref, "definitions": definitions}
    return jsonschema.Draft4Validator(schema)


def check(spec, ref, payload):
    errors = sorted(validator(spec, ref).iter_errors(payload), key=str)
    assert not errors, "%s: %s" % (ref, "; ".join(e.message for e in errors[:5]))


def response_ref(spec, path, method="get"):
    return spec["paths"][path][method]["responses"]["200"]["schema"]["$ref"].split("/")[-1]


@pytest.mark.parametrize("entity", sorted(ENTITY_MODELS))
def test_query_item_count_and_info_match_swagger(spec, admin, entity):
    page = admin.query(entity, [{"op": "exist", "field": "id"}])
    assert page.status_code == 200, page.text
    ref = response_ref(spec, "/V1.0/%s/query" % entity)
    assert ENTITY_MODELS[entity] in ref
    check(spec, ref, page.json())
    items = page.json()["items"]
    assert items, "seed has no %s rows" % entity
    item = admin.call("GET", "%s/%d" % (entity, items[0]["id"]))
    check(spec, response_ref(spec, "/V1.0/%s/{id}" % entity), item.json())
    count = admin.call(
        "GET", "%s/query/count" % entity, params={"search": json.dumps({"filter": [{"op": "exist", "field": "id"}]})}
    )
    check(spec, response_ref(spec, "/V1.0/%s/query/count" % entity), count.json())
    info = admin.call("GET", "%s/entityInformation" % entity).json()
    check(spec, response_ref(spec, "/V1.0/%s/entityInformation" % entity), info)
    fields = admin.call("GET", "%s/entityInformation/fields" % entity).json()
    check(spec, response_ref(spec, "/V1.0/%s/entityInformation/fields" % entity), fields)
    model = ENTITY_MODELS[entity]
    model_fields = set(spec["definitions"][model]["properties"]) | set(NEWER_FIELDS.get(model, {}))
    assert {f["name"] for f in fields["fields"]} <= model_fields


def test_global_and_misc_endpoints_match_swagger(spec, admin, server):
    check(spec, response_ref(spec, "/V1.0/EntityInformation"), admin.call("GET", "EntityInformation").json())
    check(spec, response_ref(spec, "/V1.0/ThresholdInformation"), admin.call("GET", "ThresholdInformation").json())
    udfs = admin.call("GET", "ConfigurationItems/entityInformation/userDefinedFields").json()
    check(spec, response_ref(spec, "/V1.0/ConfigurationItems/entityInformation/userDefinedFields"), udfs)
    zone = requests.get(
        server.url + "/atservicesrest/v1.0/zoneInformation", params={"user": "admin@t1.example"}, timeout=5
    )
    check(spec, response_ref(spec, "/V1.0/ZoneInformation"), zone.json())
    check(
        spec,
        response_ref(spec, "/VersionInformation"),
        requests.get(server.url + "/atservicesrest/versioninformation", timeout=5).json(),
    )


def test_create_answers_match_swagger(spec, admin):
    r = admin.call("POST", "Resources/11/RoleQueues", {"queueID": 700})
    check(spec, response_ref(spec, "/V1.0/Resources/{parentId}/RoleQueues", "post"), r.json())


def declared(spec, path):
    """The verbs Swagger declares on a path, upper-case, or None where it declares no such path."""
    ops = spec["paths"].get(path)
    return None if ops is None else {verb.upper() for verb in ops} - UNMODELLED.get(path, set())


def test_verbs_match_swagger(spec):
    """The sandbox routes exactly the verbs Swagger declares (405 for another verb on a declared
    path, 404 where no path is declared): top-level, by id, query and child URLs."""
    from autotask_sandbox import catalog
    from autotask_sandbox.server import route_verbs

    for name, entity in catalog.ENTITIES.items():
        top = declared(spec, "/V1.0/%s" % name)
        assert route_verbs(entity, [], None) == top, name
        assert route_verbs(entity, ["1"], None) == declared(spec, "/V1.0/%s/{id}" % name), name
        for tail in (["query"], ["query", "count"]):
            assert route_verbs(entity, tail, None) == declared(spec, "/V1.0/%s/%s" % (name, "/".join(tail))), name
        for child, child_name in entity.children.items():
            child_entity = catalog.ENTITIES[child_name]
            path = "/V1.0/%s/{parentId}/%s" % (name, child)
            assert route_verbs(child_entity, [], 1) == declared(spec, path), (name, child)
            assert route_verbs(child_entity, ["1"], 1) == declared(spec, path + "/{id}"), (name, child)
