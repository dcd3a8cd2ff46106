"""The vendor roles: their defaults hold their documents, and they run against the sandbox."""

import json
import os
import subprocess

import pytest
import yaml

from playbook import COLLECTIONS, ROOT, auth_defaults, run_tasks

TENANT = 52000
CODE = "SANDBOX-INTERNAL-ADVENTURE"
ADMIN = {"username": "admin@adventure.example", "secret": "admin-secret-Ad77", "integration_code": CODE}


def defaults_of(role):
    with open(os.path.join(ROOT, "roles", role, "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# Transcribed from the documents in shared/seeds, independently of the roles.
PROPEL_TABLE = {
    ("CONTRACTS", "Object Permissions", "Contracts"): "View: All",
    ("CONTRACTS", "Dropdowns", "Contract Visibility (for contracts you have access to)"): "Full",
    ("CRM", "Account & Contact Access", "Customer & Cancelation"): "All",
    ("CRM", "Object Permissions", "Opportunities & Quotes"): "Add: Yes",
    ("CRM", "Object Permissions", "Configuration Items & Subscriptions"): "View: All, Edit: All",
    ("CRM", "Object Permissions", "To-Dos"): "Add: Yes",
    ("SERVICE DESK", "Object Permissions", "Tickets"): "View: All, Add: Yes",
    ("ADMIN", "Feature Access", "Resources/Users (HR)"): "(Add Check)",
    ("ADMIN", "Feature Access", "Configuration Items"): "(Add Check)",
    ("OTHER", "Miscellaneous", "Not required to change password (password does not expire)"): "(Add Check)",
}


def test_propel_defaults_hold_all_ten_rows():
    d = defaults_of("propel")
    rows = {(r["section"], r["subsection"], r["name"]): r["permission"] for r in d["propel_permissions"]}
    assert rows == PROPEL_TABLE
    assert d["propel_copy_from"] == "API User (system) (API-only)"
    assert d["propel_integration_vendor"] == "Propel Your MSP"
    assert (d["propel_first_name"], d["propel_last_name"]) == ("Propel Your MSP", "API")


def test_other_vendor_defaults_hold_their_documents():
    e = defaults_of("email2at")
    assert e["email2at_security_level_name"] == "API User (system)"
    assert e["email2at_integration_vendor"] == "MSPintegrations – Email2AT"
    assert (e["email2at_first_name"], e["email2at_last_name"]) == ("MSPintegrations", "API")
    assert e["email2at_not_required_to_submit_timesheets"] is True
    s = defaults_of("solarwinds_rmm")
    assert s["solarwinds_rmm_integration_vendor"] == "Solarwinds MSP - Solarwinds RMM"
    assert s["solarwinds_rmm_security_level_name"] == "API User (system)" and s["solarwinds_rmm_udf_mapping"] is True
    a = defaults_of("autoelevate")
    assert a["autoelevate_integration_vendor"] == "AutoElevate – privilege management tools"
    assert a["autoelevate_not_required_to_submit_timesheets"] is True
    assert (a["autoelevate_first_name"], a["autoelevate_last_name"]) == ("AE-Privilege Management", "System")
    m = defaults_of("mindmatrix")
    assert m["mindmatrix_security_level_active"] is True
    crm = {r["name"]: r["permission"] for r in m["mindmatrix_crm_permissions"]}
    assert set(crm) == {"Accounts", "Opportunities", "To-Dos"}
    assert all(p == "View: All, Add: Yes, Edit: All, Delete: All" for p in crm.values())
    # Screenshot-only choices are documented variables, not guesses.
    assert m["mindmatrix_admin_permissions"] == [] and m["mindmatrix_other_permissions"] == []


VENDOR_ROLES = ("propel", "email2at", "solarwinds_rmm", "autoelevate", "mindmatrix")


def spec_of(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["argument_specs"]


@pytest.mark.parametrize("role", VENDOR_ROLES)
def test_argument_specs_carry_the_defaults_once(role):
    spec, defaults = spec_of(role), defaults_of(role)
    options = spec["main"]["options"]
    assert {name: option.get("default") for name, option in options.items()} == {
        name: defaults.get(name) for name in options
    }
    assert set(defaults) <= set(options)  # every default is a documented option
    assert spec["desired"]["options"] == {}  # listed once, under main


def test_ansible_doc_shows_propel_with_its_defaults_and_guide():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    proc = subprocess.run(
        ["ansible-doc", "-t", "role", "--json", "msp.autotask.propel"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    doc = json.loads(proc.stdout)["msp.autotask.propel"]
    main = doc["entry_points"]["main"]
    assert main["options"]["propel_security_level_name"]["default"] == "API User (Propel Your MSP)"
    assert len(main["options"]["propel_permissions"]["default"]) == 10
    assert any("U(https://support.propelyourmsp.com/" in line for line in main["description"])
    assert not doc["entry_points"]["desired"].get("options")


def test_desired_validates_the_role_variables_against_main(tenant):
    # The desired entry point lists no options (ansible-doc shows them once); it checks main's.
    task = {
        "ansible.builtin.include_role": {"name": "msp.autotask.propel", "tasks_from": "desired"},
        "vars": {"msp_autotask_tenant_domain": "adventure.example", "propel_verify_as": "not a mapping"},
    }
    proc = run_tasks([task], auth_defaults(tenant, ADMIN, TENANT), expect_failure=True)[1]
    failed = proc.stdout.split("TASK [msp.autotask.propel : Check the Propel Your MSP variables]")[1]
    assert "Validation of arguments failed" in failed and "propel_verify_as" in failed


@pytest.fixture
def tenant(sandbox):
    sandbox.seed(
        {
            "integration_vendors": [{"name": "Solarwinds MSP - Solarwinds RMM", "code": "VENDOR-SW"}],
            "tenants": [
                {
                    "id": TENANT,
                    "zone": "webservices3",
                    "internal_integration_codes": [CODE],
                    "departments": [{"id": 1, "name": "Service Desk"}, {"id": 5, "name": "Sales"}],
                    "roles": [{"id": 2, "name": "API Integration"}],
                    "queues": [{"id": 3, "label": "Client Portal"}],
                    "udfs": [{"name": "Asset Tag", "entity": "ConfigurationItems"}],
                    "resources": [
                        {
                            "id": 9,
                            "firstName": "MSP",
                            "lastName": "Admin",
                            "email": "a@adventure.example",
                            "userName": ADMIN["username"],
                            "api_user": {"secret": ADMIN["secret"], "internal": True},
                        }
                    ],
                }
            ],
        }
    )
    return sandbox


def role(name, **variables):
    return {
        "ansible.builtin.include_role": {"name": "msp.autotask." + name},
        "vars": dict({"msp_autotask_tenant_domain": "adventure.example"}, **variables),
    }


RESULTS = {"ansible.builtin.debug": {"var": "vendor_api_user_results"}}


def test_every_vendor_role_reports_a_fresh_tenant_without_writing(tenant):
    tasks = [role(r) for r in ("propel", "email2at", "solarwinds_rmm", "autoelevate", "mindmatrix")] + [RESULTS]
    results, proc = run_tasks(tasks, auth_defaults(tenant, ADMIN, TENANT))
    outcomes = results[-1]["vendor_api_user_results"]
    assert [o["vendor"] for o in outcomes] == [
        "Propel Your MSP",
        "MSPintegrations Email2AT",
        "SolarWinds RMM",
        "AutoElevate",
        "Mindmatrix",
    ]
    assert all(o["compliant"] is False and o["changed"] is False for o in outcomes)
    propel = "\n".join(step for part in outcomes[0]["parts"].values() for step in part["manual_steps"])
    assert "Copy Security Level" in propel and "New API User" in propel and "'Propel Your MSP'" in propel
    # The attestation lines name the variable the role reads, so they can be pasted as they are.
    assert "propel_attestations: {security_level: {fingerprint: 'sha256:" in propel
    assert "propel_attestations: {api_user: {fingerprint: 'sha256:" in propel
    assert "Protected Data Permission" in "\n".join(outcomes[2]["parts"]["protected_data"]["manual_steps"])
    # Only the parts that ran are recorded, without the modules' echoed arguments.
    assert sorted(outcomes[1]["parts"]) == ["api_user"]
    assert all("invocation" not in part for o in outcomes for part in o["parts"].values())
    assert outcomes[0]["desired"]["security_level"]["name"] == "API User (Propel Your MSP)"
    assert tenant.control("GET", "/tenants/%d/requests?writes=1" % TENANT)["count"] == 0
    assert ADMIN["secret"] not in proc.stdout


def test_email2at_converges_its_associations_once_the_user_exists(tenant):
    tenant.control(
        "POST",
        "/tenants/%d/api-users" % TENANT,
        {"firstName": "MSPintegrations", "lastName": "API", "email": "mspintegrations@adventure.example"},
    )
    links = {
        "email2at_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
        "email2at_queues": ["Client Portal"],
    }
    first, second = run_tasks(
        [role("email2at", **links), role("email2at", **links), RESULTS], auth_defaults(tenant, ADMIN, TENANT)
    )[0][2]["vendor_api_user_results"]
    assert first["changed"] is True and second["changed"] is False


def test_an_extra_link_is_reported_and_the_switch_deactivates_it_once(tenant):
    rid = tenant.control(
        "POST",
        "/tenants/%d/api-users" % TENANT,
        {"firstName": "AutoElevate", "lastName": "API", "email": "autoelevate@adventure.example"},
    )["id"]
    wanted = {"autoelevate_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}]}
    run_tasks([role("autoelevate", **wanted)], auth_defaults(tenant, ADMIN, TENANT))
    # A technician adds one more department link in the UI.
    extra = tenant.control(
        "POST",
        "/tenants/%d/entities/ResourceRoleDepartments" % TENANT,
        {"resourceID": rid, "departmentID": 5, "roleID": 2, "isDefault": False, "isActive": True},
    )
    tenant.control("DELETE", "/tenants/%d/requests" % TENANT)
    (kept,) = run_tasks([role("autoelevate", **wanted), RESULTS], auth_defaults(tenant, ADMIN, TENANT))[0][1][
        "vendor_api_user_results"
    ]
    rows = [r for r in kept["parts"]["api_user"]["verification"] if r["key"][0] == "extra link"]
    assert [r["property"] for r in rows] == ["department/role Sales/API Integration (not in the inventory)"]
    assert tenant.control("GET", "/tenants/%d/requests?writes=1" % TENANT)["count"] == 0
    switched = dict(wanted, autoelevate_purge_associations=True)
    first, second = run_tasks(
        [role("autoelevate", **switched), role("autoelevate", **switched), RESULTS],
        auth_defaults(tenant, ADMIN, TENANT),
    )[0][2]["vendor_api_user_results"]
    assert first["parts"]["api_user"]["writes"] == [
        {
            "method": "PATCH",
            "path": "Resources/%d/RoleDepartments" % rid,
            "body": {"isActive": False, "id": extra["id"]},
        }
    ]
    assert second["changed"] is False and second["parts"]["api_user"]["writes"] == []
    state = tenant.control("GET", "/tenants/%d" % TENANT)["entities"]["ResourceRoleDepartments"]
    assert next(r for r in state if r["id"] == extra["id"])["isActive"] is False  # the sandbox's own state


def test_false_and_empty_values_stay_in_the_desired_state(tenant):
    # selectattr('value') used to drop them, so they silently stopped being checked.
    given = {"email2at_not_required_to_submit_timesheets": False, "email2at_queues": []}
    results, _proc = run_tasks([role("email2at", **given), RESULTS], auth_defaults(tenant, ADMIN, TENANT))
    user = results[-1]["vendor_api_user_results"][0]["desired"]["user"]
    assert user["not_required_to_submit_timesheets"] is False and user["queues"] == []


@pytest.mark.parametrize(
    "variables, culprit",
    [
        ({"propel_permissions": "View: All"}, "propel_permissions"),
        ({"email2at_queues": {"not": "a list"}}, "email2at_queues"),
    ],
)
def test_wrong_inventory_value_names_the_variable(tenant, variables, culprit):
    proc = run_tasks(
        [role(next(iter(variables)).split("_")[0], **variables)],
        auth_defaults(tenant, ADMIN, TENANT),
        expect_failure=True,
    )[1]
    assert culprit in proc.stdout
    assert tenant.control("GET", "/tenants/%d/requests" % TENANT)["count"] == 0


def test_misspelt_permission_fails_with_the_valid_values(tenant):
    table = [
        {"section": "SERVICE DESK", "subsection": "Object Permissions", "name": "Tickets", "permission": "View: Al"}
    ]
    proc = run_tasks(
        [role("propel", propel_permissions=table, vendor_api_user_no_log=False)],
        auth_defaults(tenant, ADMIN, TENANT),
        expect_failure=True,
    )[1]
    assert "valid: All, Mine" in proc.stdout
    assert tenant.control("GET", "/tenants/%d/requests?writes=1" % TENANT)["count"] == 0
