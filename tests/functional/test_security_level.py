"""autotask_security_level through ansible-playbook against the sandbox."""

import pytest

from playbook import auth_defaults, run_tasks

TENANT = 29683384
CODE = "SANDBOX-INTERNAL-CONTOSO"
ADMIN = {"username": "msp-automation@contoso.example", "secret": "admin-secret-Zq81", "integration_code": CODE}
PROBE = {"username": "probe@contoso.example", "secret": "probe-secret-Yx72", "integration_code": CODE}
LEVEL = "API User (Propel Your MSP)"
TABLE = [
    {
        "section": "SERVICE DESK",
        "subsection": "Object Permissions",
        "name": "Tickets",
        "permission": "View: All, Add: Yes",
    },
    {"section": "ADMIN", "subsection": "Feature Access", "name": "Resources/Users (HR)", "permission": "(Add Check)"},
    {
        "section": "OTHER",
        "subsection": "Miscellaneous",
        "name": "Not required to change password (password does not expire)",
        "permission": "(Add Check)",
    },
]


@pytest.fixture
def tenant(sandbox):
    sandbox.seed(
        {
            "tenants": [
                {
                    "id": TENANT,
                    "zone": "webservices14",
                    "internal_integration_codes": [CODE],
                    "resources": [
                        {
                            "id": 1,
                            "firstName": "MSP",
                            "lastName": "Automation",
                            "email": "a@contoso.example",
                            "userName": ADMIN["username"],
                            "api_user": {"secret": ADMIN["secret"], "internal": True},
                        }
                    ],
                }
            ]
        }
    )
    return sandbox


def defaults(sandbox, **extra):
    return auth_defaults(sandbox, ADMIN, TENANT, extra)


def level_task(**extra):
    return {"msp.autotask.autotask_security_level": dict({"name": LEVEL, "permissions": TABLE}, **extra)}


def writes(sandbox):
    return sandbox.control("GET", "/tenants/%d/requests?writes=1" % TENANT)["count"]


def technician_builds_level(sandbox, rows):
    sandbox.control("POST", "/tenants/%d/security-levels" % TENANT, {"name": LEVEL, "permissions": rows})
    sandbox.control(
        "POST",
        "/tenants/%d/api-users" % TENANT,
        {
            "firstName": "Probe",
            "lastName": "Propel",
            "email": "probe@contoso.example",
            "userName": PROBE["username"],
            "secret": PROBE["secret"],
            "security_level": LEVEL,
            "internal": True,
        },
    )


def test_fresh_tenant_gets_manual_steps_and_no_write(tenant):
    (r,), _ = run_tasks([level_task()], defaults(tenant))
    assert r["changed"] is False and r["compliant"] is False
    assert r["tenant_id"] == TENANT
    steps = r["manual_steps"]
    assert "Copy Security Level" in steps[0] and LEVEL in steps[0] and str(TENANT) in steps[0]
    assert any("'Tickets' to View: All, Add: Yes" in s for s in steps)
    assert "fingerprint: '%s'" % r["fingerprint"] in steps[-1]
    assert r["verification"][0]["status"] == "missing"  # the userType picklist does not list it
    assert {v["status"] for v in r["verification"][1:]} == {"unverifiable"}
    assert writes(tenant) == 0


def test_probe_verifies_rows_and_flags_the_missing_one(tenant):
    technician_builds_level(tenant, [*TABLE[1:], dict(TABLE[0], permission="View: All")])
    (r,), _ = run_tasks([level_task(verify_as=PROBE)], defaults(tenant))
    by = {v["property"]: v for v in r["verification"]}
    tickets = by["permission: SERVICE DESK > Object Permissions > Tickets"]
    assert tickets["status"] == "drift" and tickets["expected"] == "View: All, Add: Yes"
    assert "Tickets create: No" in tickets["observed"]
    assert by["permission: ADMIN > Feature Access > Resources/Users (HR)"]["status"] == "ok"
    assert r["over_granted"] == []
    # The probe logged in holding the level, so the steps edit it instead of copying it again.
    assert r["manual_steps"][0].endswith("open '%s'." % LEVEL) and "Copy" not in r["manual_steps"][0]
    # One zone lookup (this test disables the zone cache), the userType picklist (Resources
    # fields), one Resources query (which level the probe holds) and one global entityInformation.
    assert r["api_calls"]["by_kind"] == {"GET zone": 1, "GET entityInformation": 2, "GET query": 1}
    assert writes(tenant) == 0


