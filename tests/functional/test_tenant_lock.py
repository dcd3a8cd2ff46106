"""Two onboard runs at once on one controller take turns per tenant (issue #14, item 6).

Each tenant needs two writes (its AutoElevate user is inactive and lacks its department link).
Both runs start together against a slow sandbox, so without the lock both would read the same
gaps and both would write. With it, the second run to reach a tenant reads after the first
has finished there and writes nothing. The sandbox stores duplicate associations (switch
duplicate_associations=accepted), so nothing but the lock keeps a second one out.
"""

import json
import os
import re
import subprocess
from collections import Counter
from urllib.parse import urlsplit

import pytest
import yaml

from playbook import COLLECTIONS, ROOT

VENDOR = "AutoElevate – privilege management tools"
TENANTS = (1, 2, 3)


def tenant(n):
    return {
        "id": 62000 + n,
        "zone": "webservices%d" % n,
        "internal_integration_codes": ["LOCK-%d" % n],
        "locations": [{"id": 1, "name": "Head Office"}],
        "departments": [{"id": 1, "name": "Service Desk"}],
        "roles": [{"id": 2, "name": "API Integration"}],
        "resources": [
            {
                "id": 9,
                "firstName": "MSP",
                "lastName": "Admin",
                "email": "a@l%d.example" % n,
                "userName": "admin@l%d.example" % n,
                "api_user": {"secret": "secret-%d" % n, "internal": True},
            },
            {
                "id": 10,
                "firstName": "AE-Privilege Management",
                "lastName": "System",
                "email": "autoelevate@l%d.example" % n,
                "userName": "ae@l%d.example" % n,
                "isActive": False,
                "locationID": 1,
                "api_user": {"secret": "p", "integration_vendor": VENDOR},
            },
        ],
    }


@pytest.fixture
def fleet(sandbox, tmp_path):
    sandbox.seed(
        {
            # A duplicate association is stored, not refused: only the lock can keep it out.
            "settings": {"assumptions": {"duplicate_associations": "accepted"}},
            "integration_vendors": [{"name": VENDOR, "code": "VENDOR-AE"}],
            "tenants": [tenant(n) for n in TENANTS],
        }
    )
    hosts = {}
    for n in TENANTS:
        hosts["lock%d" % n] = {
            "autotask_tenant_id": 62000 + n,
            "autotask_username": "admin@l%d.example" % n,
            "autotask_secret": "secret-%d" % n,
            "autotask_integration_code": "LOCK-%d" % n,
            "msp_autotask_tenant_domain": "l%d.example" % n,
            "msp_autotask_vendors": ["autoelevate"],
            "autoelevate_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
            "autotask_zone_discovery_url": sandbox.url + "/atservicesrest",
            "autotask_zone_cache_path": str(tmp_path / "cache" / "zones.json"),
        }
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"autotask_tenants": {"hosts": hosts}}))
    # Slow answers stretch each tenant's run, so the two runs overlap on every tenant.
    sandbox.control("PUT", "/faults", {"latency_ms": 150})
    yield sandbox, str(inventory), tmp_path
    sandbox.control("PUT", "/faults", {})


def start(sandbox, inventory, report_dir):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    env["AUTOTASK_TRUSTED_HOSTS"] = urlsplit(sandbox.url).netloc  # the sandbox is plain http on loopback
    command = ["ansible-playbook", os.path.join(ROOT, "playbooks", "onboard.yml"), "-i", inventory]
    command += ["-e", json.dumps({"msp_autotask_report_dir": str(report_dir)})]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def test_two_concurrent_onboard_runs_make_each_write_once(fleet):
    sandbox, inventory, tmp = fleet
    runs = [start(sandbox, inventory, tmp / ("report%d" % i)) for i in (1, 2)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], "\n".join(o[-3000:] for o in outputs)
    for n in TENANTS:
        log = sandbox.control("GET", "/tenants/%d/requests?writes=1" % (62000 + n))["requests"]
        writes = Counter((entry["method"], entry["path"]) for entry in log)
        assert len(writes) == 2 and set(writes.values()) == {1}, (n, writes)
        assert {method for method, _path in writes} == {"PATCH", "POST"}
        links = sandbox.control("GET", "/tenants/%d" % (62000 + n))["entities"]["ResourceRoleDepartments"]
        assert len([r for r in links if r["resourceID"] == 10]) == 1  # no duplicate was stored
        # Exactly one of the two runs changed the tenant; the other found it done.
        changed = [re.search(r"^lock%d\s+:.*changed=(\d+)" % n, out, re.M).group(1) for out in outputs]
        assert sorted(changed) == ["0", "1"], changed
    for n in TENANTS:
        reports = [json.loads((tmp / ("report%d" % i) / "fleet-report.json").read_text()) for i in (1, 2)]
        statuses = {next(t for t in r["tenants"] if t["host"] == "lock%d" % n)["status"] for r in reports}
        assert "failed" not in statuses and "drift" not in statuses
