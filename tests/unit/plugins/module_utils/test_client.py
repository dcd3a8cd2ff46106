# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of AutotaskClient with HTTP mocked by `responses`."""

from __future__ import annotations

import http.server
import json
import logging
import os
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from ansible_collections.msp.autotask.plugins.module_utils import _client as c

BASE = "https://webservices14.autotask.net/ATServicesRest"
API = BASE + "/V1.0"
DISCOVERY = "https://webservices.autotask.net/atservicesrest"
SECRET = "s3cr3t-Value-never-shown"
CODE = "INTEGRATION-code-never-shown"
USER = "api-user@tenant.example"


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def make(clock, **kwargs):
    kwargs.setdefault("api_url", BASE)
    kwargs.setdefault("zone_cache_path", False)
    kwargs.setdefault("trusted_hosts", ())  # whatever the environment says
    return c.AutotaskClient(USER, SECRET, CODE, sleep=clock.sleep, clock=clock.clock, **kwargs)


def page(items, next_url=None):
    return {
        "items": items,
        "pageDetails": {"count": len(items), "requestCount": 500, "prevPageUrl": None, "nextPageUrl": next_url},
    }


def search_of(call):
    return json.loads(parse_qs(urlsplit(call.request.url).query)["search"][0])


# -- filters --------------------------------------------------------------------------------

OPERATOR_CASES = [
    {"op": "eq", "field": "isActive", "value": True},
    {"op": "noteq", "field": "licenseType", "value": 1},
    {"op": "gt", "field": "id", "value": 5},
    {"op": "gte", "field": "id", "value": 5},
    {"op": "lt", "field": "id", "value": 5},
    {"op": "lte", "field": "id", "value": 5},
    {"op": "beginsWith", "field": "userName", "value": "api"},
    {"op": "endsWith", "field": "email", "value": "@tenant.example"},
    {"op": "contains", "field": "lastName", "value": "API"},
    {"op": "exist", "field": "email"},
    {"op": "notExist", "field": "email2"},
    {"op": "in", "field": "id", "value": [1, 2, 3]},
    {"op": "notIn", "field": "id", "value": [4]},
    {
        "op": "or",
        "items": [
            {"op": "eq", "field": "firstName", "value": "A"},
            {
                "op": "and",
                "items": [{"op": "eq", "field": "lastName", "value": "B"}, {"op": "exist", "field": "email"}],
            },
        ],
    },
    {"op": "eq", "field": "Asset Tag", "value": "X1", "udf": True},
]


@pytest.mark.parametrize("condition", OPERATOR_CASES, ids=lambda cond: cond["op"])
@responses.activate
def test_every_operator_is_sent_as_written(clock, condition):
    responses.get(API + "/Resources/query", json=page([{"id": 1}]))
    items = list(make(clock).query("Resources", [condition]))
    assert items == [{"id": 1}]
    assert search_of(responses.calls[0])["filter"] == [condition]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"op": "startsWith", "field": "x", "value": "y"}, "unknown filter operator"),
        ({"op": "isNull", "field": "x"}, "unknown filter operator"),
        ({"op": "eq", "value": 1}, "needs a 'field'"),
        ({"op": "eq", "field": "x"}, "needs a 'value'"),
        ({"op": "in", "field": "x", "value": 3}, "list 'value'"),
        ({"op": "eq", "field": "x", "value": None}, "must not be null"),
        ({"op": "or", "items": []}, "non-empty 'items'"),
        ("eq", "must be a mapping"),
    ],
)
def test_malformed_filters_fail_before_any_request(clock, bad, message):
    with responses.RequestsMock() as mock:  # no registered URL: any request would fail the test
        with pytest.raises(ValueError, match=message):
            list(make(clock).query("Resources", [bad]))
        assert not mock.calls


@responses.activate
def test_include_fields_always_carry_id(clock):
    responses.get(API + "/Resources/query", json=page([{"id": 1}]))
    items = list(make(clock).query("Resources", include_fields=["userName"]))
    body = search_of(responses.calls[0])
    assert body["includeFields"] == ["id", "userName"]
    assert body["filter"] == [{"op": "exist", "field": "id"}]
    assert items == [{"id": 1}]


