"""playbooks/onboard.yml and audit.yml over a small fleet: one bad tenant never stops the others."""

import json
import os
import re
import subprocess

import pytest
import yaml

from playbook import COLLECTIONS, ROOT

CODES = {1: "INTERNAL-ONE", 2: "INTERNAL-TWO", 3: "INTERNAL-THREE", 4: "INTERNAL-FOUR", 5: "INTERNAL-FIVE"}
# Tenants 2 to 5 are each wrong in one way; tenant 1 must finish regardless.
MISSPELT = [
    {"section": "SERVICE DESK", "subsection": "Object Permissions", "name": "Tickets", "permission": "View: Al"}
]


def tenant(n):
    return {
        "id": 60000 + n,
        "zone": "webservices%d" % n,
        "internal_integration_codes": [CODES[n]],
        "departments": [{"id": 1, "name": "Service Desk"}],
        "roles": [{"id": 2, "name": "API Integration"}],
        "queues": [{"id": 3, "label": "Client Portal"}],
        "resources": [
            {
                "id": 9,
                "firstName": "MSP",
                "lastName": "Admin",
                "email": "a@t%d.example" % n,
                "userName": "admin@t%d.example" % n,
                "api_user": {"secret": "secret-%d" % n, "internal": True},
            },
            {
                "id": 10,
                "firstName": "Propel Your MSP",
                "lastName": "API",
                "email": "propel@t%d.example" % n,
                "userName": "propel@t%d.example" % n,
                "api_user": {"secret": "p", "integration_vendor": "Propel Your MSP"},
            },
        ],
    }


@pytest.fixture
def fleet(sandbox, tmp_path):
    sandbox.seed(
        {
            "integration_vendors": [{"name": "Propel Your MSP", "code": "VENDOR-PROPEL"}],
            "tenants": [tenant(n) for n in CODES],
        }
    )
    hosts = {}
    for n in CODES:
        hosts["tenant%d" % n] = {
            "autotask_tenant_id": 60000 + n,
            "autotask_username": "admin@t%d.example" % n,
            "autotask_secret": "secret-%d" % n if n != 2 else "wrong-secret",
            "autotask_integration_code": CODES[n],
            "msp_autotask_tenant_domain": "t%d.example" % n,
            "msp_autotask_vendors": ["propel"] if n != 3 else ["propel", "propell"],
            "autotask_zone_discovery_url": sandbox.url + "/atservicesrest",
            "autotask_zone_cache_path": str(tmp_path / "zones.json"),
            "msp_autotask_report_dir": str(tmp_path / "report"),
        }
    hosts["tenant4"]["propel_permissions"] = MISSPELT
    hosts["tenant5"]["propel_permissions"] = "View: All"  # a string where a list belongs
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"autotask_tenants": {"hosts": hosts}}))
    return sandbox, str(inventory), str(tmp_path)


def mitogen_strategies():
    """The directory of Mitogen for Ansible's strategy plugins, or None where it is not installed."""
    try:
        import ansible_mitogen  # optional: requirements-dev.txt has it, the compat venv does not
    except ImportError:
        return None
    return os.path.join(os.path.dirname(ansible_mitogen.__file__), "plugins", "strategy")


