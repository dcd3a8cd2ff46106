"""autotask_protected_data and autotask_info through ansible-playbook against the sandbox."""

import pytest

from playbook import auth_defaults, run_tasks

TENANT = 41000
CODE = "SANDBOX-INTERNAL-NORTHWIND"
ADMIN = {"username": "admin@northwind.example", "secret": "admin-secret-Nw55", "integration_code": CODE}
RMM = {"username": "rmm@northwind.example", "secret": "rmm-secret-Rr44", "integration_code": CODE}


@pytest.fixture
def tenant(sandbox):
    sandbox.seed(
        {
            "tenants": [
                {
                    "id": TENANT,
                    "zone": "webservices5",
                    "internal_integration_codes": [CODE],
                    "departments": [{"id": 10, "name": "Service Desk"}],
                    "roles": [{"id": 20, "name": "API"}],
                    "queues": [{"id": 30, "label": "Triage"}],
                    "udfs": [
                        {"name": "Asset Tag", "entity": "ConfigurationItems"},
                        {"name": "BIOS Password", "entity": "ConfigurationItems", "protected": True},
                    ],
                    "resources": [
                        {
                            "id": 1,
                            "firstName": "MSP",
                            "lastName": "Admin",
                            "email": "a@northwind.example",
                            "userName": ADMIN["username"],
                            "api_user": {"secret": ADMIN["secret"], "internal": True},
                            "protected_data": {"edit_protected": True},
                        },
                        {
                            "id": 2,
                            "firstName": "RMM",
                            "lastName": "API",
                            "email": "rmm@northwind.example",
                            "userName": RMM["username"],
                            "api_user": {"secret": RMM["secret"], "internal": True},
                            "departments": [{"department_id": 10, "role_id": 20, "default": True}],
                            "queues": [30],
                        },
                    ],
                }
            ]
        }
    )
    return sandbox


def defaults(sandbox, **extra):
    return auth_defaults(sandbox, ADMIN, TENANT, extra)


def boxes_task(**extra):
    return {
        "msp.autotask.autotask_protected_data": dict(
            {"api_username": RMM["username"], "edit_unprotected": True}, **extra
        )
    }


def statuses(result):
    return {row["property"]: row["status"] for row in result["verification"]}


def test_boxes_are_attest_only_whatever_another_user_sees(tenant):
    # The admin has every box and sees the protected UDF; the RMM user has none. What the admin
    # sees says nothing about the RMM user's boxes: never ok.
    (r,), _ = run_tasks([boxes_task()], defaults(tenant))
    assert r["boxes"] == {
        "edit_protected": False,
        "view_protected": False,
        "edit_unprotected": True,
        "view_unprotected": True,
    }  # the lesser box follows
    s = statuses(r)
    assert {s[label] for label in s if label != "resource exists"} == {"unverifiable"}
    assert "Protected Data Permission" in r["manual_steps"][0] and "RMM API" in r["manual_steps"][0]
    assert r["changed"] is False and not r["compliant"]


def test_verify_as_is_no_longer_an_option(tenant):
    (r,), _ = run_tasks([boxes_task(verify_as=ADMIN)], defaults(tenant))
    assert r["failed"] and "verify_as" in r["msg"]


def test_attestation_closes_every_box(tenant):
    (first,), _ = run_tasks([boxes_task()], defaults(tenant))
    attestation = {"fingerprint": first["fingerprint"], "by": "jo", "at": "2026-11-23"}
    (second,), _ = run_tasks([boxes_task(attestation=attestation)], defaults(tenant))
    assert second["compliant"] and second["manual_steps"] == []
    assert set(statuses(second).values()) == {"ok", "attested"}


def test_unknown_resource_is_missing(tenant):
    (r,), _ = run_tasks([boxes_task(api_username="nobody@northwind.example")], defaults(tenant))
    assert statuses(r)["resource exists"] == "missing" and not r["compliant"]


def test_info_exports_the_tenant(tenant):
    (r,), _ = run_tasks([{"msp.autotask.autotask_info": {}}], defaults(tenant))
    assert r["tenant_id"] == TENANT and r["changed"] is False
    users = {u["userName"]: u for u in r["api_users"]}
    assert users[RMM["username"]]["links"] == [
        {"departmentID": 10, "roleID": 20, "queueID": None},
        {"departmentID": None, "roleID": None, "queueID": 30},
    ]
    assert r["queues"] == [{"id": 30, "label": "Triage", "active": True}]
    assert {u["name"]: u["isProtected"] for u in r["udfs"]} == {"Asset Tag": False, "BIOS Password": True}
    assert r["access"]["Resources"]["update"] == "All"
    assert r["thresholds"]["externalRequestThreshold"] == 10000
    # one zone lookup (cache disabled here) plus one call per part, two for api_users
    assert r["api_calls"]["total"] == 1 + 8


def test_info_gathers_only_what_is_asked(tenant):
    (r,), _ = run_tasks([{"msp.autotask.autotask_info": {"gather": ["thresholds"]}}], defaults(tenant))
    assert "api_users" not in r and r["api_calls"]["by_kind"] == {"GET zone": 1, "GET threshold": 1}
