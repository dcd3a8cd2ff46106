"""Contract: every capture of a real answer against the collection's parsers and the sandbox.

Each file under tests/fixtures/captures/ (docs/docsite/rst/capture.rst) holds one request and
the answer real Autotask gave. Here the answer goes through the collection's own parsers, and
the same request is replayed against the sandbox, whose answer is compared with the real one by
shape: status, key names, value types, wrappers, paging keys and error texts. Every difference
is printed (``pytest -s``); one that EXPLAINED does not account for, with its reason, fails.
"""

import glob
import json
import os
import re

import pytest
import requests

from ansible_collections.msp.autotask.plugins.module_utils import _capture as cap
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskClient, AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._session import TenantSession
from playbook import auth_defaults, run_tasks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPTURES = os.path.join(ROOT, "tests", "fixtures", "captures")
CODE = "SANDBOX-INTERNAL-CONTRACT"
ADMIN, SECRET = "admin@contract.example", "contract-secret-Cc71"
ADMIN_AUTH = {"username": ADMIN, "secret": SECRET, "integration_code": CODE}
REPLAY_AS = {"unknown": "nobody@nowhere.example", "wrong": "WRONG-INTEGRATION-CODE"}

# Differences between the sandbox and a capture that are understood. Each names the capture
# (a glob over its name under captures/), the kind and path of the difference (globs), and why
# it is acceptable. Anything else is the sandbox being wrong about real Autotask.
EXPLAINED = [
    {
        "capture": "shared-samples/*",
        "kind": "null-vs-value",
        "path": "items[].*",
        "why": "data differs: a value one tenant leaves empty (null, or '' in the fixture) is set in the other; "
        "the types agree wherever both are set",
    },
    {
        "capture": "shared-samples/0007-*",
        "kind": "extra-in-sandbox",
        "path": "items[].*",
        "check": "real_resource_field",
        "why": "django-autotask's fixture is a trimmed Resource; each extra key is a field of the real Resources "
        "field list (capture 0001)",
    },
    {
        "capture": "shared-samples/0002-*",
        "kind": "*",
        "path": "*",
        "why": "the sandbox models UDF definitions for Companies, ConfigurationItems, Contracts, Opportunities and "
        "Tickets only, and the collection reads no Contacts UDFs; the capture still proves the UDF parser reads "
        "real definitions",
    },
]

# Facts of a field's metadata that are Autotask's, the same in every tenant: compared by value.
FIELD_FACTS = ("dataType", "isPickList", "isReadOnly", "isQueryable", "isReference", "referenceEntityType")


def real_resource_field(difference):
    """True when the key a difference names is a field of the real Resources field list."""
    fields = load("shared-samples/0001-GET-Resources_entityInformation_fields.json")["response"]["body"]["fields"]
    return difference[1].rsplit(".", 1)[-1] in {f["name"] for f in fields}


CHECKS = {"real_resource_field": real_resource_field}


def capture_names():
    paths = glob.glob(os.path.join(CAPTURES, "**", "*.json"), recursive=True)
    return sorted(os.path.relpath(p, CAPTURES) for p in paths)


