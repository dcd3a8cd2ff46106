# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each part plans over an in-memory tenant (no HTTP), then applies; the logic needs no ansible-core."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _api_user as api_user
from ansible_collections.msp.autotask.plugins.module_utils import _model as m
from ansible_collections.msp.autotask.plugins.module_utils import _protected_data as protected_data
from ansible_collections.msp.autotask.plugins.module_utils import _security_level as security_level
from ansible_collections.msp.autotask.plugins.module_utils import _session as s
from ansible_collections.msp.autotask.plugins.module_utils import _specs as specs

TENANT = 90001
USER = {
    "id": 10,
    "userName": "propel",
    "email": "propel@t.example",
    "firstName": "Propel",
    "lastName": "API",
    "isActive": True,
    "licenseType": 7,
    "userType": 13,
}
PROBE = {"id": 20, "userName": "probe", "email": "probe@t.example", "isActive": True, "licenseType": 7, "userType": 40}


class MemoryClient:
    """What TenantSession asks of a client, over dicts; records every write."""

    def __init__(self, users=(), links=None, access=None):
        self.users = [dict(u) for u in users]
        self.links = {k: [dict(r) for r in v] for k, v in (links or {}).items()}
        self.access = access or {}
        self.writes = []

    def query(self, entity, conditions=None, include_fields=None):
        rows = self.users if entity == "Resources" else self.links.get(entity, [])
        if entity == "Departments":
            rows = [{"id": 300, "name": "Service Desk"}, {"id": 301, "name": "Sales"}]
        if entity == "Roles":
            rows = [
                {"id": 400, "name": "API Integration", "isActive": True},
                {"id": 401, "name": "Sales Rep", "isActive": True},
            ]
        for cond in conditions or []:
            if cond["op"] == "eq":
                rows = [r for r in rows if r.get(cond["field"]) == cond["value"]]
            elif cond["op"] == "in":
                rows = [r for r in rows if r.get(cond["field"]) in cond["value"]]
        return [dict(r) for r in rows]

    def fields(self, entity):
        picks = [{"value": "500", "label": "Client Portal", "isActive": True}]
        levels = [
            {"value": "13", "label": "API User (system)", "isActive": True},
            {"value": "40", "label": "API User (Propel)", "isActive": True},
        ]
        return [
            {"name": "queueID" if entity == "Tickets" else "locationID", "picklistValues": picks},
            {"name": "userType", "picklistValues": levels},
        ]

    def update(self, entity, body, parent=None):
        self.writes.append(("PATCH", entity, dict(body)))

    def create(self, entity, body, parent=None):
        self.writes.append(("POST", entity, dict(body)))

    def entity_information(self):
        return self.access


def session(client, check_mode=False, probe=None):
    return s.TenantSession(lambda: (client, TENANT), lambda creds: probe or client, check_mode=check_mode)


def user_params(**values):
    return specs.defaults(specs.api_user(), dict({"email": "propel@t.example"}, **values))


DEPARTMENT = [{"department": "Service Desk", "role": "API Integration", "default": True}]
EXTRA = {"id": 7, "resourceID": 10, "departmentID": 301, "roleID": 401, "isDefault": False, "isActive": True}
WANTED = {"id": 6, "resourceID": 10, "departmentID": 300, "roleID": 400, "isDefault": True, "isActive": True}


def test_a_plan_reads_and_never_writes_and_its_rows_are_drift_until_applied():
    client = MemoryClient([dict(USER, isActive=False)])
    plan = api_user.plan(session(client), user_params(departments=DEPARTMENT))
    assert client.writes == []
    assert plan.ledger[("field", "isActive")]["status"] == "drift"
    assert plan.ledger[("link", "departments", 300, 400)]["status"] == "drift"
    assert [w[0] for w in plan.writes] == ["PATCH", "POST"]
    outcome = api_user.apply(session(client), plan)
    assert [w[0] for w in client.writes] == ["PATCH", "POST"]
    assert outcome["verification"][1]["status"] == "converged" and outcome["changed"]