@responses.activate
def test_max_records_is_the_page_size_and_paging_goes_on(clock):
    # Real clients page on past a maxRecords-sized page (py-autotask 2.3.0 entities/base.py).
    p2 = API + "/Resources/query/next?paging=%7B%22lastId%22%3A500%7D"
    responses.get(API + "/Resources/query", json=page([{"id": i} for i in range(1, 501)], p2))
    responses.get(p2, json=page([{"id": i} for i in range(501, 605)]))
    items = list(make(clock).query("Resources", max_records=500))
    assert search_of(responses.calls[0])["maxRecords"] == 500
    assert [item["id"] for item in items] == list(range(1, 605))


@responses.activate
def test_limit_caps_the_items_and_asks_for_no_further_page(clock):
    p2 = API + "/Resources/query/next?paging=%7B%22lastId%22%3A10%7D"
    responses.get(API + "/Resources/query", json=page([{"id": i} for i in range(1, 11)], p2))
    responses.get(p2, json=page([{"id": i} for i in range(11, 21)]))
    items = list(make(clock).query("Resources", max_records=10, limit=10))
    assert [item["id"] for item in items] == list(range(1, 11)) and len(responses.calls) == 1
    assert [item["id"] for item in make(clock).query("Resources", max_records=10, limit=15)] == list(range(1, 16))


@pytest.mark.parametrize("kwargs", [{"max_records": 0}, {"max_records": 501}, {"limit": 0}])
def test_out_of_range_page_size_or_limit_fails_before_any_request(clock, kwargs):
    with responses.RequestsMock() as mock:
        with pytest.raises(ValueError):
            list(make(clock).query("Resources", **kwargs))
        assert not mock.calls


# -- paging and the GET/POST switch ------------------------------------------------------------


@responses.activate
def test_paging_follows_next_page_url_across_three_pages(clock):
    p2 = API + "/Tickets/query/next?paging=%7B%22lastId%22%3A500%7D"
    p3 = API + "/Tickets/query/next?paging=%7B%22lastId%22%3A1000%7D"
    responses.get(API + "/Tickets/query", json=page([{"id": i} for i in range(1, 501)], p2))
    responses.get(p2, json=page([{"id": i} for i in range(501, 1001)], p3))
    responses.get(p3, json=page([{"id": 1001}]))
    client = make(clock)
    ids = [item["id"] for item in client.query("Tickets")]
    assert ids == list(range(1, 1002))
    assert len(responses.calls) == 3
    assert client.api_calls()["by_kind"] == {"GET query": 3}


@responses.activate
def test_a_post_started_query_posts_its_next_pages_with_the_same_body(clock):
    # Live answer (WYRE-AI/autotask-mcp PR #170): a GET on such a link is 405.
    p2 = API + "/Resources/query/next?paging=%7B%22lastId%22%3A500%7D"
    responses.post(API + "/Resources/query", json=page([{"id": i} for i in range(1, 501)], p2))
    responses.post(p2, json=page([{"id": 501}]))
    responses.get(p2, status=405, json={"Message": "The requested resource does not support http method 'GET'."})
    long = [{"op": "in", "field": "id", "value": list(range(100000, 100400))}]
    client = make(clock)
    assert len(list(client.query("Resources", long))) == 501
    first, second = responses.calls
    assert second.request.method == "POST" and json.loads(second.request.body) == json.loads(first.request.body)
    assert client.api_calls()["by_kind"] == {"POST query": 2}


@responses.activate
def test_next_page_on_another_host_is_refused_without_sending_credentials(clock):
    responses.get(API + "/Tickets/query", json=page([{"id": 1}], "https://evil.example/steal?x=1"))
    with pytest.raises(c.AutotaskError, match="outside the tenant's zone"):
        list(make(clock).query("Tickets"))
    assert len(responses.calls) == 1


@responses.activate
def test_long_queries_switch_from_get_to_post(clock):
    responses.get(API + "/Resources/query", json=page([]))
    responses.post(API + "/Resources/query", json=page([{"id": 9}]))
    client = make(clock)
    short = [{"op": "in", "field": "id", "value": list(range(10))}]
    long = [{"op": "in", "field": "id", "value": list(range(100000, 100400))}]
    assert list(client.query("Resources", short)) == []
    assert list(client.query("Resources", long)) == [{"id": 9}]
    get_call, post_call = responses.calls
    assert get_call.request.method == "GET" and len(get_call.request.url) < c.MAX_GET_URL
    assert post_call.request.method == "POST"
    assert json.loads(post_call.request.body)["filter"] == long


