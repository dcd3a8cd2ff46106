# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The fleet report: pure functions from per-tenant role outcomes to JSON, Markdown and HTML.

The input is what the vendor_api_user role records per tenant (``vendor_api_user_results``) plus
the failure the fleet playbook caught, if any. Nothing here reads or writes files.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

from ansible_collections.msp.autotask.plugins.module_utils import _model as model

SCHEMA = "msp.autotask/fleet-report"
SCHEMA_VERSION = 1

# Worst first: a tenant's or a vendor's status is the worst of its parts.
STATUSES = ("failed", "drift", "manual", "compliant")
STATUS_LABELS = {
    "failed": "failed",
    "drift": "drift",
    "manual": "needs manual steps",
    "compliant": "compliant",
}
PARTS = ("security_level", "api_user", "protected_data")
# The cell of a failed tenant whose vendors are unknown, until they are assumed (see _stand_ins).
TENANT_CELL = "(tenant)"
# Row statuses that meet the desired state (for the alignment score): the model's compliant ones.
SATISFIED = tuple(s for s in model.STATUSES if s not in model.NOT_COMPLIANT)


class ReportError(ValueError):
    """Input the report cannot be built from."""


def worst(statuses):
    statuses = list(statuses)
    for status in STATUSES:
        if status in statuses:
            return status
    return "compliant"


def _rows(part):
    rows = part.get("verification") or []
    if not isinstance(rows, list):
        raise ReportError("verification must be a list")
    return [r for r in rows if isinstance(r, dict)]


def vendor_status(outcome):
    """'drift' when something observed contradicts the desired state, else 'manual' or 'compliant'."""
    parts = [p for p in (outcome.get("parts") or {}).values() if isinstance(p, dict)]
    drift = any(r.get("status") == "drift" for p in parts for r in _rows(p)) or any(
        p.get("over_granted") or p.get("attestation") == "void" for p in parts
    )
    if drift:
        return "drift"
    if all(p.get("compliant", False) for p in parts):
        return "compliant"
    return "manual"


def _attestation_block(outcome):
    """The inventory lines an operator pastes after the manual steps: {var, parts, yaml}."""
    var = outcome.get("attestation_var")
    wanted = {}
    for name in PARTS:
        part = (outcome.get("parts") or {}).get(name)
        if not isinstance(part, dict) or not part.get("fingerprint") or part.get("compliant"):
            continue
        if part.get("attestation") == "valid":
            continue
        if any(r.get("status") in ("unverifiable", "missing") for r in _rows(part)):
            wanted[name] = part["fingerprint"]
    if not wanted or not var:
        return None
    lines = ["%s:" % var]
    lines += [
        "  %s: {fingerprint: '%s', by: '<your name>', at: '<YYYY-MM-DD>'}" % (name, fp) for name, fp in wanted.items()
    ]
    return {"var": var, "parts": wanted, "yaml": "\n".join(lines)}


def _exceptions(outcome):
    out = []
    for name, part in sorted((outcome.get("parts") or {}).items()):
        for row in _rows(part):
            if row.get("exception"):
                out.append(dict(row["exception"], property=row.get("property"), part=name, expired=False))
            elif row.get("exception_expired"):
                out.append({"property": row.get("property"), "part": name, "expired": True, "note": row.get("note")})
    return out


def _attestations(parts):
    """Per part: whether its attestation counts (valid), or why not (stale, void with the cause)."""
    out = {}
    for name in PARTS:
        part = parts.get(name)
        if not isinstance(part, dict) or part.get("attestation") in (None, "none"):
            continue
        state = {"state": part["attestation"]}
        if part["attestation"] == "stale":
            state["reason"] = "the desired state changed since it was recorded"
        elif part["attestation"] == "void":
            state["reason"] = part.get("attestation_reason") or "an observation contradicts it"
        out[name] = state
    return out


def _attestation_lines(entry):
    return [
        "attestation of %s: %s%s" % (name, a["state"], " (%s)" % a["reason"] if a.get("reason") else "")
        for name, a in entry.get("attestations", {}).items()
    ]


