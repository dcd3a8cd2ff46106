"""Faults, throttling, bad input and secrets across a fleet, through real ansible-playbook runs.

`make test` runs the fault suite on MSP_AUTOTASK_FAULT_TENANTS=12 tenants; `make test-faults`
on 50. Its figures go to build/reliability/fault-suite.json (the README quotes them).
"""

import json
import os
import re
import subprocess

import pytest
import yaml

from playbook import COLLECTIONS, ROOT, auth_defaults, run_tasks

FAULT_TENANTS = int(os.environ.get("MSP_AUTOTASK_FAULT_TENANTS", "12"))
# About one request in ten meets a fault; Retry-After is short so the suite stays quick.
FAULTS = {
    "429": 0.03,
    "500": 0.02,
    "503": 0.02,
    "drop": 0.01,
    "drop_after_write": 0.03,
    "retry_after": 0.2,
    "latency_ms": 5,
    "latency_jitter_ms": 5,
    "latency_spike_rate": 0.02,
    "latency_spike_ms": 400,
}
VENDORS = [
    {"name": "Propel Your MSP", "code": "VENDOR-PROPEL"},
    {"name": "MSPintegrations – Email2AT", "code": "VENDOR-EMAIL2AT"},
]


def tenant_seed(n, **extra):
    """A tenant where the technician's part is done and the API's part is not (4 writes to make)."""
    tid = 80000 + n
    seed = {
        "id": tid,
        "name": "Tenant %d" % n,
        "zone": "webservices%d" % (n % 20 + 1),
        "internal_integration_codes": ["INTERNAL-%d" % n],
        "departments": [{"id": 1, "name": "Service Desk"}],
        "roles": [{"id": 2, "name": "API Integration"}],
        "queues": [{"id": 3, "label": "Client Portal"}],
        "resources": [
            {
                "id": 9,
                "firstName": "MSP",
                "lastName": "Admin",
                "email": "admin@t%d.example" % n,
                "userName": "admin@t%d.example" % n,
                "api_user": {"secret": "admin-secret-%d-Qx7" % n, "internal": True},
            },
            {
                "id": 10,
                "firstName": "Propel Your MSP",
                "lastName": "Api",  # typed wrong in the UI: converge renames it
                "email": "propel@t%d.example" % n,
                "userName": "propel@t%d.example" % n,
                "api_user": {"secret": "p-%d" % n, "integration_vendor": "Propel Your MSP"},
            },
            {
                "id": 11,
                "firstName": "MSPintegrations",
                "lastName": "API",
                "email": "mspintegrations@t%d.example" % n,
                "userName": "email2at@t%d.example" % n,
                "isActive": False,  # deactivated in the UI: converge reactivates it
                "api_user": {"secret": "e-%d" % n, "integration_vendor": "MSPintegrations – Email2AT"},
            },
        ],
    }
    seed.update(extra)
    return seed


def host_vars(sandbox, tmp_path, n, **extra):
    out = {
        "autotask_tenant_id": 80000 + n,
        "autotask_username": "admin@t%d.example" % n,
        "autotask_secret": "admin-secret-%d-Qx7" % n,
        "autotask_integration_code": "INTERNAL-%d" % n,
        "autotask_zone_discovery_url": sandbox.url + "/atservicesrest",
        "autotask_zone_cache_path": str(tmp_path / "zones.json"),
        "msp_autotask_tenant_domain": "t%d.example" % n,
        "msp_autotask_vendors": ["propel", "email2at"],
        "email2at_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
        "email2at_queues": ["Client Portal"],
        "msp_autotask_report_dir": str(tmp_path / "report"),
    }
    out.update(extra)
    return out


def write_inventory(tmp_path, hosts):
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"autotask_tenants": {"hosts": hosts}}))
    return str(path)


