# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""Every module's argument spec, as plain data: no Ansible import.

The logic layer (the parts, the session, the model) reads its parameter defaults from here, so
it imports and runs without ansible-core; _module adds the environment fallbacks and builds the
AnsibleModule. The doc fragment msp.autotask.auth documents AUTH_OPTIONS.
"""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils._catalog import SYSTEM_API_LEVEL
from ansible_collections.msp.autotask.plugins.module_utils._client import DEFAULT_ZONE_DISCOVERY_URL
from ansible_collections.msp.autotask.plugins.module_utils._model import PROTECTED_BOXES
from ansible_collections.msp.autotask.plugins.module_utils._session import DEFAULT_REFERENCE_CACHE_TTL

PAYROLL = {"Salary": 1, "Hourly": 2, "Contractor": 3, "Salary Non Exempt": 4}

# The environment variable each auth option falls back to (an empty one counts as unset).
AUTH_ENV = {
    "username": "AUTOTASK_USERNAME",
    "secret": "AUTOTASK_SECRET",
    "integration_code": "AUTOTASK_INTEGRATION_CODE",
    "api_url": "AUTOTASK_API_URL",
    "zone_discovery_url": "AUTOTASK_ZONE_DISCOVERY_URL",
    "zone_cache_path": "AUTOTASK_ZONE_CACHE_PATH",
    "reference_cache_path": "AUTOTASK_REFERENCE_CACHE_PATH",
    "tenant_id": "AUTOTASK_TENANT_ID",
    "validate_certs": "AUTOTASK_VALIDATE_CERTS",
}


def auth_options():
    """The auth options every module takes (fallbacks: AUTH_ENV, wired by _module)."""
    return dict(
        username=dict(type="str", required=True, no_log=False),
        secret=dict(type="str", required=True, no_log=True),
        integration_code=dict(type="str", required=True, no_log=True),
        api_url=dict(type="str"),
        zone_discovery_url=dict(type="str", default=DEFAULT_ZONE_DISCOVERY_URL),
        zone_cache_path=dict(type="path"),
        reference_cache_path=dict(type="path"),
        reference_cache_ttl=dict(type="int", default=DEFAULT_REFERENCE_CACHE_TTL),
        tenant_id=dict(type="int"),
        impersonation_resource_id=dict(type="int"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
        retry_budget=dict(type="float", default=60.0),
    )


def attestation_options():
    """attestation and fail_on_manual, shared by every module that guides UI steps."""
    return dict(
        attestation=dict(
            type="dict",
            options=dict(
                fingerprint=dict(type="str", required=True, no_log=False),
                by=dict(type="str", required=True),
                at=dict(type="str", required=True),
            ),
        ),
        fail_on_manual=dict(type="bool", default=False),
    )


def probe_options():
    """verify_as: a probe user holding the security level."""
    return dict(
        type="dict",
        options=dict(
            username=dict(type="str", required=True, no_log=False),
            secret=dict(type="str", required=True, no_log=True),
            integration_code=dict(type="str", required=True, no_log=True),
        ),
    )


def _row_options(**extra):
    row = dict(
        section=dict(type="str", required=True),
        subsection=dict(type="str", required=True),
        name=dict(type="str", required=True),
    )
    row.update(extra)
    return row


def security_level():
    spec = dict(
        name=dict(type="str", required=True),
        copy_from=dict(type="str", default=SYSTEM_API_LEVEL),
        active=dict(type="bool", default=True),
        permissions=dict(
            type="list", elements="dict", default=[], options=_row_options(permission=dict(type="raw", required=True))
        ),
        exceptions=dict(
            type="list",
            elements="dict",
            default=[],
            options=_row_options(
                reason=dict(type="str", required=True),
                owner=dict(type="str", required=True),
                expires=dict(type="str", required=True),
            ),
        ),
        # Off: a row the catalogue does not know is attest-only, with a warning; on: an error.
        strict_rows=dict(type="bool", default=False),
        attestation_var=dict(type="str", default="autotask_security_level_attestation"),
        state=dict(type="str", default="present", choices=["present"]),
        verify_as=probe_options(),
    )
    spec.update(attestation_options())
    return spec


def user_options():
    """The user's own options: autotask_api_user's, and each vendor's ``user`` in autotask_vendor_users."""
    return dict(
        api_username=dict(type="str"),
        email=dict(type="str"),
        first_name=dict(type="str"),
        last_name=dict(type="str"),
        title=dict(type="str"),
        active=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        resource_type=dict(type="str", choices=["Employee", "Contractor"]),
        payroll_type=dict(type="str", choices=list(PAYROLL)),
        location=dict(type="str"),
        integration_vendor=dict(type="str"),
        not_required_to_submit_timesheets=dict(type="bool"),
        departments=dict(
            type="list",
            elements="dict",
            options=dict(
                department=dict(type="str", required=True),
                role=dict(type="str", required=True),
                default=dict(type="bool", default=False),
            ),
        ),
        queues=dict(type="list", elements="str"),
        service_desk_roles=dict(
            type="list",
            elements="dict",
            options=dict(
                role=dict(type="str", required=True),
                default=dict(type="bool", default=False),
            ),
        ),
        purge_associations=dict(type="bool", default=False),
    )


def api_user():
    spec = user_options()
    spec.update(
        security_level=dict(type="str"),
        attestation_var=dict(type="str", default="autotask_api_user_attestation"),
        **attestation_options(),
    )
    return spec


def protected_data():
    spec = dict(
        api_username=dict(type="str"),
        email=dict(type="str"),
        resource_id=dict(type="int"),
        attestation_var=dict(type="str", default="autotask_protected_data_attestation"),
    )
    for box in PROTECTED_BOXES:
        spec[box] = dict(type="bool", default=False)
    spec.update(attestation_options())
    return spec


def vendor_users():
    level = security_level()
    attestation = level["attestation"]
    return dict(
        vendors=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                vendor=dict(type="str", required=True),
                role=dict(type="str"),
                security_level=dict(
                    type="dict",
                    required=True,
                    options=dict(
                        name=dict(type="str", required=True),
                        custom=dict(type="bool", default=True),
                        copy_from=level["copy_from"],
                        active=level["active"],
                        permissions=level["permissions"],
                    ),
                ),
                user=dict(type="dict", required=True, options=user_options()),
                # No defaults: an empty mapping means the vendor asks for no protected data.
                protected_data=dict(type="dict", options={box: dict(type="bool") for box in PROTECTED_BOXES}),
                verify_as=level["verify_as"],
                attestations=dict(
                    type="dict",
                    options=dict(security_level=attestation, api_user=attestation, protected_data=attestation),
                ),
                exceptions=level["exceptions"],
                # Where a custom vendor's profile lives in the inventory, so messages name the variable.
                source=dict(type="str"),
            ),
        ),
        # What the fleet playbook knows of the host's inventory, to warn about names no role reads.
        inventory=dict(
            type="dict",
            options=dict(
                groups=dict(type="list", elements="str", default=[]),
                variables=dict(type="list", elements="str", default=[], no_log=False),
                vendors=dict(type="list", elements="str", default=[]),
                known_variables=dict(type="list", elements="str", default=[], no_log=False),
            ),
        ),
        fail_on_manual=dict(type="bool", default=False),
        strict_rows=level["strict_rows"],
    )


def defaults(spec, values):
    """Parameters as the module would receive them: each option's default, then the values."""
    params = {name: option.get("default") for name, option in spec.items()}
    params.update(values)
    return params
