"""What a compliant re-run costs, per part, in API calls: deterministic, so asserted exactly.

These are today's figures (see README, Performance); the benchmark (make bench) puts them beside
a hand-written ansible.builtin.uri playbook. A change that spends more fails here.
"""

import importlib.util
import os

from playbook import ROOT, auth_defaults, run_tasks

# The benchmark's own fleet (bench/run.py), so the test and the benchmark measure the same tenant.
_spec = importlib.util.spec_from_file_location("bench_run", os.path.join(ROOT, "bench", "run.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

ADMIN = {"username": "admin@t1.example", "secret": "bench-secret-1", "integration_code": "BENCH-INTERNAL-1"}
ROLES = {
    "propel": {},
    "email2at": {
        "email2at_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
        "email2at_queues": ["Client Portal"],
    },
    "solarwinds_rmm": {},
}


def test_a_compliant_rerun_spends_what_it_needs(sandbox, tmp_path):
    sandbox.seed({"integration_vendors": bench.VENDORS, "tenants": [bench.tenant(1)]})
    tasks = [
        {
            "ansible.builtin.include_role": {"name": "msp.autotask.%s" % role},
            "vars": dict(variables, msp_autotask_tenant_domain="t1.example"),
        }
        for role, variables in ROLES.items()
    ]
    tasks.append({"ansible.builtin.debug": {"var": "vendor_api_user_results"}})
    defaults = auth_defaults(sandbox, ADMIN, 90001, {"zone_cache_path": str(tmp_path / "zones.json")})
    run_tasks(tasks, defaults)  # the first run discovers the zone and caches it
    sandbox.control("DELETE", "/requests")
    results, _ = run_tasks(tasks, defaults)
    outcomes = results[-1]["vendor_api_user_results"]
    spent = {(o["role"], part): r["api_calls"]["total"] for o in outcomes for part, r in o["parts"].items()}
    assert spent == {
        ("propel", "security_level"): 0,  # no verify_as: nothing to observe
        ("propel", "api_user"): 1,  # the user
        ("email2at", "api_user"): 6,  # the user, 3 name lookups, 2 association reads
        ("solarwinds_rmm", "api_user"): 1,
        ("solarwinds_rmm", "protected_data"): 0,  # the user came from api_user; no verify_as
    }
    log = sandbox.control("GET", "/tenants/90001/requests")["requests"]
    assert len(log) == sum(spent.values()) == 8
    assert not [e for e in log if e["method"] in ("POST", "PATCH", "PUT") and "/query" not in e["path"]]
