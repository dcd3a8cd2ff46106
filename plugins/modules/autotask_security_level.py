#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_security_level
short_description: Verify an Autotask security level and guide the UI steps to create it
version_added: 0.1.0
description:
  - Describes the desired state of one API-only security level as the vendor documents write it
    (section, sub-section, row, permission).
  - Autotask's REST API cannot create, copy, edit or read security levels. This module never
    writes; it verifies what can be observed and prints exact manual steps for the rest.
  - With O(verify_as), rows that map to entity access are checked through C(entityInformation)
    read as a user holding the level, and rights the table does not ask for are reported as
    RV(over_granted). Without it, the rows are C(unverifiable) until attested.
author:
  - msp.autotask maintainers (@msp-autotask)
extends_documentation_fragment:
  - msp.autotask.autotask
  - msp.autotask.autotask.verify_as
  - msp.autotask.autotask.attestation
  - msp.autotask.autotask.attributes
options:
  name:
    description: The security level's name, for example V(API User (Propel Your MSP)).
    type: str
    required: true
  copy_from:
    description: The level the technician copies (right-click > Copy Security Level).
    type: str
    default: API User (system) (API-only)
  active:
    description: Whether the level must be active.
    type: bool
    default: true
  permissions:
    description:
      - The permission table. Rows the table does not list are expected to grant nothing.
      - Unknown sections, rows or values fail before any API call, listing the valid ones.
    type: list
    elements: dict
    default: []
    suboptions:
      section:
        description: The section, for example V(CRM) or V(SERVICE DESK).
        type: str
        required: true
      subsection:
        description: The sub-section, for example V(Object Permissions) or V(Feature Access).
        type: str
        required: true
      name:
        description: The row, for example V(Tickets).
        type: str
        required: true
      permission:
        description:
          - "For object rows, facets such as V(View: All, Add: Yes) (a string, a list of such strings,
            or a mapping of facet to value); for check boxes V(true) or V((Add Check)); for scopes and
            drop-downs the value, for example V(All) or V(Full)."
        type: raw
        required: true
  exceptions:
    description:
      - Accepted deviations from the table for single rows. A row under an unexpired exception
        counts as C(excepted); an expired one counts as C(drift).
    type: list
    elements: dict
    default: []
    suboptions:
      section:
        description: The row's section.
        type: str
        required: true
      subsection:
        description: The row's sub-section.
        type: str
        required: true
      name:
        description: The row's name.
        type: str
        required: true
      reason:
        description: Why the deviation is accepted.
        type: str
        required: true
      owner:
        description: Who owns the deviation.
        type: str
        required: true
      expires:
        description: When the exception ends, as YYYY-MM-DD.
        type: str
        required: true
  attestation_var:
    description: The inventory variable name the manual steps tell the operator to record the attestation in.
    type: str
    default: autotask_security_level_attestation
  state:
    description: Only V(present) exists; Autotask cannot delete security levels through any API.
    type: str
    choices: [present]
    default: present
"""

EXAMPLES = r"""
- name: Propel Your MSP security level, verified through a probe user
  module_defaults:
    group/msp.autotask.autotask:
      username: "{{ autotask_username }}"
      secret: "{{ autotask_secret }}"
      integration_code: "{{ autotask_integration_code }}"
      tenant_id: "{{ autotask_tenant_id }}"
  block:
    - name: Security level for Propel Your MSP
      msp.autotask.autotask_security_level:
        name: API User (Propel Your MSP)
        copy_from: API User (system) (API-only)
        permissions:
          - {section: SERVICE DESK, subsection: Object Permissions, name: Tickets, permission: "View: All, Add: Yes"}
          - {section: ADMIN, subsection: Feature Access, name: Resources/Users (HR), permission: (Add Check)}
        verify_as:
          username: "{{ probe_username }}"
          secret: "{{ probe_secret }}"
          integration_code: "{{ autotask_integration_code }}"
        attestation: "{{ propel_level_attestation | default(omit) }}"
      register: level

    - name: Show what is left to do by hand
      ansible.builtin.debug:
        var: level.manual_steps
"""

RETURN = r"""
changed:
  description: Always false; no API can write a security level.
  returned: always
  type: bool
compliant:
  description: True when no row is C(drift), C(missing), C(unknown), or C(unverifiable) without an attestation.
  returned: always
  type: bool
tenant_id:
  description: The Autotask database id the module acted on, when known.
  returned: always
  type: int
verification:
  description: One row per desired property.
  returned: always
  type: list
  elements: dict
  contains:
    property:
      description: What was checked.
      type: str
    expected:
      description: The desired value as the UI shows it.
      type: str
    observed:
      description: What the API showed, or null when nothing could observe it.
      type: str
    status:
      description: One of C(ok), C(drift), C(missing), C(unverifiable), C(attested), C(excepted), C(unknown).
      type: str
summary:
  description: How many properties ended in each status.
  returned: always
  type: dict
manual_steps:
  description: Ordered, tenant-specific UI steps for every gap, ending with the attestation line to record.
  returned: always
  type: list
  elements: str
over_granted:
  description: Rights the verify_as user holds beyond what the table asks for.
  returned: always
  type: list
  elements: dict
fingerprint:
  description: Digest of the desired values that an attestation must carry.
  returned: always
  type: str
