# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The fleet report's checklist as one PSA ticket per tenant in the MSP's own Autotask (#16 item 7).

Pure functions turn a fleet report into the ticket each tenant should have (title, description,
open or complete); ``run`` finds the tickets already there by their external reference, plans
the writes, checks every id it will write before the first write, and writes unless in check
mode. A ticket is completed only for a tenant the report shows ``compliant``: a failed tenant's
ticket stays open with the reason. No Ansible import: the unit tests drive it with a client.
"""

from __future__ import annotations

import datetime
import json

from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._model import ModelError, PartFailed

REPORT_SCHEMA = "msp.autotask/fleet-report"
# Autotask's help lists each text field's limit ("Character limits of text fields",
# CharacterLimitsText.htm); 255 for a ticket's Title and 8,000 for its Description are our reading,
# not verified against that table. Longer text is cut, with a pointer to the report.
TITLE_LIMIT = 255
DESCRIPTION_LIMIT = 8000
# At most 500 OR conditions per query (D-THR, stated for SOAP): references are asked in chunks.
CHUNK = 200
READ_FIELDS = ["externalID", "title", "description", "status", "companyID", "queueID", "priority"]
COMPARED = ("title", "description", "companyID")


class TicketInputError(ModelError):
    """Input that cannot be right: raised before any write."""


def load_report(path):
    """The fleet report document at ``path``, refused unless it is one."""
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except OSError as exc:
        raise TicketInputError("cannot read the fleet report %s: %s" % (path, exc.strerror or exc)) from None
    except ValueError as exc:
        raise TicketInputError("the fleet report %s is not JSON: %s" % (path, exc)) from None
    if not isinstance(doc, dict) or doc.get("schema") != REPORT_SCHEMA or not isinstance(doc.get("tenants"), list):
        raise TicketInputError("%s is not a fleet report (schema %s)" % (path, REPORT_SCHEMA))
    return doc


def check_tenants(tenants):
    """The report's tenants, each with a host and a status; anything else is refused."""
    out = []
    for n, tenant in enumerate(tenants or []):
        if not isinstance(tenant, dict) or not tenant.get("host") or not tenant.get("status"):
            raise TicketInputError("tenant %d of the report has no host or status" % (n + 1))
        out.append(tenant)
    hosts = [t["host"] for t in out]
    twice = sorted({h for h in hosts if hosts.count(h) > 1})
    if twice:
        raise TicketInputError("the report lists %s more than once" % ", ".join(twice))
    return out


def refuse_a_tenants_database(tenants, tenant_id):
    """Tickets go to the MSP's own Autotask: a tenant_id that is a tenant of the report is refused."""
    if tenant_id in {t.get("tenant_id") for t in tenants if isinstance(t, dict)}:
        raise TicketInputError(
            "tenant_id %s is a tenant of the report: tickets go to the MSP's own Autotask, never to a tenant's;"
            " no ticket was written" % tenant_id
        )


def reference(host, prefix):
    """The ticket's external reference: stable for the tenant, whatever its title or company."""
    return "%s%s" % (prefix, host)


def title_for(tenant, prefix):
    name = tenant.get("name") or tenant["host"]
    return ("%s %s" % (prefix, name)).strip()[:TITLE_LIMIT]


def _row_line(row):
    parts = [str(row.get("property", "?"))]
    if "expected" in row:
        parts.append("expected %s" % json.dumps(row.get("expected"), sort_keys=True))
    if "observed" in row:
        parts.append("observed %s" % json.dumps(row.get("observed"), sort_keys=True))
    return "    - " + ", ".join(parts)


def description_for(tenant):
    """The tenant's open steps, as text that changes only when the steps do (no run time in it)."""
    lines = [
        "Integration-vendor API users of %s (inventory host %s, Autotask database %s): %s."
        % (tenant.get("name") or tenant["host"], tenant["host"], tenant.get("tenant_id"), tenant["status"]),
        "From the msp.autotask fleet report: each run updates this ticket and completes it once the"
        " tenant is compliant.",
    ]
    failure = tenant.get("failure") or {}
    if tenant["status"] == "failed" or failure:
        lines += ["", "The tenant could not be checked: %s" % (failure.get("msg") or "no reason recorded")]
    for entry in tenant.get("vendors") or []:
        label = entry.get("vendor") or entry.get("role") or "?"
        lines += ["", "%s (%s): %s" % (label, entry.get("role", "?"), entry.get("status", "?"))]
        if entry.get("error"):
            lines.append("  error: %s" % entry["error"])
        steps = entry.get("manual_steps") or []
        if steps:
            lines.append("  Manual steps:")
            lines += ["  %d. %s" % (n, step) for n, step in enumerate(steps, 1)]
        drift = entry.get("drift") or []
        if drift:
            lines.append("  Drift (the next onboard run fixes what the API allows):")
            lines += [_row_line(row) for row in drift]
    text = "\n".join(lines)
    if len(text) > DESCRIPTION_LIMIT:
        tail = "\n... cut at %d characters: see the fleet report for the rest." % DESCRIPTION_LIMIT
        text = text[: DESCRIPTION_LIMIT - len(tail)] + tail
    return text


