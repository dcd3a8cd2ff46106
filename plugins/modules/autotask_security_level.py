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
      - A catalogued row's unknown value fails before any API call, listing the valid ones.
      - A row the collection's catalogue does not know is taken as written and is attest-only, with a warning
        naming the nearest known rows; O(strict_rows) makes it an error instead.
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
  strict_rows:
    description:
      - Fail on a permission row the collection's catalogue does not know, naming the nearest known rows.
      - Off, such a row appears in the manual steps and needs the attestation; it is never shown as verified.
    type: bool
    default: false
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

from ansible_collections.msp.autotask.plugins.module_utils import _security_level as part
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule


def main():
    am = AutotaskModule(
        part.argument_spec(),
        supports_check_mode=True,
    )
    am.run_part(part.run)


if __name__ == "__main__":
    main()