def _greens(rows):
    """What the satisfied rows rest on: an API read now, a write this run, an operator, an exception."""
    basis = {"ok": "observed", "converged": "written", "attested": "attested", "excepted": "excepted"}
    out = dict.fromkeys(basis.values(), 0)
    for row in rows:
        if row.get("status") in basis:
            out[basis[row["status"]]] += 1
    return out


def _notice_lines(entry):
    """Lines every format shows beside the findings: the basis of the greens, extra links, warnings."""
    greens = entry.get("greens") or {}
    lines = []
    if any(greens.values()):
        lines.append(
            "green rows: %d observed through the API, %d written this run, %d attested, %d excepted"
            % (greens["observed"], greens["written"], greens["attested"], greens["excepted"])
        )
    lines += ["extra link: %s (%s)" % (r["property"], r.get("status")) for r in entry.get("extra_links") or []]
    lines += [
        "warning: %s: %s (observed %s)" % (r["property"], r["warning"], r.get("observed"))
        for r in entry.get("warnings") or []
    ]
    return lines


def _vendor_entry(outcome):
    if not isinstance(outcome, dict) or not outcome.get("vendor"):
        raise ReportError("each result needs a vendor")
    parts = {k: v for k, v in (outcome.get("parts") or {}).items() if isinstance(v, dict)}
    status = vendor_status(outcome)
    rows = [dict(r, part=name) for name, part in parts.items() for r in _rows(part)]
    summary = {}
    for row in rows:
        summary[row.get("status")] = summary.get(row.get("status"), 0) + 1
    steps = [s for name in PARTS for s in (parts.get(name) or {}).get("manual_steps") or []]
    return {
        "vendor": outcome["vendor"],
        "role": outcome.get("role") or outcome["vendor"],
        "status": status,
        "changed": bool(outcome.get("changed")),
        "manual_steps": steps if status != "compliant" else [],
        "attestation": _attestation_block(outcome) if status != "compliant" else None,
        "drift": [r for r in rows if r.get("status") == "drift"],
        "unknown": [r for r in rows if r.get("status") == "unknown"],
        "over_granted": [o for p in parts.values() for o in p.get("over_granted") or []],
        "exceptions": _exceptions(outcome),
        "attestations": _attestations(parts),
        "greens": _greens(rows),
        "extra_links": [r for r in rows if r.get("extra")],
        "warnings": [r for r in rows if r.get("warning")],
        "summary": summary,
        "rows": len(rows),
        "rows_satisfied": sum(1 for r in rows if r.get("status") in SATISFIED),
        "writes": sum(len(p.get("writes") or []) for p in parts.values()),
        "api_calls": sum(((p.get("api_calls") or {}).get("total") or 0) for p in parts.values()),
        "desired": outcome.get("desired") or {},
        "verification": rows,
    }


def build(tenants, title="Autotask fleet report", mode="onboard", generated_at=None, previous=None):
    """The report document (schema msp.autotask/fleet-report, version 1).

    ``previous``: the report of an earlier run, if any; a failed tenant whose vendors are unknown
    counts as failed for the vendors that report shows for it (see _stand_ins).
    """
    if not isinstance(tenants, list):
        raise ReportError("tenants must be a list")
    out_tenants = []
    for tenant in tenants:
        if not isinstance(tenant, dict) or not tenant.get("host"):
            raise ReportError("each tenant needs a host")
        failure = tenant.get("failure") or None
        entries = sorted((_vendor_entry(o) for o in tenant.get("results") or []), key=lambda e: e["role"])
        seen = {e["role"] for e in entries} | {e["vendor"] for e in entries}
        listed = tenant.get("vendors")
        for role in listed if isinstance(listed, list) else []:
            if role not in seen and failure:
                # The tenant stopped before this vendor ran.
                entries.append(_failed_entry(role, failure))
        if failure and not (isinstance(listed, list) and listed):
            # Its vendors are unknown: never let the vendors it did not report look unaffected.
            entries += _stand_ins(tenant["host"], entries, failure, previous)
        tenant_id = _database_id(tenant.get("tenant_id"))
        if tenant_id is None:
            tenant_id = next(
                (
                    _database_id(o.get("tenant_id"))
                    for o in tenant.get("results") or []
                    if _database_id(o.get("tenant_id"))
                ),
                None,
            )
        out_tenants.append(
            {
                "host": tenant["host"],
                "name": tenant.get("name") or tenant["host"],
                "tenant_id": tenant_id,
                "status": "failed" if failure else worst(e["status"] for e in entries),
                "failure": failure,
                "vendors": entries,
            }
        )
    return document(out_tenants, title=title, mode=mode, generated_at=generated_at)


