# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capture scrub rule: nothing personal or secret survives, structure and ids do."""

from __future__ import annotations

import json
import os

import pytest
import responses

from ansible_collections.msp.autotask.plugins.module_utils import _capture as cap
from ansible_collections.msp.autotask.plugins.module_utils import _client as c

BASE = "https://webservices14.autotask.net/ATServicesRest"
API = BASE + "/V1.0"
SECRET = "s3cr3t-Value-never-shown"
CODE = "INTEGRATION-code-never-shown"
USER = "capture-user@tenant.example"

PERSONAL = ("Quintanilla", "Zoë", "Marsh", "jq.marsh", "zoe@customer.example", "555-0199", "12 Elm Street")

RESOURCE = {
    "id": 29682885,
    "isActive": True,
    "licenseType": 7,
    "locationID": 90682,
    "internalCost": 12.5,
    "firstName": "Zoë",
    "lastName": "Quintanilla-Marsh",
    "middleName": "",
    "userName": "jq.marsh",
    "email": "zoe@customer.example",
    "officePhone": "555-0199",
    "title": "Marsh Engineer",
    "addressLine1": "12 Elm Street",
    "hireDate": "2021-03-04T00:00:00",
    "dateFormat": "MM/dd/yyyy",
    "resourceType": "Employee",
    "userDefinedFields": [{"name": "Badge", "value": "Quintanilla badge"}],
}


def dumped(value):
    return json.dumps(value, ensure_ascii=False)


def test_a_record_keeps_ids_numbers_booleans_and_codes_and_loses_every_name():
    out = cap.scrub_answer({"items": [RESOURCE], "pageDetails": {"count": 1, "nextPageUrl": None}})
    row = out["items"][0]
    assert not any(word in dumped(out) for word in PERSONAL)
    assert {k: row[k] for k in ("id", "isActive", "licenseType", "locationID", "internalCost")} == {
        "id": 29682885,
        "isActive": True,
        "licenseType": 7,
        "locationID": 90682,
        "internalCost": 12.5,
    }
    assert row["dateFormat"] == "MM/dd/yyyy" and row["resourceType"] == "Employee"
    assert row["email"] == "<email>" and row["firstName"] == "<name>" and row["userName"] == "<name>"
    assert row["officePhone"] == "<phone>" and row["addressLine1"] == "<address>"
    assert row["hireDate"] == "<datetime>" and row["middleName"] == ""
    assert row["userDefinedFields"] == [{"name": "Badge", "value": "<text>"}]
    assert out["pageDetails"] == {"count": 1, "nextPageUrl": None}
    assert sorted(row) == sorted(RESOURCE)


@pytest.mark.parametrize("key", ["secret", "Secret", "password", "apiIntegrationCode", "access_token", "ApiKey"])
def test_a_secret_key_is_masked_whatever_its_type_and_place(key):
    out = cap.scrub_answer({"info": {key: SECRET}, "errors": [{key: 1234}], "item": {key: [SECRET]}})
    assert SECRET not in dumped(out) and "1234" not in dumped(out)
    assert out["info"][key] == out["errors"][0][key] == out["item"][key] == "<secret>"


def test_emails_are_masked_in_free_text_the_api_wrote():
    out = cap.scrub_answer({"errors": ["User zoe@customer.example has no access (code 7)"]})
    assert out == {"errors": ["User <email> has no access (code 7)"]}


def field(name, entries, **extra):
    return dict({"name": name, "dataType": "integer", "isPickList": True, "picklistValues": entries}, **extra)


def entry(value, label, system):
    return {"value": value, "label": label, "isSystem": system, "isActive": True, "sortOrder": 1, "parentValue": ""}


def test_picklists_keep_structure_system_labels_and_levels_but_not_custom_labels():
    answer = {
        "fields": [
            field(
                "userType", [entry("1", "System Administrator", False), entry("29682885", "API User (system)", True)]
            ),
            field("locationID", [entry("90682", "Quintanilla Marsh office", False)]),
            field("gender", [entry("F", "Female", True)]),
            field("note", None, description="Ask zoe about this", defaultValue="Marsh"),
        ]
    }
    out = cap.scrub_answer(answer)
    user_type, location, gender, note = out["fields"]
    assert [e["label"] for e in user_type["picklistValues"]] == ["System Administrator", "API User (system)"]
    assert location["picklistValues"] == [dict(entry("90682", "<label>", False))]
    assert gender["picklistValues"][0]["label"] == "Female"
    assert note["description"] == "<text>" and note["defaultValue"] == "<text>" and note["picklistValues"] is None
    assert not any(word in dumped(out) for word in (*PERSONAL, "Quintanilla Marsh office"))


