"""autotask_vendor_desired does in one task what the vendor roles' desired entry points do: same states, same messages.

Each host of one playbook run is a case: it collects its vendors through the roles (include_role
tasks_from desired, or vendor_api_user's custom entry point for a profile, as playbooks/onboard.yml
did before) and through the action, and both outcomes (the desired list, or the failure message)
must be equal. No API is involved.
"""

import json
import os
import subprocess

import pytest
import yaml

from playbook import COLLECTIONS

SHIPPED = ["propel", "email2at", "solarwinds_rmm", "autoelevate", "mindmatrix"]
PROBE = {"username": "probe@a.example", "secret": "probe-secret-Zq81", "integration_code": "INTERNAL-1"}
REWST = {
    "vendor": "Rewst",
    "security_level": {
        "name": "API User (Rewst)",
        "permissions": [
            {"section": "CRM", "subsection": "Object Permissions", "name": "To-Dos", "permission": "Add: Yes"}
        ],
    },
    "user": {"first_name": "Rewst", "last_name": "API", "email": "rewst@{{ msp_autotask_tenant_domain }}"},
}
ROWS = [
    {"section": "ADMIN", "subsection": "Feature Access", "name": "Configuration Items", "permission": "(Add Check)"}
]

# host -> (vendors, host variables)
CASES = {
    "defaults": (SHIPPED, {}),
    "overrides": (
        ["email2at", "propel", "solarwinds_rmm", "mindmatrix", "autoelevate"],
        {
            "email2at_queues": ["Client Portal"],
            "email2at_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
            "propel_email": "propel-api@{{ msp_autotask_tenant_domain }}",
            "propel_verify_as": PROBE,
            "propel_exceptions": [{"section": "CRM", "subsection": "Object Permissions", "name": "To-Dos"}],
            "propel_attestations": {"api_user": {"fingerprint": "sha256:00", "by": "tech", "at": "2026-12-01"}},
            "solarwinds_rmm_udf_mapping": False,
            "mindmatrix_admin_permissions": ROWS,
            "mindmatrix_integration_vendor": "Mindmatrix",
            "autoelevate_location": "Head Office",
            "autoelevate_security_level_custom": True,
            "autoelevate_permissions": ROWS,
        },
    ),
    "spec_error": (["propel"], {"propel_verify_as": "not a mapping"}),
    "spec_error_departments": (["email2at"], {"email2at_departments": {"department": "Service Desk"}}),
    "string_list": (["email2at"], {"email2at_queues": "Triage"}),
    "number_list": (["email2at"], {"email2at_queues": 3}),
    "mapping_list": (["mindmatrix"], {"mindmatrix_exceptions": {"name": "To-Dos"}}),
    "no_domain": (["solarwinds_rmm"], {"msp_autotask_tenant_domain": ""}),
    "custom": (["propel", "rewst"], {"rewst_verify_as": PROBE, "rewst_attestations": {"security_level": {"by": "x"}}}),
    "custom_typo": (["rewst"], {"msp_autotask_custom_vendors": {"rewst": dict(REWST, user={"frist_name": "R"})}}),
    "custom_string_list": (
        ["rewst"],
        {"msp_autotask_custom_vendors": {"rewst": dict(REWST, user=dict(REWST["user"], queues="Triage"))}},
    ),
    "custom_no_domain": (["rewst"], {"msp_autotask_tenant_domain": ""}),
}

OUTCOME = "{'desired': vendor_api_user_desired | default([])} if failure is not defined else {'failed': failure}"


def roles_play():
    """The roles' way: a desired entry point per vendor, as playbooks/onboard.yml did before this action."""
    shipped = {
        "name": "Collect a shipped vendor",
        "ansible.builtin.include_role": {"name": "msp.autotask.{{ vendor }}", "tasks_from": "desired"},
        "loop": "{{ vendors | select('in', known) | list }}",
        "loop_control": {"loop_var": "vendor"},
    }
    custom = {
        "name": "Collect a custom vendor",
        "ansible.builtin.include_role": {"name": "msp.autotask.vendor_api_user", "tasks_from": "custom"},
        "vars": {
            "vendor_api_user_role": "{{ vendor }}",
            "vendor_api_user_source": "msp_autotask_custom_vendors.{{ vendor }}",
            "vendor_api_user_profile": "{{ msp_autotask_custom_vendors[vendor] }}",
            **{
                "vendor_api_user_" + part: "{{ lookup('ansible.builtin.vars', vendor ~ '_%s', default=%s) }}"
                % (part, empty)
                for part, empty in (("verify_as", "{}"), ("attestations", "{}"), ("exceptions", "[]"))
            },
        },
        "loop": "{{ vendors | reject('in', known) | list }}",
        "loop_control": {"loop_var": "vendor"},
    }
    return outcome_play("roles", [shipped, custom])


