#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action that runs entirely on the controller (plugins/action/autotask_vendor_desired.py),
# as ansible.builtin.set_fact's is.

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_vendor_desired
short_description: Check a tenant and collect every vendor's desired state in one task
version_added: 0.2.0
description:
  - Does in one task, on the controller, what C(playbooks/onboard.yml) used to do in two tasks and an include per vendor
    plus four checks per tenant, with the same messages.
  - Runs O(checks) in order; the first that is false fails the task with its message.
  - For each vendor role of this collection that O(vendors) names, reads the role's variables with the role's
    C(defaults/main.yml) under them (role defaults have the lowest precedence; the inventory, the play and extra
    vars win, and a default that names another variable, such as C(msp_autotask_tenant_domain), is rendered for
    the host), validates them against the role's argument spec (C(ansible-doc -t role msp.autotask.propel)) as
    M(ansible.builtin.validate_argument_spec) does, and builds the role's vendor profile from its C(vars/main.yml),
    the profile the role's own C(desired) entry point uses.
  - For each other name in O(vendors), takes the profile from O(custom) and the tenant's C(<name>_verify_as),
    C(<name>_attestations) and C(<name>_exceptions), and validates them against the C(profile) entry point of
    the role C(msp.autotask.vendor_api_user); a message names C(msp_autotask_custom_vendors.<name>).
  - Then checks every vendor as the C(desired) entry point of C(msp.autotask.vendor_api_user) does (lists written
    as strings, an email address without a domain) and returns the desired states (vendor roles first, then custom
    vendors, each in the order of O(vendors)) as RV(desired), ready for M(msp.autotask.autotask_vendor_users).
  - Fails on the first wrong vendor, before any request; it never talks to Autotask.
author:
  - msp.autotask maintainers (@msp-autotask)
options:
  checks:
    description: Conditions checked in order before any vendor; the first false one fails the task with its message.
    type: list
    elements: dict
    default: []
    suboptions:
      that:
        description: The condition, already templated (a boolean, or a string Ansible reads as one).
        type: raw
        required: true
      msg:
        description: The failure message.
        type: str
        required: true
  vendors:
    description:
      - The vendors to collect, by name; a vendor role of this collection (V(propel), V(email2at), V(solarwinds_rmm),
        V(autoelevate), V(mindmatrix)) or a key of O(custom).
    type: raw
    default: []
  custom:
    description: Vendor profiles by name (C(msp_autotask_custom_vendors), see the docsite guide "Add your own vendor").
    type: raw
    default: {}
  none_msg:
    description: Shown, as M(ansible.builtin.debug) shows a message, when O(vendors) is empty.
    type: str
  collect:
    description:
      - Desired states already built from their profiles, as C(msp.autotask.vendor_api_user) builds them; each is
        checked as the vendors of O(vendors) are and returned first.
      - Keys C(vendor), C(role), C(security_level), C(user), C(protected_data), C(verify_as), C(attestations),
        C(exceptions), C(source) (where a custom profile lives) and C(prefix) (what messages put before a key).
    type: list
    elements: dict
    default: []
attributes:
  check_mode:
    support: full
    description: Reads variables and files only; check mode changes nothing.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller.
notes:
  - When any vendor has a C(verify_as) probe, the result is hidden (C(no_log)), since it holds the probe's secret; a
    failure is not hidden, as with M(ansible.builtin.validate_argument_spec).
seealso:
  - module: msp.autotask.autotask_vendor_users
"""

EXAMPLES = r"""
- name: Check the tenant and collect its vendors' desired states
  msp.autotask.autotask_vendor_desired:
    checks:
      - that: "{{ autotask_tenant_id is defined }}"
        msg: "host {{ inventory_hostname }} has no autotask_tenant_id"
    vendors: [propel, email2at, rewst]
    custom:
      rewst:
        vendor: Rewst
        security_level: {name: API User (Rewst), permissions: []}
        user: {first_name: Rewst, last_name: API, email: "rewst@{{ msp_autotask_tenant_domain }}"}
  register: collected

- name: Converge, verify and guide them in one run
  msp.autotask.autotask_vendor_users:
    vendors: "{{ collected.desired }}"
"""

RETURN = r"""
desired:
  description:
    - Each vendor's desired state, the shape O(msp.autotask.autotask_vendor_users#module:vendors) takes.
    - Vendor roles first, then custom vendors, each in the order of O(vendors); O(collect) before both.
  returned: success
  type: list
  elements: dict
  sample:
    - vendor: Propel Your MSP
      role: propel
      security_level: {name: API User (Propel Your MSP), custom: true, copy_from: API User (system) (API-only)}
      user: {first_name: Propel Your MSP, last_name: API, email: propel@contoso.example}
      protected_data: {}
      attestations: {}
      exceptions: []
msg:
  description: O(none_msg), when O(vendors) is empty; a failed check's or vendor's message on failure.
  returned: when O(vendors) is empty or on failure
  type: str
"""
