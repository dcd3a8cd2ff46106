# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rows the catalogue does not know: attest-only with a warning, or an error under strict_rows (#15)."""

from __future__ import annotations

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat
from ansible_collections.msp.autotask.plugins.module_utils import _model as m
from ansible_collections.msp.autotask.plugins.module_utils import _vendor_users as vu

PROJECTS = {"section": "PROJECTS", "subsection": "Object Permissions", "name": "Projects", "permission": "View: All"}
TIMESHEETS = {
    "section": "timesheets",
    "subsection": "Object Permissions",
    "name": "Time Entries",
    "permission": "View: All",
}
TIMESHEETS_KEY = ("TIMESHEETS", "Object Permissions", "Time Entries")
# What a probe holding a level that grants everything would see.
EVERYTHING = {"Projects": {"userAccessForQuery": "All"}, "TimeEntries": {"userAccessForQuery": "All"}}


def test_an_unknown_row_is_kept_as_written_and_stays_attest_only():
    rows = m.normalise_rows([PROJECTS, TIMESHEETS])
    assert rows[TIMESHEETS_KEY] == "View: All"
    verification = m.verify_rows(rows, EVERYTHING)[0]
    by_row = {tuple(r["key"][1:]): r for r in verification}
    unknown = by_row[TIMESHEETS_KEY]
    assert unknown["status"] == "unverifiable" and unknown["expected"] == "View: All"
    assert "not in the collection's row catalogue" in unknown["warning"]
    # A catalogued row with no documented mapping is never turned green by an observation either.
    assert by_row[("PROJECTS", "Object Permissions", "Projects")]["status"] == "unverifiable"
    assert "warning" not in by_row[("PROJECTS", "Object Permissions", "Projects")]


def test_the_attestation_settles_unknown_rows_like_any_other():
    rows = m.normalise_rows([TIMESHEETS])
    verification = m.verify_rows(rows, None, attestation="valid")[0]
    assert [r["status"] for r in verification] == ["attested"]


def test_the_warning_names_the_nearest_known_rows():
    misspelt = dict(PROJECTS, name="Project")
    rows = m.normalise_rows([misspelt])
    (entry,) = m.verify_rows(rows, None)[0]
    assert "did you mean PROJECTS > Object Permissions > Projects or" in entry["warning"]


def test_strict_rows_turns_the_unknown_row_into_an_error_naming_it():
    with pytest.raises(
        m.ModelError, match=r"permissions\[1\]: unknown row TIMESHEETS > Object Permissions > Time Entries"
    ):
        m.normalise_rows([PROJECTS, TIMESHEETS], strict=True)


def test_a_misspelt_section_is_an_error_with_the_nearest_section():
    with pytest.raises(m.ModelError, match=r"unknown section 'PROJECT' \(did you mean PROJECTS\?\)"):
        m.normalise_rows([dict(PROJECTS, section="PROJECT")])


def test_an_unknown_row_may_carry_an_exception():
    rows = m.normalise_rows([TIMESHEETS])
    exception = dict(TIMESHEETS, reason="vendor agreed", owner="ops", expires="2999-01-01")
    (entry,) = m.verify_rows(rows, None, exceptions=[exception])[0]
    assert entry["status"] == "excepted"


def test_unknown_row_cells_in_other_shapes_read_as_written():
    rows = m.normalise_rows(
        [dict(TIMESHEETS, permission={"View": "All", "Edit": "Mine"}), dict(PROJECTS, name="X", permission=True)]
    )
    assert list(rows.values()) == ["View: All, Edit: Mine", "checked"]
    with pytest.raises(m.ModelError, match="give the value"):
        m.normalise_rows([dict(TIMESHEETS, permission=[" "])])


def test_nearest_ignores_case_and_spacing():
    assert cat.nearest("propell", ["propel", "email2at"]) == ["propel"]
    assert cat.nearest("zzz", ["propel"]) == []


def test_the_module_warns_once_per_vendor_and_row():
    verification = [{"property": "permission: TIMESHEETS > x > y", "warning": "not in the catalogue"}]
    results = [{"vendor": "Rewst", "parts": {"security_level": {"verification": verification * 2}}}]
    assert vu.warnings(results) == ["Rewst: permission: TIMESHEETS > x > y: not in the catalogue"]