def onboard(inventory, *args, playbook="onboard.yml"):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    cmd = ["ansible-playbook", os.path.join(ROOT, "playbooks", playbook), "-i", inventory, "-f", "10", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    recap = {
        h: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", c)}
        for h, c in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", proc.stdout, re.M)
    }
    return proc, recap


def report(tmp_path):
    with open(tmp_path / "report" / "fleet-report.json", encoding="utf-8") as handle:
        return json.load(handle)


def api_state(sandbox, tid):
    """What the API side holds for the vendor users: fields and associations, without row ids."""
    state = sandbox.control("GET", "/tenants/%d" % tid)["entities"]
    users = {r["id"]: (r["firstName"], r["lastName"], r.get("email"), r.get("isActive")) for r in state["Resources"]}
    deps = sorted(
        (r["resourceID"], r["departmentID"], r["roleID"], r.get("isDefault"), r.get("isActive"))
        for r in state["ResourceRoleDepartments"]
    )
    queues = sorted((r["resourceID"], r["queueID"]) for r in state["ResourceRoleQueues"])
    return {"users": users, "departments": deps, "queues": queues}


def test_a_faulty_fleet_run_ends_where_a_clean_one_does(sandbox, tmp_path):
    tenants = list(range(1, FAULT_TENANTS + 1))
    seed = {
        "settings": {"random_seed": 11},
        "integration_vendors": VENDORS,
        "tenants": [tenant_seed(n) for n in tenants],
    }
    inventory = write_inventory(tmp_path, {"t%d" % n: host_vars(sandbox, tmp_path, n) for n in tenants})

    # The reference: the same fleet with no fault.
    sandbox.seed(seed)
    proc, recap = onboard(inventory)
    assert all(recap["t%d" % n]["failed"] == 0 for n in tenants), proc.stdout[-3000:]
    reference = {n: api_state(sandbox, 80000 + n) for n in tenants}

    # The same fleet again, with faults on every kind of request.
    sandbox.seed(seed)
    sandbox.control("PUT", "/faults", dict(FAULTS))
    proc, recap = onboard(inventory)
    faulty = report(tmp_path)
    log = [e for n in tenants for e in sandbox.control("GET", "/tenants/%d/requests" % (80000 + n))["requests"]]
    stats = sandbox.control("GET", "/stats")
    failed = sorted(t["host"] for t in faulty["tenants"] if t["status"] == "failed")
    # A tenant that could not finish is reported failed, with the reason.
    assert all(t["failure"]["msg"] for t in faulty["tenants"] if t["status"] == "failed")
    assert failed == sorted(h for h, c in recap.items() if c.get("failed"))

    # The next run, faults gone, completes every tenant: the API side equals the clean run's.
    sandbox.control("PUT", "/faults", {})
    proc, recap = onboard(inventory)
    assert all(recap["t%d" % n]["failed"] == 0 for n in tenants), proc.stdout[-3000:]
    after = {n: api_state(sandbox, 80000 + n) for n in tenants}
    assert after == reference
    duplicates = sum(len(s["departments"]) - len({d[:3] for d in s["departments"]}) for s in after.values())
    duplicates += sum(len(s["queues"]) - len(set(s["queues"])) for s in after.values())
    assert duplicates == 0
    # Never a fourth concurrent request per tenant, integration and endpoint.
    assert stats["peak_concurrency"] <= 3 and stats["refused_threads"] == 0

    figures = {
        "tenants": len(tenants),
        "requests": len(log),
        "faults_injected": sum(1 for e in log if e["fault"]),
        "faults_by_kind": {
            k: sum(1 for e in log if e["fault"] == k) for k in sorted({e["fault"] for e in log if e["fault"]})
        },
        "tenants_failed_then_recovered": len(failed),
        "duplicates": duplicates,
        "peak_concurrency": stats["peak_concurrency"],
    }
    assert figures["faults_injected"] > 0
    os.makedirs(os.path.join(ROOT, "build", "reliability"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "reliability", "fault-suite.json"), "w", encoding="utf-8") as handle:
        json.dump(figures, handle, indent=2)
    print("fault suite:", json.dumps(figures))


def test_a_lost_create_is_read_back_not_duplicated(sandbox, tmp_path):
    seed = tenant_seed(1)
    seed["resources"][2]["isActive"] = True  # so the association is the only write
    sandbox.seed({"integration_vendors": VENDORS, "tenants": [seed]})
    # Every write is applied, then its answer is lost.
    sandbox.control("PUT", "/faults", {"tenant": 80001, "drop_after_write": 1.0})
    task = {
        "msp.autotask.autotask_api_user": {
            "email": "mspintegrations@t1.example",
            "first_name": "MSPintegrations",
            "last_name": "API",
            "departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
        }
    }
    admin = {"username": "admin@t1.example", "secret": "admin-secret-1-Qx7", "integration_code": "INTERNAL-1"}
    (r,), _ = run_tasks([task], auth_defaults(sandbox, admin, 80001))
    assert not r.get("failed"), r.get("msg")
    assert r["writes"][0]["note"] == "the answer was lost; read back, the link had been made"
    state = api_state(sandbox, 80001)
    assert [d for d in state["departments"] if d[0] == 11] == [(11, 1, 2, True, True)]
    writes = sandbox.control("GET", "/tenants/80001/requests?writes=1")["requests"]
    assert [(w["method"], w["fault"]) for w in writes] == [("POST", "drop_after_write")]


def test_a_spent_hourly_threshold_stops_that_tenant_only(sandbox, tmp_path):
    seed = {"integration_vendors": VENDORS, "tenants": [tenant_seed(1), tenant_seed(2, hourly_limit=3), tenant_seed(3)]}
    sandbox.seed(seed)
    inventory = write_inventory(tmp_path, {"t%d" % n: host_vars(sandbox, tmp_path, n) for n in (1, 2, 3)})
    _proc, recap = onboard(inventory)
    assert recap["t1"]["failed"] == 0 and recap["t3"]["failed"] == 0 and recap["t2"]["failed"] == 1
    (t2,) = [t for t in report(tmp_path)["tenants"] if t["host"] == "t2"]
    # The sandbox's 429 names nothing (no public source shows the real body): the collection
    # read ThresholdInformation once, which a spent hour refuses as well.
    assert "hourly API request threshold looks used up" in t2["failure"]["msg"]
    # It stopped at the first refusal instead of knocking for the rest of the hour.
    refused = [e for e in sandbox.control("GET", "/tenants/80002/requests")["requests"] if e["status"] == 429]
    assert len(refused) == 2 and sum("ThresholdInformation" in e["path"] for e in refused) == 1


def test_no_secret_reaches_any_output_even_verbose(sandbox, tmp_path, monkeypatch):
    sandbox.seed({"integration_vendors": VENDORS, "tenants": [tenant_seed(n) for n in (1, 2)]})
    hosts = {"t%d" % n: host_vars(sandbox, tmp_path, n) for n in (1, 2)}
    hosts["t1"]["propel_verify_as"] = {
        "username": "email2at@t1.example",
        "secret": "e-1",
        "integration_code": "VENDOR-EMAIL2AT",
    }
    inventory = write_inventory(tmp_path, hosts)
    outputs = []
    # ansible-core 2.21 shows the module's arguments (`invocation`) only with INJECT_INVOCATION on; older
    # cores always do. An audit and an apply with it on, then an audit with the core's default.
    passes = [(["-vvv", "--check", "--diff"], True), (["-vvv", "--diff"], True), (["-vvv", "--check"], False)]
    for args, inject_invocation in passes:
        monkeypatch.delenv("ANSIBLE_INJECT_INVOCATION", raising=False)
        if inject_invocation:
            monkeypatch.setenv("ANSIBLE_INJECT_INVOCATION", "True")
        proc, _ = onboard(inventory, *args)
        if inject_invocation:
            assert "module_args" in proc.stdout  # -vvv really printed the arguments
        outputs += [proc.stdout, proc.stderr]
        outputs += [(tmp_path / "report" / name).read_text() for name in os.listdir(tmp_path / "report")]
    outputs.append((tmp_path / "zones.json").read_text())
    # Credentials never travel in a URL: the sandbox logged every path it was asked for.
    outputs += [
        e["path"] for n in (1, 2) for e in sandbox.control("GET", "/tenants/%d/requests" % (80000 + n))["requests"]
    ]
    secrets = ["admin-secret-1-Qx7", "admin-secret-2-Qx7", "INTERNAL-1", "INTERNAL-2", "VENDOR-EMAIL2AT"]
    found = [(s, i) for i, text in enumerate(outputs) for s in secrets if s in text]
    assert found == []
    assert "admin@t1.example" in outputs[0]  # the output is there, only the secrets are not


def test_turning_tls_verification_off_warns(sandbox):
    sandbox.seed({"integration_vendors": VENDORS, "tenants": [tenant_seed(1)]})
    admin = {"username": "admin@t1.example", "secret": "admin-secret-1-Qx7", "integration_code": "INTERNAL-1"}
    task = {"msp.autotask.autotask_info": {}}
    (_r,), proc = run_tasks([task], auth_defaults(sandbox, admin, 80001, {"validate_certs": False}))
    assert "TLS certificate verification is off" in proc.stdout + proc.stderr
    (_r,), proc = run_tasks([task], auth_defaults(sandbox, admin, 80001))
    assert "TLS certificate verification" not in proc.stdout + proc.stderr


TODOS = {"section": "CRM", "subsection": "Object Permissions", "name": "To-Dos", "permission": "Add: Yes"}
DEPT = {"department": "Service Desk", "role": "API Integration"}
# (host vars to change, the culprit the message names). Every vendor's input and names are checked
# before the tenant's first write, so none of these writes anything, even for the vendors before it.
BAD_INPUT = [
    ({"propel_permissions": [dict(TODOS, bogus=1)]}, "bogus"),
    ({"propel_permissions": [TODOS, dict(TODOS, permission="Add: No")]}, "given more than once"),
    # An unknown row is attest-only with a warning (issue #15); the strict switch makes it an error.
    (
        {"propel_permissions": [dict(TODOS, subsection="Object Permisions")], "msp_autotask_strict_rows": True},
        "unknown row",
    ),
    ({"propel_permissions": [dict(TODOS, section="CMR")]}, "unknown section"),
    ({"msp_autotask_vendors": ["propel", "email2at", "mindmatrx"]}, "mindmatrx"),
    ({"email2at_departments": [dict(DEPT, default="maybe")]}, "default"),
    ({"email2at_queues": {"not": "a list"}}, "email2at_queues"),
    ({"email2at_departments": [dict(DEPT, department="Servce Desk")]}, "department 'Servce Desk' not found"),
]


@pytest.mark.parametrize("change, culprit", BAD_INPUT, ids=[c for _v, c in BAD_INPUT])
def test_bad_input_names_the_culprit_and_writes_nothing(sandbox, tmp_path, change, culprit):
    sandbox.seed({"integration_vendors": VENDORS, "tenants": [tenant_seed(1), tenant_seed(2)]})
    hosts = {"t1": host_vars(sandbox, tmp_path, 1, **change), "t2": host_vars(sandbox, tmp_path, 2)}
    inventory = write_inventory(tmp_path, hosts)
    for check in (True, False):
        _proc, recap = onboard(inventory, *(["--check"] if check else []))
        assert recap["t1"]["failed"] == 1 and recap["t2"]["failed"] == 0
        (t1,) = [t for t in report(tmp_path)["tenants"] if t["host"] == "t1"]
        assert culprit in t1["failure"]["msg"]
        assert sandbox.control("GET", "/tenants/80001/requests?writes=1")["requests"] == []


def test_odd_data_unicode_email_case_and_a_large_tenant(sandbox, tmp_path):
    seed = tenant_seed(1, generate={"resources": 10000})
    propel = seed["resources"][1]
    propel.update(firstName="Propel Your MSP", email="Propel@T1.Example")  # the UI kept capitals
    sandbox.seed({"integration_vendors": VENDORS, "tenants": [seed]})
    hosts = {
        "t1": host_vars(sandbox, tmp_path, 1, propel_last_name="Ångström-Zoë 接口", msp_autotask_vendors=["propel"])
    }
    inventory = write_inventory(tmp_path, hosts)
    proc, recap = onboard(inventory)
    assert recap["t1"]["failed"] == 0, proc.stdout[-3000:]
    user = next(r for r in sandbox.control("GET", "/tenants/80001")["entities"]["Resources"] if r["id"] == 10)
    assert user["lastName"] == "Ångström-Zoë 接口" and user["email"] == "Propel@T1.Example"  # no case-only rewrite
    sandbox.control("DELETE", "/tenants/80001/requests")
    proc, recap = onboard(inventory)
    assert recap["t1"]["changed"] == 0
    log = sandbox.control("GET", "/tenants/80001/requests")["requests"]
    # 10,000 resources, yet the user is found by one filtered query, not by paging through them.
    assert [e for e in log if e["method"] != "GET" or "query/next" in e["path"].lower()] == []
    assert len([e for e in log if "Resources/query" in e["path"]]) == 1
