# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One PSA ticket per tenant: what is created, updated, reopened, completed, and never falsely completed."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _client as c
from ansible_collections.msp.autotask.plugins.module_utils import _model as m
from ansible_collections.msp.autotask.plugins.module_utils import _tickets as t

SETTINGS = {
    "companies": {"contoso": 102, "fabrikam": 103, "tailspin": 105},
    "queue_id": 500,
    "priority": 2,
    "status_open": 1,
    "status_complete": 5,
    "resolution": "compliant",
    "due_days": 7,
    "title_prefix": "Integration API users:",
    "reference_prefix": "msp.autotask/",
}
TODAY = datetime.date(2026, 12, 2)


class FakeClient:
    """Tickets, companies and picklists in memory, with every call recorded."""

    def __init__(self, tickets=(), companies=(102, 103, 105), fail_on_create=None):
        self.tickets = {x["id"]: dict(x) for x in tickets}
        self.companies = set(companies)
        self.calls = []
        self.fail_on_create = fail_on_create

    def query(self, entity, filters, include_fields=None):
        self.calls.append(("query", entity))
        (cond,) = filters
        if entity == "Companies":
            return [{"id": i} for i in sorted(self.companies) if i in cond["value"]]
        return [dict(x) for x in self.tickets.values() if x.get(cond["field"]) in cond["value"]]

    def fields(self, entity):
        self.calls.append(("fields", entity))
        pick = [
            {"name": n, "picklistValues": [{"value": str(v)} for v in vs]}
            for n, vs in (("status", (1, 5, 8)), ("priority", (1, 2, 3, 4)), ("queueID", (500, 501)))
        ]
        return [*pick, {"name": "title"}]

    def create(self, entity, body):
        self.calls.append(("create", body.get("externalID")))
        if self.fail_on_create == body.get("externalID"):
            raise c.AutotaskError("refused", status=500, method="POST", path="/Tickets")
        new_id = 9000 + len(self.tickets)
        self.tickets[new_id] = dict(body, id=new_id)
        return new_id

    def update(self, entity, body):
        self.calls.append(("update", body["id"], tuple(sorted(k for k in body if k != "id"))))
        self.tickets[body["id"]].update(body)
        return body["id"]

    def writes(self):
        return [x for x in self.calls if x[0] in ("create", "update")]


def tenant(host, status, steps=(), failure=None, name=None):
    vendors = (
        []
        if status == "failed"
        else [
            {"vendor": "Propel Your MSP", "role": "propel", "status": status, "manual_steps": list(steps), "drift": []}
        ]
    )
    return {
        "host": host,
        "name": name or host.title(),
        "tenant_id": 1,
        "status": status,
        "failure": failure,
        "vendors": vendors,
    }


def run(client, tenants, check=False, **settings):
    return t.run(client, tenants, dict(SETTINGS, **settings), check, today=TODAY)


FLEET = [
    tenant("adatum", "compliant"),
    tenant("contoso", "manual", ["Copy the level", "Tick the box"]),
    tenant("tailspin", "failed", failure={"msg": "authentication failed"}),
]


def test_run_1_opens_a_ticket_per_tenant_that_is_not_compliant_and_none_for_a_compliant_one():
    client = FakeClient()
    result = run(client, FLEET)
    assert result["changed"] is True
    assert result["by_action"] == {"none": ["adatum"], "create": ["contoso", "tailspin"]}
    by_ref = {x["externalID"]: x for x in client.tickets.values()}
    assert set(by_ref) == {"msp.autotask/contoso", "msp.autotask/tailspin"}
    contoso = by_ref["msp.autotask/contoso"]
    assert contoso["companyID"] == 102 and contoso["queueID"] == 500 and contoso["status"] == 1
    assert contoso["title"] == "Integration API users: Contoso"
    assert "1. Copy the level" in contoso["description"] and "2. Tick the box" in contoso["description"]
    assert contoso["dueDateTime"] == "2026-12-09T00:00:00Z"
    assert "authentication failed" in by_ref["msp.autotask/tailspin"]["description"]
    assert result["end_state"]["contoso"]["status"] == 1


def test_a_second_identical_run_writes_nothing():
    client = FakeClient()
    run(client, FLEET)
    client.calls.clear()
    result = run(client, FLEET)
    assert result["changed"] is False and client.writes() == []
    # Nothing to write: no picklist or company reads either.
    assert client.calls == [("query", "Tickets")]


def test_fewer_steps_update_only_the_description_and_keep_a_technicians_status():
    client = FakeClient()
    run(client, FLEET)
    ticket_id = next(i for i, x in client.tickets.items() if x["externalID"] == "msp.autotask/contoso")
    client.tickets[ticket_id]["status"] = 8  # a technician took it: In Progress
    client.calls.clear()
    fewer = [FLEET[0], tenant("contoso", "manual", ["Tick the box"]), FLEET[2]]
    result = run(client, fewer)
    assert result["by_action"]["update"] == ["contoso"]
    assert client.writes() == [("update", ticket_id, ("description",))]
    assert client.tickets[ticket_id]["status"] == 8


