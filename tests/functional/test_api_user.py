"""autotask_api_user through ansible-playbook against the sandbox: the issue's acceptance story."""

import pytest

from playbook import auth_defaults, run_tasks

TENANT = 30111222
CODE = "SANDBOX-INTERNAL-FABRIKAM"
ADMIN = {"username": "msp-automation@fabrikam.example", "secret": "admin-secret-Qp19", "integration_code": CODE}


@pytest.fixture
def tenant(sandbox):
    sandbox.seed(
        {
            "integration_vendors": [{"name": "Propel Your MSP", "code": "VENDOR-PROPEL"}],
            "tenants": [
                {
                    "id": TENANT,
                    "zone": "webservices2",
                    "internal_integration_codes": [CODE],
                    "locations": [{"id": 1, "name": "Head Office"}, {"id": 2, "name": "Engineering Office"}],
                    "departments": [{"id": 300, "name": "Service Desk"}, {"id": 301, "name": "Administration"}],
                    "roles": [{"id": 400, "name": "API Integration"}, {"id": 401, "name": "Technician"}],
                    "queues": [{"id": 500, "label": "Client Portal"}, {"id": 501, "label": "Monitoring Alert"}],
                    "resources": [
                        {
                            "id": 1,
                            "firstName": "MSP",
                            "lastName": "Automation",
                            "email": "a@fabrikam.example",
                            "userName": ADMIN["username"],
                            "api_user": {"secret": ADMIN["secret"], "internal": True},
                        }
                    ],
                }
            ],
        }
    )
    return sandbox


def defaults(sandbox, **extra):
    return auth_defaults(sandbox, ADMIN, TENANT, extra)


USER = {
    "first_name": "Propel Your MSP",
    "last_name": "API",
    "email": "propel@fabrikam.example",
    "security_level": "API User (system) (API-only)",
    "integration_vendor": "Propel Your MSP",
    "departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
    "queues": ["Client Portal"],
}


def task(**extra):
    return {"msp.autotask.autotask_api_user": dict(USER, **extra)}


def log(sandbox, writes=False):
    return sandbox.control("GET", "/tenants/%d/requests%s" % (TENANT, "?writes=1" if writes else ""))


def technician_creates_user(sandbox, email="Propel@Fabrikam.example"):
    return sandbox.control(
        "POST",
        "/tenants/%d/api-users" % TENANT,
        {
            "firstName": "Propel Your MSP",
            "lastName": "API",
            "email": email,
            "security_level": "API User (system) (API-only)",
            "integration_vendor": "Propel Your MSP",
        },
    )


def test_missing_user_gets_new_api_user_steps_and_no_write(tenant):
    (r,), _ = run_tasks([task()], defaults(tenant))
    assert r["changed"] is False and r["compliant"] is False and r["resource_id"] is None
    assert r["verification"][0]["status"] == "missing"
    text = "\n".join(r["manual_steps"])
    for needle in (
        "New API User",
        "'Propel Your MSP'",
        "'API'",
        "propel@fabrikam.example",
        "Integration Vendor 'Propel Your MSP'",
        "Generate Key and Generate Secret",
        "vault",
        r["fingerprint"],
    ):
        assert needle in text
    assert log(tenant, writes=True)["count"] == 0


def test_technician_attest_converge_then_nothing_to_do(tenant):
    (first,), _ = run_tasks([task()], defaults(tenant))
    technician_creates_user(tenant)
    attestation = {"fingerprint": first["fingerprint"], "by": "jo@msp.example", "at": "2026-11-23"}
    (second,), _ = run_tasks([task(attestation=attestation)], defaults(tenant))
    assert second["changed"] is True and second["compliant"] is True
    assert {w["path"].split("/")[-1] for w in second["writes"]} == {"RoleDepartments", "RoleQueues"}
    statuses = {v["property"]: v["status"] for v in second["verification"]}
    # The level the user holds is read (userType); the integration vendor is attested.
    assert statuses["security level"] == "ok" and statuses["integration vendor"] == "attested"
    assert statuses["field email"] == "ok"  # email compared without case
    tenant.control("DELETE", "/tenants/%d/requests" % TENANT)
    (third,), _ = run_tasks([task(attestation=attestation)], defaults(tenant))
    assert third["changed"] is False and third["compliant"] is True and third["writes"] == []
    assert log(tenant, writes=True)["count"] == 0
    state = tenant.control("GET", "/tenants/%d" % TENANT)["entities"]
    links = [r for r in state["ResourceRoleDepartments"] if r["resourceID"] == third["resource_id"]]
    assert [(r["departmentID"], r["roleID"], r["isDefault"]) for r in links] == [(300, 400, True)]


