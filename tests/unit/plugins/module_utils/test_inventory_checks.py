# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Inventory slips caught early, each with the nearest real name (#15 item 4)."""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _vendor_users as vu

VENDORS = ["propel", "email2at", "solarwinds_rmm", "rewst"]
KNOWN = ["email2at_departments", "email2at_queues", "propel_email", "solarwinds_rmm_udf_mapping"]


def check(groups=(), variables=()):
    return vu.inventory_warnings(
        {"groups": list(groups), "variables": list(variables), "vendors": VENDORS, "known_variables": KNOWN}
    )


def test_lookalike_vendor_groups_warn_with_the_nearest_group():
    (plural, misspelt) = check(groups=["vendors_propel", "vendor_propell", "vendor_propel", "vendor_rewst", "web"])
    assert (
        plural.startswith("group vendors_propel looks like a vendor group") and "did you mean vendor_propel?" in plural
    )
    assert "group vendor_propell" in misspelt and "did you mean vendor_propel?" in misspelt


def test_a_variable_no_role_reads_warns_with_the_nearest_one():
    (warning,) = check(variables=["email2at_department", "email2at_queues", "rewst_attestations", "msp_autotask_x"])
    assert warning == "variable email2at_department is read by no role; did you mean email2at_departments?"


def test_the_longest_vendor_prefix_owns_a_variable():
    assert check(variables=["solarwinds_rmm_udf_mapping"]) == []
    (warning,) = check(variables=["solarwinds_rmm_udf_maping"])
    assert "did you mean solarwinds_rmm_udf_mapping?" in warning


def test_nothing_to_check_outside_the_fleet_playbook():
    assert vu.inventory_warnings(None) == []


def test_messages_name_the_variable_a_value_came_from():
    shipped = {"vendor": "MSPintegrations Email2AT", "role": "email2at"}
    custom = {"vendor": "Rewst", "role": "rewst", "source": "msp_autotask_custom_vendors.rewst"}
    assert vu.variable(shipped, "queues", 0) == "email2at_queues[0]"
    assert vu.variable(custom, "location") == "msp_autotask_custom_vendors.rewst.user.location"