def test_attestation_closes_the_gap_and_a_new_table_reopens_it(tenant):
    technician_builds_level(tenant, TABLE)
    (first,), _ = run_tasks([level_task(verify_as=PROBE)], defaults(tenant))
    assert not first["compliant"]  # the password box and the level's name cannot be observed
    attestation = {"fingerprint": first["fingerprint"], "by": "jo@msp.example", "at": "2026-11-23"}
    second, third = run_tasks(
        [
            level_task(verify_as=PROBE, attestation=attestation),
            level_task(
                verify_as=PROBE,
                attestation=attestation,
                permissions=[
                    *TABLE,
                    {"section": "CRM", "subsection": "Object Permissions", "name": "To-Dos", "permission": "Add: Yes"},
                ],
            ),
        ],
        defaults(tenant),
    )[0]
    assert second["compliant"] and second["attestation"] == "valid" and second["manual_steps"] == []
    assert third["attestation"] == "stale" and not third["compliant"]


def test_observation_voids_a_false_attestation(tenant):
    technician_builds_level(tenant, TABLE[:1])  # forgot the HR box
    (first,), _ = run_tasks([level_task()], defaults(tenant))
    attestation = {"fingerprint": first["fingerprint"], "by": "jo", "at": "2026-11-23"}
    (r,), _ = run_tasks([level_task(verify_as=PROBE, attestation=attestation)], defaults(tenant))
    assert r["attestation"] == "void" and not r["compliant"]


def test_check_mode_and_diff(tenant):
    technician_builds_level(tenant, TABLE[:1])  # forgot the HR box: the probe sees drift
    (r,), _ = run_tasks([level_task(verify_as=PROBE)], defaults(tenant), check=True, diff=True)
    (real,), _ = run_tasks([level_task(verify_as=PROBE)], defaults(tenant))
    assert r["changed"] is False and r["diff"]["after"]["name"] == LEVEL
    # A part that never writes reports the same verdict in check mode as without it.
    assert r["verification"] == real["verification"] and r["manual_steps"] == real["manual_steps"]
    assert "drift" in {v["status"] for v in r["verification"]}
    assert r["diff"]["before"]["permissions"] != r["diff"]["after"]["permissions"]
    assert writes(tenant) == 0


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            {
                "permissions": [
                    {"section": "CRM", "subsection": "Object Permissions", "name": "Tikets", "permission": "View: All"}
                ],
                "strict_rows": True,  # off, an unknown row is attest-only (test_custom_vendor.py)
            },
            "unknown row",
        ),
        ({"permissions": [dict(TABLE[0], permission="View: Everything")]}, "valid: All, Mine"),
        ({"permissions": [TABLE[0], TABLE[0]]}, "more than once"),
    ],
)
def test_bad_input_fails_before_any_request(tenant, bad, message):
    tenant.control("DELETE", "/requests")
    (r,), _ = run_tasks([level_task(**bad)], defaults(tenant))
    assert r["failed"] and message in r["msg"]
    assert tenant.control("GET", "/tenants/%d/requests" % TENANT)["count"] == 0


def test_credential_of_another_tenant_is_refused(tenant):
    (r,), _ = run_tasks([level_task()], defaults(tenant, tenant_id=4242))
    assert r["failed"] and "not to tenant_id 4242" in r["msg"]


