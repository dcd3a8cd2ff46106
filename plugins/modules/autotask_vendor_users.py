#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_vendor_users
short_description: Converge, verify and guide every vendor API user of one Autotask tenant in one pass
version_added: 0.2.0
description:
  - Does for a list of vendors what M(msp.autotask.autotask_security_level),
    M(msp.autotask.autotask_api_user) and M(msp.autotask.autotask_protected_data) do for one, with
    the same checks, writes, manual steps and attestations.
  - It reads the tenant once however many vendors it lists. The API users it names (each
    vendor's user and each O(vendors[].verify_as) probe) come from one C(Resources) query that
    asks for them by name, the security levels from the C(userType) picklist (read fresh every
    run), the queue links of every user that lists them from one C(ResourceRoles) query, the
    department and service desk role links from one query per kind (and the queue links from
    theirs when that view shows no row for a desired link, or under O(vendors[].user.purge_associations)),
    each probe user's access from one C(EntityInformation) call, and department, role, queue,
    location and device UDF names from a reference cache (see O(reference_cache_path)). A
    compliant tenant costs two calls, plus one per kind of link its vendors list, plus one per
    probe identity.
  - Asking for the users by name keeps a tenant with a thousand API users as cheap as a small one.
    A name that query does not find is looked for among every API user before the user is called
    missing, so the verdict never rests on how the server compares text.
  - Every vendor's input and every name is checked before the first write, so a typo in any
    vendor writes nothing. Security levels are checked first, then the API users are converged,
    then the protected data is checked.
  - The vendor roles and C(playbooks/onboard.yml) call it once per tenant.
author:
  - msp.autotask maintainers (@msp-autotask)
extends_documentation_fragment:
  - msp.autotask.autotask
  - msp.autotask.autotask.attributes
options:
  vendors:
    description:
    - The vendors whose API users this tenant needs, each as its role describes it.
    type: list
    elements: dict
    required: true
    suboptions:
      vendor:
        description: The vendor as people name it, for example V(Propel Your MSP).
        type: str
        required: true
      role:
        description:
        - The prefix of the attestation variable the manual steps name (V(propel) gives C(propel_attestations)).
        - Defaults to the vendor name in lower case with other characters as V(_).
        type: str
      security_level:
        description: The security level the vendor user holds.
        type: dict
        required: true
        suboptions:
          name:
            description: The level's name, for example V(API User (Propel Your MSP)).
            type: str
            required: true
          custom:
            description:
            - Whether the vendor asks for a level of its own, to be verified and guided.
            - 'V(false) for a system level such as V(API User (system)): only the user''s level is checked.'
            type: bool
            default: true
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
                - 'For object rows, facets such as V(View: All, Add: Yes) (a string, a list of such strings, or
                  a mapping of facet to value); for check boxes V(true) or V((Add Check)); for scopes and drop-downs
                  the value, for example V(All) or V(Full).'
                type: raw
                required: true
      user:
        description: The vendor's API user, with the options of M(msp.autotask.autotask_api_user).
        type: dict
        required: true
        suboptions:
          api_username:
            description:
            - The managed API user's username (Username (Key)), when known. (O(username) is the MSP's own admin
              credential that does the work.)
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
            description: Whether the user must be active. Ignored with O(vendors[].user.state=absent).
            type: bool
            default: true
          state:
            description:
            - V(present) converges the user; V(absent) deactivates it (Autotask cannot delete resources).
            type: str
            choices:
            - present
            - absent
            default: present
          resource_type:
            description: HR tab Resource Type.
            type: str
            choices:
            - Employee
            - Contractor
          payroll_type:
            description: HR tab Payroll Type.
            type: str
            choices:
            - Salary
            - Hourly
            - Contractor
            - Salary Non Exempt
          location:
            description:
            - Primary internal location name. The API shows it but cannot change it, so a difference is C(drift).
            type: str
          integration_vendor:
            description:
            - The Integration Vendor chosen as API tracking identifier, for example V(Propel Your MSP) (UI only;
              attested). V(internal) means "Custom (Internal Integration)".
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
      protected_data:
        description:
        - The protected-data boxes the vendor needs; leave it out (or empty) when the vendor needs none.
        - Ticking a box ticks the lesser ones, as the UI does.
        type: dict
        suboptions:
          edit_protected:
            description: Edit Protected Data.
            type: bool
          view_protected:
            description: View Protected Data.
            type: bool
          edit_unprotected:
            description: Edit Unprotected Data.
            type: bool
          view_unprotected:
            description: View Unprotected Data.
            type: bool
      verify_as:
        description:
        - A probe API user that holds the same security level under the MSP's internal integration code. The vendor's
          own API user only accepts the vendor's secret integration code, so it cannot be used for verification.
        - With it, rows that map to entity access are verified through C(entityInformation)
          (C(userAccessForCreate/Query/Update/Delete)); without it they are C(unverifiable) unless attested.
        type: dict
        suboptions:
          username:
            description: The probe's API username.
            type: str
            required: true
          secret:
            description: The probe's secret.
            type: str
            required: true
          integration_code:
            description: The integration code the probe authenticates with.
            type: str
            required: true
      attestations:
        description:
        - The operator's confirmations of the manual steps, per part, as the steps print them.
        type: dict
        suboptions:
          security_level:
            description: For the security level.
            type: dict
            suboptions:
              fingerprint:
                description: The fingerprint the module printed.
                type: str
                required: true
              by:
                description: Who did the steps.
                type: str
                required: true
              at:
                description: When, as YYYY-MM-DD.
                type: str
                required: true
          api_user:
            description: For the API user's UI-only fields.
            type: dict
            suboptions:
              fingerprint:
                description: The fingerprint the module printed.
                type: str
                required: true
              by:
                description: Who did the steps.
                type: str
                required: true
              at:
                description: When, as YYYY-MM-DD.
                type: str
                required: true
          protected_data:
            description: For the protected-data boxes.
            type: dict
            suboptions:
              fingerprint:
                description: The fingerprint the module printed.
                type: str
                required: true
              by:
                description: Who did the steps.
                type: str
                required: true
              at:
                description: When, as YYYY-MM-DD.
                type: str
                required: true
      exceptions:
        description:
        - Accepted deviations from the table for single rows. A row under an unexpired exception counts as C(excepted);
          an expired one counts as C(drift).
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
      source:
        description:
          - Where a custom vendor's profile lives in the inventory (for example C(msp_autotask_custom_vendors.rewst)),
            so that messages name the variable; without it, a name comes from C(<role>_<option>).
        type: str
  fail_on_manual:
    description: Fail when the result is not compliant (for pipelines that want a red job).
    type: bool
    default: false
  strict_rows:
    description:
      - Fail on a permission row the collection's catalogue does not know, naming the nearest known rows.
      - Off, such a row is attest-only and the module warns, naming the vendor, the row and the nearest known rows.
    type: bool
    default: false
  inventory:
    description:
      - What the fleet playbook knows of the host's inventory. The module warns, with the nearest real name, about
        a group that looks like a vendor group (C(vendors_propel), C(vendor_propell)) but matches no vendor, and
        about a variable with a vendor's prefix that no role reads (C(email2at_department)).
      - Nothing here reaches Autotask.
    type: dict
    suboptions:
      groups:
        description: The host's groups.
        type: list
        elements: str
        default: []
      variables:
        description: The names of the host's inventory variables.
        type: list
        elements: str
        default: []
      vendors:
        description: Every vendor name (the shipped roles and the custom vendors).
        type: list
        elements: str
        default: []
      known_variables:
        description:
          - The variables the vendor roles read; C(<vendor>_attestations), C(<vendor>_verify_as) and
            C(<vendor>_exceptions) are always known.
        type: list
        elements: str
        default: []
