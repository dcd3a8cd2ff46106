"""What a compliant re-run costs in API calls: deterministic, so asserted exactly.

Issue #5's budget: at most 3 calls per tenant plus 2 per verify_as identity. Issue #17: the
users are asked for by name, so a tenant's count of API users does not change the cost, and the
links come from one ResourceRoles query where that view settles the verdict. The benchmark
(make bench) puts these figures beside a hand-written ansible.builtin.uri playbook; a change
that spends more fails here.
"""

import importlib.util
import os

import pytest

from autotask_sandbox import catalog
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
    "ResourceRoles/query",
    "Resources/entityInformation/fields",
    "Resources/query",
]
QUEUES_ONLY = {"email2at_departments": []}  # Email2AT's queue link alone: no default asked for


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


def rerun(sandbox, tmp_path, variables, seeded=None, assumptions=None, between=None):
    """A first run (zone and names cached), then the re-run whose requests are returned.

    ``between(sandbox)`` changes the tenant after the first run, as someone in the UI would.
    """
    doc = {"integration_vendors": bench.VENDORS, "tenants": [seeded or bench.tenant(1)]}
    sandbox.seed(dict(doc, settings={"assumptions": assumptions or {}}))
    defaults = auth_defaults(sandbox, ADMIN, 90001, {"zone_cache_path": str(tmp_path / "zones.json")})
    run_tasks(tenant_tasks(variables), defaults)
    if between:
        between(sandbox)
    sandbox.control("DELETE", "/requests")
    results, _ = run_tasks(tenant_tasks(variables), defaults)
    outcomes = results[-2]["vendor_api_user_results"]
    log = sandbox.control("GET", "/tenants/90001/requests")["requests"]
    assert not sandbox.control("GET", "/requests")["unrouted"]  # no zone lookup: it is cached
    if between is None:
        assert not [e for e in log if e["method"] in ("POST", "PATCH", "PUT") and "/query" not in e["path"]]
    # Per part: what each part spent itself; the module's total adds the read-ahead of the users.
    spent = {(o["role"], part): r["api_calls"]["total"] for o in outcomes for part, r in o["parts"].items()}
    assert results[-1]["vendor_api_user_run.api_calls"]["total"] == len(log)
    return outcomes, spent, sorted(e["path"].split("?")[0].rsplit("/V1.0/", 1)[-1] for e in log)


def test_a_compliant_rerun_reads_the_tenant_once_for_three_vendors(sandbox, tmp_path):
    outcomes, spent, paths = rerun(sandbox, tmp_path, {})
    # API-side compliant: nothing to write (the UI-only rows await attestations, which cost no call).
    assert [o["changed"] for o in outcomes] == [False, False, False]
    # One query for every API user; the levels (the userType picklist: read fresh, never cached,
    # since a level renamed or deactivated in the UI must show on the next run); Email2AT's queue
    # link from the ResourceRoles view; its department link from ResourceRoleDepartments, since
    # it asks for the default flag, which the view does not carry. Names come from the reference
    # cache. Four calls, whatever the number of vendors.
    assert paths == COMPLIANT_RERUN
    assert spent == {
        ("propel", "security_level"): 1,  # the levels, once for every part
        ("propel", "api_user"): 0,  # the users were read ahead, all in one query
        ("email2at", "api_user"): 2,  # the view (its queue), and its department rows (the default)
        ("solarwinds_rmm", "api_user"): 0,
        ("solarwinds_rmm", "protected_data"): 0,
    }


def test_links_without_a_default_flag_cost_one_view_query(sandbox, tmp_path):
    # Email2AT's queue link only: the users, the levels and one ResourceRoles query over every
    # user; no per-kind read. Three calls.
    outcomes, spent, paths = rerun(sandbox, tmp_path, QUEUES_ONLY)
    assert [o["changed"] for o in outcomes] == [False, False, False]
    assert paths == ["ResourceRoles/query", "Resources/entityInformation/fields", "Resources/query"]
    assert spent[("email2at", "api_user")] == 1


def test_a_view_without_queue_links_costs_the_queue_read_and_no_verdict(sandbox, tmp_path):
    # Whether ResourceRoles lists queue links (their isActive is obsolete) is unrecorded: a view
    # that leaves them out proves nothing, so the queue links are read from their own entity.
    assumptions = {"resource_roles_queue_rows": "omitted"}
    outcomes, _spent, paths = rerun(sandbox, tmp_path, QUEUES_ONLY, assumptions=assumptions)
    assert [o["changed"] for o in outcomes] == [False, False, False]
    assert [o["compliant"] for o in outcomes] == [o["compliant"] for o in rerun(sandbox, tmp_path, QUEUES_ONLY)[0]]
    assert paths == [
        "ResourceRoleQueues/query",
        "ResourceRoles/query",
        "Resources/entityInformation/fields",
        "Resources/query",
    ]


@pytest.mark.parametrize("value", catalog.ASSUMPTIONS["resource_roles_queue_rows"])
def test_a_queue_link_removed_in_the_ui_is_seen_and_made_again(sandbox, tmp_path, value):
    # No false green from the view, under either reading of it: the link is gone, so it is made.
    def remove_queue_link(sb):
        rows = sb.control("GET", "/tenants/90001/entities/ResourceRoleQueues")["items"]
        for row in rows:
            sb.control("DELETE", "/tenants/90001/entities/ResourceRoleQueues/%d" % row["id"])

    assumptions = {"resource_roles_queue_rows": value}
    outcomes, _spent, paths = rerun(sandbox, tmp_path, QUEUES_ONLY, assumptions=assumptions, between=remove_queue_link)
    email2at = next(o for o in outcomes if o["role"] == "email2at")
    assert email2at["changed"] is True
    writes = email2at["parts"]["api_user"]["writes"]
    made = [(w["method"], w["path"], w["body"]) for w in writes]
    assert made == [("POST", "Resources/11/RoleQueues", {"queueID": 3})]
    # The view showed no row, so the queue entity was read before the write.
    assert "ResourceRoleQueues/query" in paths
    assert sandbox.control("GET", "/tenants/90001/entities/ResourceRoleQueues")["items"]


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
    assert paths == sorted(["EntityInformation", *COMPLIANT_RERUN])  # + every entity's access, as the probe
    # The levels and the probe's one EntityInformation call.
    assert spent[("propel", "security_level")] == 2 and spent[("solarwinds_rmm", "protected_data")] == 0
