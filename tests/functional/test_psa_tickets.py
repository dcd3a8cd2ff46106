"""The checklist as a PSA ticket (#16 item 7): the demo's runs with tickets on, check mode, bad input.

The sandbox's MSP tenant (sandbox/seeds/demo.yml, msp_tenant) stands in for the MSP's own
Autotask; the example fleet runs as `make demo` runs it (scripts/demo.py), with the MSP's
credential and the company mapping in the copied inventory's group_vars/all.yml.
"""

import copy
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from autotask_sandbox.process import SandboxProcess
from playbook import COLLECTIONS, ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import demo  # scripts/demo.py: the demo's own run and technician

MSP = 28000001
COMPANIES = {
    "adatum": 28000101,
    "contoso": 28000102,
    "fabrikam": 28000103,
    "northwind": 28000104,
    "tailspin": 28000105,
    "woodgrove": 28000106,
}
PSA_VARS = {
    "msp_autotask_psa_tickets": True,
    "msp_autotask_psa_username": "psa-automation@northbridge.example",
    "msp_autotask_psa_secret": "demo-psa-secret-northbridge",
    "msp_autotask_psa_integration_code": "SANDBOX-INTERNAL-NORTHBRIDGE",
    "msp_autotask_psa_tenant_id": MSP,
    "msp_autotask_psa_queue_id": 28000500,
    "msp_autotask_psa_companies": COMPANIES,
}
# Woodgrove's Mindmatrix steps wait a run: its ticket is updated in run 2, completed in run 3.
LATE = ("woodgrove", "mindmatrix")


def tickets(sandbox):
    rows = sandbox.control("GET", "/tenants/%d/entities/Tickets" % MSP)["items"]
    return {r["externalID"].split("/", 1)[1]: r for r in rows}


def msp_writes(sandbox):
    return sandbox.control("GET", "/tenants/%d/requests?writes=1" % MSP)["requests"]