@responses.activate
def test_a_next_get_link_past_the_url_limit_is_replaced_by_a_query_above_the_last_id(clock):
    long_link = API + "/Tickets/query/next?paging=" + "x" * c.MAX_GET_URL
    responses.get(API + "/Tickets/query", json=page([{"id": 3}, {"id": 7}], long_link))
    responses.get(API + "/Tickets/query", json=page([{"id": 8}]))
    assert [t["id"] for t in make(clock).query("Tickets", [{"op": "eq", "field": "status", "value": 1}])] == [3, 7, 8]
    _first, second = responses.calls
    assert "paging" not in second.request.url  # the over-long link is never sent
    search = json.loads(parse_qs(urlsplit(second.request.url).query)["search"][0])
    assert search["filter"] == [{"op": "eq", "field": "status", "value": 1}, {"op": "gt", "field": "id", "value": 7}]


@responses.activate
def test_count_uses_query_count(clock):
    responses.get(API + "/Tickets/query/count", json={"queryCount": 1234})
    assert make(clock).count("Tickets", [{"op": "eq", "field": "status", "value": 1}]) == 1234


# -- writes ----------------------------------------------------------------------------------


@responses.activate
def test_create_update_and_child_urls(clock):
    responses.post(API + "/Resources/7/RoleQueues", json={"itemId": 55})
    responses.patch(API + "/Resources", json={"itemId": 7})
    responses.put(API + "/Resources/7/RoleDepartments", json={"itemId": 8})
    client = make(clock)
    assert client.create("ResourceRoleQueues", {"queueID": 3}, parent=("Resources", 7, "RoleQueues")) == 55
    assert client.update("Resources", {"id": 7, "isActive": False}) == 7
    assert (
        client.update(
            "ResourceRoleDepartments",
            {"id": 8, "isDefault": True},
            parent=("Resources", 7, "RoleDepartments"),
            replace=True,
        )
        == 8
    )
    assert json.loads(responses.calls[1].request.body) == {"id": 7, "isActive": False}
    with pytest.raises(ValueError, match="needs 'id'"):
        client.update("Resources", {"isActive": True})


@pytest.mark.parametrize(
    "method, call",
    [
        ("PATCH", lambda client: client.update("Resources", {"id": 7, "isActive": False})),
        (
            "PUT",
            lambda client: client.update("Resources", {"id": 7}, parent=("Resources", 7, "RoleQueues"), replace=True),
        ),
        ("POST", lambda client: client.create("Resources", {"firstName": "A"}, parent=("Companies", 3, "Notes"))),
        ("GET", lambda client: list(client.query("Resources"))),
    ],
)
@responses.activate
def test_a_2xx_answer_with_errors_is_a_failure_with_the_api_text(clock, method, call):
    # Issue #14 item 5: a PATCH answered 200 {"errors": [...]} was reported converged.
    responses.add(method, re.compile(r".*"), status=200, json={"itemId": 7, "errors": ["Write refused"]})
    with pytest.raises(c.AutotaskError) as caught:
        call(make(clock))
    assert caught.value.status == 200 and caught.value.errors == ["Write refused"]
    assert "Write refused" in str(caught.value)


@responses.activate
def test_an_empty_errors_list_is_no_failure_and_an_update_answer_about_another_item_is(clock):
    responses.patch(API + "/Resources", json={"itemId": 7, "errors": []})
    client = make(clock)
    assert client.update("Resources", {"id": 7, "isActive": False}) == 7
    responses.replace(responses.PATCH, API + "/Resources", json={"itemId": 8})
    with pytest.raises(c.AutotaskError, match="answered for item 8, not 7"):
        client.update("Resources", {"id": 7, "isActive": False})


@responses.activate
def test_get_by_id_returns_none_on_404(clock):
    responses.get(API + "/Resources/7", json={"item": {"id": 7}})
    responses.get(API + "/Resources/8", status=404, json={"errors": []})
    client = make(clock)
    assert client.get("Resources", 7) == {"id": 7}
    assert client.get("Resources", 8) is None


@responses.activate
def test_get_by_id_returns_none_on_200_item_null(clock):
    # Real Autotask's answer for a missing id (@apigrate/autotask-restapi 2.0.1 live test).
    responses.get(API + "/Resources/8", json={"item": None})
    assert make(clock).get("Resources", 8) is None


@responses.activate
def test_get_by_id_without_an_item_key_is_malformed(clock):
    responses.get(API + "/Resources/8", json={"items": []})
    with pytest.raises(c.AutotaskError, match="no 'item' key"):
        make(clock).get("Resources", 8)


