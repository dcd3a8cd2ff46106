# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""One fleet report from the reports of several runs (AWX job slices, runs per region): pure functions."""

from __future__ import annotations

import copy
import json

from ansible_collections.msp.autotask.plugins.module_utils import _report as report
from ansible_collections.msp.autotask.plugins.module_utils import _report_changes as history

# Desired-state fields that name the tenant itself (the user's address is at the tenant's domain).
TENANT_SPECIFIC = ("email",)


def _canonical(desired):
    """A vendor's desired state with the tenant-specific fields left out, as comparable text."""
    desired = copy.deepcopy(desired)
    for part in desired.values():
        if isinstance(part, dict):
            for key in TENANT_SPECIFIC:
                part.pop(key, None)
    return json.dumps(desired, sort_keys=True, default=str)


def _desired_states(doc):
    """{role: {canonical desired state: desired state}} over the tenants a report assessed."""
    out = {}
    for tenant in doc["tenants"]:
        for entry in tenant["vendors"]:
            if entry.get("desired") and entry["status"] != "failed":
                out.setdefault(entry["role"], {})[_canonical(entry["desired"])] = entry["desired"]
    return out


def _differing_fields(one, other):
    """Which parts and fields of two desired states differ, as 'part.field' names."""
    fields = []
    for part in sorted(set(one) | set(other)):
        a, b = one.get(part) or {}, other.get(part) or {}
        if not isinstance(a, dict) or not isinstance(b, dict):
            fields += [part] if a != b else []
            continue
        fields += [
            "%s.%s" % (part, k) for k in sorted(set(a) | set(b)) if k not in TENANT_SPECIFIC and a.get(k) != b.get(k)
        ]
    return fields


def _check_desired(docs, sources):
    """Refuse reports whose vendors were run against different desired states (say which and where)."""
    states = [_desired_states(doc) for doc in docs]
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            for role in sorted(set(states[i]) & set(states[j])):
                if set(states[i][role]) & set(states[j][role]):
                    continue  # some tenant of each was held to the same desired state
                one, other = next(iter(states[i][role].values())), next(iter(states[j][role].values()))
                raise report.ReportError(
                    "the desired state of vendor %s differs between %s and %s (%s): merge reports of one run only"
                    % (role, sources[i], sources[j], ", ".join(_differing_fields(one, other)) or "its values")
                )


def _check_compatible(docs, sources):
    for doc, source in zip(docs, sources):
        problem = history.readable(doc)
        if problem:
            raise report.ReportError("%s: %s" % (source, problem))
    modes = {}
    for doc, source in zip(docs, sources):
        modes.setdefault(doc.get("mode"), []).append(source)
    if len(modes) > 1:
        raise report.ReportError(
            "reports of different modes cannot be merged: %s"
            % "; ".join("%s is %s" % (", ".join(names), mode) for mode, names in sorted(modes.items(), key=str))
        )
    seen = {}
    for doc, source in zip(docs, sources):
        for tenant in doc["tenants"]:
            if tenant["host"] in seen:
                raise report.ReportError(
                    "tenant %s is in both %s and %s: merge reports of disjoint slices"
                    % (tenant["host"], seen[tenant["host"]], source)
                )
            seen[tenant["host"]] = source
    _check_desired(docs, sources)


def merge(docs, sources, title=None):
    """One report of every tenant in ``docs`` (named by ``sources`` in messages), totals counted afresh.

    Refuses, with the reason, reports that are not fleet reports of this schema, of different modes,
    that share a tenant, or whose vendors were held to different desired states.
    """
    if not docs:
        raise report.ReportError("no report to merge")
    _check_compatible(docs, sources)
    tenants = [copy.deepcopy(t) for doc in docs for t in doc["tenants"]]
    stamps = [doc.get("generated_at") for doc in docs if doc.get("generated_at")]
    merged = report.document(
        tenants,
        title=title or docs[0].get("title") or "Autotask fleet report",
        mode=docs[0]["mode"],
        generated_at=max(stamps) if stamps else None,
    )
    merged["merged_from"] = [
        {"source": source, "generated_at": doc.get("generated_at"), "tenants": len(doc["tenants"])}
        for doc, source in zip(docs, sources)
    ]
    if any(doc.get("partial") for doc in docs):
        # A slice that stopped early leaves the merged report partial too.
        counts = [
            doc.get("partial") or {"finished": len(doc["tenants"]), "targeted": len(doc["tenants"])} for doc in docs
        ]
        merged["partial"] = {key: sum(c[key] for c in counts) for key in ("finished", "targeted")}
    return merged