def test_check_mode_applies_nothing_and_says_onboard_fixes_it():
    client = MemoryClient([dict(USER, isActive=False)])
    outcome = api_user.run(session(client, check_mode=True), user_params())
    assert client.writes == [] and outcome["compliant"] is False
    row = next(r for r in outcome["verification"] if r["key"] == ["field", "isActive"])
    assert row["status"] == "drift" and "onboard fixes this" in row["note"]
    assert outcome["manual_steps"][0].startswith("Run onboard")


def test_the_diff_is_the_plan_applied_to_what_was_read():
    client = MemoryClient([USER], {"ResourceRoleDepartments": [EXTRA]})
    outcome = api_user.run(session(client, check_mode=True), user_params(departments=DEPARTMENT))
    assert outcome["diff"]["before"]["departments"] == [[301, 401, False, True]]
    assert outcome["diff"]["after"]["departments"] == [[300, 400, True, True], [301, 401, False, True]]


def test_an_extra_link_is_a_row_and_is_kept_without_purge():
    client = MemoryClient([USER], {"ResourceRoleDepartments": [WANTED, EXTRA]})
    outcome = api_user.run(session(client), user_params(departments=DEPARTMENT))
    extra = next(r for r in outcome["verification"] if r["key"][0] == "extra link")
    assert extra["key"] == ["extra link", "departments", 301, 401] and extra["extra"] is True
    assert "Sales/Sales Rep" in extra["property"] and extra["status"] == "ok"
    assert client.writes == [] and outcome["compliant"] is True


def test_purge_deactivates_an_extra_link_and_a_second_run_writes_nothing():
    client = MemoryClient([USER], {"ResourceRoleDepartments": [WANTED, EXTRA]})
    params = user_params(departments=DEPARTMENT, purge_associations=True)
    first = api_user.run(session(client), params)
    assert client.writes == [("PATCH", "RoleDepartments", {"isActive": False, "id": 7})]
    assert first["compliant"] is True
    client.links["ResourceRoleDepartments"][1]["isActive"] = False  # what the API now holds
    client.writes = []
    second = api_user.run(session(client), params)
    assert client.writes == [] and second["changed"] is False
    assert not [r for r in second["verification"] if r["key"][0] == "extra link"]  # an inactive link grants nothing


def test_an_extra_queue_under_purge_is_a_manual_step_never_a_write():
    queue = {"id": 9, "resourceID": 10, "queueID": 500}
    client = MemoryClient([USER], {"ResourceRoleQueues": [queue]})
    outcome = api_user.run(session(client), user_params(queues=[], purge_associations=True))
    assert client.writes == [] and outcome["compliant"] is False
    assert any("Service Desk Queues: remove 'Client Portal'" in step for step in outcome["manual_steps"])


def test_a_security_level_plan_never_writes_and_reads_rows_by_key():
    access = {"Tickets": {"userAccessForQuery": "All", "userAccessForCreate": "None"}}
    client = MemoryClient([PROBE], access=access)
    params = specs.defaults(
        specs.security_level(),
        {
            "name": "API User (Propel)",
            "verify_as": {"username": "probe", "secret": "x", "integration_code": "y"},
            "permissions": [
                {
                    "section": "SERVICE DESK",
                    "subsection": "Object Permissions",
                    "name": "Tickets",
                    "permission": "View: All, Add: Yes",
                }
            ],
        },
    )
    outcome = security_level.run(session(client), params)
    row = next(r for r in outcome["verification"] if r["key"][0] == "permission")
    assert row["status"] == "drift" and row["evidence"] == "documented" and client.writes == []
    assert any("set 'Tickets' to View: All, Add: Yes" in step for step in outcome["manual_steps"])


def test_protected_data_is_attest_only_over_the_memory_tenant():
    client = MemoryClient([USER])
    params = specs.defaults(specs.protected_data(), {"email": "propel@t.example", "view_unprotected": True})
    outcome = protected_data.run(session(client), params)
    assert [r["status"] for r in outcome["verification"]] == ["ok"] + ["unverifiable"] * 4
    fp = outcome["fingerprint"]
    attested = protected_data.run(
        session(client), dict(params, attestation={"fingerprint": fp, "by": "jo", "at": "2026-12-01"})
    )
    assert attested["compliant"] is True and client.writes == []


