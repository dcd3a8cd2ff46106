"""What a compliant re-run costs in API calls: deterministic, so asserted exactly.

Issue #5's budget: at most 3 calls per tenant plus 2 per verify_as identity. Issue #17: the
users are asked for by name, so a tenant's count of API users does not change the cost. The benchmark
(make bench) puts these figures beside a hand-written ansible.builtin.uri playbook; a change
that spends more fails here.
"""

import importlib.util
import os

from playbook import ROOT, auth_defaults, run_tasks

# The benchmark's own fleet (bench/run.py), so the test and the benchmark measure the same tenant.
_spec = importlib.util.spec_from_file_location("bench_run", os.path.join(ROOT, "bench", "run.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

ADMIN = {"username": "admin@t1.example", "secret": "bench-secret-1", "integration_code": "BENCH-INTERNAL-1"}
ROLES = {  # the benchmark's tenant: three vendors, Email2AT with department and queue links
    "propel": {},
    "email2at": {
        "email2at_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
        "email2at_queues": ["Client Portal"],
    },
    "solarwinds_rmm": {},
}

# What the benchmark tenant's compliant re-run reads (see the first test for why each).
COMPLIANT_RERUN = [
    "ResourceRoleDepartments/query",
    "ResourceRoleQueues/query",
    "Resources/entityInformation/fields",
    "Resources/query",
]


def tenant_tasks(variables):
    """What playbooks/onboard.yml does for one tenant: collect each vendor, then one module run."""
    tasks = [
        {
            "ansible.builtin.include_role": {"name": "msp.autotask.%s" % role, "tasks_from": "desired"},
            "vars": dict(ROLES[role], msp_autotask_tenant_domain="t1.example", **variables),
        }
        for role in ROLES
    ]
    tasks.append({"ansible.builtin.include_role": {"name": "msp.autotask.vendor_api_user", "tasks_from": "converge"}})
    tasks.append({"ansible.builtin.debug": {"var": "vendor_api_user_results"}})
    tasks.append({"ansible.builtin.debug": {"var": "vendor_api_user_run.api_calls"}})
    return tasks


def many_api_users(count):
    """The benchmark's tenant with ``count`` more API users, none of them a vendor's."""
    seeded = bench.tenant(1)
    seeded["resources"] += [
        {
            "id": 1000 + n,
            "firstName": "Integration",
            "lastName": "%04d" % n,
            "email": "integration%04d@t1.example" % n,
            "userName": "integration%04d@t1.example" % n,
            "api_user": {"secret": "x", "internal": True},
        }
        for n in range(count)
    ]
    return seeded


def rerun(sandbox, tmp_path, variables, seeded=None):
    """A first run (zone and names cached), then the re-run whose requests are returned."""
    sandbox.seed({"integration_vendors": bench.VENDORS, "tenants": [seeded or bench.tenant(1)]})
    defaults = auth_defaults(sandbox, ADMIN, 90001, {"zone_cache_path": str(tmp_path / "zones.json")})
    run_tasks(tenant_tasks(variables), defaults)
    sandbox.control("DELETE", "/requests")
    results, _ = run_tasks(tenant_tasks(variables), defaults)
    outcomes = results[-2]["vendor_api_user_results"]
    log = sandbox.control("GET", "/tenants/90001/requests")["requests"]
    assert not sandbox.control("GET", "/requests")["unrouted"]  # no zone lookup: it is cached
    assert not [e for e in log if e["method"] in ("POST", "PATCH", "PUT") and "/query" not in e["path"]]
    # Per part: what each part spent itself; the module's total adds the read-ahead of the users.
    spent = {(o["role"], part): r["api_calls"]["total"] for o in outcomes for part, r in o["parts"].items()}
    assert results[-1]["vendor_api_user_run.api_calls"]["total"] == len(log)
    return outcomes, spent, sorted(e["path"].split("?")[0].rsplit("/V1.0/", 1)[-1] for e in log)


def test_a_compliant_rerun_reads_the_tenant_once_for_three_vendors(sandbox, tmp_path):
    outcomes, spent, paths = rerun(sandbox, tmp_path, {})
    # API-side compliant: nothing to write (the UI-only rows await attestations, which cost no call).
    assert [o["changed"] for o in outcomes] == [False, False, False]
    # One query for every API user, one per kind of association Email2AT lists, and the levels
    # (the userType picklist: read fresh, never cached); names come from the reference cache.
    # Four calls, whatever the number of vendors.
    assert paths == COMPLIANT_RERUN
    assert spent == {
        ("propel", "security_level"): 1,  # the levels, once for every part
        ("propel", "api_user"): 0,  # the users were read ahead, all in one query
        ("email2at", "api_user"): 2,  # its two kinds of association
        ("solarwinds_rmm", "api_user"): 0,
        ("solarwinds_rmm", "protected_data"): 0,
    }


def test_a_tenant_with_many_api_users_costs_what_a_small_one_does(sandbox, tmp_path):
    # 1,305 API users would be three pages of 500 if the run read them all; the one
    # Resources query asks for the vendors' users by name (test_session_user_filter.py).
    outcomes, _spent, paths = rerun(sandbox, tmp_path, {}, seeded=many_api_users(1300))
    assert [o["changed"] for o in outcomes] == [False, False, False]
    assert paths == COMPLIANT_RERUN


def test_a_probe_identity_costs_one_call(sandbox, tmp_path):
    # Propel's probe holds Propel's level (the bench tenant seeds it). Protected data is
    # attest-only, so SolarWinds' probe (the admin) reads nothing.
    propel_probe = {
        "username": "probe@t1.example",
        "secret": "bench-probe-1",
        "integration_code": ADMIN["integration_code"],
    }
    probe = {"propel_verify_as": propel_probe, "solarwinds_rmm_verify_as": ADMIN}
    _outcomes, spent, paths = rerun(sandbox, tmp_path, probe)
    assert paths == [
        "EntityInformation",  # every entity's access, as the probe
        "ResourceRoleDepartments/query",
        "ResourceRoleQueues/query",
        "Resources/entityInformation/fields",
        "Resources/query",
    ]
    # The levels and the probe's one EntityInformation call.
    assert spent[("propel", "security_level")] == 2 and spent[("solarwinds_rmm", "protected_data")] == 0