def load(name):
    with open(os.path.join(CAPTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


# -- shapes and differences -----------------------------------------------------------------


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"  # Autotask's decimals may come as 1 or 1.0: data, not shape
    return {str: "string", list: "array", dict: "object"}[type(value)]


def shape(value):
    """Types, keys and element shapes of a JSON value; an array's elements are merged."""
    out = {"types": {json_type(value)}, "keys": {}, "of": None}
    if isinstance(value, dict):
        out["keys"] = {k: shape(v) for k, v in value.items()}
    elif isinstance(value, list) and value:
        for element in value:
            out["of"] = merge(out["of"], shape(element))
    return out


def merge(left, right):
    if left is None or right is None:
        return left or right
    keys = dict(left["keys"])
    for key, value in right["keys"].items():
        keys[key] = merge(keys.get(key), value)
    return {"types": left["types"] | right["types"], "keys": keys, "of": merge(left["of"], right["of"])}


def differences(real, sandbox, path="", partial=False):
    """[(kind, path, detail)] between a real answer and the sandbox's, by shape."""
    if isinstance(real, dict) and isinstance(sandbox, dict):
        return _object_differences(real, sandbox, path, partial)
    if path.endswith("errors") or path == "Message":
        return [] if real == sandbox else [("error-text", path, "real %r, sandbox %r" % (real, sandbox))]
    if isinstance(real, list) and isinstance(sandbox, list):
        if path.endswith("fields") and all(isinstance(f, dict) and "name" in f for f in real + sandbox):
            return _field_differences(real, sandbox, path, partial)
        return _shape_differences(shape(real), shape(sandbox), path)
    return _shape_differences(shape(real), shape(sandbox), path)


def _object_differences(real, sandbox, path, partial):
    found = []
    for key in sorted(set(real) | set(sandbox)):
        where = "%s.%s" % (path, key) if path else key
        if key not in sandbox:
            found.append(("missing-in-sandbox", where, "real has %s" % json_type(real[key])))
        elif key not in real:
            found.append(("extra-in-sandbox", where, "sandbox has %s" % json_type(sandbox[key])))
        else:
            found.extend(differences(real[key], sandbox[key], where, partial))
    return found


def _field_differences(real, sandbox, path, partial):
    """Field metadata lists, matched by field name."""
    by_name = {f["name"]: f for f in sandbox}
    found = []
    for field in real:
        where = "%s[%s]" % (path, field["name"])
        if field["name"] not in by_name:
            found.append(("missing-in-sandbox", where, "no such field in the sandbox"))
            continue
        mine = by_name[field["name"]]
        found.extend(differences(field, mine, where, partial))
        for fact in FIELD_FACTS:
            if fact in field and fact in mine and field[fact] != mine[fact]:
                found.append(("field-fact", "%s.%s" % (where, fact), "real %r, sandbox %r" % (field[fact], mine[fact])))
    if not partial:  # a partial capture kept only some fields: the others say nothing
        names = {f["name"] for f in real}
        found += [
            ("extra-in-sandbox", "%s[%s]" % (path, n), "not in the real answer") for n in by_name if n not in names
        ]
    return found


def _shape_differences(real, sandbox, path):
    found = []
    real_types, sandbox_types = real["types"] - {"null"}, sandbox["types"] - {"null"}
    if real_types and sandbox_types and real_types != sandbox_types:
        found.append(("type", path, "real %s, sandbox %s" % (sorted(real_types), sorted(sandbox_types))))
    elif real_types != sandbox_types:
        found.append(("null-vs-value", path, "real %s, sandbox %s" % (sorted(real["types"]), sorted(sandbox["types"]))))
    for key in sorted(set(real["keys"]) | set(sandbox["keys"])):
        where = "%s.%s" % (path, key) if path else key
        if key not in sandbox["keys"]:
            found.append(("missing-in-sandbox", where, "real has %s" % sorted(real["keys"][key]["types"])))
        elif key not in real["keys"]:
            found.append(("extra-in-sandbox", where, "sandbox has %s" % sorted(sandbox["keys"][key]["types"])))
        else:
            found.extend(_shape_differences(real["keys"][key], sandbox["keys"][key], where))
    if real["of"] is not None and sandbox["of"] is not None:
        found.extend(_shape_differences(real["of"], sandbox["of"], path + "[]"))
    return found


def glob_match(value, pattern):
    """``*`` matches anything; every other character, brackets included, only itself."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value) is not None


def explained(name, difference):
    """The EXPLAINED entry that accounts for a difference, or None."""
    kind, path = difference[:2]
    for entry in EXPLAINED:
        globs = ((name, entry["capture"]), (kind, entry["kind"]), (path, entry["path"]))
        checked = "check" not in entry or CHECKS[entry["check"]](difference)
        if checked and all(glob_match(value, pattern) for value, pattern in globs):
            return entry
    return None


# -- replay against the sandbox -------------------------------------------------------------


def tenant_seed():
    """One tenant with what the captures ask about: users with their links, a UDF, reference data."""
    admin = {
        "id": 10,
        "firstName": "Contract",
        "lastName": "Admin",
        "email": ADMIN,
        "userName": ADMIN,
        "api_user": {"secret": SECRET, "internal": True},
        "departments": [{"department_id": 20, "role_id": 30, "default": True}],
        "service_desk_roles": [{"role_id": 30, "default": True}],
        "queues": [40],
    }
    return {
        "id": 52000,
        "zone": "webservices14",
        "internal_integration_codes": [CODE],
        "locations": [{"id": 1, "name": "Head Office"}],
        "departments": [{"id": 20, "name": "Service Desk"}],
        "roles": [{"id": 30, "name": "Engineer", "isActive": True}],
        "queues": [{"id": 40, "label": "Triage"}],
        "udfs": [{"name": "Asset Tag", "entity": "ConfigurationItems"}],
        "resources": [admin, {"id": 11, "firstName": "Plain", "lastName": "Engineer", "email": "e@contract.example"}],
    }


def replay(sandbox_url, record):
    """(status, body) of the sandbox for the captured request, as the replay note says to send it."""
    request, note = record["request"], record.get("replay", {})
    user = REPLAY_AS["unknown"] if note.get("user") == "unknown" else ADMIN
    code = REPLAY_AS["wrong"] if note.get("integration_code") == "wrong" else CODE
    tail = re.split(r"/v1\.0/", request["path"], maxsplit=1, flags=re.IGNORECASE)[-1]
    discovery = sandbox_url + "/atservicesrest/v1.0/zoneInformation"
    if tail.lower() == "zoneinformation":
        response = requests.get(discovery, params={"user": user}, timeout=30)
        return response.status_code, response.json()
    zone = requests.get(discovery, params={"user": ADMIN}, timeout=30).json()["url"]
    query = {k: json.dumps(v, separators=(",", ":")) if isinstance(v, dict) else v for k, v in request["query"].items()}
    response = requests.request(
        request["method"],
        zone.rstrip("/") + "/V1.0/" + tail,
        params=query,
        json=request["body"],
        headers={"UserName": user, "Secret": SECRET, "ApiIntegrationCode": code},
        timeout=30,
    )
    return response.status_code, response.json() if response.content else None


# -- the collection's parsers on the real answer --------------------------------------------


class ReplaySession:
    """A requests session stand-in that gives the client the captured answer, once."""

    def __init__(self, record):
        self.headers = {}
        self.record = record
        self.asked = []

    def request(self, method, url, **unused_kwargs):
        self.asked.append((method, url))
        answer = requests.Response()
        if len(self.asked) > 1:
            raise AssertionError("the parser asked for more than the capture holds: %s %s" % (method, url))
        answer.status_code = self.record["response"]["status"]
        body = self.record["response"]["body"]
        answer._content = b"" if body is None else json.dumps(body).encode("utf-8")
        return answer


def read_fields(client, entity):
    session = TenantSession(lambda: (client, None), None)  # reads the fields once, as a run does
    fields = session.fields(entity)
    names = {f.get("name") for f in fields}
    if entity.lower() == "resources" and "userType" in names:
        levels = session.security_levels()
        assert levels and all(isinstance(i, int) and isinstance(active, bool) for i, unused, active in levels)
        if "locationID" in names:
            assert all(isinstance(i, int) for i, unused in session.lookup.table("location"))
    return fields


# Which of the collection's readers takes each kind of answer (by the path after /V1.0/).
PARSERS = [
    (r"zoneInformation$", lambda client, m: client.zone_information()),
    (r"ThresholdInformation$", lambda client, m: client.threshold_information(retry=False)),
    (r"EntityInformation$", lambda client, m: client.entity_information()),
    (r"(?P<entity>\w+)/entityInformation$", lambda client, m: client.entity_information(m["entity"])),
    (r"(?P<entity>\w+)/entityInformation/fields$", lambda client, m: read_fields(client, m["entity"])),
    (
        r"(?P<entity>\w+)/entityInformation/userDefinedFields$",
        lambda client, m: client.user_defined_fields(m["entity"]),
    ),
    (r"(?P<entity>\w+)/query$", lambda client, m: list(client.query(m["entity"]))),
    (r"(?P<entity>\w+)/query/count$", lambda client, m: client.count(m["entity"])),
    (r"(?P<entity>\w+)/(?P<id>\d+)$", lambda client, m: client.get(m["entity"], m["id"])),
]


def parse_with_collection(record):
    """What the collection makes of the real answer; an error answer must raise with its text."""
    tail = re.split(r"/v1\.0/", record["request"]["path"], maxsplit=1, flags=re.IGNORECASE)[-1]
    reader = next(((re.fullmatch(p, tail, re.IGNORECASE), f) for p, f in PARSERS if re.fullmatch(p, tail, re.I)), None)
    assert reader, "no parser for %s: add one to PARSERS" % tail
    match, read = reader
    client = AutotaskClient(
        "capture-user",
        "capture-secret",
        "capture-code",
        api_url="https://webservices14.autotask.net/ATServicesRest",
        zone_cache_path=False,
        retry_budget=0,
        session=ReplaySession(record),
    )
    return read(client, match)


# -- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explained_seen():
    """EXPLAINED entries that accounted for something; the rest are printed as stale at the end."""
    seen = set()
    yield seen
    for n, entry in enumerate(EXPLAINED):
        if n not in seen:
            print("EXPLAINED entry no longer needed (remove it): %s" % entry)


@pytest.fixture
def contract_sandbox(sandbox):
    sandbox.seed({"tenants": [tenant_seed()]})
    return sandbox


def test_there_are_captures_and_they_came_from_the_real_samples():
    names = capture_names()
    assert len([n for n in names if n.startswith("shared-samples/")]) == 9


@pytest.mark.parametrize("name", capture_names())
def test_every_capture_is_scrubbed_and_says_where_it_came_from(name):
    record = load(name)
    assert record["format"] == cap.FORMAT_VERSION
    assert record.get("provenance", {}).get("source"), "say where the capture came from (capture guide)"
    body = record["response"]["body"]
    assert cap.scrub_answer(body) == body, "the answer is not scrubbed: capture it with autotask_info's capture"
    search = record["request"]["query"].get("search")
    assert search is None or cap.scrub_search(search) == search


@pytest.mark.parametrize("name", capture_names())
def test_the_collection_reads_every_real_answer(name):
    record = load(name)
    status, body = record["response"]["status"], record["response"]["body"]
    if 200 <= status < 300:
        result = parse_with_collection(record)
        if isinstance(body, dict) and "items" in body:
            assert result == body["items"]
        return
    with pytest.raises(AutotaskError) as caught:
        parse_with_collection(record)
    assert caught.value.status == status
    assert all(text in caught.value.errors for text in (body or {}).get("errors", []))  # the API's text is kept


@pytest.mark.parametrize("name", capture_names())
def test_the_sandbox_answers_every_captured_request_as_real_autotask_did(contract_sandbox, explained_seen, name):
    record = load(name)
    status, body = replay(contract_sandbox.url, record)
    found = (
        []
        if status == record["response"]["status"]
        else [("status", "", "real %s, sandbox %s" % (record["response"]["status"], status))]
    )
    found += differences(record["response"]["body"], body, partial=record.get("partial", False))
    unexplained = []
    for difference in found:
        entry = explained(name, difference)
        note = "UNEXPLAINED" if entry is None else "explained: %s" % entry["why"]
        print("%s: %s %s: %s -- %s" % (name, difference[0], difference[1] or "<answer>", difference[2], note))
        if entry is None:
            unexplained.append(difference)
        else:
            explained_seen.add(EXPLAINED.index(entry))
    assert not unexplained, "%d difference(s) from real Autotask not explained (see the printed list)" % len(
        unexplained
    )


def test_the_comparison_finds_each_kind_of_difference():
    real = {"items": [{"id": 1, "name": "a", "gone": True}], "errors": ["x"], "pageDetails": {"nextPageUrl": None}}
    mine = {"items": [{"id": "1", "name": None, "new": 2}], "errors": ["y"], "pageDetails": {}}
    assert sorted(differences(real, mine)) == [
        ("error-text", "errors", "real ['x'], sandbox ['y']"),
        ("extra-in-sandbox", "items[].new", "sandbox has ['number']"),
        ("missing-in-sandbox", "items[].gone", "real has ['boolean']"),
        ("missing-in-sandbox", "pageDetails.nextPageUrl", "real has null"),
        ("null-vs-value", "items[].name", "real ['string'], sandbox ['null']"),
        ("type", "items[].id", "real ['number'], sandbox ['string']"),
    ]
    fields = {"fields": [{"name": "id", "dataType": "long"}]}
    assert differences(fields, {"fields": [{"name": "id", "dataType": "integer"}, {"name": "x"}]}) == [
        ("field-fact", "fields[id].dataType", "real 'long', sandbox 'integer'"),
        ("extra-in-sandbox", "fields[x]", "not in the real answer"),
    ]
    assert glob_match("fields[id].dataType", "fields[*].dataType")
    assert not glob_match("fieldsXidX.dataType", "fields[*].dataType")  # brackets are literal
    assert explained("shared-samples/0007-x.json", ("extra-in-sandbox", "items[].gender", "")) is not None
    assert explained("shared-samples/0007-x.json", ("extra-in-sandbox", "items[].invented", "")) is None  # check


def test_a_capture_made_with_autotask_info_is_scrubbed_and_replays_without_a_difference(contract_sandbox, tmp_path):
    directory = tmp_path / "captures"
    task = {
        "msp.autotask.autotask_info": {"gather": ["api_users", "roles", "queues", "udfs"], "capture": str(directory)}
    }
    (result,), _ = run_tasks([task], auth_defaults(contract_sandbox, ADMIN_AUTH, 52000))
    assert not result.get("failed"), result.get("msg")
    names = sorted(os.listdir(directory))
    assert result["capture_files"] == [str(directory / n) for n in names]
    assert len(names) == result["api_calls"]["total"] == 6  # zone, users, their links, roles, two field reads
    text = "".join((directory / n).read_text(encoding="utf-8") for n in names)
    for secret in (SECRET, CODE, ADMIN, "Contract"):  # the zone answer's host is kept, as the guide says
        assert secret not in text
    for name in names:
        record = json.loads((directory / name).read_text(encoding="utf-8"))
        assert cap.scrub_answer(record["response"]["body"]) == record["response"]["body"]
        assert record["request"]["path"].startswith("/"), "a path without scheme or host"
        parse_with_collection(record)
        status, body = replay(contract_sandbox.url, record)
        assert status == record["response"]["status"]
        assert differences(record["response"]["body"], cap.scrub_answer(body)) == [], name
