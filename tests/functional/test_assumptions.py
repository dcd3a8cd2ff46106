"""No row is ok when it is wrong, under every behaviour the sandbox models where Autotask's help is silent.

The sandbox's catalog.ASSUMPTIONS names each silent spot and its plausible alternatives; a
tenant's "assumptions" pick one. For each setting, one level holds the table exactly and one
level per row holds that row at its lowest value; a probe holds each. The collection must never
call the wrong row ok, and never call a row of the exact level drift.
"""

import pytest

from autotask_sandbox import catalog
from playbook import auth_defaults, run_tasks

TENANT = 40404040
CODE = "SANDBOX-INTERNAL-ASSUME"
ADMIN = {"username": "msp@assume.example", "secret": "admin-secret-As01", "integration_code": CODE}


def row(section, subsection, name, permission, lowest):
    return {"section": section, "subsection": subsection, "name": name, "permission": permission, "lowest": lowest}


TABLE = [
    row("CONTRACTS", "Object Permissions", "Contracts", "View: All", "View: None"),
    row("CONTRACTS", "Dropdowns", "Contract Visibility (for contracts you have access to)", "Full", "None"),
    row("CRM", "Account & Contact Access", "Customer & Cancelation", "All", "None"),
    row("CRM", "Object Permissions", "Accounts", "View: All, Add: Yes", "View: None, Add: No"),
    row("CRM", "Object Permissions", "Contacts", "View: All", "View: None"),
    row("CRM", "Object Permissions", "Opportunities & Quotes", "Add: Yes", "Add: No"),
    row(
        "CRM",
        "Object Permissions",
        "Configuration Items & Subscriptions",
        "View: All, Edit: All",
        "View: None, Edit: None",
    ),
    row("CRM", "Object Permissions", "To-Dos", "Add: Yes", "Add: No"),
    row("SERVICE DESK", "Object Permissions", "Tickets", "View: All, Add: Yes", "View: None, Add: No"),
    row("ADMIN", "Feature Access", "Resources/Users (HR)", True, False),
    row("ADMIN", "Feature Access", "Configuration Items", True, False),
    row("OTHER", "Miscellaneous", "Not required to change password (password does not expire)", True, False),
]
DESIRED = [{k: r[k] for k in ("section", "subsection", "name", "permission")} for r in TABLE]
SETTINGS = [{}] + [{name: value} for name, values in sorted(catalog.ASSUMPTIONS.items()) for value in values[1:]]


def levels():
    """'exact' holds the table; 'wrong-N' holds it with row N at its lowest."""
    out = {"exact": DESIRED}
    for n, wrong in enumerate(TABLE):
        rows = [dict(d) for d in DESIRED]
        rows[n]["permission"] = wrong["lowest"]
        out["wrong-%d" % n] = rows
    return out


def seed(assumptions):
    resources = [
        {
            "id": 1,
            "firstName": "MSP",
            "lastName": "Admin",
            "email": "msp@assume.example",
            "userName": ADMIN["username"],
            "api_user": {"secret": ADMIN["secret"], "internal": True},
        }
    ]
    security_levels = []
    for n, (name, rows) in enumerate(sorted(levels().items())):
        # copy_from None: the level holds exactly these rows, nothing inherited.
        security_levels.append({"name": name, "copy_from": None, "permissions": rows})
        resources.append(
            {
                "id": 100 + n,
                "firstName": "Probe",
                "lastName": name,
                "email": "%s@assume.example" % name,
                "userName": "probe-%s@assume.example" % name,
                "api_user": {"secret": "probe-secret-%d" % n, "internal": True, "security_level": name},
            }
        )
    return {
        "tenants": [
            {
                "id": TENANT,
                "zone": "webservices14",
                "internal_integration_codes": [CODE],
                "assumptions": assumptions,
                "security_levels": security_levels,
                "resources": resources,
            }
        ]
    }


def audit(sandbox, assumptions):
    """{level name: {row key: verification entry}} for every level, under these assumptions."""
    sandbox.seed(seed(assumptions))
    names = sorted(levels())
    task = {
        "msp.autotask.autotask_security_level": {
            "name": "{{ item.0 }}",
            "permissions": DESIRED,
            "verify_as": {
                "username": "probe-{{ item.0 }}@assume.example",
                "secret": "probe-secret-{{ item.1 }}",
                "integration_code": CODE,
            },
        },
        "loop": [[name, n] for n, name in enumerate(names)],
    }
    (result,), _proc = run_tasks([task], auth_defaults(sandbox, ADMIN, TENANT))
    out = {}
    for entry in result["results"]:
        assert not entry.get("failed"), entry.get("msg")
        out[entry["item"][0]] = {tuple(v["key"]): v for v in entry["verification"]}
    return out


DEFAULT_AUDIT = {}


@pytest.mark.parametrize(
    "assumptions", SETTINGS, ids=lambda a: ",".join("%s=%s" % kv for kv in a.items()) or "defaults"
)
def test_no_wrong_row_is_ok_and_no_exact_row_is_drift(sandbox, assumptions):
    by_level = audit(sandbox, assumptions)
    if set(assumptions) <= set(catalog.SHAPE_ASSUMPTIONS) and assumptions:
        # A switch on the shape of an answer changes no verdict at all.
        if not DEFAULT_AUDIT:
            DEFAULT_AUDIT.update(audit(sandbox, {}))
        statuses = {n: {k: v["status"] for k, v in rows.items()} for n, rows in by_level.items()}
        assert statuses == {n: {k: v["status"] for k, v in rows.items()} for n, rows in DEFAULT_AUDIT.items()}
    for name, verification in by_level.items():
        rows = {key[1:]: v for key, v in verification.items() if key[0] == "permission"}
        if name == "exact":
            drift = [k for k, v in rows.items() if v["status"] == "drift"]
            assert drift == [], "the exact level reads drift under %s: %s" % (assumptions, drift)
            if not assumptions.get("reference_reads", True):
                continue  # a probe that may not read Resources observes nothing: unknown, never ok
            # What Autotask documents, and no other row can grant, is shown from observation alone.
            for key in (
                ("CONTRACTS", "Object Permissions", "Contracts"),
                ("SERVICE DESK", "Object Permissions", "Tickets"),
            ):
                assert rows[key]["status"] == "ok", (key, rows[key])
            continue
        wrong = TABLE[int(name.split("-")[1])]
        key = (wrong["section"], wrong["subsection"], wrong["name"])
        blind = () if assumptions.get("reference_reads", True) else ("unknown",)
        assert rows[key]["status"] in ("drift", "unverifiable", *blind), (assumptions, key, rows[key])
