#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_psa_tickets
short_description: Keep one ticket per tenant with its open steps in the MSP's own Autotask
version_added: 0.1.0
description:
  - Reads a fleet report (written by M(msp.autotask.autotask_fleet_report)) and keeps one ticket per
    tenant in the MSP's B(own) Autotask, under the tenant's company there.
  - A tenant that is not compliant (V(drift), V(manual), or V(failed) with its reason) gets a ticket
    with its open steps in the description; later runs update the ticket only when its title,
    description or company changed, so a run that finds nothing new writes nothing.
  - A ticket is completed only when the report shows its tenant V(compliant). A completed ticket whose
    tenant is not compliant again is reopened. Tenants the report does not list are left alone.
  - Each ticket is found again by its external reference (C(externalID)), O(reference_prefix) plus the
    inventory host, whatever its title, company or status.
  - A tenant with more than one ticket under its reference warns; the oldest open one is kept to.
  - Every status, priority, queue and company id the run would write is checked against the MSP's
    Autotask before the first write; a wrong one writes nothing.
  - This module is not in the C(msp.autotask.autotask) action group and its credential options have no
    environment fallback, so a tenant's credential (set for the group, or injected as C(AUTOTASK_*)) can
    never reach it. O(tenant_id) is required and must not be a tenant of the report.
author:
  - msp.autotask maintainers (@msp-autotask)
extends_documentation_fragment:
  - msp.autotask.autotask
