"""AutotaskClient against the sandbox: discovery, paging, faults, thresholds, concurrency."""

import json
import threading
from urllib.parse import quote

import pytest

from ansible_collections.msp.autotask.plugins.module_utils._client import (
    MAX_GET_URL,
    AutotaskAuthError,
    AutotaskClient,
    AutotaskThrottledError,
)

CODE = "INTERNAL-CODE-FUNCTIONAL"
SECRET = "functional-secret-value-9f3e"


def tenant(tid, zone, tickets=0, **extra):
    return dict(
        {
            "id": tid,
            "zone": zone,
            "internal_integration_codes": [CODE],
            "queues": [{"id": tid + 1, "label": "Triage"}],
            "resources": [
                {
                    "id": tid + 10,
                    "firstName": "MSP",
                    "lastName": "Admin",
                    "email": "admin@%d.example" % tid,
                    "userName": "admin@%d.example" % tid,
                    "api_user": {"secret": SECRET, "internal": True},
                }
            ],
            "generate": {"tickets": tickets},
        },
        **extra,
    )


@pytest.fixture
def fleet(sandbox):
    sandbox.seed(
        {"settings": {"random_seed": 3}, "tenants": [tenant(1000, "webservices14", 1201), tenant(2000, "webservices2")]}
    )
    return sandbox


def client(sandbox, tid, tmp_path=None, **kw):
    kw.setdefault("zone_cache_path", str(tmp_path / "zones.json") if tmp_path else False)
    return AutotaskClient(
        "admin@%d.example" % tid, SECRET, CODE, zone_discovery_url=sandbox.url + "/atservicesrest", **kw
    )


def test_discovery_routes_each_tenant_to_its_zone(fleet, tmp_path):
    one, two = client(fleet, 1000, tmp_path), client(fleet, 2000, tmp_path)
    assert one.base_url.endswith("/webservices14/ATServicesRest")
    assert two.base_url.endswith("/webservices2/ATServicesRest")
    assert one.zone["ci"] == 1000 and two.zone["ci"] == 2000
    again = client(fleet, 1000, tmp_path)
    again.threshold_information()
    assert "GET zone" not in again.calls  # cached


def test_paging_through_three_pages(fleet):
    c = client(fleet, 1000)
    ids = [t["id"] for t in c.query("Tickets", include_fields=["title"])]
    assert len(ids) == len(set(ids)) == 1201
    assert c.calls["GET query"] == 3
    assert c.count("Tickets") == 1201


def test_long_filter_goes_as_post(fleet):
    c = client(fleet, 1000)
    many = list(range(1, 450))
    assert list(c.query("Resources", [{"op": "in", "field": "id", "value": [*many, 1010]}])) != []
    assert c.calls["POST query"] == 1


def test_a_long_filter_over_many_pages_posts_every_page(fleet):
    # 1,201 tickets through a filter too long for a GET: every page is POSTed (a GET on the next
    # link is 405, as on live Autotask), to the last row.
    c = client(fleet, 1000)
    ids = [t["id"] for t in c.query("Tickets", [{"op": "notIn", "field": "id", "value": list(range(-700, 0))}])]
    assert len(ids) == len(set(ids)) == 1201
    assert c.calls["POST query"] == 3 and "GET query" not in c.calls


def test_a_get_query_whose_next_link_outgrows_the_url_limit_goes_on_by_id(fleet):
    # A filter just short enough for a GET: the next-page link adds a paging token and passes
    # the URL limit, where the sandbox answers 404 as Autotask does (KelvinTegelaar/AutotaskAPI
    # issue #66). The client goes on with the same query for ids above the last one received.
    c = client(fleet, 1000)
    values = list(range(-1, -1000, -1))
    while get_url_length(c, values) >= MAX_GET_URL:
        values.pop()
    assert get_url_length(c, values) > MAX_GET_URL - 60  # the first page's URL is near the limit
    ids = [t["id"] for t in c.query("Tickets", not_in(values))]
    assert len(ids) == len(set(ids)) == 1201
    # The continuation is longer than the first query: it goes as POST and pages by POST.
    assert c.calls["GET query"] == 1 and c.calls["POST query"] >= 2


def not_in(values):
    return [{"op": "notIn", "field": "id", "value": values}]


def get_url_length(c, values):
    search = json.dumps(c.query_body(not_in(values)), separators=(",", ":"))
    return len(c.url("Tickets/query?search=" + quote(search, safe="")))


def test_retries_ride_out_injected_faults(fleet):
    fleet.control("PUT", "/faults", {"tenant": 1000, "429": 0.2, "503": 0.15, "drop": 0.1, "retry_after": 0})
    c = client(fleet, 1000, backoff_base=0.01, retry_budget=30)
    ids = [t["id"] for t in c.query("Tickets")]
    assert len(set(ids)) == 1201
    for _ in range(20):
        c.threshold_information()
    assert c.retries > 0


def test_threshold_exhaustion_is_a_clear_error(fleet):
    fleet.control("PUT", "/settings", {"hourly_limit": 3})
    c = client(fleet, 2000, retry_budget=0.5, backoff_base=0.01)
    try:
        c.threshold_information()
        c.threshold_information()
        with pytest.raises(AutotaskThrottledError) as err:
            for _ in range(3):
                c.threshold_information()
        assert err.value.status == 429
    finally:
        fleet.control("PUT", "/settings", {"hourly_limit": 10000})


def test_concurrent_clients_are_refused_past_three_and_retried(fleet):
    fleet.control("PUT", "/faults", {"latency_ms": 150})
    errors = []

    def work():
        try:
            list(client(fleet, 1000, backoff_base=0.05).query("Resources"))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert fleet.control("GET", "/stats")["peak_concurrency"] <= 3


def test_bad_credentials_fail_fast_without_leaking(fleet):
    bad = AutotaskClient(
        "admin@1000.example",
        "not-the-secret-77",
        CODE,
        zone_discovery_url=fleet.url + "/atservicesrest",
        zone_cache_path=False,
    )
    with pytest.raises(AutotaskAuthError) as err:
        bad.threshold_information()
    assert "not-the-secret-77" not in str(err.value) and CODE not in str(err.value)
    assert bad.retries == 0