def _stand_ins(host, entries, failure, previous):
    """Failed cells for the vendors the previous report shows for ``host`` that ``entries`` lacks.

    When that report does not know the host, one "(tenant)" cell, which document() turns into a failed
    cell for every vendor of the fleet: a false red rather than a vendor score raised by a failure.
    """
    seen = {e["role"] for e in entries}
    known = [
        e
        for t in (previous or {}).get("tenants") or []
        if t.get("host") == host
        for e in t.get("vendors") or []
        if e.get("role") != TENANT_CELL
    ]
    if not known:
        return [_failed_entry(TENANT_CELL, failure)]
    return [
        dict(_failed_entry(e["role"], failure), vendor=e.get("vendor") or e["role"], assumed="previous report")
        for e in known
        if e["role"] not in seen
    ]


def _fleet_stand_ins(tenants):
    """Each "(tenant)" cell (a failed tenant whose vendors are unknown) as a failed cell per fleet vendor."""
    fleet = sorted({e["role"] for t in tenants for e in t["vendors"] if e["role"] != TENANT_CELL})
    for tenant in tenants:
        cell = next((e for e in tenant["vendors"] if e["role"] == TENANT_CELL), None)
        seen = {e["role"] for e in tenant["vendors"]}
        missing = [role for role in fleet if role not in seen]
        if cell is None or (not missing and len(tenant["vendors"]) == 1):
            continue  # kept only for a tenant with no other cell in a fleet with no vendors: one cell at 0
        failure = tenant.get("failure") or {"msg": cell.get("error") or "failed"}
        tenant["vendors"].remove(cell)
        tenant["vendors"] += [dict(_failed_entry(role, failure), assumed="fleet") for role in missing]


def document(tenants, title, mode, generated_at):
    """The report around built tenant entries: names made uniform, tenants worst first, scores counted."""
    _fleet_stand_ins(tenants)
    names = {e["role"]: e["vendor"] for t in tenants for e in t["vendors"] if not e.get("error")}
    for t in tenants:
        for e in t["vendors"]:
            e["vendor"] = names.get(e["role"], e["vendor"])
    tenants.sort(key=lambda t: (STATUSES.index(t["status"]), t["host"]))
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "mode": mode,
        "generated_at": generated_at,
        "totals": _totals(tenants),
        "alignment": dict(_fleet_score(tenants), definition=ALIGNMENT_DEFINITION),
        "vendors": _vendor_scores(tenants),
        # Filled in against the previous report, when there is one (_report_changes).
        "changes": None,
        "tenants": tenants,
    }