@pytest.mark.parametrize(
    "module", ["_api_user", "_security_level", "_protected_data", "_vendor_users", "_report", "_specs"]
)
def test_the_logic_layer_imports_without_ansible_core(module):
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ansible' or name.startswith('ansible.'):\n"
        "            raise ImportError('ansible-core is not for the logic layer: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import ansible_collections.msp.autotask.plugins.module_utils.%s\n"
        "assert not [m for m in sys.modules if m == 'ansible' or m.startswith('ansible.')]\n" % module
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, "-c", blocker], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_a_tenant_mismatch_is_an_error_the_module_layer_reports():
    exc = m.TenantMismatch(111, 222)
    assert isinstance(exc, m.ModelError) and "database 111, not to tenant_id 222" in str(exc)


def test_the_level_a_user_holds_is_read_from_user_type_not_attested():
    client = MemoryClient([USER])
    fine = api_user.run(session(client), user_params(security_level="API User (system) (API-only)"))
    row = next(r for r in fine["verification"] if r["key"] == ["ui", "security_level"])
    assert row["status"] == "ok" and row["observed"] == "API User (system)"  # "(API-only)" is the UI's suffix
    moved = api_user.run(session(client), user_params(security_level="API User (Propel)"))
    row = next(r for r in moved["verification"] if r["key"] == ["ui", "security_level"])
    assert (
        row["status"] == "drift" and row["observed"] == "API User (system)" and row["expected"] == "API User (Propel)"
    )
    assert any("set Security Level to 'API User (Propel)'" in step for step in moved["manual_steps"])


def level_params(name, **values):
    probe = {"username": "probe", "secret": "x", "integration_code": "y"}
    return specs.defaults(specs.security_level(), dict({"name": name, "verify_as": probe}, **values))


def test_a_missing_level_is_missing_whatever_was_attested_and_its_probe_sees_another_level():
    client = MemoryClient([PROBE], access={"Tickets": {"userAccessForQuery": "All"}})
    first = security_level.run(session(client), level_params("API User (Gone)"))
    attested = dict(fingerprint=first["fingerprint"], by="jo", at="2026-12-01")
    outcome = security_level.run(session(client), level_params("API User (Gone)", attestation=attested))
    rows = {tuple(r["key"]): r for r in outcome["verification"]}
    assert rows[("level",)]["status"] == "missing" and outcome["compliant"] is False
    assert rows[("probe",)]["status"] == "unknown" and "holds 'API User (Propel)'" in rows[("probe",)]["observed"]
    assert "Copy Security Level" in "\n".join(outcome["manual_steps"])


def test_an_inactive_level_is_drift_and_voids_its_attestation():
    client = MemoryClient([PROBE])
    original = client.fields

    def fields(entity):
        out = original(entity)
        out[1]["picklistValues"][1]["isActive"] = False
        return out

    client.fields = fields
    first = security_level.run(session(client), level_params("API User (Propel)"))
    attested = dict(fingerprint=first["fingerprint"], by="jo", at="2026-12-01")
    outcome = security_level.run(session(client), level_params("API User (Propel)", attestation=attested))
    rows = {tuple(r["key"]): r for r in outcome["verification"]}
    assert rows[("level",)]["status"] == "ok" and rows[("level", "active")]["status"] == "drift"
    assert outcome["attestation"] == "void" and rows[("level", "copied_from")]["status"] == "unverifiable"


def test_rights_beyond_the_table_keep_the_level_from_compliant():
    access = {"Tickets": {"userAccessForQuery": "All", "userAccessForCreate": "All", "userAccessForDelete": "All"}}
    client = MemoryClient([PROBE], access=access)
    table = [
        {
            "section": "SERVICE DESK",
            "subsection": "Object Permissions",
            "name": "Tickets",
            "permission": "View: All, Add: Yes",
        }
    ]
    first = security_level.run(session(client), level_params("API User (Propel)", permissions=table))
    attested = dict(fingerprint=first["fingerprint"], by="jo", at="2026-12-01")
    outcome = security_level.run(
        session(client), level_params("API User (Propel)", permissions=table, attestation=attested)
    )
    row = next(r for r in outcome["verification"] if r["key"] == ["over_granted"])
    assert row["status"] == "drift" and "Tickets delete" in row["observed"]
    assert outcome["compliant"] is False and outcome["attestation"] == "void" and outcome["manual_steps"]
    assert any(step.startswith("Start from nothing") for step in outcome["manual_steps"])