# -- retries ---------------------------------------------------------------------------------


@responses.activate
def test_429_is_retried_honouring_retry_after(clock):
    responses.get(API + "/ThresholdInformation", status=429, headers={"Retry-After": "3"}, json={"errors": ["busy"]})
    responses.get(
        API + "/ThresholdInformation",
        json={"externalRequestThreshold": 10000, "requestThresholdTimeframe": 60, "currentTimeframeRequestCount": 5},
    )
    client = make(clock)
    assert client.threshold_information()["currentTimeframeRequestCount"] == 5
    assert clock.sleeps and clock.sleeps[0] >= 3
    assert client.api_calls()["retries"] == 1


@responses.activate
def test_503_and_connection_reset_are_retried(clock):
    responses.get(API + "/Resources/query", status=503, body="<html>Service Unavailable</html>")
    responses.get(API + "/Resources/query", body=requests.ConnectionError("reset by peer"))
    responses.get(API + "/Resources/query", body=requests.Timeout("slow"))
    responses.get(API + "/Resources/query", json=page([{"id": 1}]))
    client = make(clock)
    assert list(client.query("Resources")) == [{"id": 1}]
    assert len(responses.calls) == 4 and len(clock.sleeps) == 3


@pytest.mark.parametrize(
    "body, message",
    [
        ("<html><body>Gateway page from a proxy</body></html>", "not JSON"),
        ('{"pageDetails": {"count": 0}}', "no 'items' list"),
        ('{"items": "not a list"}', "no 'items' list"),
    ],
)
@responses.activate
def test_malformed_answers_fail_clearly(clock, body, message):
    responses.get(API + "/Resources/query", body=body, status=200)
    with pytest.raises(c.AutotaskError, match=message) as caught:
        list(make(clock).query("Resources"))
    assert SECRET not in str(caught.value)


NEUTRAL = {"errors": ["The request could not be processed."]}  # no public source shows the real body


def usage(count, threshold=10000):
    return {
        "externalRequestThreshold": threshold,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": count,
    }


@responses.activate
def test_a_spent_hourly_threshold_is_read_from_threshold_information_and_stops_at_once(clock):
    responses.get(API + "/Version", status=429, json=NEUTRAL)
    responses.get(API + "/ThresholdInformation", json=usage(10000))
    client = make(clock)
    with pytest.raises(c.AutotaskThresholdSpentError, match="10000 of 10000 requests"):
        client.request("GET", "Version")
    assert client.api_calls()["total"] == 2 and client.retries == 0 and clock.sleeps == []


@responses.activate
def test_a_refused_threshold_information_too_means_spent(clock):
    responses.get(API + "/Version", status=429, json=NEUTRAL)
    responses.get(API + "/ThresholdInformation", status=429, json=NEUTRAL)
    client = make(clock)
    with pytest.raises(c.AutotaskThresholdSpentError, match="looks used up"):
        client.request("GET", "Version")
    assert client.api_calls()["total"] == 2 and clock.sleeps == []


@responses.activate
def test_a_429_with_room_left_is_transient_and_retried(clock):
    responses.get(API + "/Version", status=429, json=NEUTRAL)
    responses.get(API + "/ThresholdInformation", json=usage(12))
    responses.get(API + "/Version", json={"apiVersions": ["1.0"]})
    client = make(clock)
    assert client.request("GET", "Version") == {"apiVersions": ["1.0"]}
    assert client.retries == 1


@responses.activate
def test_thread_threshold_message_is_retried_whatever_the_status(clock):
    responses.get(API + "/Tickets/query", status=500, json={"errors": ["Itgenatr005: Thread Threshold Exceeded"]})
    responses.get(API + "/Tickets/query", json=page([]))
    assert list(make(clock).query("Tickets")) == []


@responses.activate
def test_post_query_is_retried_because_it_is_safe(clock):
    long = [{"op": "in", "field": "id", "value": list(range(100000, 100400))}]
    responses.post(API + "/Resources/query", status=429, json={"errors": ["busy"]})
    responses.get(API + "/ThresholdInformation", json=usage(12))  # room left: a passing refusal
    responses.post(API + "/Resources/query", json=page([]))
    assert list(make(clock).query("Resources", long)) == []
    assert [call.request.method for call in responses.calls] == ["POST", "GET", "POST"]


