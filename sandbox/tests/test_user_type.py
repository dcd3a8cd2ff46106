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
