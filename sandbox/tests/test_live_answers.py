"""The sandbox answers as real Autotask does where public clients show it (issues #13 and #19).

Each test names its public source; each would fail on the sandbox before the fix it guards.
"""

from conftest import T1

ALL_IDS = {"op": "exist", "field": "id"}


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