options:
  username:
    description:
      - The API username of the MSP's own API user in the MSP's own Autotask (where tickets go).
      - No environment fallback.
    type: str
    required: true
  secret:
    description:
      - That API user's secret. No environment fallback.
    type: str
    required: true
  integration_code:
    description:
      - That API user's integration code (the MSP's "Custom (Internal Integration)" code). No
        environment fallback.
    type: str
    required: true
  tenant_id:
    description:
      - The database id of the MSP's own Autotask. A credential that resolves to another database is
        refused before any other call, and so is an id that belongs to a tenant of the report.
      - No environment fallback.
    type: int
    required: true
  api_url:
    description:
      - The zone's REST base URL of the MSP's own Autotask; when set, zone discovery is skipped.
      - No environment fallback.
    type: str
  report:
    description:
      - Path of a fleet report JSON (C(fleet-report.json), schema C(msp.autotask/fleet-report)).
      - Exactly one of O(report) and O(tenants) is required.
    type: path
  tenants:
    description:
      - The report's C(tenants) list, instead of O(report).
    type: list
    elements: dict
  companies:
    description:
      - Inventory host to the id of the tenant's company in the MSP's Autotask.
      - Every tenant that is not compliant needs one; a missing one fails before any call.
    type: dict
    default: {}
  queue_id:
    description: The queue new tickets go to.
    type: int
    required: true
  priority:
    description: The priority of new tickets (Autotask's picklist value).
    type: int
    default: 2
  status_open:
    description: The status of a new or reopened ticket (V(1) is New on every Autotask).
    type: int
    default: 1
  status_complete:
    description: The status that completes a ticket (V(5) is Complete on every Autotask).
    type: int
    default: 5
  resolution:
    description: The resolution written when a ticket is completed.
    type: str
    default: Every integration-vendor API user of the tenant is compliant (msp.autotask fleet report).
  due_days:
    description: New tickets are due this many days after the run.
    type: int
    default: 7
  title_prefix:
    description: Tickets are titled this prefix and the tenant's name.
    type: str
    default: "Integration API users:"
  reference_prefix:
    description:
      - The external reference (C(externalID)) of a tenant's ticket is this prefix and the inventory
        host. Changing it orphans the tickets made under the old one.
    type: str
    default: msp.autotask/
  ticket_type:
    description: The ticket type of new tickets, where the MSP's Autotask requires one.
    type: int
  issue_type:
    description: The issue type of new tickets, where required.
    type: int
  sub_issue_type:
    description: The sub-issue type of new tickets, where required.
    type: int
  billing_code_id:
    description: The work type (billing code) of new tickets, where required.
    type: int
  assigned_resource_id:
    description: A resource new tickets are assigned to; Autotask then needs O(assigned_resource_role_id).
    type: int
  assigned_resource_role_id:
    description: The role of O(assigned_resource_id).
    type: int
attributes:
  check_mode:
    description: Reads the tickets and returns what it would do; writes nothing.
    support: full
  diff_mode:
    description: Returns each ticket's fields before and after.
    support: full
notes:
  - This module is deliberately outside C(group/msp.autotask.autotask); pass the MSP's credential to it
    directly. C(playbooks/psa_tickets.yml) runs it after the fleet report is written.
seealso:
  - module: msp.autotask.autotask_fleet_report
"""

EXAMPLES = r"""
- name: One ticket per tenant in the MSP's own Autotask
  msp.autotask.autotask_psa_tickets:
    username: "{{ msp_autotask_psa_username }}"
    secret: "{{ msp_autotask_psa_secret }}"
    integration_code: "{{ msp_autotask_psa_integration_code }}"
    tenant_id: "{{ msp_autotask_psa_tenant_id }}"
    report: msp-autotask-report/fleet-report.json
    companies:
      contoso: 28000102
      fabrikam: 28000103
    queue_id: 28000500
  register: tickets

- name: What would change (writes nothing)
  msp.autotask.autotask_psa_tickets:
    username: "{{ msp_autotask_psa_username }}"
    secret: "{{ msp_autotask_psa_secret }}"
    integration_code: "{{ msp_autotask_psa_integration_code }}"
    tenant_id: "{{ msp_autotask_psa_tenant_id }}"
    report: merged/fleet-report.json
    companies: "{{ msp_autotask_psa_companies }}"
    queue_id: 28000500
  check_mode: true
  diff: true
"""

RETURN = r"""
tenant_id:
  description: The MSP's Autotask database id.
  returned: always
  type: int
tickets:
  description:
    - One entry per tenant of the report, by host - C(host), C(tenant_status), C(action) (V(create),
      V(update), V(reopen), V(complete) or V(none)) and C(ticket_id) (null for a ticket check mode
      would create).
  returned: success
  type: list
  elements: dict
by_action:
  description: The hosts per action.
  returned: success
  type: dict
  sample: {"create": ["contoso"], "none": ["adatum"]}
end_state:
  description:
    - The written tickets as read back, by host (id, externalID, title, description, status,
      companyID, queueID, priority).
  returned: success
  type: dict
api_calls:
  description: API calls this task made, in total and by kind.
  returned: always
  type: dict
"""

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils import _tickets
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule

SETTINGS = [
    "companies",
    "queue_id",
    "priority",
    "status_open",
    "status_complete",
    "resolution",
    "due_days",
    "title_prefix",
    "reference_prefix",
    "ticket_type",
    "issue_type",
    "sub_issue_type",
    "billing_code_id",
    "assigned_resource_id",
    "assigned_resource_role_id",
]


def argument_spec():
    # The MSP's credential: no environment fallback (the AUTOTASK_* variables hold a tenant's).
    return dict(
        username=dict(type="str", required=True, no_log=False),
        secret=dict(type="str", required=True, no_log=True),
        integration_code=dict(type="str", required=True, no_log=True),
        tenant_id=dict(type="int", required=True),
        api_url=dict(type="str"),
        report=dict(type="path"),
        tenants=dict(type="list", elements="dict"),
        companies=dict(type="dict", default={}),
        queue_id=dict(type="int", required=True),
        priority=dict(type="int", default=2),
        status_open=dict(type="int", default=1),
        status_complete=dict(type="int", default=5),
        resolution=dict(
            type="str",
            default="Every integration-vendor API user of the tenant is compliant (msp.autotask fleet report).",
        ),
        due_days=dict(type="int", default=7),
        title_prefix=dict(type="str", default="Integration API users:"),
        reference_prefix=dict(type="str", default="msp.autotask/", no_log=False),
        ticket_type=dict(type="int"),
        issue_type=dict(type="int"),
        sub_issue_type=dict(type="int"),
        billing_code_id=dict(type="int"),
        assigned_resource_id=dict(type="int"),
        assigned_resource_role_id=dict(type="int"),
    )


def main():
    am = AutotaskModule(
        argument_spec(),
        supports_check_mode=True,
        required_one_of=[("report", "tenants")],
        mutually_exclusive=[("report", "tenants")],
        required_together=[("assigned_resource_id", "assigned_resource_role_id")],
    )
    p = am.params
    try:
        tenants = _tickets.load_report(p["report"])["tenants"] if p["report"] else p["tenants"]
        _tickets.refuse_a_tenants_database(tenants, p["tenant_id"])
        client = am.connect()
        result = _tickets.run(client, tenants, {k: p[k] for k in SETTINGS}, am.check_mode)
    except model.PartFailed as exc:
        am.fail(exc.cause, **exc.extra)
    except (AutotaskError, model.ModelError) as exc:
        am.fail(exc)
    for warning in result.pop("warnings"):
        am.module.warn(warning)
    diff = result.pop("diff")
    if am.module._diff:
        result["diff"] = diff
    am.module.exit_json(tenant_id=am.tenant, api_calls=am.api_calls(), **result)


if __name__ == "__main__":
    main()