def test_auth_from_environment_variables(tenant):
    env = {
        "AUTOTASK_USERNAME": ADMIN["username"],
        "AUTOTASK_SECRET": ADMIN["secret"],
        "AUTOTASK_INTEGRATION_CODE": CODE,
        "AUTOTASK_ZONE_DISCOVERY_URL": tenant.url + "/atservicesrest",
        "AUTOTASK_TENANT_ID": str(TENANT),
    }
    (r,), _ = run_tasks([level_task()], {"zone_cache_path": "/dev/null/none"}, extra_env=env)
    assert not r.get("failed") and r["tenant_id"] == TENANT


def test_a_failed_probe_read_is_unknown_not_drift(tenant):
    technician_builds_level(tenant, TABLE)
    tenant.control("PUT", "/faults", {"tenant": TENANT, "503": 1.0})
    (r,), _ = run_tasks([level_task(verify_as=PROBE)], defaults(tenant, retry_budget=0.3))
    tenant.control("PUT", "/faults", {})
    statuses = {v["property"]: v["status"] for v in r["verification"]}
    assert next(v for v in r["verification"] if v["key"] == ["probe"])["status"] == "unknown"
    assert "drift" not in statuses.values() and not r["compliant"]


def test_a_probe_with_a_wrong_secret_is_unknown_for_every_row_it_would_verify(tenant):
    technician_builds_level(tenant, TABLE)
    (first,), _ = run_tasks([level_task()], defaults(tenant))
    attestation = {"fingerprint": first["fingerprint"], "by": "jo", "at": "2026-11-23"}
    stale_probe = dict(PROBE, secret="rotated-Zz00")
    (r,), _ = run_tasks([level_task(verify_as=stale_probe, attestation=attestation)], defaults(tenant))
    rows = {v["property"]: v for v in r["verification"]}
    probe = next(v for v in r["verification"] if v["key"] == ["probe"])
    assert probe["status"] == "unknown" and "probe authentication failed" in probe["observed"]
    for row in ("SERVICE DESK > Object Permissions > Tickets", "ADMIN > Feature Access > Resources/Users (HR)"):
        assert rows["permission: " + row]["status"] == "unknown"  # rows the probe would have verified
    assert "drift" not in {v["status"] for v in rows.values()} and r["attestation"] == "valid"
    assert not r["compliant"] and "rotated-Zz00" not in str(r)
    assert r["manual_steps"][0].startswith("Check the verify_as user " + PROBE["username"])


def test_the_level_and_who_holds_it_are_read_from_user_type_whatever_was_attested(tenant):
    technician_builds_level(tenant, TABLE)
    (first,), _ = run_tasks([level_task(verify_as=PROBE)], defaults(tenant))
    rows = {tuple(v["key"]): v for v in first["verification"]}
    assert rows[("level",)]["status"] == "ok" and rows[("level", "active")]["status"] == "ok"  # no attestation
    assert rows[("probe",)]["status"] == "ok"  # the probe holds this very level
    attestation = {"fingerprint": first["fingerprint"], "by": "jo", "at": "2026-11-23"}
    # The technician deactivates the level in the UI: drift, and the attestation no longer counts.
    tenant.control("PATCH", "/tenants/%d/security-levels/%s" % (TENANT, LEVEL), {"active": False})
    (inactive,), _ = run_tasks([level_task(verify_as=PROBE, attestation=attestation)], defaults(tenant), check=True)
    rows = {tuple(v["key"]): v for v in inactive["verification"]}
    assert rows[("level", "active")]["status"] == "drift" and inactive["attestation"] == "void"
    # ... then renames it: the name the inventory gives no longer exists, and the probe sees another level.
    tenant.control("PATCH", "/tenants/%d/security-levels/%s" % (TENANT, LEVEL), {"active": True, "rename": "Old"})
    (gone,), _ = run_tasks([level_task(verify_as=PROBE, attestation=attestation)], defaults(tenant))
    rows = {tuple(v["key"]): v for v in gone["verification"]}
    assert rows[("level",)]["status"] == "missing" and not gone["compliant"]
    assert rows[("probe",)]["status"] == "unknown" and "holds 'Old'" in rows[("probe",)]["observed"]
    assert not [v for v in gone["verification"] if v["status"] in ("ok", "attested") and v["key"][0] == "permission"]
    assert writes(tenant) == 0