notes:
  - The result per vendor has the shape the fleet report (M(msp.autotask.autotask_fleet_report)) reads.
  - An action plugin of the same name runs this module in the controller's worker process when the
    task runs on a local connection (as the fleet playbooks do), without become or async, and the
    controller's Python has C(requests). It validates the arguments with this module's argument
    spec and returns the same result, with the same check mode, diff and C(no_log) masking; the
    host's C(ansible_python_interpreter) is not used then. Otherwise the module runs as usual.
seealso:
  - module: msp.autotask.autotask_api_user
  - module: msp.autotask.autotask_security_level
  - module: msp.autotask.autotask_protected_data
"""

EXAMPLES = r"""
- name: Two vendors of one tenant, with auth from module_defaults
  msp.autotask.autotask_vendor_users:
    vendors:
      - vendor: Propel Your MSP
        role: propel
        security_level:
          name: API User (Propel Your MSP)
          permissions:
            - {section: SERVICE DESK, subsection: Object Permissions, name: Tickets, permission: "View: All, Add: Yes"}
        user:
          first_name: Propel Your MSP
          last_name: API
          email: propel@example.com
          integration_vendor: Propel Your MSP
        attestations: "{{ propel_attestations | default({}) }}"
      - vendor: MSPintegrations Email2AT
        role: email2at
        security_level:
          name: API User (system)
          custom: false
        user:
          first_name: MSPintegrations
          last_name: API
          email: mspintegrations@example.com
          integration_vendor: MSPintegrations – Email2AT
          departments:
            - {department: Service Desk, role: API Integration, default: true}
          queues: [Client Portal]
  register: tenant

