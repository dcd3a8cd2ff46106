# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""What changed between two fleet reports, per tenant and vendor: pure functions over report documents."""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _report as report

# What comparing and merging read of each vendor entry (all required by the schema).
ENTRY_KEYS = (
    "vendor",
    "manual_steps",
    "drift",
    "rows",
    "rows_satisfied",
    "writes",
    "api_calls",
    "over_granted",
    "exceptions",
)
# Attestation states that no longer count: the desired state moved on, or an observation voided it.
LAPSED = ("stale", "void")


def _cells(doc):
    """{(host, role): (tenant, entry)} for every tenant-vendor cell of a report."""
    return {(t["host"], e["role"]): (t, e) for t in doc.get("tenants") or [] for e in t.get("vendors") or []}


def _direction(before, after):
    if before is None:
        return "new"
    rank = report.STATUSES.index
    if rank(after) < rank(before):
        return "worse"
    return "better" if rank(after) > rank(before) else "same"


def _lapsed(before, after):
    """Attestations that counted (or were absent) before and have gone stale or void since."""
    old = (before or {}).get("attestations") or {}
    return [
        dict(state, part=part)
        for part, state in sorted((after.get("attestations") or {}).items())
        if state.get("state") in LAPSED and (old.get(part) or {}).get("state") != state.get("state")
    ]


def _cell_change(tenant, entry, before):
    """One cell's change since the previous report, or None when nothing a reader acts on changed."""
    old_status = before["status"] if before else None
    old_drift = {r.get("property") for r in (before or {}).get("drift") or []}
    old_steps = set((before or {}).get("manual_steps") or [])
    change = {
        "host": tenant["host"],
        "name": tenant.get("name") or tenant["host"],
        "vendor": entry["vendor"],
        "role": entry["role"],
        "from": old_status,
        "to": entry["status"],
        "direction": _direction(old_status, entry["status"]),
        "newly_drifted": entry["status"] == "drift" and old_status not in (None, "drift"),
        "newly_compliant": entry["status"] == "compliant" and old_status not in (None, "compliant"),
        "new_drift": [r.get("property") for r in entry.get("drift") or [] if r.get("property") not in old_drift],
        "new_manual_steps": [s for s in entry.get("manual_steps") or [] if s not in old_steps],
        "lapsed_attestations": _lapsed(before, entry),
    }
    if before is not None and not (
        change["direction"] != "same"
        or change["new_drift"]
        or change["new_manual_steps"]
        or change["lapsed_attestations"]
    ):
        return None
    return change


def _vanished(before, cells, current):
    """A failed cell for each previous cell of a tenant that failed now without reporting that vendor.

    A tenant that stopped before naming its vendors has no cell per vendor; compared by host and role
    alone, its regression would show as nothing at all.
    """
    failed = {t["host"]: t for t in current.get("tenants") or [] if t.get("status") == "failed"}
    return [
        (
            (host, role),
            (failed[host], dict(report._failed_entry(role, failed[host].get("failure") or {}), vendor=old["vendor"])),
        )
        for (host, role), (unused, old) in sorted(before.items())
        if host in failed and role != report.TENANT_CELL and (host, role) not in cells
    ]


def changes(previous, current):
    """The changes section of ``current`` against ``previous`` (both report documents), worse first."""
    before = _cells(previous)
    items = []
    cells = _cells(current)
    for (host, role), (tenant, entry) in list(cells.items()) + _vanished(before, cells, current):
        change = _cell_change(tenant, entry, before.get((host, role), (None, None))[1])
        if change:
            items.append(change)
    order = ("worse", "new", "same", "better")
    items.sort(key=lambda c: (order.index(c["direction"]), c["host"], c["role"]))
    current_hosts = {t["host"] for t in current.get("tenants") or []}
    return {
        "previous": {
            "generated_at": previous.get("generated_at"),
            "mode": previous.get("mode"),
            "tenants": len(previous.get("tenants") or []),
        },
        "worse": sum(1 for c in items if c["direction"] == "worse"),
        "better": sum(1 for c in items if c["direction"] == "better"),
        "items": items,
        # Not in this run: outside its --limit or slice, or removed from the inventory.
        "absent": sorted(t["host"] for t in previous.get("tenants") or [] if t["host"] not in current_hosts),
    }


def readable(doc):
    """Why a document is not a fleet report this code can compare or merge, or None when it is."""
    if not isinstance(doc, dict) or doc.get("schema") != report.SCHEMA:
        return "not an msp.autotask fleet report"
    if doc.get("schema_version") != report.SCHEMA_VERSION:
        return "schema version %r, this collection reads %d" % (doc.get("schema_version"), report.SCHEMA_VERSION)
    tenants = doc.get("tenants")
    if not isinstance(tenants, list) or not all(isinstance(t, dict) and t.get("host") for t in tenants):
        return "its tenants are malformed"
    for tenant in tenants:
        entries = tenant.get("vendors")
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("role") for e in entries):
            return "the vendors of tenant %s are malformed" % tenant["host"]
        if any(e.get("status") not in report.STATUSES for e in entries):
            return "tenant %s has a vendor with an unknown status" % tenant["host"]
        if tenant.get("status") not in report.STATUSES or any(set(ENTRY_KEYS) - set(e) for e in entries):
            return "tenant %s lacks fields every report has" % tenant["host"]
    return None
