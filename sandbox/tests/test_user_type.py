"""userType is the security level; its picklist lists the tenant's levels (real sample, #13)."""

import json
import os

import requests
from conftest import shared_dir


def picklist(admin):
    fields = admin.call("GET", "Resources/entityInformation/fields").json()["fields"]
    return next(f for f in fields if f["name"] == "userType")


def test_the_picklist_has_the_real_sample_shape(admin):
    with open(os.path.join(shared_dir(), "autotask-api", "samples", "resources-entityinformation-fields.json")) as f:
        real = next(x for x in json.load(f)["fields"] if x["name"] == "userType")
    ours = picklist(admin)
    for key in ("dataType", "isReadOnly", "isPickList"):
        assert ours[key] == real[key], key
    assert [p["label"] for p in ours["picklistValues"][:12]] == [p["label"] for p in real["picklistValues"][:12]]
    assert [p["sortOrder"] for p in ours["picklistValues"][:3]] == [1, 2, 3]  # from 1, as the sample
    labels = {p["label"]: p for p in ours["picklistValues"]}
    assert labels["API User (system)"]["isSystem"] is True  # the UI's "... (API-only)" without the suffix
    assert labels["API User (Propel Your MSP)"]["isSystem"] is False
    assert set(labels["API User (system)"]) == set(real["picklistValues"][0])


def test_the_picklist_and_user_type_follow_the_technician(server, admin):
    def control(method, path, body=None):
        return requests.request(method, server.url + "/_sandbox" + path, json=body, timeout=10).json()

    control("PATCH", "/tenants/111/security-levels/API User (Propel Your MSP)", {"active": False, "rename": "Old"})
    labels = {p["label"]: p for p in picklist(admin)["picklistValues"]}
    assert "API User (Propel Your MSP)" not in labels and labels["Old"]["isActive"] is False
    propel = admin.query("Resources", [{"op": "eq", "field": "id", "value": 11}]).json()["items"][0]
    assert str(propel["userType"]) == labels["Old"]["value"]


def real_field(name):
    with open(os.path.join(shared_dir(), "autotask-api", "samples", "resources-entityinformation-fields.json")) as f:
        return next(x for x in json.load(f)["fields"] if x["name"] == name)


def test_the_fixed_system_entries_match_the_sample(admin):
    """samples/resources-entityinformation-fields.json: the real tenant's system entries (isSystem
    true: "API User (system)" 13, "System Administrator (system)" 14 ... "API User (system) Can't
    Read Costs" 25) with their values and labels; sortOrder from 1 in value order, as there."""
    facts = ("value", "label", "isSystem", "isActive")
    real = [{k: p[k] for k in facts} for p in real_field("userType")["picklistValues"] if p["isSystem"]]
    ours = picklist(admin)["picklistValues"]
    assert [{k: p[k] for k in facts} for p in ours if p["isSystem"]] == real
    assert [int(p["value"]) for p in ours] == sorted(int(p["value"]) for p in ours)
    assert [p["sortOrder"] for p in ours] == list(range(1, len(ours) + 1))


def test_only_the_system_api_levels_lose_the_api_only_suffix(server, admin):
    """The real sample drops "(API-only)" from the two system API levels only ("API User (system)",
    "API User (system) Can't Read Costs"); it shows no custom level losing it, so a custom level
    named "... (API-only)" keeps its name."""
    body = {"name": "Propel (API-only)", "copy_from": "API User (system)"}
    assert requests.post(server.url + "/_sandbox/tenants/111/security-levels", json=body, timeout=10).ok
    labels = [p["label"] for p in picklist(admin)["picklistValues"]]
    assert "Propel (API-only)" in labels and "Propel" not in labels


def test_internal_locations_are_not_system_entries(admin):
    """samples/resources-entityinformation-fields.json: the locationID picklist's entries (the
    tenant's internal locations) are isSystem false, the first one the default value."""
    real = real_field("locationID")["picklistValues"]
    fields = admin.call("GET", "Resources/entityInformation/fields").json()["fields"]
    ours = next(f for f in fields if f["name"] == "locationID")["picklistValues"]
    assert {p["isSystem"] for p in ours} == {p["isSystem"] for p in real} == {False}
    assert [p["isDefaultValue"] for p in ours][:1] == [p["isDefaultValue"] for p in real][:1] == [True]