def only(report, keep):
    """A copy of the report with each tenant's vendor entries kept where keep(host, role)."""
    doc = copy.deepcopy(report)
    for tenant in doc["tenants"]:
        tenant["vendors"] = [e for e in tenant["vendors"] if keep(tenant["host"], e["role"])]
    return doc


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("psa"))
    inventory = os.path.join(out, "inventory")
    shutil.copytree(demo.INVENTORY, inventory)
    with open(os.path.join(inventory, "group_vars", "all.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(PSA_VARS, handle)
    sandbox = SandboxProcess(os.path.join(ROOT, "sandbox", "seeds", "demo.yml"))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        AUTOTASK_ZONE_DISCOVERY_URL=sandbox.url + "/atservicesrest",
        AUTOTASK_ZONE_CACHE_PATH=os.path.join(out, "zones.json"),
        AUTOTASK_TRUSTED_HOSTS="127.0.0.1",
        ANSIBLE_NOCOLOR="1",
    )
    seen = {}
    try:
        for n in (1, 2, 3, 4):
            sandbox.control("DELETE", "/tenants/%d/requests" % MSP)
            _, report, _ = demo.run_playbook(n, out, env)
            seen[n] = {"report": report, "tickets": tickets(sandbox), "writes": msp_writes(sandbox)}
            if n == 1:
                demo.play_technician(sandbox, only(report, lambda host, role: (host, role) != LATE), inventory)
            if n == 2:
                demo.play_technician(sandbox, only(report, lambda host, role: (host, role) == LATE), inventory)
        yield {"sandbox": sandbox, "out": out, "inventory": inventory, "env": env, "runs": seen}
    finally:
        sandbox.stop()


def statuses(run):
    return {t["host"]: t["status"] for t in run["report"]["tenants"]}


def test_run_1_opens_one_ticket_per_tenant_that_is_not_compliant(story):
    run = story["runs"][1]
    open_hosts = {h for h, s in statuses(run).items() if s != "compliant"}
    assert open_hosts == {"contoso", "fabrikam", "northwind", "tailspin", "woodgrove"}
    assert set(run["tickets"]) == open_hosts  # none for adatum, compliant from the start
    assert [w["method"] for w in run["writes"]] == ["POST"] * 5
    for host, ticket in run["tickets"].items():
        assert ticket["companyID"] == COMPANIES[host]
        assert ticket["status"] == 1 and ticket["queueID"] == 28000500
        assert ticket["dueDateTime"]
    contoso = run["tickets"]["contoso"]
    report_tenant = next(t for t in run["report"]["tenants"] if t["host"] == "contoso")
    first_step = report_tenant["vendors"][0]["manual_steps"][0]
    assert "1. %s" % first_step in contoso["description"]
    assert "authentication failed" in run["tickets"]["tailspin"]["description"]
    # Nothing was written to any fleet tenant by the ticket play: the MSP's writes are its own.
    assert all(w["user"] == PSA_VARS["msp_autotask_psa_username"] for w in run["writes"])


def test_run_2_updates_what_is_left_and_completes_what_is_compliant(story):
    run = story["runs"][2]
    assert statuses(run)["woodgrove"] == "manual"
    done = {"contoso", "fabrikam", "northwind"}
    assert {h for h, s in statuses(run).items() if s == "compliant"} >= done
    for host in done:
        assert run["tickets"][host]["status"] == 5
        assert run["tickets"][host]["resolution"]
    woodgrove_before = story["runs"][1]["tickets"]["woodgrove"]["description"]
    woodgrove = run["tickets"]["woodgrove"]
    assert woodgrove["status"] == 1 and woodgrove["description"] != woodgrove_before
    assert "(autoelevate): compliant" in woodgrove["description"]
    assert "(mindmatrix): manual" in woodgrove["description"]
    # The failed tenant's ticket stays open with its reason, unchanged: no false green, no write.
    assert run["tickets"]["tailspin"]["status"] == 1
    assert sorted(w["method"] for w in run["writes"]) == ["PATCH"] * 4


def test_run_3_completes_the_last_and_run_4_writes_nothing(story):
    run3, run4 = story["runs"][3], story["runs"][4]
    assert statuses(run3)["woodgrove"] == "compliant"
    assert run3["tickets"]["woodgrove"]["status"] == 5
    assert [w["method"] for w in run3["writes"]] == ["PATCH"]
    assert run4["writes"] == []
    assert {h: t["status"] for h, t in run4["tickets"].items()} == {
        "contoso": 5,
        "fabrikam": 5,
        "northwind": 5,
        "tailspin": 1,
        "woodgrove": 5,
    }


def playbook(story, name, *extra, check=False):
    cmd = ["ansible-playbook", os.path.join(ROOT, "playbooks", name), "-i", story["inventory"]]
    cmd += ["--vault-password-file", demo.VAULT_PASSWORD]  # the mapping and the guard read the hosts' vars
    for item in extra:
        cmd += ["-e", json.dumps(item)]
    if check:
        cmd += ["--check", "--diff"]
    return subprocess.run(cmd, capture_output=True, text=True, env=story["env"], cwd=story["out"], timeout=300)


@pytest.fixture
def fresh(story):
    story["sandbox"].control("POST", "/reset")
    return story


def standalone(story, *extra, check=False):
    """psa_tickets.yml alone on run 1's report."""
    report = os.path.join(story["out"], "run1", "fleet-report.json")
    return playbook(story, "psa_tickets.yml", {"msp_autotask_psa_report": report}, *extra, check=check)


def test_check_mode_says_what_it_would_open_and_writes_no_ticket(fresh):
    proc = standalone(fresh, check=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "check mode: nothing written" in proc.stdout
    assert "create contoso, fabrikam, northwind, tailspin, woodgrove" in proc.stdout
    assert "Integration API users: Contoso Managed IT" in proc.stdout  # the --diff
    assert tickets(fresh["sandbox"]) == {} and msp_writes(fresh["sandbox"]) == []
    assert PSA_VARS["msp_autotask_psa_secret"] not in proc.stdout


@pytest.mark.parametrize(
    "extra, words",
    [
        (
            {"msp_autotask_psa_companies": {}},
            "no company is mapped for contoso, fabrikam, northwind, tailspin, woodgrove",
        ),
        ({"msp_autotask_psa_secret": ""}, "PSA tickets need the MSP's own Autotask credential"),
        ({"msp_autotask_psa_tenant_id": 29683384}, "names a tenant of the inventory"),
        ({"msp_autotask_psa_username": "msp-automation@contoso.example"}, "names a tenant of the inventory"),
        ({"msp_autotask_psa_companies": dict(COMPANIES, contoso=99)}, "contoso (99)"),
        ({"msp_autotask_psa_queue_id": 42}, "queue_id 42"),
    ],
    ids=["no-mapping", "no-secret", "tenant-database", "tenant-user", "unknown-company", "unknown-queue"],
)
def test_bad_input_fails_clearly_and_writes_nothing(fresh, extra, words):
    proc = standalone(fresh, extra)
    assert proc.returncode != 0
    assert words in proc.stdout, proc.stdout[-3000:]
    assert tickets(fresh["sandbox"]) == {} and msp_writes(fresh["sandbox"]) == []


def test_off_by_default(fresh):
    proc = standalone(fresh, {"msp_autotask_psa_tickets": False})
    assert proc.returncode == 0
    assert "Open, update and complete" not in proc.stdout
    assert fresh["sandbox"].control("GET", "/tenants/%d/requests" % MSP)["count"] == 0


def test_an_audit_with_tickets_on_writes_them_in_the_msps_autotask_and_nothing_in_a_tenant(fresh):
    report_dir = os.path.join(fresh["out"], "audit")
    proc = playbook(fresh, "audit.yml", {"msp_autotask_report_dir": report_dir})
    assert "PSA tickets: create contoso, fabrikam, northwind, tailspin, woodgrove" in proc.stdout, proc.stdout[-3000:]
    assert set(tickets(fresh["sandbox"])) == {"contoso", "fabrikam", "northwind", "tailspin", "woodgrove"}
    sandbox = fresh["sandbox"]
    fleet = sandbox.control("GET", "/tenants")["tenants"]
    assert sum(sandbox.control("GET", "/tenants/%d/requests?writes=1" % t["id"])["count"] for t in fleet) == 0