def _database_id(value):
    """An Autotask database id, or None (older cores render an unset id as '' or 'None')."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _failed_entry(role, failure):
    return {
        "vendor": role,
        "role": role,
        "status": "failed",
        "changed": False,
        "manual_steps": [],
        "attestation": None,
        "drift": [],
        "unknown": [],
        "over_granted": [],
        "exceptions": [],
        "attestations": {},
        "greens": _greens([]),
        "extra_links": [],
        "warnings": [],
        "summary": {},
        "rows": 0,
        "rows_satisfied": 0,
        "writes": 0,
        "api_calls": 0,
        "desired": {},
        "verification": [],
        "error": failure.get("msg"),
    }


def _totals(tenants):
    by_status = dict.fromkeys(STATUSES, 0)
    for tenant in tenants:
        by_status[tenant["status"]] += 1
    cells = [v for t in tenants for v in t["vendors"]]
    return {
        "tenants": len(tenants),
        "by_status": by_status,
        "manual_steps": sum(len(v["manual_steps"]) for v in cells),
        "writes": sum(v["writes"] for v in cells),
        "api_calls": sum(v["api_calls"] for v in cells),
        "over_granted": sum(len(v["over_granted"]) for v in cells),
        "exceptions": sum(len(v["exceptions"]) for v in cells),
    }


# Shown beside the score in every format, and kept in the JSON, so the number never travels alone.
ALIGNMENT_DEFINITION = (
    "Alignment is the mean, over the vendor's tenants, of each tenant's share of desired properties met "
    "(observed, written this run, attested or excepted); a property not verified (unknown) is unmet; "
    "a failed tenant, or one that stopped before it was assessed, counts as 0, so a failure can only lower it; "
    "a failed tenant whose vendors are unknown counts as 0 for every vendor the previous report shows for it, "
    "or, without one, for every vendor of the fleet"
)


def _cell_share(entry):
    """One tenant-vendor cell's share of desired properties met; 0 for a cell that was not assessed."""
    if entry["status"] == "failed":
        return 0.0
    if entry["rows"]:
        return entry["rows_satisfied"] / entry["rows"]
    return 1.0 if entry["status"] == "compliant" else 0.0


def _score(cells):
    """The alignment of some cells with the counts it rests on."""
    assessed = [c for c in cells if c["status"] != "failed"]
    return {
        "alignment": round(sum(_cell_share(c) for c in cells) / len(cells), 4) if cells else 0.0,
        "assessed": len(assessed),
        "failed": len(cells) - len(assessed),
        "rows": sum(c["rows"] for c in assessed),
        "rows_satisfied": sum(c["rows_satisfied"] for c in assessed),
    }


def _vendor_scores(tenants):
    by_role = {}
    for tenant in tenants:
        for entry in tenant["vendors"]:
            if entry["role"] != TENANT_CELL:
                by_role.setdefault(entry["role"], []).append(entry)
    out = []
    for role, cells in by_role.items():
        by_status = dict.fromkeys(STATUSES, 0)
        for cell in cells:
            by_status[cell["status"]] += 1
        out.append(
            dict(
                {"vendor": cells[0]["vendor"], "role": role, "tenants": len(cells)},
                compliant=by_status["compliant"],
                by_status=by_status,
                **_score(cells),
            )
        )
    return sorted(out, key=lambda s: s["vendor"].lower())


def _fleet_score(tenants):
    """Every tenant-vendor cell; a tenant that stopped before naming its vendors is one cell at 0."""
    return _score([e for t in tenants for e in t["vendors"]])


def _score_counts(score):
    """The counts beside a score, as one line of text."""
    text = "%d of %d properties met on %d assessed" % (score["rows_satisfied"], score["rows"], score["assessed"])
    return text + (", %d failed (counted as 0)" % score["failed"] if score["failed"] else "")


# -- renderers ----------------------------------------------------------------------------------


def to_json(report):
    return json.dumps(report, indent=2, sort_keys=False, ensure_ascii=False, default=str) + "\n"