def action_play():
    collect = {
        "name": "Collect every vendor",
        "msp.autotask.autotask_vendor_desired": {
            "vendors": "{{ (vendors | select('in', known) | list) + (vendors | reject('in', known) | list) }}",
            "custom": "{{ msp_autotask_custom_vendors }}",
        },
        "register": "collected",
    }
    keep = {
        "name": "Keep it",
        "ansible.builtin.set_fact": {"vendor_api_user_desired": "{{ collected.desired }}"},
        "no_log": True,
    }
    return outcome_play("action", [collect, keep])


def outcome_play(name, tasks):
    rescue = {"ansible.builtin.set_fact": {"failure": "{{ ansible_failed_result.msg }}"}}
    save = {
        "ansible.builtin.copy": {
            "content": "{{ (%s) | to_json }}" % OUTCOME,
            "dest": "{{ out }}/%s-{{ inventory_hostname }}.json" % name,
        },
        "delegate_to": "localhost",
    }
    return {
        "hosts": "all",
        "connection": "local",
        "gather_facts": False,
        "vars": {"known": SHIPPED, "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "tasks": [{"block": tasks, "rescue": [rescue], "always": [save]}],
    }


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("desired")
    hosts = {}
    for host, (vendors, variables) in CASES.items():
        hosts[host] = dict(
            {
                "vendors": vendors,
                "msp_autotask_tenant_domain": "a.example",
                "msp_autotask_custom_vendors": {"rewst": REWST},
            },
            **variables,
        )
    (tmp / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts, "vars": {"out": str(tmp)}}}))
    (tmp / "play.yml").write_text(yaml.safe_dump([roles_play(), action_play()], sort_keys=False))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        ["ansible-playbook", "-i", "hosts.yml", "play.yml", "-v"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    found = {}
    for host in CASES:
        found[host] = {}
        for way in ("roles", "action"):
            with open(tmp / ("%s-%s.json" % (way, host)), encoding="utf-8") as handle:
                found[host][way] = json.load(handle)
    return found, proc


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_action_collects_what_the_roles_collect(outcomes, case):
    # An include_role loop over several roles does not keep the loop's order; the action keeps the tenant's.
    found = {
        way: dict(outcome, desired=sorted(outcome["desired"], key=lambda entry: entry["role"]))
        if "desired" in outcome
        else outcome
        for way, outcome in outcomes[0][case].items()
    }
    assert found["action"] == found["roles"]


def test_the_cases_cover_success_and_each_message(outcomes):
    found = {case: ways["action"] for case, ways in outcomes[0].items()}
    assert len(found["defaults"]["desired"]) == 5 and len(found["overrides"]["desired"]) == 5
    assert [d["role"] for d in found["overrides"]["desired"]] == CASES["overrides"][0]  # the tenant's order
    assert found["overrides"]["desired"][1]["user"]["email"] == "propel-api@a.example"
    assert found["overrides"]["desired"][1]["verify_as"] == PROBE
    assert found["spec_error"]["failed"].startswith("Validation of arguments failed:\n")
    assert "propel_verify_as" in found["spec_error"]["failed"]
    assert found["string_list"]["failed"].startswith("email2at_queues must be a list")
    assert found["number_list"]["failed"].startswith("email2at_queues must be a list")
    assert "'mindmatrix_exceptions' is of type" in found["mapping_list"]["failed"]  # the spec says so
    assert found["no_domain"]["failed"].startswith('solarwinds_rmm_email is "solarwinds-rmm@", not an address')
    assert [d["role"] for d in found["custom"]["desired"]] == ["propel", "rewst"]
    assert found["custom"]["desired"][1]["source"] == "msp_autotask_custom_vendors.rewst"
    assert "msp_autotask_custom_vendors.rewst.user.frist_name" in found["custom_typo"]["failed"]
    assert found["custom_string_list"]["failed"].startswith("msp_autotask_custom_vendors.rewst.queues must be a list")
    assert found["custom_no_domain"]["failed"].startswith("msp_autotask_custom_vendors.rewst.user.email is")


def test_a_probe_secret_never_reaches_the_verbose_output(outcomes):
    assert PROBE["secret"] not in outcomes[1].stdout + outcomes[1].stderr