@responses.activate
def test_retries_stop_within_the_time_budget(clock):
    responses.get(API + "/Resources/query", status=429, headers={"Retry-After": "4"}, json={"errors": ["busy"]})
    client = make(clock, retry_budget=10)
    with pytest.raises(c.AutotaskThrottledError) as err:
        list(client.query("Resources"))
    assert err.value.status == 429
    assert clock.now <= 10
    assert 2 <= len(responses.calls) <= 3


@pytest.mark.parametrize("method", ["PATCH", "PUT", "POST"])
@responses.activate
def test_writes_are_never_retried(clock, method):
    url = API + "/Resources" if method != "POST" else API + "/Resources/7/RoleQueues"
    responses.add(method, url, status=503, body="unavailable")
    client = make(clock)
    with pytest.raises(c.AutotaskError):
        if method == "POST":
            client.create("ResourceRoleQueues", {"queueID": 1}, parent=("Resources", 7, "RoleQueues"))
        else:
            client.update("Resources", {"id": 7, "title": "x"}, replace=method == "PUT")
    assert len(responses.calls) == 1 and not clock.sleeps


@responses.activate
def test_write_connection_reset_is_not_retried(clock):
    responses.patch(API + "/Resources", body=requests.ConnectionError("reset"))
    with pytest.raises(c.AutotaskConnectionError):
        make(clock).update("Resources", {"id": 7, "title": "x"})
    assert len(responses.calls) == 1


# -- authentication failures ------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, body",
    [
        (401, None),
        (500, {"errors": ["Zone information could not be determined"]}),
        (500, {"errors": ["IntegrationCode is invalid."]}),
    ],
)
@responses.activate
def test_three_authentication_failure_shapes(clock, status, body):
    responses.get(API + "/ThresholdInformation", status=status, json=body)
    with pytest.raises(c.AutotaskAuthError) as err:
        make(clock).threshold_information()
    assert err.value.status == status
    assert len(responses.calls) == 1 and not clock.sleeps  # fails fast


@responses.activate
def test_plain_500_is_not_an_auth_error(clock):
    responses.get(
        API + "/Resources/7",
        status=500,
        json={"errors": ["The logged in Resource does not have the adequate permissions to query this entity."]},
    )
    with pytest.raises(c.AutotaskError) as err:
        make(clock).get("Resources", 7)
    assert not isinstance(err.value, c.AutotaskAuthError)
    assert "adequate permissions" in str(err.value)


# -- zone discovery ---------------------------------------------------------------------------


def zone_body(url=BASE + "/"):
    return {"zoneName": "America East 3", "url": url, "webUrl": "https://ww14.autotask.net/", "ci": 29683384}


@responses.activate
def test_zone_discovery_is_cached_on_disk(clock, tmp_path):
    cache = str(tmp_path / "zones.json")
    responses.get(DISCOVERY + "/v1.0/zoneInformation", json=zone_body())
    responses.get(API + "/Version", json={"apiVersions": ["1.0"]})
    first = make(clock, api_url=None, zone_cache_path=cache)
    first.request("GET", "Version")
    assert first.zone["ci"] == 29683384
    second = make(clock, api_url=None, zone_cache_path=cache)
    second.request("GET", "Version")
    zone_calls = [call for call in responses.calls if "zoneInformation" in call.request.url]
    assert len(zone_calls) == 1
    assert "Secret" not in zone_calls[0].request.headers  # discovery needs no credentials
    with open(cache, encoding="utf-8") as handle:
        assert USER not in handle.read()  # usernames are hashed in the cache


@responses.activate
def test_the_zone_cache_never_answers_for_another_discovery_service(clock, tmp_path):
    # A sandbox (or another region's discovery host) must not reuse production's answer.
    cache = str(tmp_path / "zones.json")
    other = "http://127.0.0.1:8765/atservicesrest"
    c.ZoneCache(cache).put(DISCOVERY, USER, zone_body("https://webservices2.autotask.net/ATServicesRest/"))
    responses.get(other + "/v1.0/zoneInformation", json=zone_body())
    responses.get(API + "/Version", json={"apiVersions": ["1.0"]})
    client = make(
        clock, api_url=None, zone_cache_path=cache, zone_discovery_url=other, trusted_hosts=["127.0.0.1:8765"]
    )
    client.request("GET", "Version")
    assert client.base_url == BASE
    assert c.ZoneCache(cache).get(other, USER)["url"] == BASE + "/"
    assert c.ZoneCache(cache).get(DISCOVERY, USER)["url"].startswith("https://webservices2.")


# -- where credentials may go (#14 item 1) ----------------------------------------------------