# Text from the API (user names, location and department names, messages quoting them) goes into
# files meant to be pasted into tickets and opened in browsers, so it is rendered inert there.
# Characters that change how a line reads without being seen (bidirectional overrides,
# zero-width marks, soft hyphens) and control characters are shown as their code points.
_HIDDEN = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
# Markdown that acts anywhere in a line; `_` only at a word's edge (inside a word it is text).
_MD_INLINE = re.compile(r"[\\`*~\[\]<|#]|&(?=#?\w+;)|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# Markdown that acts where a value opens a line or a list item: quotes, list markers, rules.
_MD_LEADING = re.compile(r"^([->+=]|\d+(?=[.)]))")


def plain(value):
    """One line of visible text: hidden characters spelt out, every run of whitespace one space."""
    text = "" if value is None else str(value)
    text = _HIDDEN.sub(lambda m: "{U+%04X}" % ord(m.group()), text)
    return " ".join(text.split())


def _md(value):
    """A value as inert Markdown text: it cannot open a heading, list, checkbox, fence, table cell or tag."""
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(), plain(value))
    return _MD_LEADING.sub(lambda m: m.group() + "\\" if m.group().isdigit() else "\\" + m.group(), text)


def _md_code(value):
    """A value as a code span, its backtick fence longer than any run of backticks inside."""
    text = plain(value)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return "%s %s %s" % (fence, text, fence)


def _md_fence(text):
    """A fence for a code block that no line of ``text`` can close."""
    return "`" * max(3, max((len(run) for run in re.findall("`+", text)), default=0) + 1)


def _scored(vendors):
    """Vendor scores with their counts, also for a report written before the counts were kept."""
    keys = ("failed", "assessed", "rows", "rows_satisfied")
    return [dict({k: v.get(k, 0) for k in keys}, **v) for v in vendors]


def _alignment_note(report):
    fleet = report.get("alignment")
    if not fleet:
        return "alignment: the share of desired properties met (a report from before the score was defined)"
    return "Fleet alignment %s (%s). %s." % (_pct(fleet["alignment"]), _score_counts(fleet), fleet["definition"])


def _pct(value):
    return "%d%%" % round(value * 100)


def _cell(entry):
    return STATUS_LABELS[entry["status"]] + (" (changed)" if entry["changed"] else "")


def _md_item(template, *values):
    """A list item: our template, each value in it inert."""
    return "- " + template % tuple(_md(v) for v in values)


def _md_findings(entry):
    """A vendor's findings as Markdown list items."""
    lines = [
        _md_item("drift: %s — expected %s, observed %s", r["property"], r["expected"], r["observed"])
        + (" (%s)" % _md(r["note"]) if r.get("note") else "")
        for r in entry["drift"]
    ]
    lines += [_md_item("not verified (a read failed): %s", r["property"]) for r in entry["unknown"]]
    lines += [
        _md_item(
            "over-granted: %s %s is %s, the table allows %s", o["entity"], o["operation"], o["observed"], o["allowed"]
        )
        for o in entry["over_granted"]
    ]
    lines += [
        _md_item("exception expired: %s (%s)", x["property"], x.get("note"))
        if x["expired"]
        else _md_item("exception until %s: %s — %s (owner %s)", x["expires"], x["property"], x["reason"], x["owner"])
        for x in entry["exceptions"]
    ]
    lines += [_md_item("%s", line) for line in _attestation_lines(entry) + _notice_lines(entry)]
    return lines


def _md_vendor(entry):
    """One vendor's Markdown: its findings, the checklist and the attestation block."""
    lines = ["", "### %s: %s" % (_md(entry["vendor"]), _md(_cell(entry)))]
    if entry.get("error"):
        lines.append("- not run: the tenant failed first")
    if entry.get("assumed"):
        lines.append("- assumed from the %s: the tenant failed before naming its vendors" % entry["assumed"])
    lines += _md_findings(entry)
    lines += ["- [ ] %s" % _md(step) for step in entry["manual_steps"]]
    if entry["attestation"]:
        block = entry["attestation"]["yaml"]
        fence = _md_fence(block)
        lines += ["", "Record in the tenant's host vars once done:", "", fence + "yaml", block, fence]
    return lines