def test_drift_made_in_the_ui_is_reported_and_fixed(tenant):
    rid = technician_creates_user(tenant)["id"]
    run_tasks([task()], defaults(tenant))
    queue_link = next(
        r
        for r in tenant.control("GET", "/tenants/%d" % TENANT)["entities"]["ResourceRoleQueues"]
        if r["resourceID"] == rid
    )
    tenant.control("DELETE", "/tenants/%d/entities/ResourceRoleQueues/%d" % (TENANT, queue_link["id"]))
    tenant.control("PATCH", "/tenants/%d/entities/Resources/%d" % (TENANT, rid), {"isActive": False})
    (r,), _ = run_tasks([task()], defaults(tenant))
    statuses = {v["property"]: v["status"] for v in r["verification"]}
    assert statuses["field isActive"] == "converged" and statuses["queue Client Portal"] == "converged"
    assert r["writes"][0]["path"] == "Resources"  # reactivated before new links
    resource = next(x for x in tenant.control("GET", "/tenants/%d" % TENANT)["entities"]["Resources"] if x["id"] == rid)
    assert resource["isActive"] is True


def test_check_mode_predicts_without_writing_and_diff_shows_both_sides(tenant):
    technician_creates_user(tenant)
    (r,), _ = run_tasks([task()], defaults(tenant), check=True, diff=True)
    assert r["changed"] is True and len(r["writes"]) == 2
    assert r["diff"]["before"]["queues"] == [] and r["diff"]["after"]["queues"] == [500]
    assert log(tenant, writes=True)["count"] == 0


def test_check_mode_reports_a_deactivated_user_as_drift_not_converged(tenant):
    rid = technician_creates_user(tenant)["id"]
    (first,), _ = run_tasks([task()], defaults(tenant))
    attestation = {"fingerprint": first["fingerprint"], "by": "jo@msp.example", "at": "2026-11-23"}
    (ok,), _ = run_tasks([task(attestation=attestation)], defaults(tenant))
    assert ok["compliant"] is True
    tenant.control("PATCH", "/tenants/%d/entities/Resources/%d" % (TENANT, rid), {"isActive": False})
    tenant.control("DELETE", "/tenants/%d/requests" % TENANT)
    (audit,), _ = run_tasks([task(attestation=attestation)], defaults(tenant), check=True)
    row = next(v for v in audit["verification"] if v["property"] == "field isActive")
    assert row["status"] == "drift" and "onboard fixes this" in row["note"]
    assert audit["compliant"] is False and "Run onboard" in audit["manual_steps"][0]
    assert log(tenant, writes=True)["count"] == 0
    (fixed,), _ = run_tasks([task(attestation=attestation)], defaults(tenant))
    assert fixed["compliant"] is True and fixed["changed"] is True
    (again,), _ = run_tasks([task(attestation=attestation)], defaults(tenant))
    assert again["changed"] is False and again["writes"] == []


def test_state_absent_deactivates(tenant):
    rid = technician_creates_user(tenant)["id"]
    (r,), _ = run_tasks([task(state="absent", departments=None, queues=None)], defaults(tenant))
    assert r["changed"] and r["writes"] == [
        {"method": "PATCH", "path": "Resources", "body": {"isActive": False, "id": rid}}
    ]
    resource = next(x for x in tenant.control("GET", "/tenants/%d" % TENANT)["entities"]["Resources"] if x["id"] == rid)
    assert resource["isActive"] is False  # the sandbox's own state, not the module's word