- name: What is left to do by hand
  ansible.builtin.debug:
    msg: "{{ tenant.results | rejectattr('compliant') | map(attribute='parts') | map('dict2items') | flatten
             | map(attribute='value.manual_steps') | flatten }}"
"""

RETURN = r"""
changed:
  description: True when the API was written (or would be, in check mode) for any vendor.
  returned: always
  type: bool
compliant:
  description: True when every vendor is compliant.
  returned: always
  type: bool
tenant_id:
  description: The Autotask database id the module acted on, when known.
  returned: always
  type: int
results:
  description:
    - One entry per vendor, in the order of O(vendors), with C(vendor), C(role), C(tenant_id),
      C(attestation_var), C(changed), C(compliant), C(desired), and C(parts).
    - C(parts) maps C(security_level), C(api_user) and C(protected_data) (those that ran) to
      C(changed), C(compliant), C(summary), C(verification), C(manual_steps), C(fingerprint),
      C(attestation), C(writes) or C(over_granted) where the part has them, and C(api_calls).
    - On failure, the vendors whose parts finished.
  returned: always
  type: list
  elements: dict
manual_steps:
  description: Every vendor's manual steps, in order, each prefixed with the vendor.
  returned: always
  type: list
  elements: str
failed_vendor:
  description: The vendor whose part stopped on an API error.
  returned: failure
  type: str
failed_part:
  description: The part that stopped (C(security_level), C(api_user) or C(protected_data)).
  returned: failure
  type: str
diff:
  description: Before and after of each vendor's parts, keyed by role then part.
  returned: when diff mode is on
  type: dict
api_calls:
  description: API calls this task made, in total and by kind.
  returned: always
  type: dict
"""

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils import _vendor_users as vendor_users
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule


def main():
    am = AutotaskModule(vendor_users.argument_spec(), supports_check_mode=True)
    for line in vendor_users.inventory_warnings(am.params["inventory"]):
        am.module.warn(line)
    try:
        results, diff = vendor_users.run(am.session(), am.params, am.api_calls)
    except model.PartFailed as exc:
        am.fail(exc.cause, **exc.extra)
    except (model.ModelError, AutotaskError) as exc:
        am.fail(exc, results=[])
    for line in vendor_users.warnings(results):
        am.module.warn(line)
    steps = [
        "%s: %s" % (outcome["vendor"], step)
        for outcome in results
        for part in outcome["parts"].values()
        for step in part["manual_steps"]
    ]
    am.finish(
        dict(
            changed=any(o["changed"] for o in results),
            compliant=all(o["compliant"] for o in results),
            results=results,
            manual_steps=steps,
            diff=diff,
        )
    )


if __name__ == "__main__":
    main()