def _change_text(change):
    """One tenant-vendor change as a line of text: the status move, then what is new."""
    where = "%s, %s" % (change["name"], change["vendor"])
    if change["direction"] == "new":
        text = "new in this report: %s: %s" % (where, STATUS_LABELS[change["to"]])
    elif change["direction"] == "same":
        text = "%s: still %s" % (where, STATUS_LABELS[change["to"]])
    else:
        text = "%s: %s: %s -> %s" % (
            change["direction"],
            where,
            STATUS_LABELS[change["from"]],
            STATUS_LABELS[change["to"]],
        )
    news = ["newly drifted"] if change["newly_drifted"] else []
    news += ["newly compliant"] if change["newly_compliant"] else []
    news += ["new drift: %s" % ", ".join(plain(p) for p in change["new_drift"])] if change["new_drift"] else []
    if change["new_manual_steps"]:
        news.append("new manual steps: %d" % len(change["new_manual_steps"]))
    news += ["attestation of %s went %s" % (a["part"], a["state"]) for a in change["lapsed_attestations"]]
    return text + ("; " + "; ".join(news) if news else "")


def _changes_heading(changes):
    before = changes["previous"]
    return "Since the previous report (%s, %s): %d worse, %d better" % (
        before.get("mode") or "?",
        before.get("generated_at") or "undated",
        changes["worse"],
        changes["better"],
    )


def _changes_lines(changes):
    lines = [_change_text(c) for c in changes["items"]] or ["no tenant or vendor changed"]
    if changes["absent"]:
        lines.append("not in this run: %s" % ", ".join(plain(h) for h in changes["absent"]))
    return lines


def _md_changes(changes):
    if not changes:
        return []
    return ["", "## %s" % _md(_changes_heading(changes)), ""] + [
        _md_item("%s", line) for line in _changes_lines(changes)
    ]


def partial_notice(report):
    """What a partial report (written while tenants were still finishing) must say first, or None."""
    partial = report.get("partial")
    if not partial:
        return None
    return (
        "Partial report: %d of %d tenants had finished when it was written. A run that finishes replaces it "
        "with the full report; if the run has ended, it stopped early (interrupted or failed), and each tenant "
        "that had not finished is shown as failed." % (partial["finished"], partial["targeted"])
    )