def pick(found):
    """One ticket of those carrying a reference: an open one before a completed one, oldest first."""
    return sorted(found, key=lambda t: (t.get("_complete", False), t["id"]))[0] if found else None


def plan_one(tenant, existing, settings, company):
    """(action, before, after) for one tenant; action is create, update, reopen, complete or none.

    ``existing`` is the ticket found by the tenant's reference (or None); ``after`` holds only what
    this run sets. Only a compliant tenant's ticket is completed, and only an existing one.
    """
    complete_status = settings["status_complete"]
    if tenant["status"] == "compliant":
        if existing is None or existing.get("status") == complete_status:
            return "none", existing, {}
        return "complete", existing, {"status": complete_status, "resolution": settings["resolution"]}
    wanted = {
        "title": title_for(tenant, settings["title_prefix"]),
        "description": description_for(tenant),
        "companyID": company,
    }
    if existing is None:
        return "create", None, wanted
    after = {k: v for k, v in wanted.items() if existing.get(k) != v}
    if existing.get("status") == complete_status:
        # The tenant is not compliant again (or could not be checked): the ticket opens again.
        after["status"] = settings["status_open"]
        return "reopen", existing, after
    # A technician's own status (In Progress, Waiting ...) is left alone.
    return ("update" if after else "none"), existing, after


def new_ticket(after, ref, settings, today):
    due = today + datetime.timedelta(days=settings["due_days"])
    body = dict(
        after,
        externalID=ref,
        status=settings["status_open"],
        priority=settings["priority"],
        queueID=settings["queue_id"],
        dueDateTime=due.strftime("%Y-%m-%dT00:00:00Z"),
    )
    optional = {
        "ticketType": "ticket_type",
        "issueType": "issue_type",
        "subIssueType": "sub_issue_type",
        "billingCodeID": "billing_code_id",
        "assignedResourceID": "assigned_resource_id",
        "assignedResourceRoleID": "assigned_resource_role_id",
    }
    body.update({field: settings[key] for field, key in optional.items() if settings.get(key) is not None})
    return body


def find_tickets(client, refs):
    """Tickets by external reference: {reference: [tickets]} (one query per chunk of references)."""
    found = {}
    refs = sorted(refs)
    for start in range(0, len(refs), CHUNK):
        chunk = refs[start : start + CHUNK]
        for item in client.query(
            "Tickets", [{"op": "in", "field": "externalID", "value": chunk}], include_fields=READ_FIELDS
        ):
            found.setdefault(item.get("externalID"), []).append(item)
    return found


def picklist_values(client, names):
    """{field: set of values} from Tickets/entityInformation/fields for the fields named."""
    out = {}
    for field in client.fields("Tickets"):
        if field.get("name") in names:
            out[field["name"]] = {
                str(v.get("value")) for v in field.get("picklistValues") or [] if v.get("isActive", True)
            }
    return out


def check_ids(client, settings, companies):
    """Refuse, before any write, a status, priority, queue or company the MSP's Autotask lacks."""
    known = picklist_values(client, ("status", "priority", "queueID"))
    wrong = []
    for field, key in (
        ("status", "status_open"),
        ("status", "status_complete"),
        ("priority", "priority"),
        ("queueID", "queue_id"),
    ):
        if field in known and str(settings[key]) not in known[field]:
            wrong.append("%s %s is not in the MSP's Tickets %s picklist" % (key, settings[key], field))
    if companies:
        ids = sorted(set(companies.values()))
        there = set()
        for start in range(0, len(ids), CHUNK):
            there |= {
                c["id"]
                for c in client.query(
                    "Companies",
                    [{"op": "in", "field": "id", "value": ids[start : start + CHUNK]}],
                    include_fields=["companyName"],
                )
            }
        missing = sorted(h for h, c in companies.items() if c not in there)
        if missing:
            wrong.append(
                "no company in the MSP's Autotask has the id mapped for %s"
                % ", ".join("%s (%s)" % (h, companies[h]) for h in missing)
            )
    if wrong:
        raise TicketInputError("; ".join(wrong) + "; no ticket was written")