def test_a_compliant_tenant_completes_its_ticket_once_and_a_relapse_reopens_it():
    client = FakeClient()
    run(client, FLEET)
    ticket_id = next(i for i, x in client.tickets.items() if x["externalID"] == "msp.autotask/contoso")
    done = [FLEET[0], tenant("contoso", "compliant"), FLEET[2]]
    result = run(client, done)
    assert result["by_action"]["complete"] == ["contoso"]
    assert client.tickets[ticket_id]["status"] == 5 and client.tickets[ticket_id]["resolution"] == "compliant"
    client.calls.clear()
    assert run(client, done)["changed"] is False
    relapse = [FLEET[0], tenant("contoso", "drift"), FLEET[2]]
    result = run(client, relapse)
    assert result["by_action"]["reopen"] == ["contoso"]
    assert client.tickets[ticket_id]["status"] == 1


@pytest.mark.parametrize("status", ["failed", "drift", "manual", "unknown"])
def test_no_ticket_is_ever_completed_for_a_tenant_the_report_does_not_show_compliant(status):
    client = FakeClient(
        tickets=[
            {
                "id": 1,
                "externalID": "msp.autotask/contoso",
                "status": 1,
                "title": "x",
                "description": "y",
                "companyID": 102,
            }
        ]
    )
    result = run(client, [tenant("contoso", status, failure={"msg": "boom"} if status == "failed" else None)])
    assert result["by_action"] != {"complete": ["contoso"]}
    assert all(x[0] != "update" or "status" not in x[2] for x in client.writes())
    assert client.tickets[1]["status"] == 1


def test_check_mode_plans_the_same_and_writes_nothing():
    client = FakeClient()
    result = run(client, FLEET, check=True)
    assert result["by_action"] == {"none": ["adatum"], "create": ["contoso", "tailspin"]}
    assert client.writes() == [] and client.tickets == {}
    assert result["diff"]["after"]["contoso"]["companyID"] == 102
    assert result["diff"]["before"]["contoso"] is None


def test_a_missing_mapping_is_refused_before_any_call():
    client = FakeClient()
    with pytest.raises(t.TicketInputError, match="no company is mapped for contoso, tailspin"):
        run(client, FLEET, companies={})
    assert client.calls == []


@pytest.mark.parametrize(
    "override, words",
    [
        ({"queue_id": 999}, "queue_id 999"),
        ({"status_complete": 6}, "status_complete 6"),
        ({"companies": {"contoso": 777, "tailspin": 105}}, "contoso (777)"),
    ],
)
def test_an_id_the_msps_autotask_lacks_writes_nothing(override, words):
    client = FakeClient()
    with pytest.raises(
        t.TicketInputError, match=r"%s.*no ticket was written" % words.replace("(", r"\(").replace(")", r"\)")
    ):
        run(client, FLEET, **override)
    assert client.writes() == []


def test_a_refused_write_says_how_far_the_run_got():
    client = FakeClient(fail_on_create="msp.autotask/tailspin")
    with pytest.raises(m.PartFailed) as caught:
        run(client, FLEET)
    assert caught.value.extra["failed_host"] == "tailspin"
    assert [x["host"] for x in caught.value.extra["tickets"]] == ["adatum", "contoso"]


def test_two_tickets_under_one_reference_warn_and_the_oldest_open_one_is_kept_to():
    old = {
        "id": 1,
        "externalID": "msp.autotask/contoso",
        "status": 5,
        "title": "a",
        "description": "b",
        "companyID": 102,
    }
    newer = dict(old, id=2, status=1)
    client = FakeClient(tickets=[old, newer])
    result = run(client, [FLEET[1]])
    assert result["tickets"][0]["ticket_id"] == 2
    assert "2 tickets carry the reference msp.autotask/contoso" in result["warnings"][0]


def test_the_description_is_cut_to_autotasks_limit_and_the_title_to_255():
    long = tenant("contoso", "manual", ["step %d %s" % (n, "x" * 100) for n in range(200)], name="N" * 400)
    text = t.description_for(long)
    assert len(text) == t.DESCRIPTION_LIMIT and text.endswith("see the fleet report for the rest.")
    assert len(t.title_for(long, "Integration API users:")) == t.TITLE_LIMIT


def test_a_file_that_is_no_fleet_report_is_refused(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"schema": "something else", "tenants": []}))
    with pytest.raises(t.TicketInputError, match="is not a fleet report"):
        t.load_report(str(path))
    with pytest.raises(t.TicketInputError, match="cannot read"):
        t.load_report(str(tmp_path / "missing.json"))
    with pytest.raises(t.TicketInputError, match="more than once"):
        t.check_tenants([FLEET[0], FLEET[0]])


def test_a_tenant_id_of_the_report_is_refused_for_tickets():
    with pytest.raises(t.TicketInputError, match="tenant_id 1 is a tenant of the report"):
        t.refuse_a_tenants_database(FLEET, 1)
    t.refuse_a_tenants_database(FLEET, 28000001)
