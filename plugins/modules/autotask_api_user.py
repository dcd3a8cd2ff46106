#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_api_user
short_description: Converge an Autotask API user's fields and associations, and guide the UI-only parts
version_added: 0.1.0
description:
  - Finds one API user (license type 7) by O(api_username), else O(email), else O(first_name) and
    O(last_name). More than one match fails, listing the ids.
  - "Converges what the REST API can write: names, email, active state, resource and payroll type,
    title, department/role, service-desk queue and service-desk role associations."
  - Autotask's API cannot create API users, set their security level or integration vendor (API
    tracking identifier), generate key and secret, or tick "not required to submit timesheets".
    Those are C(attested) or C(unverifiable), and the module prints the exact UI steps. A missing
    user is reported with the complete "New API User" steps; nothing is pretended applied.
  - Associations cannot be deleted through the API. With O(purge_associations), department/role
    and service-desk role links that are not desired are deactivated; queue links, which have no
    active flag, become manual steps.
author:
  - msp.autotask maintainers (@msp-autotask)
extends_documentation_fragment:
  - msp.autotask.autotask
  - msp.autotask.autotask.attestation
  - msp.autotask.autotask.attributes
options:
  api_username:
    description:
      - The managed API user's username (Username (Key)), when known. (O(username) is the MSP's own
        admin credential that does the work.)
    type: str
  email:
    description: The managed user's email; compared without regard to case.
    type: str
  first_name:
    description: First name, for example V(Propel Your MSP).
    type: str
  last_name:
    description: Last name, for example V(API).
    type: str
  title:
    description: Job title.
    type: str
  active:
    description: Whether the user must be active. Ignored with O(state=absent).
    type: bool
    default: true
  state:
    description:
      - V(present) converges the user; V(absent) deactivates it (Autotask cannot delete resources).
    type: str
    choices: [present, absent]
    default: present
  resource_type:
    description: HR tab Resource Type.
    type: str
    choices: [Employee, Contractor]
  payroll_type:
    description: HR tab Payroll Type.
    type: str
    choices: [Salary, Hourly, Contractor, Salary Non Exempt]
  location:
    description:
      - Primary internal location name. The API shows it but cannot change it, so a difference is C(drift).
    type: str
  security_level:
    description: The security level the user must hold (UI only; attested).
    type: str
  integration_vendor:
    description:
      - The Integration Vendor chosen as API tracking identifier, for example V(Propel Your MSP)
        (UI only; attested). V(internal) means "Custom (Internal Integration)".
    type: str
  not_required_to_submit_timesheets:
    description: Whether "Resource is not required to submit timesheets" must be ticked (UI only; attested).
    type: bool
  departments:
    description: Department/role associations (Associations tab).
    type: list
    elements: dict
    suboptions:
      department:
        description: Department name or id.
        type: str
        required: true
      role:
        description: Role name or id.
        type: str
        required: true
      default:
        description: Whether this is the default department/role.
        type: bool
        default: false
  queues:
    description: Service desk queues, by label or id.
    type: list
    elements: str
  service_desk_roles:
    description: Service desk roles.
    type: list
    elements: dict
    suboptions:
      role:
        description: Role name or id.
        type: str
        required: true
      default:
        description: Whether this is the default service desk role.
        type: bool
        default: false
  purge_associations:
    description: Deactivate (or, for queues, list as manual steps) associations not in the desired lists.
    type: bool
    default: false
  attestation_var:
    description: The inventory variable name the manual steps tell the operator to record the attestation in.
    type: str
    default: autotask_api_user_attestation
"""

EXAMPLES = r"""
- name: Propel Your MSP API user
  msp.autotask.autotask_api_user:
    username: "{{ autotask_username }}"
    secret: "{{ autotask_secret }}"
    integration_code: "{{ autotask_integration_code }}"
    first_name: Propel Your MSP
    last_name: API
    email: propel@example.com
    security_level: API User (Propel Your MSP)
    integration_vendor: Propel Your MSP
    departments:
      - {department: Service Desk, role: API Integration, default: true}
    queues: [Client Portal]
    attestation: "{{ propel_user_attestation | default(omit) }}"
  register: propel_user

- name: The same for a whole play, with auth from module_defaults
  module_defaults:
    group/msp.autotask.autotask:
      username: "{{ autotask_username }}"
      secret: "{{ autotask_secret }}"
      integration_code: "{{ autotask_integration_code }}"
  msp.autotask.autotask_api_user:
    email: mspintegrations@example.com
    first_name: MSPintegrations
    last_name: API
    state: present
"""

RETURN = r"""
changed:
  description: True when the API was written (or would be, in check mode).
  returned: always
  type: bool
compliant:
  description: True when no property is C(drift), C(missing), C(unknown), or C(unverifiable) without an attestation.
  returned: always
  type: bool
tenant_id:
  description: The Autotask database id the module acted on, when known.
  returned: always
  type: int
resource_id:
  description: The user's resource id, or null when it does not exist yet.
  returned: always
  type: int
verification:
  description: One row per desired property (property, expected, observed, status).
  returned: always
  type: list
  elements: dict
summary:
  description: How many properties ended in each status.
  returned: always
  type: dict
manual_steps:
  description: Ordered, tenant-specific UI steps for every gap, ending with the attestation line to record.
  returned: always
  type: list
  elements: str
writes:
  description:
    - The API writes made (or, in check mode, planned), as method, path and body.
    - A create whose answer was lost and that a read-back found applied carries a C(note) saying so.
  returned: always
  type: list
  elements: dict
fingerprint:
  description: Digest of the UI-only desired values that an attestation must carry.
  returned: always
  type: str
attestation:
  description: C(valid), C(stale) or C(none).
  returned: always
  type: str
diff:
  description: Before and after of the fields and associations, from the same normaliser.
  returned: when diff mode is on
  type: dict
end_state:
  description: The user's fields and associations after this run (predicted in check mode).
  returned: always
  type: dict
api_calls:
  description: API calls this task made, in total and by kind.
  returned: always
  type: dict
"""

from ansible_collections.msp.autotask.plugins.module_utils import _api_user as part
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule


def main():
    am = AutotaskModule(
        part.argument_spec(),
        supports_check_mode=True,
    )
    am.run_part(part.run)


if __name__ == "__main__":
    main()