def _mapping(tenants, companies):
    """{host: company id} for every tenant that needs a ticket written; a missing one is refused."""
    needed = [t["host"] for t in tenants if t["status"] != "compliant"]
    missing = [h for h in needed if h not in companies]
    if missing:
        raise TicketInputError(
            "no company is mapped for %s: set msp_autotask_psa_company_id in the host's vars (or a key in "
            "msp_autotask_psa_companies) to the tenant's company id in the MSP's Autotask; no ticket was written"
            % ", ".join(sorted(missing))
        )
    out = {}
    for host in needed:
        try:
            out[host] = int(companies[host])
        except (TypeError, ValueError):
            raise TicketInputError(
                "the company id mapped for %s is not a number: %r" % (host, companies[host])
            ) from None
    return out


def _public(ticket):
    if ticket is None:
        return None
    return {k: ticket.get(k) for k in ["id", *READ_FIELDS]}


def run(client, tenants, settings, check_mode, today=None):
    """Plan and (unless ``check_mode``) write every tenant's ticket; returns the module's result.

    ``settings``: companies (host -> id), title_prefix, reference_prefix, status_open,
    status_complete, priority, queue_id, due_days, resolution and the optional ids of new_ticket.
    """
    tenants = check_tenants(tenants)
    companies = _mapping(tenants, settings.get("companies") or {})
    refs = {t["host"]: reference(t["host"], settings["reference_prefix"]) for t in tenants}
    found = find_tickets(client, refs.values())
    plans, warnings = [], []
    for tenant in sorted(tenants, key=lambda t: t["host"]):
        tickets = found.get(refs[tenant["host"]], [])
        for t in tickets:
            t["_complete"] = t.get("status") == settings["status_complete"]
        if len(tickets) > 1:
            warnings.append(
                "%d tickets carry the reference %s (ids %s); the run keeps to ticket %d"
                % (len(tickets), refs[tenant["host"]], ", ".join(str(t["id"]) for t in tickets), pick(tickets)["id"])
            )
        existing = pick(tickets)
        action, before, after = plan_one(tenant, existing, settings, companies.get(tenant["host"]))
        plans.append(
            {"host": tenant["host"], "status": tenant["status"], "action": action, "before": before, "after": after}
        )
    writing = [p for p in plans if p["action"] != "none"]
    if writing:
        check_ids(client, settings, {p["host"]: p["after"]["companyID"] for p in writing if "companyID" in p["after"]})
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    results = []
    for p in plans:
        ticket_id = p["before"]["id"] if p["before"] else None
        if p["action"] != "none" and not check_mode:
            try:
                if p["action"] == "create":
                    ticket_id = client.create("Tickets", new_ticket(p["after"], refs[p["host"]], settings, today))
                else:
                    client.update("Tickets", dict(p["after"], id=ticket_id))
            except AutotaskError as exc:
                # Say how far the run got: the tickets before this one are written.
                raise PartFailed(exc, tickets=results, failed_host=p["host"]) from None
        results.append({"host": p["host"], "tenant_status": p["status"], "action": p["action"], "ticket_id": ticket_id})
    written = [r["ticket_id"] for r in results if r["action"] != "none" and r["ticket_id"] is not None]
    end_state = {}
    if written and not check_mode:
        # Read back what was written: the result says what Autotask holds, not what was sent.
        back = {
            t["id"]: t
            for t in client.query(
                "Tickets", [{"op": "in", "field": "id", "value": written}], include_fields=READ_FIELDS
            )
        }
        end_state = {r["host"]: _public(back.get(r["ticket_id"])) for r in results if r["ticket_id"] in back}
    diff = {
        "before": {p["host"]: _public(p["before"]) for p in writing},
        "after": {p["host"]: dict(_public(p["before"]) or {}, **p["after"]) for p in writing},
    }
    by_action = {}
    for r in results:
        by_action.setdefault(r["action"], []).append(r["host"])
    return {
        "changed": bool(writing),
        "tickets": results,
        "by_action": by_action,
        "end_state": end_state,
        "diff": diff,
        "warnings": warnings,
    }
