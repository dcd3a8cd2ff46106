# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a desired level name is matched against the userType picklist's labels."""

from __future__ import annotations

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat


@pytest.mark.parametrize(
    "desired, label",
    [
        ("API User (system) (API-only)", "API User (system)"),
        ("api user (SYSTEM)", "API User (system)"),
        ("API User (system) Can't Read Costs (API-only)", "API User (system) Can't Read Costs"),
        ("API User (Propel Your MSP)", "API User  (Propel Your MSP)"),
    ],
)
def test_system_names_lose_the_ui_suffix_and_case_does_not_matter(desired, label):
    assert cat.level_key(desired) == cat.level_key(label)


def test_a_custom_api_only_name_does_not_match_a_regular_level_of_the_stem():
    # Only the system levels are known to lose "(API-only)" in the picklist (real sample).
    assert cat.level_key("Propel (API-only)") != cat.level_key("Propel")
    assert cat.level_key("Propel (API-only)") == cat.level_key("propel (api-only)")