def to_markdown(report):
    t = report["totals"]
    lines = [
        "# %s" % _md(report["title"]),
        "",
        "Run: %s, %s. Tenants: %d — %s."
        % (
            _md(report["mode"]),
            _md(report.get("generated_at") or ""),
            t["tenants"],
            ", ".join("%d %s" % (t["by_status"][s], STATUS_LABELS[s]) for s in STATUSES),
        ),
    ]
    if partial_notice(report):
        lines += ["", "**%s**" % _md(partial_notice(report))]
    lines += _md_changes(report.get("changes"))
    lines += [
        "",
        "| vendor | tenants | compliant | failed | alignment | properties met |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    lines += [
        "| %s | %d | %d | %d | %s | %s |"
        % (_md(v["vendor"]), v["tenants"], v["compliant"], v["failed"], _pct(v["alignment"]), _md(_score_counts(v)))
        for v in _scored(report["vendors"])
    ]
    lines += ["", _md(_alignment_note(report))]
    for tenant in report["tenants"]:
        heading = "%s (%s): %s" % (tenant["name"], tenant["tenant_id"] or "?", STATUS_LABELS[tenant["status"]])
        lines += ["", "## %s" % _md(heading)]
        if tenant["failure"]:
            failure = tenant["failure"]
            lines += ["", "**Failed** at %s: %s" % (_md_code(failure.get("task") or "?"), _md(failure["msg"]))]
        for entry in tenant["vendors"]:
            if entry["role"] == TENANT_CELL:
                continue
            lines += _md_vendor(entry)
    return "\n".join(lines) + "\n"


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2733;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#556;margin-bottom:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0 20px}
.card{border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;margin:8px 0 16px}
th,td{border:1px solid #cfd6de;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#f1f4f7}
td.s{font-weight:600;white-space:nowrap}
.compliant{background:#dff3e4;color:#14532d}.manual{background:#fff4cc;color:#6b4e00}
.drift{background:#ffe1c7;color:#7a2e00}.failed{background:#fbd5d5;color:#7f1d1d}.none{color:#99a}
ul.steps{list-style:none;padding-left:0}ul.steps li:before{content:"\\2610  "}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre-wrap}
.tenant{border-top:1px solid #dde3e9;padding-top:4px}
h2,h3,th,td,li,p{overflow-wrap:anywhere}
"""


def _e(value):
    """A value as HTML text on one line, hidden characters spelt out."""
    return html.escape(plain(value))


def _html_tenant(tenant):
    """One tenant's section: its failure, then each vendor's findings and checklist."""
    out = []
    out.append(
        '<section class="tenant" id="t-%s"><h2>%s <small>(database %s)</small> &mdash; '
        '<span class="%s">%s</span></h2>'
        % (
            _e(tenant["host"]),
            _e(tenant["name"]),
            _e(tenant["tenant_id"] or "?"),
            tenant["status"],
            _e(STATUS_LABELS[tenant["status"]]),
        )
    )
    if tenant["failure"]:
        out.append(
            '<p class="failed error">Failed at <code>%s</code>: %s</p>'
            % (_e(tenant["failure"].get("task") or "?"), _e(tenant["failure"]["msg"]))
        )
    for entry in tenant["vendors"]:
        if entry["role"] == TENANT_CELL or entry.get("error"):
            continue
        out.append('<h3>%s: <span class="%s">%s</span></h3>' % (_e(entry["vendor"]), entry["status"], _e(_cell(entry))))
        findings = [
            "drift: %s &mdash; expected %s, observed %s" % (_e(r["property"]), _e(r["expected"]), _e(r["observed"]))
            for r in entry["drift"]
        ]
        findings += ["not verified (a read failed): %s" % _e(r["property"]) for r in entry["unknown"]]
        findings += [
            "over-granted: %s %s is %s, the table allows %s"
            % (_e(o["entity"]), _e(o["operation"]), _e(o["observed"]), _e(o["allowed"]))
            for o in entry["over_granted"]
        ]
        findings += [
            "exception expired: %s" % _e(x["property"])
            if x["expired"]
            else "exception until %s: %s &mdash; %s (owner %s)"
            % (_e(x["expires"]), _e(x["property"]), _e(x["reason"]), _e(x["owner"]))
            for x in entry["exceptions"]
        ]
        findings += [_e(line) for line in _attestation_lines(entry) + _notice_lines(entry)]
        if findings:
            out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % f for f in findings))
        if entry["manual_steps"]:
            out.append('<ul class="steps">%s</ul>' % "".join("<li>%s</li>" % _e(s) for s in entry["manual_steps"]))
        if entry["attestation"]:
            out.append(
                "<p>Record in the tenant's host vars once done:</p><pre>%s</pre>"
                % html.escape(entry["attestation"]["yaml"])
            )
    out.append("</section>")
    return out


def _html_changes(changes):
    """The 'since the previous report' section, each change a list item classed by its direction."""
    if not changes:
        return []
    out = ['<section id="changes"><h2>%s</h2><ul>' % _e(_changes_heading(changes))]
    out += ['<li class="%s">%s</li>' % (c["direction"], _e(_change_text(c))) for c in changes["items"]]
    # What _changes_lines adds after the items: "no change" or the tenants not in this run.
    out += ["<li>%s</li>" % _e(line) for line in _changes_lines(changes)[len(changes["items"]) :]]
    out.append("</ul></section>")
    return out


def to_html(report):
    t = report["totals"]
    vendors = [(v["role"], v["vendor"]) for v in report["vendors"]]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s</title><style>%s</style></head><body>" % (_e(report["title"]), _CSS),
        "<h1>%s</h1>" % _e(report["title"]),
        '<div class="meta">Run: %s, %s &middot; %d tenants &middot; %d manual steps &middot; %d API writes</div>'
        % (_e(report["mode"]), _e(report.get("generated_at")), t["tenants"], t["manual_steps"], t["writes"]),
        '<div class="cards">',
    ]
    out += [
        '<div class="card %s" id="count-%s"><b>%d</b>%s</div>' % (s, s, t["by_status"][s], _e(STATUS_LABELS[s]))
        for s in STATUSES
    ]
    out.append("</div>")
    if partial_notice(report):
        out.append('<p class="failed" id="partial">%s</p>' % _e(partial_notice(report)))
    out += _html_changes(report.get("changes"))
    out += ["<h2>Tenants &times; vendors</h2>", '<table id="matrix"><thead><tr><th>tenant</th>']
    out += ["<th>%s</th>" % _e(name) for _role, name in vendors] + ["</tr></thead><tbody>"]
    for tenant in report["tenants"]:
        by_role = {e["role"]: e for e in tenant["vendors"]}
        out.append(
            '<tr data-tenant="%s"><th><a href="#t-%s">%s</a></th>'
            % (_e(tenant["host"]), _e(tenant["host"]), _e(tenant["name"]))
        )
        for role, _name in vendors:
            entry = by_role.get(role)
            if entry is None and tenant["failure"] and TENANT_CELL in by_role:
                entry = by_role[TENANT_CELL]
            if entry is None:
                out.append('<td class="none" data-vendor="%s">&ndash;</td>' % _e(role))
            else:
                out.append('<td class="s %s" data-vendor="%s">%s</td>' % (entry["status"], _e(role), _e(_cell(entry))))
        out.append("</tr>")
    out += ["</tbody></table>", "<h2>Alignment by vendor</h2>", '<table id="vendors"><thead><tr>']
    out += ["<th>vendor</th><th>tenants</th><th>compliant</th><th>failed</th><th>alignment</th>"]
    out += ["<th>properties met</th></tr></thead><tbody>"]
    out += [
        "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td></tr>"
        % (_e(v["vendor"]), v["tenants"], v["compliant"], v["failed"], _pct(v["alignment"]), _e(_score_counts(v)))
        for v in _scored(report["vendors"])
    ]
    out.append('</tbody></table><p class="meta" id="alignment">%s</p>' % _e(_alignment_note(report)))
    out.append("<h2>Per tenant</h2>")
    for tenant in report["tenants"]:
        out += _html_tenant(tenant)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "tenant",
    "host",
    "tenant_id",
    "vendor",
    "role",
    "status",
    "change",
    "open_steps",
    "exception_owner",
    "exception_expires",
    "failure",
)
# A spreadsheet runs a cell that opens with one of these as a formula (CSV injection).
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    """A value as an inert spreadsheet cell: one line, hidden characters spelt out, never a formula."""
    text = plain(value)
    return "'" + text if text.startswith(_FORMULA_LEAD) else text


def _csv_rows(report):
    changes = {(c["host"], c["role"]): c["direction"] for c in (report.get("changes") or {}).get("items") or []}
    for tenant in report["tenants"]:
        for entry in tenant["vendors"]:
            live = [x for x in entry["exceptions"] if not x["expired"]]
            yield (
                tenant["name"],
                tenant["host"],
                tenant["tenant_id"] if tenant["tenant_id"] is not None else "",
                entry["vendor"],
                entry["role"],
                STATUS_LABELS[entry["status"]],
                changes.get((tenant["host"], entry["role"]), ""),
                len(entry["manual_steps"]),
                "; ".join(sorted({plain(x.get("owner")) for x in live})),
                "; ".join(sorted({plain(x.get("expires")) for x in live})),
                (tenant["failure"] or {}).get("msg") or entry.get("error") or "",
            )


def to_csv(report):
    """One row per tenant and vendor, for spreadsheets and ticket imports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_csv_cell(v) for v in row] for row in _csv_rows(report))
    return buffer.getvalue()


RENDERERS = {
    "json": (to_json, "json"),
    "markdown": (to_markdown, "md"),
    "html": (to_html, "html"),
    "csv": (to_csv, "csv"),
}