def test_search_filters_keep_fields_operators_and_numbers_and_lose_text():
    query = 'search={"filter":[{"op":"or","items":[{"op":"eq","field":"userName","value":"jq.marsh"},' + (
        '{"op":"in","field":"id","value":[1,2]},{"op":"eq","field":"email","value":"zoe@customer.example"}]}],'
        '"includeFields":["id","email"],"maxRecords":50}&paging={"lastId":500}'
    )
    out = cap.scrub_query_string(query)
    assert out["paging"] == '{"lastId":500}'
    assert out["search"] == {
        "filter": [
            {
                "op": "or",
                "items": [
                    {"op": "eq", "field": "userName", "value": "<text>"},
                    {"op": "in", "field": "id", "value": [1, 2]},
                    {"op": "eq", "field": "email", "value": "<email>"},
                ],
            }
        ],
        "includeFields": ["id", "email"],
        "maxRecords": 50,
    }
    assert cap.scrub_query_string("user=zoe%40customer.example") == {"user": "<email>"}


def test_a_next_page_link_keeps_its_host_path_and_token_and_loses_its_search():
    link = API + "/Resources/query/next?paging=%7B%22lastId%22%3A5%7D&search=%7B%22filter%22%3A%5B%7B%22op%22%3A%22eq"
    link += "%22%2C%22field%22%3A%22lastName%22%2C%22value%22%3A%22Quintanilla%22%7D%5D%7D"
    out = cap.scrub_answer({"pageDetails": {"nextPageUrl": link}})["pageDetails"]["nextPageUrl"]
    assert out.startswith(API + "/Resources/query/next?paging=") and "Quintanilla" not in out and "lastName" in out


def same_shape(left, right):
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and sorted(left) == sorted(right)
            and all(same_shape(left[k], right[k]) for k in left)
        )
    if isinstance(left, list):
        return isinstance(right, list) and len(left) == len(right) and all(map(same_shape, left, right))
    return type(left) is type(right)


def test_every_real_sample_keeps_its_shape_through_the_scrub_and_a_second_scrub_changes_nothing(real_samples):
    for path in real_samples:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        once = cap.scrub_answer(data)
        assert same_shape(data, once), path
        assert cap.scrub_answer(once) == once, path


@responses.activate
def test_the_client_records_every_request_without_headers_host_or_secrets(tmp_path):
    responses.get(API + "/Resources/query", json={"items": [RESOURCE], "pageDetails": {"nextPageUrl": None}})
    responses.get(API + "/Resources/8", json={"item": None})
    responses.get(API + "/Roles/9", status=404, json={"errors": ["zoe@customer.example not found"]})
    recorder = cap.CaptureRecorder(str(tmp_path / "captures"))
    client = c.AutotaskClient(USER, SECRET, CODE, api_url=BASE, zone_cache_path=False, recorder=recorder)
    list(client.query("Resources", [{"op": "eq", "field": "email", "value": "zoe@customer.example"}]))
    client.get("Resources", 8)
    client.get("Roles", 9)
    names = sorted(os.listdir(tmp_path / "captures"))
    assert names == ["0001-GET-Resources_query.json", "0002-GET-Resources_8.json", "0003-GET-Roles_9.json"]
    records = [json.loads((tmp_path / "captures" / n).read_text(encoding="utf-8")) for n in names]
    text = "".join((tmp_path / "captures" / n).read_text(encoding="utf-8") for n in names)
    for forbidden in (SECRET, CODE, USER, "webservices14", "ApiIntegrationCode", *PERSONAL):
        assert forbidden not in text
    assert records[0]["request"]["path"] == "/ATServicesRest/V1.0/Resources/query"
    assert records[0]["request"]["query"]["search"]["filter"][0]["value"] == "<email>"
    assert records[1]["response"] == {"status": 200, "body": {"item": None}}
    assert records[2]["response"] == {"status": 404, "body": {"errors": ["<email> not found"]}}
    assert recorder.written == [str(tmp_path / "captures" / n) for n in names]


@responses.activate
def test_numbering_continues_after_the_files_already_there_and_non_json_is_summarised(tmp_path):
    (tmp_path / "0007-GET-earlier.json").write_text("{}", encoding="utf-8")
    responses.patch(API + "/Resources", status=503, body="<html>Quintanilla proxy</html>")
    client = c.AutotaskClient(USER, SECRET, CODE, api_url=BASE, zone_cache_path=False)
    client.recorder = cap.CaptureRecorder(str(tmp_path))
    with pytest.raises(c.AutotaskError):
        client.update("Resources", {"id": 7, "firstName": "Zoë"})
    record = json.loads((tmp_path / "0008-PATCH-Resources.json").read_text(encoding="utf-8"))
    assert record["request"]["body"] == {"id": 7, "firstName": "<name>"}
    assert record["response"] == {"status": 503, "body": {"nonJsonBody": "<text 30 characters>"}}