def play(name, inventory, strategy=None, extra=None, untrusted=False):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_SHOW_CUSTOM_STATS="1")
    if untrusted:
        env.pop("AUTOTASK_TRUSTED_HOSTS", None)  # only what the inventory or the extra vars say
    if strategy:
        env["ANSIBLE_STRATEGY"] = strategy
    if strategy and strategy.startswith("mitogen"):
        env["ANSIBLE_STRATEGY_PLUGINS"] = mitogen_strategies()
    proc = subprocess.run(
        ["ansible-playbook", os.path.join(ROOT, "playbooks", name), "-i", inventory]
        + (["-e", json.dumps(extra)] if extra else []),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    recap = dict(re.findall(r"^(tenant\d)\s+:\s+(.*)$", proc.stdout, re.M))
    return proc, recap


def test_onboard_finishes_good_tenants_and_names_each_culprit(fleet):
    proc, recap = play("onboard.yml", fleet[1])
    assert "failed=0" in recap["tenant1"]
    assert all("failed=1" in recap["tenant%d" % n] for n in (2, 3, 4, 5))
    assert proc.returncode != 0  # a fleet run with failed tenants is not a success
    with open(os.path.join(fleet[2], "report", "fleet-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    reasons = {t["host"]: (t["failure"] or {}).get("msg", "") for t in report["tenants"]}
    assert "authentication failed" in reasons["tenant2"]
    assert "msp_autotask_vendors must be a list of propel" in reasons["tenant3"] and "propell" in reasons["tenant3"]
    assert "valid: All, Mine" in reasons["tenant4"] and "Tickets" in reasons["tenant4"]
    assert "propel_permissions" in reasons["tenant5"]
    assert reasons["tenant1"] == "" and report["totals"]["by_status"]["failed"] == 4
    assert "wrong-secret" not in proc.stdout and "secret-1" not in proc.stdout
    for n in (4, 5):  # the bad value was caught before any write
        assert fleet[0].control("GET", "/tenants/%d/requests?writes=1" % (60000 + n))["count"] == 0


def test_audit_writes_nothing(fleet):
    sandbox, inventory, _ = fleet
    sandbox.control("PATCH", "/tenants/60001/entities/Resources/10", {"isActive": False})  # would be fixed
    recap = play("audit.yml", inventory)[1]
    assert "failed=0" in recap["tenant1"]
    assert sandbox.control("GET", "/tenants/60001/requests?writes=1")["count"] == 0
    recap = play("onboard.yml", inventory)[1]
    assert "changed=1" in recap["tenant1"]  # the same run without check mode does write
    assert sandbox.control("GET", "/tenants/60001/requests?writes=1")["count"] == 1


def test_tenant_identity_is_checked_before_any_request(fleet):
    sandbox, inventory, tmp = fleet
    with open(inventory, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    hosts = data["autotask_tenants"]["hosts"]
    del hosts["tenant5"]["autotask_tenant_id"]
    hosts["tenant4"]["autotask_tenant_id"] = hosts["tenant1"]["autotask_tenant_id"]  # a copy-paste slip
    with open(inventory, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)
    sandbox.control("DELETE", "/requests")
    recap = play("onboard.yml", inventory)[1]
    assert all("failed=1" in recap["tenant%d" % n] for n in (1, 4, 5))
    with open(os.path.join(tmp, "report", "fleet-report.json"), encoding="utf-8") as handle:
        reasons = {t["host"]: (t["failure"] or {}).get("msg", "") for t in json.load(handle)["tenants"]}
    assert "host tenant5 has no autotask_tenant_id" in reasons["tenant5"]
    for host in ("tenant1", "tenant4"):
        assert "tenant1 and tenant4 both name Autotask database 60001" in reasons[host]
    for n in (1, 4, 5):
        assert sandbox.control("GET", "/tenants/%d/requests" % (60000 + n))["count"] == 0


def test_audit_reports_what_onboard_would_fix_as_drift(fleet):
    sandbox, inventory, tmp = fleet
    sandbox.control("PATCH", "/tenants/60001/entities/Resources/10", {"isActive": False})
    play("audit.yml", inventory)
    with open(os.path.join(tmp, "report", "fleet-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    (entry,) = next(t for t in report["tenants"] if t["host"] == "tenant1")["vendors"]
    assert entry["status"] == "drift"
    assert any("onboard fixes this" in (r.get("note") or "") for r in entry["drift"])
    assert sandbox.control("GET", "/tenants/60001/requests?writes=1")["count"] == 0


def report_summary(tmp):
    """What must not depend on the strategy: tenants, their failures, vendor statuses, totals."""
    with open(os.path.join(tmp, "report", "fleet-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    tenants = {
        t["host"]: (bool(t["failure"]), sorted((v["vendor"], v["status"]) for v in t["vendors"]))
        for t in report["tenants"]
    }
    return tenants, report["totals"]["by_status"]


def test_every_strategy_waits_for_the_fleet_before_the_report(fleet):
    # Under `free` the report used to run as soon as one host reached it, reading tenants that
    # had not finished (issue #21); the report now has a play of its own.
    sandbox, inventory, tmp = fleet
    sandbox.control("PATCH", "/tenants/60001/entities/Resources/10", {"isActive": False})  # a drift to see
    summaries = {}
    strategies = ["linear", "free", "host_pinned"] + (["mitogen_free"] if mitogen_strategies() else [])
    for strategy in strategies:
        proc, recap = play("audit.yml", inventory, strategy)
        assert "failed=0" in recap["tenant1"] and "fleet-report.json" in proc.stdout, strategy
        assert proc.stdout.count("Fleet report:") == 1, strategy  # written once, not once per host
        summaries[strategy] = report_summary(tmp)
    assert sorted(summaries["linear"][0]) == ["tenant%d" % n for n in CODES]
    assert all(summaries[s] == summaries["linear"] for s in strategies), strategies
    assert sandbox.control("GET", "/tenants/60001/requests?writes=1")["count"] == 0


def custom_stats(stdout):
    """The set_stats data ansible-playbook prints under CUSTOM STATS (ANSIBLE_SHOW_CUSTOM_STATS)."""
    section = stdout.split("CUSTOM STATS:", 1)[1]
    return json.loads(section[section.index("{") : section.rindex("}") + 1])


def test_fail_on_drift_fails_the_drifted_tenant_after_the_report_and_stats_name_it(fleet):
    sandbox, inventory, tmp = fleet
    sandbox.control("PATCH", "/tenants/60001/entities/Resources/10", {"isActive": False})  # tenant1: drift
    proc, recap = play("audit.yml", inventory)  # the default fails only the tenants that failed
    assert "failed=0" in recap["tenant1"]
    stats = custom_stats(proc.stdout)["msp_autotask_fleet"]
    assert stats["not_compliant"]["tenant1"] == "drift" and stats["by_status"]["drift"] == 1
    assert stats["not_compliant"]["tenant2"] == "failed"
    os.remove(os.path.join(tmp, "report", "fleet-report.json"))
    proc, recap = play("audit.yml", inventory, extra={"msp_autotask_fail_on": ["drift"]})
    assert "failed=1" in recap["tenant1"] and proc.returncode != 0
    assert "tenant tenant1 is drift (msp_autotask_fail_on: drift)" in proc.stdout
    assert os.path.exists(os.path.join(tmp, "report", "fleet-report.json"))  # written before the failure
    assert all("failed=1" in recap["tenant%d" % n] for n in (2, 3, 4, 5))  # failed tenants fail regardless
    proc, recap = play("audit.yml", inventory, extra={"msp_autotask_fail_on": ["drfit"]})
    assert "msp_autotask_fail_on must be a list of failed, drift, manual" in proc.stdout


def test_the_sandbox_is_reached_only_when_the_inventory_names_it_trusted(fleet):
    sandbox, inventory, _ = fleet
    sandbox.control("DELETE", "/tenants/60001/requests")
    proc, recap = play("audit.yml", inventory, untrusted=True)
    assert "failed=1" in recap["tenant1"] and "refusing to send credentials" in proc.stdout
    assert sandbox.control("GET", "/tenants/60001/requests")["count"] == 0  # nothing reached the tenant
    proc, recap = play("audit.yml", inventory, extra={"autotask_trusted_hosts": ["127.0.0.1"]}, untrusted=True)
    assert "failed=0" in recap["tenant1"]