def test_two_matching_users_fail_listing_ids(tenant):
    technician_creates_user(tenant)
    technician_creates_user(tenant, email="other@fabrikam.example")
    (r,), _ = run_tasks([task(email=None)], defaults(tenant))
    assert r["failed"] and "more than one API user matches" in r["msg"]
    assert log(tenant, writes=True)["count"] == 0


def test_unknown_department_names_the_known_ones_and_writes_nothing(tenant):
    technician_creates_user(tenant)
    (r,), _ = run_tasks(
        [task(departments=[{"department": "Servce Desk", "role": "API Integration"}])], defaults(tenant)
    )
    assert r["failed"] and "department 'Servce Desk' not found; known: Administration, Service Desk" in r["msg"]
    assert log(tenant, writes=True)["count"] == 0


@pytest.mark.parametrize(
    "override, message",
    [
        ({"secret": "wrong-secret-Lm30"}, "authentication failed"),
        ({"integration_code": "NOT-THE-CODE"}, "IntegrationCode is invalid"),
        ({"username": "nobody@fabrikam.example"}, "Zone information could not be determined"),
    ],
)
def test_wrong_credentials_give_a_clear_message_and_no_secret(tenant, override, message):
    (r,), proc = run_tasks([task()], defaults(tenant, **override))
    assert r["failed"] and message in r["msg"]
    assert "wrong-secret-Lm30" not in proc.stdout + proc.stderr
    assert log(tenant, writes=True)["count"] == 0


# ansible-core 2.21 puts the module's arguments (`invocation`) in results only with INJECT_INVOCATION
# on; older cores always do. No secret may show either way.
@pytest.mark.parametrize("inject_invocation", [True, False], ids=["invocation-on", "core-default"])
def test_no_secret_in_verbose_check_diff_output(tenant, inject_invocation):
    technician_creates_user(tenant)
    env = {"ANSIBLE_INJECT_INVOCATION": "True"} if inject_invocation else {}
    (r,), proc = run_tasks([task()], defaults(tenant), check=True, diff=True, verbosity=3, extra_env=env)
    output = proc.stdout + proc.stderr
    assert r["changed"] is True
    if inject_invocation:
        assert "module_args" in output  # -vvv really printed the arguments
    assert ADMIN["secret"] not in output and CODE not in output


def test_a_throttled_read_fails_the_task_and_writes_nothing(tenant):
    technician_creates_user(tenant)
    tenant.control("PUT", "/faults", {"tenant": TENANT, "429": 1.0, "retry_after": 0})
    # Room for at least one jittered retry (the first backoff is at most 0.5 s).
    (r,), _ = run_tasks([task()], defaults(tenant, retry_budget=2))
    tenant.control("PUT", "/faults", {})
    assert r["failed"] and "throttled" in r["msg"]
    assert r["api_calls"]["retries"] >= 1
    assert log(tenant, writes=True)["count"] == 0


def test_a_user_moved_to_another_level_in_the_ui_is_drift_with_both_names(tenant):
    rid = technician_creates_user(tenant)["id"]
    (first,), _ = run_tasks([task()], defaults(tenant))
    attestation = {"fingerprint": first["fingerprint"], "by": "jo@msp.example", "at": "2026-11-23"}
    (ok,), _ = run_tasks([task(attestation=attestation)], defaults(tenant))
    assert ok["compliant"] is True
    tenant.control(
        "POST", "/tenants/%d/security-levels" % TENANT, {"name": "Too Much", "copy_from": "API User (system)"}
    )
    tenant.control("PATCH", "/tenants/%d/api-users/%d" % (TENANT, rid), {"security_level": "Too Much"})
    (audit,), _ = run_tasks([task(attestation=attestation)], defaults(tenant), check=True)
    row = next(v for v in audit["verification"] if v["key"] == ["ui", "security_level"])
    assert row["status"] == "drift" and row["observed"] == "Too Much" and row["expected"] == USER["security_level"]
    assert audit["compliant"] is False and audit["attestation"] == "void"
    assert any("set Security Level to 'API User (system) (API-only)'" in s for s in audit["manual_steps"])