@pytest.mark.parametrize(
    "url, trusted",
    [
        ("https://webservices14.autotask.net/ATServicesRest", True),
        ("https://webservices.autotask.net/atservicesrest", True),
        ("https://prde.autotask.net/ATServicesRest", True),  # Autotask's own sandbox zones
        ("https://pres.autotask.net/ATServicesRest", True),
        ("http://prde.autotask.net/ATServicesRest", False),
        ("https://prdex.autotask.net/ATServicesRest", False),
        ("https://ww14.autotask.net/ATServicesRest", False),  # the web UI's host, not the API's
        ("https://webservices14.autotask.net.evil.example/ATServicesRest", False),
    ],
)
def test_autotasks_api_hosts_are_trusted_by_name_and_scheme(clock, url, trusted):
    assert make(clock)._trusted(url) is trusted


@pytest.mark.parametrize(
    "url",
    [
        # urlsplit reads webservices1.autotask.net; requests (urllib3) connects to 127.0.0.1
        "https://127.0.0.1:8443\\@webservices1.autotask.net/ATServicesRest/",
        "https://user@webservices1.autotask.net/ATServicesRest/",
        "https://webservices1.autotask.net\\.evil.example/ATServicesRest/",
        "https://webservices1.autotask.net /ATServicesRest/",
    ],
)
def test_a_url_two_parsers_read_differently_is_never_trusted(clock, url):
    client = make(clock, trusted_hosts=("localhost",))
    assert client._trusted(url) is False
    with pytest.raises(c.AutotaskUntrustedHostError):
        client.check_host(url, "GET")


@pytest.mark.parametrize("field", ["username", "secret", "integration_code"])
def test_a_credential_with_a_control_character_fails_without_quoting_it(field):
    values = dict(username="u@t.example", secret="s3cret-VALUE", integration_code="CODE-VALUE")
    values[field] = values[field] + "\n"
    with pytest.raises(c.AutotaskError) as caught:
        c.AutotaskClient(values["username"], values["secret"], values["integration_code"], api_url=BASE)
    assert field in str(caught.value) and "control character" in str(caught.value)
    assert "s3cret" not in str(caught.value) and "CODE-VALUE" not in str(caught.value)


@pytest.mark.parametrize(
    "discovery",
    ["http://webservices.autotask.net/atservicesrest", "https://autotask.net.evil.example/atservicesrest"],
)
def test_a_discovery_url_outside_autotasks_https_api_domain_is_refused_before_any_request(clock, discovery):
    with responses.RequestsMock() as mock:
        with pytest.raises(c.AutotaskUntrustedHostError, match="trusted_hosts"):
            make(clock, api_url=None, zone_discovery_url=discovery).discover()
        assert not mock.calls


@pytest.mark.parametrize("zone_url", ["http://webservices14.autotask.net/ATServicesRest/", "https://127.0.0.2:9/x/"])
@responses.activate
def test_a_zone_answer_naming_another_host_is_refused_and_not_cached(clock, tmp_path, zone_url):
    cache = str(tmp_path / "zones.json")
    responses.get(DISCOVERY + "/v1.0/zoneInformation", json=zone_body(zone_url))
    client = make(clock, api_url=None, zone_cache_path=cache)
    with pytest.raises(c.AutotaskUntrustedHostError, match="refusing to send credentials"):
        client.request("GET", "Version")
    assert len(responses.calls) == 1 and c.ZoneCache(cache).get(DISCOVERY, USER) is None


@responses.activate
def test_a_named_host_is_trusted_over_any_scheme_and_an_unnamed_port_is_not(clock):
    responses.get("http://127.0.0.1:8765/ATServicesRest/V1.0/Version", json={})
    assert (
        make(clock, api_url="http://127.0.0.1:8765/ATServicesRest", trusted_hosts="127.0.0.1:8765").request(
            "GET", "Version"
        )
        == {}
    )
    with pytest.raises(c.AutotaskUntrustedHostError):
        make(clock, api_url="http://127.0.0.1:8766/ATServicesRest", trusted_hosts=["127.0.0.1:8765"]).request(
            "GET", "Version"
        )


def test_trusted_hosts_come_from_the_environment_when_not_given(clock, monkeypatch):
    monkeypatch.setenv(c.TRUSTED_HOSTS_ENV, " Sandbox.Local:8080 , 127.0.0.1")
    assert make(clock, trusted_hosts=None).trusted_hosts == {"sandbox.local:8080", "127.0.0.1"}
    assert make(clock, trusted_hosts=()).trusted_hosts == frozenset()


