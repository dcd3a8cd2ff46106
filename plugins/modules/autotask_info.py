#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_info
short_description: Read what an Autotask tenant has now (API users, associations, reference data, access, usage)
version_added: 0.1.0
description:
  - Read-only facts about one tenant, usable as an export of its current state.
  - Each part of O(gather) costs its own API calls; ask only for what you need.
author:
  - msp.autotask maintainers (@msp-autotask)
extends_documentation_fragment:
  - msp.autotask.autotask
  - msp.autotask.autotask.attributes
options:
  gather:
    description:
      - V(api_users) - API-licensed resources (license type 7) and their role, department, queue
        and service-desk-role links (2 calls).
      - V(departments), V(roles) - reference data (1 call each).
      - V(queues) - the service desk queue picklist of Tickets (1 call).
      - V(udfs) - UDF definitions, with whether each is protected (1 call).
      - V(access) - the calling user's access per entity from the global C(entityInformation) (1 call).
      - V(thresholds) - this hour's request count against the tenant's limit (1 call).
    type: list
    elements: str
    choices: [api_users, departments, roles, queues, udfs, access, thresholds]
    default: [api_users, departments, roles, queues, udfs, access, thresholds]
  capture:
    description:
      - A directory to write one JSON file per API request this task makes (method, path without
        host, scrubbed query string, status and scrubbed answer), to show the project what a real
        tenant answers. Files are numbered after any already there.
      - Headers are never written. Secrets, emails, names and other free text are replaced by
        typed placeholders such as V(<email>) or V(<name>); ids, numbers, booleans, keys and
        nesting are kept. The R(capture guide,ansible_collections.msp.autotask.docsite.capture)
        gives the full rule; read the files before sharing them.
      - A zone found in the zone cache is not asked again, so set O(zone_cache_path) to an empty string
        to capture the C(zoneInformation) answer too.
    type: path
"""

EXAMPLES = r"""
- name: What does this tenant have now?
  msp.autotask.autotask_info:
    username: "{{ autotask_username }}"
    secret: "{{ autotask_secret }}"
    integration_code: "{{ autotask_integration_code }}"
    gather: [api_users, thresholds]
  register: tenant

- name: Record what a real tenant answers, scrubbed, to contribute to the project
  msp.autotask.autotask_info:
    gather: [api_users, roles, queues]
    zone_cache_path: ""
    capture: "{{ playbook_dir }}/captures/{{ inventory_hostname }}"
"""

RETURN = r"""
tenant_id:
  description: The tenant's Autotask database id, when known.
  returned: always
  type: int
zone:
  description: The zone the credential resolved to (zoneName, url, webUrl, ci), when discovered.
  returned: always
  type: dict
api_users:
  description: API users with their associations (C(links)).
  returned: when requested
  type: list
  elements: dict
departments:
  description: Departments (id, name).
  returned: when requested
  type: list
  elements: dict
roles:
  description: Roles (id, name, isActive).
  returned: when requested
  type: list
  elements: dict
queues:
  description: Service desk queues (id, label, active).
  returned: when requested
  type: list
  elements: dict
udfs:
  description: UDF definitions (id, name, udfType, isProtected, isActive).
  returned: when requested
  type: list
  elements: dict
access:
  description: The calling user's access per entity (create, query, update, delete).
  returned: when requested
  type: dict
thresholds:
  description: externalRequestThreshold, requestThresholdTimeframe and currentTimeframeRequestCount.
  returned: when requested
  type: dict
api_calls:
  description: API calls this task made, in total and by kind.
  returned: always
  type: dict
capture_files:
  description: The files O(capture) wrote, in the order the requests were made.
  returned: when O(capture) is set, also on failure
  type: list
  elements: str
"""

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils._capture import CaptureRecorder
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule

PARTS = ["api_users", "departments", "roles", "queues", "udfs", "access", "thresholds"]
USER_FIELDS = ["userName", "firstName", "lastName", "email", "isActive", "licenseType", "locationID"]


def gather(client, parts):
    facts = {}
    if "api_users" in parts:
        users = list(
            client.query("Resources", [{"op": "eq", "field": "licenseType", "value": 7}], include_fields=USER_FIELDS)
        )
        links = {}
        if users:
            # One query for every user's links; POST takes over when the id list is long.
            for link in client.query(
                "ResourceRoles", [{"op": "in", "field": "resourceID", "value": [u["id"] for u in users]}]
            ):
                links.setdefault(link["resourceID"], []).append(
                    {k: link.get(k) for k in ("departmentID", "roleID", "queueID")}
                )
        facts["api_users"] = [dict(u, links=links.get(u["id"], [])) for u in users]
    if "departments" in parts:
        facts["departments"] = list(client.query("Departments", include_fields=["name"]))
    if "roles" in parts:
        facts["roles"] = list(client.query("Roles", include_fields=["name", "isActive"]))
    if "queues" in parts:
        field = next((f for f in client.fields("Tickets") if f.get("name") == "queueID"), {})
        facts["queues"] = [
            {"id": int(v["value"]), "label": v["label"], "active": v.get("isActive", True)}
            for v in field.get("picklistValues") or []
        ]
    if "udfs" in parts:
        facts["udfs"] = list(
            client.query("UserDefinedFieldDefinitions", include_fields=["name", "udfType", "isProtected", "isActive"])
        )
    if "access" in parts:
        facts["access"] = {
            name: {op: info.get("userAccessFor" + op.capitalize()) for op in ("create", "query", "update", "delete")}
            for name, info in client.entity_information().items()
        }
    if "thresholds" in parts:
        facts["thresholds"] = client.threshold_information()
    return facts


def main():
    am = AutotaskModule(
        dict(
            gather=dict(type="list", elements="str", choices=PARTS, default=PARTS),
            capture=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        if am.params["capture"]:
            am.recorder = CaptureRecorder(am.params["capture"])
        client = am.connect()
        facts = gather(client, set(am.params["gather"]))
    except (AutotaskError, model.TenantMismatch) as exc:
        # The files written so far hold the failing answer too: worth sharing.
        am.fail(exc, **({"capture_files": am.recorder.written} if am.recorder else {}))
    except OSError as exc:
        am.module.fail_json(msg="cannot write the capture directory: %s" % exc, api_calls=am.api_calls())
    if am.recorder is not None:
        facts["capture_files"] = am.recorder.written
    am.module.exit_json(changed=False, tenant_id=am.tenant, zone=client.zone, api_calls=am.api_calls(), **facts)


if __name__ == "__main__":
    main()
