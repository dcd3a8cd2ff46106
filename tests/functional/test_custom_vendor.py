"""A vendor defined only in inventory data (msp_autotask_custom_vendors) beside two shipped roles (#15).

The first test follows docs/docsite/rst/add_vendor.rst with its own profile.
"""

import importlib.util
import json
import os
import subprocess

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from test_fleet import CODES as FLEET_CODES
from test_fleet import tenant as fleet_tenant

from playbook import COLLECTIONS, ROOT

CODES = {n: FLEET_CODES[n] for n in (1, 2, 3)}
GUIDE = os.path.join(ROOT, "docs", "docsite", "rst", "add_vendor.rst")


def guide_profile():
    """The Rewst-like profile of the "Add your own vendor" guide, read from the guide itself."""
    with open(GUIDE, encoding="utf-8") as handle:
        blocks = handle.read().split(".. code-block:: yaml\n\n")[1:]
    block = next(b for b in blocks if b.lstrip().startswith("msp_autotask_custom_vendors:"))
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("   "):
            break  # the block ends at the first line back at the page's margin
        lines.append(line[3:])
    return yaml.safe_load("\n".join(lines))["msp_autotask_custom_vendors"]["rewst"]


REWST = guide_profile()


def load_demo():
    """scripts/demo.py's technician loop: the same hands that do make demo's checklist."""
    spec = importlib.util.spec_from_file_location("msp_demo", os.path.join(ROOT, "scripts", "demo.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tenant(n):
    """test_fleet's tenant with only the MSP's own API user: every vendor starts from scratch."""
    seeded = fleet_tenant(n)
    seeded["resources"] = [r for r in seeded["resources"] if r["api_user"].get("internal")]
    return seeded


@pytest.fixture
def fleet(sandbox, tmp_path):
    sandbox.seed(
        {
            "integration_vendors": [
                {"name": "Propel Your MSP", "code": "VENDOR-PROPEL"},
                {"name": "MSPintegrations – Email2AT", "code": "VENDOR-EMAIL2AT"},
                {"name": "Rewst", "code": "VENDOR-REWST"},
                {"name": "CyberDrain B.V.", "code": "VENDOR-COW"},
            ],
            "tenants": [tenant(n) for n in CODES],
        }
    )
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    hosts = {}
    for n in CODES:
        hosts["cust%d" % n] = {
            "autotask_tenant_id": 60000 + n,
            "autotask_username": "admin@t%d.example" % n,
            "autotask_secret": "secret-%d" % n if n != 3 else "wrong-secret",
            "autotask_integration_code": CODES[n],
            "msp_autotask_tenant_domain": "t%d.example" % n,
        }
        (inventory / "host_vars" / ("cust%d" % n)).mkdir(parents=True)  # where attestations are recorded
    groups = {
        "vendor_propel": {"hosts": {"cust1": None, "cust2": None, "cust3": None}},
        "vendor_email2at": {"hosts": {"cust1": None}},
        "vendor_rewst": {"hosts": {"cust1": None, "cust2": None, "cust3": None}},
    }
    (inventory / "hosts.yml").write_text(
        yaml.safe_dump({"autotask_tenants": {"hosts": hosts, "children": groups}}, allow_unicode=True)
    )
    shared = {
        # As inventories/example does: a tenant's vendors are its vendor_<name> groups.
        "msp_autotask_vendors": "{{ group_names | select('match', '^vendor_') | map('regex_replace', '^vendor_', '')"
        " | list }}",
        "msp_autotask_custom_vendors": {"rewst": REWST},
        "autotask_zone_discovery_url": sandbox.url + "/atservicesrest",
        "autotask_zone_cache_path": str(tmp_path / "zones.json"),
    }
    (inventory / "group_vars" / "autotask_tenants.yml").write_text(yaml.safe_dump(shared, allow_unicode=True))
    return sandbox, inventory, tmp_path


def onboard(inventory, report_dir, *extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    cmd = ["ansible-playbook", os.path.join(ROOT, "playbooks", "onboard.yml"), "-i", str(inventory)]
    cmd += ["-e", "msp_autotask_report_dir=%s" % report_dir, *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    with open(os.path.join(report_dir, "fleet-report.json"), encoding="utf-8") as handle:
        return proc, json.load(handle)


def cells(report):
    return {t["host"]: {v["role"]: v["status"] for v in t["vendors"]} for t in report["tenants"]}


def technician_round(fleet):
    """Run 1, the technician's checklist and attestations, run 2, run 3; returns runs 1 and 3 and run 3's output."""
    sandbox, inventory, tmp = fleet
    proc, first = onboard(inventory, tmp / "run1")
    done = load_demo().play_technician(sandbox, first, str(inventory))
    onboard(inventory, tmp / "run2")
    proc, third = onboard(inventory, tmp / "run3")
    return first, third, proc, done


def no_writes_on_rerun(fleet, tenants):
    sandbox, inventory, tmp = fleet
    for n in tenants:
        sandbox.control("DELETE", "/tenants/%d/requests" % (60000 + n))
    onboard(inventory, tmp / "rerun")
    return all(sandbox.control("GET", "/tenants/%d/requests?writes=1" % (60000 + n))["count"] == 0 for n in tenants)


def test_a_custom_vendor_goes_the_whole_way_beside_shipped_ones(fleet):
    sandbox, inventory, tmp = fleet
    audit = onboard(inventory, tmp / "audit", "-e", "msp_autotask_audit=true")[1]
    assert cells(audit)["cust1"] == {"propel": "manual", "email2at": "manual", "rewst": "manual"}
    assert all(sandbox.control("GET", "/tenants/%d/requests?writes=1" % (60000 + n))["count"] == 0 for n in CODES)
    first, third, proc, done = technician_round(fleet)
    assert cells(first)["cust1"] == {"propel": "manual", "email2at": "manual", "rewst": "manual"}
    assert cells(first)["cust2"] == {"propel": "manual", "rewst": "manual"}
    # The failed tenant still lists its custom vendor in its row.
    assert cells(first)["cust3"] == {"propel": "failed", "rewst": "failed"}
    cust1 = next(t for t in first["tenants"] if t["host"] == "cust1")
    rewst = next(v for v in cust1["vendors"] if v["role"] == "rewst")
    steps = "\n".join(rewst["manual_steps"])
    assert "name the copy 'API User (Rewst)'" in steps and "Integration Vendor 'Rewst'" in steps
    assert "rewst_attestations: {security_level: {fingerprint: 'sha256:" in steps
    assert "Rewst" in {v["vendor"] for v in first["vendors"]}  # a column of the matrix
    assert any("rewst_attestations" in line for line in done), done
    assert cells(third)["cust1"] == {"propel": "compliant", "email2at": "compliant", "rewst": "compliant"}
    assert cells(third)["cust2"] == {"propel": "compliant", "rewst": "compliant"}
    assert "changed=0" in proc.stdout.split("PLAY RECAP")[-1]
    assert no_writes_on_rerun(fleet, (1, 2))


PROFILES = os.path.join(ROOT, "roles", "vendor_api_user", "files", "profiles")


def test_the_example_profiles_validate():
    with open(os.path.join(ROOT, "roles", "vendor_api_user", "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)["argument_specs"]["profile"]["options"]
    for name in ("immybot", "cyberdrain_cow"):
        with open(os.path.join(PROFILES, name + ".yml"), encoding="utf-8") as handle:
            profile = yaml.safe_load(handle)
        result = ArgumentSpecValidator(spec).validate(
            {"vendor_api_user_role": name, "vendor_api_user_profile": profile}
        )
        assert result.error_messages == [], name
        assert profile["guide"]["url"].startswith("https://github.com/") and profile["guide"]["notes"]


def test_the_example_profiles_run_in_a_fleet_from_their_directory(fleet):
    inventory = fleet[1]
    shared = inventory / "group_vars" / "autotask_tenants.yml"
    data = yaml.safe_load(shared.read_text())
    data["msp_autotask_vendor_profile_dirs"] = [PROFILES]
    del data["msp_autotask_custom_vendors"]
    shared.write_text(yaml.safe_dump(data, allow_unicode=True))
    hosts_file = inventory / "hosts.yml"
    hosts = yaml.safe_load(hosts_file.read_text())
    hosts["autotask_tenants"]["children"] = {
        "vendor_immybot": {"hosts": {"cust1": None}},
        "vendor_cyberdrain_cow": {"hosts": {"cust1": None, "cust2": None}},
    }
    hosts_file.write_text(yaml.safe_dump(hosts, allow_unicode=True))

    first, third = technician_round(fleet)[:2]
    assert cells(first)["cust1"] == {"immybot": "manual", "cyberdrain_cow": "manual"}
    cow = next(v for t in first["tenants"] if t["host"] == "cust2" for v in t["vendors"])
    steps = "\n".join(cow["manual_steps"])
    assert "name the copy 'COW Warranty Permissions'" in steps and "Start from nothing" in steps
    assert "Section INVENTORY, Object Permissions: set 'Products' to View: All." in steps
    assert "Integration Vendor 'CyberDrain B.V.'" in steps
    assert cells(third)["cust1"] == {"immybot": "compliant", "cyberdrain_cow": "compliant"}
    assert cells(third)["cust2"] == {"cyberdrain_cow": "compliant"}
    assert no_writes_on_rerun(fleet, (1, 2))


# A PROJECTS row the catalogue knows (attest-only: no documented mapping) and a TIMESHEETS row it does not.
WIDER_ROWS = [
    {"section": "PROJECTS", "subsection": "Object Permissions", "name": "Projects", "permission": "View: All"},
    {"section": "TIMESHEETS", "subsection": "Object Permissions", "name": "Time Entrys", "permission": "View: All"},
]


def test_unknown_rows_are_attest_only_with_a_warning_and_strict_makes_them_errors(fleet):
    sandbox, inventory, tmp = fleet
    shared = inventory / "group_vars" / "autotask_tenants.yml"
    data = yaml.safe_load(shared.read_text())
    data["msp_autotask_custom_vendors"]["rewst"]["security_level"]["permissions"] += WIDER_ROWS
    shared.write_text(yaml.safe_dump(data, allow_unicode=True))

    proc, report = onboard(inventory, tmp / "audit", "-e", "msp_autotask_audit=true", "-l", "cust1")
    assert "[WARNING]: Rewst: permission: TIMESHEETS > Object Permissions > Time Entrys: not in the" in " ".join(
        proc.stdout.split()
    ) + " ".join(proc.stderr.split())
    rewst = next(v for v in report["tenants"][0]["vendors"] if v["role"] == "rewst")
    rows = {r["property"]: r for r in rewst["verification"]}
    assert rows["permission: TIMESHEETS > Object Permissions > Time Entrys"]["status"] == "unverifiable"
    assert rows["permission: PROJECTS > Object Permissions > Projects"]["status"] == "unverifiable"
    assert "Section TIMESHEETS, Object Permissions: set 'Time Entrys' to View: All." in rewst["manual_steps"]
    assert [w["property"] for w in rewst["warnings"]] == ["permission: TIMESHEETS > Object Permissions > Time Entrys"]

    proc, report = onboard(inventory, tmp / "strict", "-e", "msp_autotask_strict_rows=true", "-l", "cust1")
    reason = report["tenants"][0]["failure"]["msg"]
    assert "unknown row TIMESHEETS > Object Permissions > Time Entrys (strict_rows is on)" in reason
    assert sandbox.control("GET", "/tenants/60001/requests?writes=1")["count"] == 0


def test_inventory_slips_are_warned_or_failed_with_the_nearest_name(fleet):
    inventory, tmp = fleet[1:]
    hosts_file = inventory / "hosts.yml"
    data = yaml.safe_load(hosts_file.read_text())
    tenants = data["autotask_tenants"]
    tenants["children"]["vendors_rewst"] = {"hosts": {"cust1": None, "empty": None}}  # a plural slip
    tenants["children"]["vendor_propell"] = {"hosts": {"cust2": None}}  # a misspelt vendor group
    tenants["hosts"]["empty"] = {"autotask_tenant_id": 60009}
    tenants["hosts"]["cust1"]["email2at_department"] = "Service Desk"  # email2at_departments is meant
    tenants["hosts"]["cust1"]["email2at_queues"] = ["Client Portl"]
    hosts_file.write_text(yaml.safe_dump(data, allow_unicode=True))

    proc, report = onboard(inventory, tmp / "report", "-l", "cust1,cust2,empty")
    out = " ".join((proc.stdout + proc.stderr).split())
    assert "variable email2at_department is read by no role; did you mean email2at_departments?" in out
    assert "group vendors_rewst looks like a vendor group" in out and "did you mean vendor_rewst?" in out
    # vendor_propell puts 'propell' in cust2's vendor list: an error, with the nearest name.
    failures = {t["host"]: (t["failure"] or {}).get("msg", "") for t in report["tenants"]}
    assert "propell matches no vendor (did you mean propel?)" in failures["cust2"]
    assert failures["cust1"].startswith(
        "email2at_queues[0] (MSPintegrations Email2AT, tenant 60001): queue 'Client Portl' not found; known: Client"
    )
    assert "empty lists no vendor" in out and "Its groups vendors_rewst look like vendor groups" in out
    assert failures["empty"] == ""


def test_a_custom_vendor_may_not_take_a_shipped_roles_name(fleet):
    inventory, tmp = fleet[1:]
    shared = inventory / "group_vars" / "autotask_tenants.yml"
    data = yaml.safe_load(shared.read_text())
    data["msp_autotask_custom_vendors"]["propel"] = REWST
    shared.write_text(yaml.safe_dump(data, allow_unicode=True))
    report = onboard(inventory, tmp / "clash", "-l", "cust1")[1]
    assert "no name may be a shipped role's (propel)" in report["tenants"][0]["failure"]["msg"]


def test_a_misspelt_profile_key_fails_the_tenant_naming_the_key(fleet):
    inventory, tmp = fleet[1:]
    shared = inventory / "group_vars" / "autotask_tenants.yml"
    data = yaml.safe_load(shared.read_text())
    data["msp_autotask_custom_vendors"]["rewst"]["user"]["frist_name"] = "Rewst"
    shared.write_text(yaml.safe_dump(data, allow_unicode=True))
    report = onboard(inventory, tmp / "typo", "-l", "cust1")[1]
    msg = report["tenants"][0]["failure"]["msg"]
    assert "msp_autotask_custom_vendors.rewst.user.frist_name" in msg and "first_name" in msg
