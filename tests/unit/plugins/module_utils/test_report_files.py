# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""autotask_fleet_report's files: owner-only by default whatever the umask, the mode set after the move."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.msp.autotask.plugins.modules import autotask_fleet_report as module

testing = pytest.importorskip("ansible.module_utils.testing")

TENANTS = [{"host": "t1", "results": [], "failure": {"task": "x", "msg": "stopped"}}]


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def run(capsys, **args):
    with testing.patch_module_args(dict({"tenants": TENANTS}, **args)), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def modes(result):
    return {fmt: stat.S_IMODE(os.stat(path).st_mode) for fmt, path in result["paths"].items()}


def test_reports_are_owner_only_by_default_under_umask_022(tmp_path, capsys, umask_022):
    result = run(capsys, dest=str(tmp_path))
    assert result["changed"] is True
    assert modes(result) == {"json": 0o600, "markdown": 0o600, "html": 0o600, "csv": 0o600}
    assert sorted(os.listdir(tmp_path)) == [
        "fleet-report.csv",
        "fleet-report.html",
        "fleet-report.json",
        "fleet-report.md",
    ]


def test_the_mode_option_is_applied_and_tightens_an_unchanged_file(tmp_path, capsys, umask_022):
    result = run(capsys, dest=str(tmp_path), file_mode="0640", formats=["json"])
    assert modes(result) == {"json": 0o640}
    os.chmod(result["paths"]["json"], 0o644)  # a report left world-readable by an older run
    again = run(capsys, dest=str(tmp_path), formats=["json"])
    assert again["changed"] is True and modes(again) == {"json": 0o600}
    assert run(capsys, dest=str(tmp_path), formats=["json"])["changed"] is False


def test_check_mode_changes_no_mode(tmp_path, capsys, umask_022):
    path = run(capsys, dest=str(tmp_path), formats=["json"])["paths"]["json"]
    os.chmod(path, 0o644)
    result = run(capsys, dest=str(tmp_path), formats=["json"], _ansible_check_mode=True)
    assert result["changed"] is True and stat.S_IMODE(os.stat(path).st_mode) == 0o644


@pytest.mark.parametrize("bad", ["rw-r--r--", "0999", 0o10000, True])
def test_a_bad_mode_fails_and_writes_nothing(tmp_path, capsys, bad):
    result = run(capsys, dest=str(tmp_path / "out"), file_mode=bad)
    assert result["failed"] is True and "file_mode" in result["msg"]
    assert not os.path.exists(tmp_path / "out")
