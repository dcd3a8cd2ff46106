#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_protected_data
short_description: Verify one resource's protected-data permissions and guide the UI steps
version_added: 0.1.0
description:
  - Describes the four Protected Data Permission boxes of one resource. Ticking a box ticks the
    lesser ones (Edit Protected, View Protected, Edit Unprotected, View Unprotected), so the desired
    boxes are normalised that way first.
  - Autotask has no API for these boxes; this module never writes. The resource must exist (checked
    through a Resources query).
  - The boxes are attest-only. They belong to each resource (Resources > Security > Protected Data
    Permissions), not to a security level, so what another user sees of protected UDFs says nothing
    about this resource's boxes. Every box stays C(unverifiable) until an attestation records it.
author:
  - msp.autotask maintainers (@msp-autotask)
extends_documentation_fragment:
  - msp.autotask.autotask
  - msp.autotask.autotask.attestation
  - msp.autotask.autotask.attributes
options:
  api_username:
    description:
      - The resource's username (Username (Key) for an API user).
      - One of O(api_username) or O(email) is required.
    type: str
  email:
    description: The API user's email, compared without regard to case, when the generated username is not known.
    type: str
  resource_id:
    description:
      - The resource's id, when this run already found it (the vendor roles pass what
        M(msp.autotask.autotask_api_user) returned). The resource is then not looked up again,
        which saves an API call; O(api_username) or O(email) still names it in the steps.
    type: int
  edit_protected:
    description: Edit Protected Data.
    type: bool
    default: false
  view_protected:
    description: View Protected Data.
    type: bool
    default: false
  edit_unprotected:
    description: Edit Unprotected Data.
    type: bool
    default: false
  view_unprotected:
    description: View Unprotected Data.
    type: bool
    default: false
  attestation_var:
    description: The inventory variable name the manual steps tell the operator to record the attestation in.
    type: str
    default: autotask_protected_data_attestation
notes:
  - Up to 0.1.0 this module took C(verify_as) and read the view boxes through that probe's UDF
    visibility; that observed the probe's boxes, not the resource's, so it was removed.
"""

EXAMPLES = r"""
- name: SolarWinds RMM API user may read and write unprotected device UDFs
  msp.autotask.autotask_protected_data:
    username: "{{ autotask_username }}"
    secret: "{{ autotask_secret }}"
    integration_code: "{{ autotask_integration_code }}"
    api_username: "{{ solarwinds_api_username }}"
    edit_unprotected: true
    attestation: "{{ solarwinds_protected_data_attestation | default(omit) }}"
  register: boxes
"""

RETURN = r"""
changed:
  description: Always false; no API can write these boxes.
  returned: always
  type: bool
compliant:
  description: True when every box is C(attested) and the resource exists.
  returned: always
  type: bool
tenant_id:
  description: The Autotask database id the module acted on, when known.
  returned: always
  type: int
resource_id:
  description: The resource's id, or null when it does not exist.
  returned: always
  type: int
boxes:
  description: The desired boxes after the hierarchy is applied.
  returned: always
  type: dict
verification:
  description: One row per property (property, expected, observed, status).
  returned: always
  type: list
  elements: dict
summary:
  description: How many properties ended in each status.
  returned: always
  type: dict
manual_steps:
  description: UI steps for the gaps, ending with the attestation line to record.
  returned: always
  type: list
  elements: str
fingerprint:
  description: Digest of the desired boxes that an attestation must carry.
  returned: always
  type: str
attestation:
  description: C(valid), C(stale), C(void) or C(none).
  returned: always
  type: str
diff:
  description: Desired boxes; the before side is null for each box, since no API reads them.
  returned: when diff mode is on
  type: dict
end_state:
  description: The desired boxes with the status of each.
  returned: always
  type: dict
api_calls:
  description: API calls this task made, in total and by kind.
  returned: always
  type: dict
"""

from ansible_collections.msp.autotask.plugins.module_utils import _protected_data as part
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule


def main():
    am = AutotaskModule(
        part.argument_spec(),
        supports_check_mode=True,
        required_one_of=[("api_username", "email")],
        mutually_exclusive=[("api_username", "email")],
    )
    am.run_part(part.run)


if __name__ == "__main__":
    main()
