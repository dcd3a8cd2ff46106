# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A targeted host that recorded no outcome is a failed tenant in the report, never left out."""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _report as report
from ansible_collections.msp.autotask.plugins.modules import autotask_fleet_report as module


def test_a_host_without_an_outcome_is_reported_as_stopped():
    recorded = [{"host": "contoso", "name": "Contoso", "tenant_id": 1, "vendors": [], "results": [], "failure": {}}]
    tenants = module.with_stopped_hosts(recorded, ["contoso", "fabrikam"])
    assert [t["host"] for t in tenants] == ["contoso", "fabrikam"]
    doc = report.build(tenants)
    stopped = next(t for t in doc["tenants"] if t["host"] == "fabrikam")
    assert "stopped before this tenant recorded its outcome" in stopped["failure"]["msg"]
    assert module.with_stopped_hosts(recorded, ["contoso"]) == recorded  # nothing invented