@responses.activate
def test_a_cached_zone_on_an_untrusted_host_is_dropped_and_asked_again(clock, tmp_path):
    cache = str(tmp_path / "zones.json")
    c.ZoneCache(cache).put(DISCOVERY, USER, zone_body("http://evil.example/ATServicesRest/"))
    responses.get(DISCOVERY + "/v1.0/zoneInformation", json=zone_body())
    responses.get(API + "/Version", json={})
    client = make(clock, api_url=None, zone_cache_path=cache)
    client.request("GET", "Version")
    assert client.base_url == BASE and c.ZoneCache(cache).get(DISCOVERY, USER)["url"] == BASE + "/"


@responses.activate
def test_a_cached_zone_that_refuses_the_connection_is_dropped_and_asked_once(clock, tmp_path):
    cache = str(tmp_path / "zones.json")
    old = "https://webservices2.autotask.net/ATServicesRest"
    c.ZoneCache(cache).put(DISCOVERY, USER, zone_body(old + "/"))
    responses.get(old + "/V1.0/Version", body=requests.ConnectionError("refused"))
    responses.get(DISCOVERY + "/v1.0/zoneInformation", json=zone_body())
    responses.get(API + "/Version", json={"apiVersions": ["V1.0"]})
    client = make(clock, api_url=None, zone_cache_path=cache)
    assert client.request("GET", "Version") == {"apiVersions": ["V1.0"]}
    assert client.api_calls()["by_kind"] == {"GET item": 2, "GET zone": 1} and not clock.sleeps  # no backoff
    assert c.ZoneCache(cache).get(DISCOVERY, USER)["url"] == BASE + "/"


@responses.activate
def test_a_discovered_zone_that_refuses_is_retried_not_asked_again(clock, tmp_path):
    responses.get(DISCOVERY + "/v1.0/zoneInformation", json=zone_body())
    responses.get(API + "/Version", body=requests.ConnectionError("refused"))
    client = make(clock, api_url=None, zone_cache_path=str(tmp_path / "zones.json"), retry_budget=2)
    with pytest.raises(c.AutotaskConnectionError):
        client.request("GET", "Version")
    assert client.api_calls()["by_kind"]["GET zone"] == 1 and clock.sleeps


@responses.activate
def test_401_drops_the_cached_zone_and_looks_up_once_more(clock, tmp_path):
    cache = str(tmp_path / "zones.json")
    old = "https://webservices2.autotask.net/ATServicesRest"
    c.ZoneCache(cache).put(DISCOVERY, USER, zone_body(old + "/"))
    responses.get(old + "/V1.0/Version", status=401)
    responses.get(DISCOVERY + "/v1.0/zoneInformation", json=zone_body())
    responses.get(API + "/Version", json={"apiVersions": ["1.0"]})
    client = make(clock, api_url=None, zone_cache_path=cache)
    assert client.request("GET", "Version") == {"apiVersions": ["1.0"]}
    assert client.base_url == BASE
    assert c.ZoneCache(cache).get(DISCOVERY, USER)["url"] == BASE + "/"


@responses.activate
def test_unknown_user_zone_error(clock):
    responses.get(
        DISCOVERY + "/v1.0/zoneInformation", status=500, json={"errors": ["Zone information could not be determined"]}
    )
    with pytest.raises(c.AutotaskAuthError, match="Zone information"):
        make(clock, api_url=None).request("GET", "Version")


# -- metadata -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (0, "None"),
        (1, "All"),
        (2, "Restricted"),
        ("None", "None"),
        ("ALL", "All"),
        ("restricted", "Restricted"),
        ("2", "Restricted"),
    ],
)
def test_access_levels_are_normalised(raw, expected):
    assert c.normalise_access(raw) == expected


@pytest.mark.parametrize("raw", [3, "Some", None, True, ""])
def test_bad_access_levels_are_rejected(raw):
    with pytest.raises(ValueError):
        c.normalise_access(raw)


@responses.activate
def test_global_entity_information_is_keyed_by_name(clock):
    responses.get(
        API + "/EntityInformation",
        json={
            "entityDescriptions": [
                {
                    "name": "Companies",
                    "canQuery": True,
                    "userAccessForCreate": 1,
                    "userAccessForQuery": "Restricted",
                    "userAccessForUpdate": 0,
                    "userAccessForDelete": "LaterValue",
                },
            ]
        },
    )
    info = make(clock).entity_information()
    assert info["Companies"]["userAccessForCreate"] == "All"
    assert info["Companies"]["userAccessForUpdate"] == "None"
    assert info["Companies"]["userAccessForDelete"] == "Unknown"