attestation:
  description: C(valid), C(stale) (desired values changed), C(void) (contradicted by observation) or C(none).
  returned: always
  type: str
diff:
  description: Desired values (after) against what could be observed (before).
  returned: when diff mode is on
  type: dict
end_state:
  description: The desired level as normalised, with the status of each row.
  returned: always
  type: dict
api_calls:
  description: API calls this task made, in total and by kind.
  returned: always
  type: dict
"""

from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat
from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskAuthError, AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule, verify_argument_spec


def argument_spec():
    row = dict(
        section=dict(type="str", required=True),
        subsection=dict(type="str", required=True),
        name=dict(type="str", required=True),
    )
    spec = dict(
        name=dict(type="str", required=True),
        copy_from=dict(type="str", default=cat.SYSTEM_API_LEVEL),
        active=dict(type="bool", default=True),
        permissions=dict(
            type="list", elements="dict", default=[], options=dict(row, permission=dict(type="raw", required=True))
        ),
        exceptions=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                row,
                reason=dict(type="str", required=True),
                owner=dict(type="str", required=True),
                expires=dict(type="str", required=True),
            ),
        ),
        attestation_var=dict(type="str", default="autotask_security_level_attestation"),
        state=dict(type="str", default="present", choices=["present"]),
    )
    spec.update(verify_argument_spec())
    return spec


def manual_steps(p, rows, verification, over, fingerprint_value, tenant, exists=False):
    where = " in tenant %s" % tenant if tenant else ""
    if exists:
        # verify_as logged in holding the level, so it exists: edit it rather than copy again.
        first = "%s%s: open '%s'." % (model.SECURITY_LEVELS_PATH, where, p["name"])
    else:
        first = "%s%s: right-click '%s' > Copy Security Level, and name the copy '%s'%s." % (
            model.SECURITY_LEVELS_PATH,
            where,
            cat.level_name(p["copy_from"]),
            p["name"],
            "" if p["active"] else " (leave it inactive)",
        )
    steps = [first]
    if p["active"]:
        steps.append("On its General tab, make sure the level is Active.")
    by_property = {row["property"]: row for row in verification}
    for key, value in rows.items():
        status = by_property["permission: " + " > ".join(key)]["status"]
        if status in ("ok", "excepted", "attested"):
            continue
        steps.append(
            "Section %s, %s: set '%s' to %s." % (key[0], key[1], key[2], model.describe(cat.ROWS[key]["kind"], value))
        )
    if over:
        rights = sorted({"%s %s" % (o["entity"], o["operation"]) for o in over})
        steps.append("Grant nothing beyond the table: remove the extra rights (%s)." % ", ".join(rights))
    steps.append(
        "Save the level. Then record in the inventory: %s"
        % model.attestation_line(p["attestation_var"], fingerprint_value)
    )
    return steps


def main():
    am = AutotaskModule(argument_spec(), supports_check_mode=True)
    p = am.params
    try:
        rows = model.normalise_rows(p["permissions"])
        desired = {
            "name": p["name"],
            "copy_from": cat.level_name(p["copy_from"]),
            "active": p["active"],
            "permissions": [{"row": " > ".join(k), "value": v} for k, v in rows.items()],
        }
        fingerprint_value = model.fingerprint(desired)
        attestation = model.attestation_state(p["attestation"], fingerprint_value)
    except model.ModelError as exc:
        am.module.fail_json(msg=str(exc), changed=False)

    try:
        am.connect()  # tenant pinning happens before anything else
    except AutotaskError as exc:
        am.fail(exc)
    observed, probe_row = None, None
    probe = am.probe()
    if probe is not None:
        probe_row = {"property": "verify_as authenticates (the level exists and is active)", "expected": "yes"}
        try:
            observed = probe.entity_information()
            probe_row.update(observed="yes", status="ok")
        except AutotaskAuthError as exc:
            probe_row.update(observed="refused: %s" % exc.message, status="drift")
        except AutotaskError as exc:
            # Could not read is never absent: nothing is concluded from a failed read.
            probe_row.update(observed="read failed: %s" % exc, status="unknown")

    try:
        verification, over, void = model.verify_rows(rows, observed, attestation, p["exceptions"])
    except model.ModelError as exc:
        am.module.fail_json(msg=str(exc), changed=False)
    exists = {
        "property": "security level '%s' exists, copied from '%s'" % (p["name"], desired["copy_from"]),
        "expected": "present",
        "observed": None,
        "status": "attested" if attestation == "valid" and not void else "unverifiable",
    }
    verification.insert(0, exists)
    if probe_row:
        verification.insert(1, probe_row)
        if probe_row["status"] == "drift" and exists["status"] == "attested":
            void = True
            exists["status"] = "unverifiable"
    if void:
        attestation = "void"

    exists = probe_row is not None and probe_row["status"] == "ok"
    steps = manual_steps(p, rows, verification, over, fingerprint_value, am.tenant, exists=exists)
    before = {"name": p["name"], "permissions": {r["property"]: r["observed"] for r in verification}}
    after = {"name": p["name"], "permissions": {r["property"]: r["expected"] for r in verification}}
    am.finish(
        verification,
        steps,
        diff={"before": before, "after": after},
        end_state=dict(desired, rows={r["property"]: r["status"] for r in verification}),
        over_granted=over,
        fingerprint=fingerprint_value,
        attestation=attestation,
    )


if __name__ == "__main__":
    main()
