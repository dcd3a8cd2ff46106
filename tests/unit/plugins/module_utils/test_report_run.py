# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run's outcomes kept as tenants finish: a partial report while the run goes on, the full one at
its end, and the report that was there before the run as the one to compare with (issue #16 item 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _report_run as runs
from ansible_collections.msp.autotask.plugins.modules import autotask_fleet_report as module

testing = pytest.importorskip("ansible.module_utils.testing")

HOSTS = ["contoso", "fabrikam", "northwind"]


def outcome(host, failure=None):
    return {"host": host, "name": host, "tenant_id": 1, "vendors": [], "results": [], "failure": failure or {}}


def run(capsys, **args):
    with testing.patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def record(capsys, dest, host, run_id="4242", **more):
    return run(capsys, record=outcome(host), hosts=HOSTS, dest=str(dest), run_id=run_id, **more)


def test_each_tenant_leaves_a_partial_report_naming_the_ones_that_had_not_finished(tmp_path, capsys):
    first = record(capsys, tmp_path, "fabrikam")
    assert first["ansible_facts"]["msp_autotask_tenant_report"]["host"] == "fabrikam"
    assert first["partial"] == {"finished": 1, "targeted": 3}
    doc = read(tmp_path / "fleet-report.json")
    assert doc["partial"] == {"finished": 1, "targeted": 3}
    waiting = {t["host"]: t["failure"] for t in doc["tenants"] if t["failure"]}
    assert sorted(waiting) == ["contoso", "northwind"]
    assert all("had not finished" in f["msg"] for f in waiting.values())
    with open(tmp_path / "fleet-report.md", encoding="utf-8") as handle:
        assert "Partial report: 1 of 3 tenants had finished" in handle.read()
    with open(tmp_path / "fleet-report.html", encoding="utf-8") as handle:
        assert 'id="partial"' in handle.read()
    record(capsys, tmp_path, "contoso")
    assert read(tmp_path / "fleet-report.json")["partial"] == {"finished": 2, "targeted": 3}
    # The last one: the report is the whole run's, not partial, even before the report play.
    assert record(capsys, tmp_path, "northwind")["partial"] is None
    assert "partial" not in read(tmp_path / "fleet-report.json")


def test_the_full_report_comes_from_the_run_and_clears_its_folder(tmp_path, capsys):
    record(capsys, tmp_path, "fabrikam")
    done = run(capsys, from_run=True, hosts=HOSTS, dest=str(tmp_path), run_id="4242")
    assert done["partial"] is None
    assert done["statuses"] == {"contoso": "failed", "fabrikam": "compliant", "northwind": "failed"}
    doc = read(tmp_path / "fleet-report.json")
    stopped = next(t for t in doc["tenants"] if t["host"] == "contoso")
    assert "the run stopped before this tenant recorded its outcome" in stopped["failure"]["msg"]
    assert sorted(os.listdir(tmp_path)) == [
        "fleet-report.csv",
        "fleet-report.html",
        "fleet-report.json",
        "fleet-report.md",
    ]


def test_the_run_compares_with_the_report_that_was_there_before_it_not_its_own_partial_one(tmp_path, capsys):
    run(capsys, tenants=[outcome(h) for h in HOSTS], dest=str(tmp_path), generated_at="the last run")
    record(capsys, tmp_path, "contoso", run_id="7", generated_at="this run")
    record(capsys, tmp_path, "fabrikam", run_id="7", generated_at="this run")  # replaces the last run's file
    assert read(tmp_path / "fleet-report.json")["changes"]["previous"]["generated_at"] == "the last run"
    done = run(capsys, from_run=True, hosts=HOSTS, dest=str(tmp_path), run_id="7", generated_at="this run")
    assert done["changes"]["previous"]["generated_at"] == "the last run"
    assert done["statuses"]["northwind"] == "failed"


def test_check_mode_records_nothing(tmp_path, capsys):
    result = run(capsys, record=outcome("contoso"), dest=str(tmp_path), run_id="1", _ansible_check_mode=True)
    assert result["changed"] is False and os.listdir(tmp_path) == []


def test_a_run_id_is_the_process_and_its_start_and_a_dead_runs_folder_is_pruned(tmp_path):
    me = runs.run_id(os.getpid())
    assert me.startswith("%d" % os.getpid())
    assert runs._run_alive(me)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead = runs.run_id(int(gone.stdout))
    assert not runs._run_alive(dead)
    stale = runs.RunFolder(str(tmp_path), dead)
    stale.open(str(tmp_path / "fleet-report.json"))
    stale.write_outcome(outcome("contoso"))
    if me.partition("-")[2]:  # where /proc gives the start time, a reused pid is another run
        assert not runs._run_alive("%d-1" % os.getpid())
    runs.RunFolder(str(tmp_path), me).open(str(tmp_path / "fleet-report.json"))
    assert os.listdir(tmp_path / runs.RUNS_DIR) == [me]


def test_only_one_worker_creates_the_run_folder_and_keeps_the_previous_report(tmp_path):
    (tmp_path / "fleet-report.json").write_text('{"before": true}')
    one, two = runs.RunFolder(str(tmp_path), "9"), runs.RunFolder(str(tmp_path), "9")
    one.open(str(tmp_path / "fleet-report.json"))
    (tmp_path / "fleet-report.json").write_text('{"partial": true}')
    two.open(str(tmp_path / "fleet-report.json"))  # already there: keeps the first snapshot
    assert read(two.previous_path()) == {"before": True}
    assert sorted(os.listdir(tmp_path / runs.RUNS_DIR)) == ["9"]


def test_any_host_name_is_a_safe_file_name(tmp_path):
    folder = runs.RunFolder(str(tmp_path), "3")
    folder.open(str(tmp_path / "none.json"))
    for host in ("../../etc/passwd", "a/b", ".hidden", "tenant one"):
        folder.write_outcome(outcome(host))
    assert [o["host"] for o in folder.outcomes()] == sorted(["../../etc/passwd", "a/b", ".hidden", "tenant one"])
    assert all(name.startswith(("tenant-", "run.json")) for name in os.listdir(folder.path))
    with pytest.raises(ValueError):
        runs.RunFolder(str(tmp_path), "../x")


def test_an_expensive_report_is_refreshed_only_when_due(tmp_path, monkeypatch):
    folder = runs.RunFolder(str(tmp_path), "5")
    folder.open(str(tmp_path / "none.json"))
    now = [100.0]
    monkeypatch.setattr(runs.time, "time", lambda: now[0])

    def turn(writing_takes):
        with folder.refresh_turn() as due:
            now[0] += writing_takes if due else 0
        return due

    assert turn(0.01) and turn(0.01)  # cheap: after every tenant
    assert turn(1.0)  # still cheap when it started; this one took a second
    now[0] += 2
    assert not turn(1.0)  # 2 s after a write that took 1 s: not yet
    now[0] += 8
    assert turn(1.0)  # 10 s after: due