# -- real samples -----------------------------------------------------------------------------


def test_every_real_sample_parses(clock, real_samples):
    seen = set()
    for path in real_samples:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        with responses.RequestsMock() as mock:
            client = make(clock)
            if name.startswith("error-"):
                mock.get(API + "/Resources/query", status=500, json=data)
                with pytest.raises(c.AutotaskAuthError):
                    list(client.query("Resources"))
            elif "query" in name:
                mock.get(API + "/Resources/query", json=data)
                assert list(client.query("Resources")) == data["items"]
            elif name.endswith("userdefinedfields.json"):
                mock.get(API + "/Contacts/entityInformation/userDefinedFields", json=data)
                fields = client.user_defined_fields("Contacts")
                assert fields and all("type" in f for f in fields)
            elif "field" in name:
                mock.get(API + "/Resources/entityInformation/fields", json=data)
                fields = client.fields("Resources")
                assert fields and all("dataType" in f for f in fields)
            else:
                pytest.fail("no parser for sample %s" % name)
        seen.add(name)
    assert len(seen) == len(real_samples)


# -- secrets ----------------------------------------------------------------------------------


@responses.activate
def test_no_secret_in_any_exception_or_url(clock, caplog):
    """Errors (str, repr, to_dict) and URLs carry no secret; the client itself logs nothing at all."""
    caplog.set_level(logging.DEBUG)
    responses.get(API + "/Resources/query", status=401)
    responses.get(API + "/Tickets/query", status=500, json={"errors": ["IntegrationCode is invalid."]})
    responses.get(API + "/Companies/query", body=requests.ConnectionError("reset"))
    responses.patch(API + "/Resources", status=503, body="<html>proxy</html>")
    client = make(clock, retry_budget=1)
    texts = []
    for action in (
        lambda: list(client.query("Resources")),
        lambda: list(client.query("Tickets")),
        lambda: list(client.query("Companies")),
        lambda: client.update("Resources", {"id": 1}),
    ):
        with pytest.raises(c.AutotaskError) as err:
            action()
        texts += [str(err.value), repr(err.value), json.dumps(err.value.to_dict())]
    texts.append(caplog.text)
    for call in responses.calls:
        texts.append(call.request.url)  # credentials never travel in a URL
    blob = "\n".join(texts)
    assert SECRET not in blob and CODE not in blob
    assert [r for r in caplog.records if r.name.startswith("ansible_collections")] == []


class _Refuse(http.server.BaseHTTPRequestHandler):
    """A local HTTP server that refuses every request, as Autotask does a bad secret."""

    def do_GET(self):
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errors": ["unauthorized"]}')

    def log_message(self, *args):
        pass


def test_no_secret_in_the_http_stack_debug_log(caplog):
    """Over a real socket, urllib3 logs each request at DEBUG: the secret is never in those lines."""
    caplog.set_level(logging.DEBUG)
    server = http.server.HTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = "http://127.0.0.1:%d/ATServicesRest" % server.server_address[1]
        client = c.AutotaskClient(
            USER, SECRET, CODE, api_url=base, zone_cache_path=False, sleep=lambda s: None, trusted_hosts="127.0.0.1"
        )
        with pytest.raises(c.AutotaskError):
            list(client.query("Resources"))
    finally:
        server.shutdown()
        server.server_close()
    logged = [r for r in caplog.records if r.name.startswith("urllib3")]
    assert logged, "urllib3 logged nothing: this test would prove nothing"
    assert SECRET not in caplog.text and CODE not in caplog.text


def test_missing_credentials_fail_clearly():
    with pytest.raises(c.AutotaskError, match="secret is required"):
        c.AutotaskClient(USER, "", CODE, api_url=BASE)


@responses.activate
def test_a_thread_limit_on_the_threshold_read_is_a_passing_refusal(clock):
    responses.get(API + "/Version", status=429, json=NEUTRAL)
    responses.get(API + "/ThresholdInformation", status=429, json={"errors": ["Thread Threshold Exceeded"]})
    responses.get(API + "/Version", json={"apiVersions": ["1.0"]})
    assert make(clock).request("GET", "Version") == {"apiVersions": ["1.0"]}