def test_the_same_link_by_name_and_by_id_is_an_input_error_before_any_write():
    client = MemoryClient([USER])
    with pytest.raises(m.ModelError, match="same association twice"):
        api_user.plan(session(client), user_params(queues=["Client Portal", "500"]))
    assert client.writes == []


def test_two_levels_answering_to_one_name_make_the_level_unknown_not_a_stopped_run():
    client = MemoryClient([PROBE])
    original = client.fields

    def fields(entity):
        out = original(entity)
        out[1]["picklistValues"].append({"value": "41", "label": "api user (propel)", "isActive": False})
        return out

    client.fields = fields
    outcome = security_level.run(session(client), level_params("API User (Propel)"))
    assert (
        outcome["verification"][0]["status"] == "unknown" and "more than one" in outcome["verification"][0]["observed"]
    )


class CountingClient(MemoryClient):
    """MemoryClient that records which entity each query read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read = []

    def query(self, entity, conditions=None, include_fields=None):
        self.read.append(entity)
        return super().query(entity, conditions, include_fields)


QUEUE_ROW = {"id": 9000, "resourceID": 10, "queueID": 500, "departmentID": None, "roleID": None, "isActive": True}
OTHER_QUEUE_ROW = dict(QUEUE_ROW, id=9001, queueID=501)
QUEUE_LINK = {"id": 50, "resourceID": 10, "queueID": 500}


def test_a_queue_link_the_view_lists_is_ok_with_no_queue_read():
    client = CountingClient([USER], {"ResourceRoles": [QUEUE_ROW, OTHER_QUEUE_ROW]})
    outcome = api_user.run(session(client), user_params(queues=["Client Portal"]))
    assert "ResourceRoleQueues" not in client.read and client.read.count("ResourceRoles") == 1
    assert outcome["compliant"] is True and client.writes == []
    assert outcome["diff"]["before"]["queues"] == [500, 501]  # the view's other queue link: an extra row
    extra = next(r for r in outcome["verification"] if r["key"][0] == "extra link")
    assert extra["key"] == ["extra link", "queues", 501]


@pytest.mark.parametrize(
    "view",
    [
        [],  # the link is gone, or the view leaves queue links out
        # rows of other kinds never stand for a queue link
        [dict(QUEUE_ROW, queueID=None, departmentID=300, roleID=400), dict(QUEUE_ROW, queueID=None, roleID=500)],
    ],
)
def test_a_queue_link_the_view_does_not_list_is_read_from_its_entity(view):
    client = CountingClient([USER], {"ResourceRoles": view})
    outcome = api_user.run(session(client, check_mode=True), user_params(queues=["Client Portal"]))
    assert client.read.count("ResourceRoleQueues") == 1
    assert outcome["compliant"] is False and outcome["writes"][0]["path"] == "Resources/10/RoleQueues"
    client = CountingClient([USER], {"ResourceRoles": view, "ResourceRoleQueues": [QUEUE_LINK]})
    outcome = api_user.run(session(client), user_params(queues=["Client Portal"]))
    assert outcome["compliant"] is True and client.writes == []  # there after all: nothing written


def test_departments_and_purge_never_rest_on_the_view():
    # A view row with the department and role asked for could be a service desk role row: the
    # department links are read from ResourceRoleDepartments, default or not.
    view = [dict(QUEUE_ROW, queueID=None, departmentID=300, roleID=400), QUEUE_ROW]
    client = CountingClient([USER], {"ResourceRoles": view})
    wanted = [{"department": "Service Desk", "role": "API Integration", "default": False}]
    outcome = api_user.run(session(client, check_mode=True), user_params(departments=wanted))
    assert "ResourceRoles" not in client.read and client.read.count("ResourceRoleDepartments") == 1
    assert outcome["compliant"] is False
    # Under purge_associations an unlisted link must be seen even where the view is silent.
    client = CountingClient([USER], {"ResourceRoles": [QUEUE_ROW], "ResourceRoleQueues": [QUEUE_LINK]})
    api_user.run(session(client), user_params(queues=["Client Portal"], purge_associations=True))
    assert "ResourceRoles" not in client.read and client.read.count("ResourceRoleQueues") == 1
